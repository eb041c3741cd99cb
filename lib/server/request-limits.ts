/** The BEHAVIOUR §5 rate limits of one node: logins per uid, requests per session. */
import { ChannelAttributeRates } from '../protocol/channel-attribute-limits.js';
import { RateLimits, type RateLimit } from '../protocol/limits.js';
import { RateLimiter } from './rate-limiter.js';

/**
 * Requests a session may make at a limited rate (BEHAVIOUR §5); messages
 * and member count queries are counted apart, exactly (server-session.ts).
 */
export type LimitedOp =
  Exclude<keyof typeof RateLimits, 'login' | 'messages'> | 'renew' | 'setChannelAttributes' | 'getChannelAttributes';

/** Renewals count as logins do. */
const RENEW: RateLimit = RateLimits.login;

export class RequestLimits {
  private readonly logins: RateLimiter;
  private readonly requests: Record<LimitedOp, RateLimiter>;

  constructor(now: number) {
    const limiter = ({ limit, windowMs }: RateLimit) => new RateLimiter(limit, windowMs, now);
    this.logins = limiter(RateLimits.login);
    this.requests = {
      renew: limiter(RENEW),
      join: limiter(RateLimits.join),
      getMembers: limiter(RateLimits.getMembers),
      queryOnline: limiter(RateLimits.queryOnline),
      setAttributes: limiter(RateLimits.setAttributes),
      getAttributes: limiter(RateLimits.getAttributes),
      setChannelAttributes: limiter(ChannelAttributeRates.write),
      getChannelAttributes: limiter(ChannelAttributeRates.read),
    };
  }

  /** Counts a login of the user (`app\nuid`); false when over the rate. */
  login(user: string, now: number): boolean {
    return this.logins.take(user, now);
  }

  /** Counts a request of the session; false when over its rate. */
  take(op: LimitedOp, session: string, now: number): boolean {
    return this.requests[op].take(session, now);
  }
}
