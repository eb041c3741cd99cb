/**
 * One client connection: decodes its frames, checks every request against
 * the BEHAVIOUR §5 limits, carries it out through the registry and the store,
 * and answers it. Bad input gets an error for this connection only and
 * changes nothing; nothing a client sends can throw out of here.
 *
 * Requests are handled one after another in arrival order, even when the
 * store answers asynchronously; pings and pongs skip the queue, since they
 * change nothing and the heartbeat must not wait behind a slow store.
 */
import { decodeClientFrame, encodeEventBody } from '../protocol/codec.js';
import { CloseCode } from '../protocol/close-code.js';
import { ErrorCode } from '../protocol/error-code.js';
import { AttributeOp, PeerStatus, type ClientFrame, type ReplyFrame } from '../protocol/frames.js';
import {
  ChannelAttributeRates,
  channelAttributesProblem,
  countedChannelsProblem,
} from '../protocol/channel-attribute-limits.js';
import { attributeKeysProblem, attributesProblem, Limits, RateLimits } from '../protocol/limits.js';
import { nameProblem } from '../protocol/names.js';
import { refusal, type Refusal } from '../protocol/refusal.js';
import { wireMessage, wireMessageProblem } from '../protocol/wire-message.js';
import type { SendOutcome, StoreResult } from '../store/presence-store.js';
import { callRequest, sharedCallRequest } from './invitation-requests.js';
import type { Peer } from './peer.js';
import type { ServerSession } from './server-session.js';
import type { LimitedOp } from './request-limits.js';
import type { SessionRegistry } from './session-registry.js';

type Request = Exclude<ClientFrame, { t: 'login' | 'ping' | 'pong' | 'logout' }>;

const BARE_PING = '{"t":"ping"}';
const PONG = '{"t":"pong"}';

export class Connection {
  private session: ServerSession | undefined;
  /** Set once this connection has closed its socket: frames still in flight are ignored. */
  private closing = false;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly peer: Peer,
    private readonly registry: SessionRegistry,
    private readonly clock: { wall(): number; monotonic(): number },
    private readonly onError: (error: unknown) => void,
  ) {}

  /** True once a login succeeded on this connection. */
  get loggedIn(): boolean {
    return this.session !== undefined;
  }

  receive(data: unknown): void {
    if (this.closing) return;
    if (this.session?.live) {
      this.registry.heard(this.session);
      // A quiet session's heartbeat is always one of these exact texts: handled without decoding.
      if (data === PONG) return;
      if (data === BARE_PING) {
        this.peer.sendText(PONG);
        return;
      }
    }
    const decoded = decodeClientFrame(data);
    if (!decoded.ok) {
      // A malformed request that still names its id gets a reply the sender can match.
      this.peer.send(
        decoded.id === undefined
          ? { t: 'error', code: ErrorCode.ProtocolError, message: decoded.problem }
          : { t: 'fail', id: decoded.id, code: ErrorCode.ProtocolError, message: decoded.problem },
      );
      return;
    }
    const frame = decoded.frame;
    if ((frame.t === 'ping' || frame.t === 'pong') && this.session?.live) {
      if (frame.ack !== undefined) this.session.events.ack(frame.ack);
      if (frame.t === 'ping') this.peer.sendText(PONG);
      return;
    }
    this.queue = this.queue.then(() => this.handle(frame)).catch(this.onError);
  }

  /** The socket closed: the session, if any, starts its grace. */
  closed(): void {
    if (this.session) this.registry.detach(this.session, this.peer);
  }

  private async handle(frame: ClientFrame): Promise<void> {
    if (this.closing) return;
    if (frame.t === 'login') return this.login(frame);
    const session = this.session;
    if (!session?.live) {
      this.peer.send({ t: 'error', code: ErrorCode.NotLoggedIn, message: `'${frame.t}' before login` });
      return;
    }
    if (frame.t === 'ping' || frame.t === 'pong') return; // handled on arrival
    if (frame.t === 'logout') {
      this.closing = true;
      await this.registry.logout(session);
      return;
    }
    const reply = await this.request(session, frame);
    if ('ok' in reply) this.peer.send({ t: 'fail', id: frame.id, code: reply.code, message: reply.message });
    else this.peer.send(reply);
    // A subscription starts with the current status of its peers, as an event.
    if (frame.t === 'subscribe' && !('ok' in reply) && frame.uids.length > 0) {
      const statuses = await this.registry.store.statuses(session.appId, frame.uids);
      session.deliver(encodeEventBody({ t: 'status', statuses }));
    }
  }

  /** Carries out a request; a refusal changes nothing. */
  private async request(session: ServerSession, frame: Request): Promise<ReplyFrame | Refusal> {
    const { store, fanout } = this.registry;
    const { appId, uid, id: sessionId } = session;
    const id = frame.id;
    switch (frame.t) {
      case 'renew': {
        const result = this.registry.renew(session, frame.token);
        if (!result.ok) return result;
        return { t: 'renewed', id, tokenExpiresInMs: result.expiresAt - this.clock.wall() };
      }
      case 'join': {
        const refused = checkName('channel id', frame.channel) ?? this.limit('join', session);
        if (refused) return refused;
        const result = await store.join(appId, uid, sessionId, frame.channel);
        if (!result.ok) return result;
        if (session.live) fanout.joined(session, frame.channel);
        return { t: 'joined', id, members: result.value };
      }
      case 'leave': {
        const refused = checkName('channel id', frame.channel);
        if (refused) return refused;
        await store.leave(appId, uid, sessionId, frame.channel);
        fanout.left(session, frame.channel);
        return { t: 'done', id };
      }
      case 'members': {
        const refused = checkName('channel id', frame.channel) ?? this.limit('getMembers', session);
        if (refused) return refused;
        if (!session.channels.has(frame.channel))
          return refusal(ErrorCode.NotJoined, `channel ${frame.channel} is not joined`);
        return { t: 'members', id, members: await store.members(appId, frame.channel) };
      }
      case 'attrs': {
        const writes = frame.op === AttributeOp.Set || frame.op === AttributeOp.Merge;
        const refused =
          (writes ? attributesProblem(frame.attributes ?? {}) : undefined) ??
          (frame.op === AttributeOp.Delete ? attributeKeysProblem(frame.keys ?? []) : undefined) ??
          this.limit('setAttributes', session);
        if (refused) return refused;
        // Checked above: an object of strings.
        const attributes = (writes ? frame.attributes : undefined) as Record<string, string> | undefined;
        const result = await store.writeAttributes(appId, uid, sessionId, frame.op, attributes ?? {}, frame.keys ?? []);
        if (!result.ok) return result;
        return { t: 'done', id };
      }
      case 'getAttrs': {
        const refused =
          checkName('uid', frame.uid) ??
          (frame.keys ? attributeKeysProblem(frame.keys) : undefined) ??
          this.limit('getAttributes', session);
        if (refused) return refused;
        return { t: 'attributes', id, attributes: await store.readAttributes(appId, frame.uid, frame.keys) };
      }
      case 'setChanAttrs': {
        const writes = frame.op === AttributeOp.Set || frame.op === AttributeOp.Merge;
        const refused =
          checkName('channel id', frame.channel) ??
          (writes ? channelAttributesProblem(frame.attributes ?? {}) : undefined) ??
          (frame.op === AttributeOp.Delete ? attributeKeysProblem(frame.keys ?? []) : undefined) ??
          this.limit('setChannelAttributes', session);
        if (refused) return refused;
        // Checked above: an object of strings.
        const attributes = ((writes ? frame.attributes : undefined) ?? {}) as Record<string, string>;
        const write = { op: frame.op, attributes, keys: frame.keys ?? [], by: uid, ts: this.clock.wall() };
        const result = await store.writeChannelAttributes(
          appId,
          sessionId,
          frame.channel,
          write,
          frame.notify === true,
        );
        return result.ok ? { t: 'done', id } : result;
      }
      case 'getChanAttrs': {
        const refused =
          checkName('channel id', frame.channel) ??
          (frame.keys ? attributeKeysProblem(frame.keys) : undefined) ??
          this.limit('getChannelAttributes', session);
        if (refused) return refused;
        const attributes = await store.readChannelAttributes(appId, frame.channel, frame.keys);
        return { t: 'chanAttributes', id, attributes };
      }
      case 'counts': {
        const refused = checkCountedChannels(frame.channels);
        if (refused) return refused;
        if (!session.memberCountRate.take(this.clock.monotonic())) {
          const { limit, windowMs } = ChannelAttributeRates.memberCount;
          return refusal(ErrorCode.TooOften, `more than ${limit} member count queries in ${windowMs} ms`);
        }
        return { t: 'counts', id, counts: await store.memberCounts(appId, frame.channels) };
      }
      case 'query': {
        const refused = checkPeers(frame.uids) ?? this.limit('queryOnline', session);
        if (refused) return refused;
        const statuses = await store.statuses(appId, frame.uids);
        return {
          t: 'online',
          id,
          online: Object.fromEntries(
            Object.entries(statuses).map(([peer, status]) => [peer, status !== PeerStatus.Offline]),
          ),
        };
      }
      case 'subscribe': {
        const refused = checkPeers(frame.uids);
        if (refused) return refused;
        const added = frame.uids.filter((peer) => !session.subscriptions.has(peer));
        if (session.subscriptions.size + new Set(added).size > Limits.subscribedPeers) {
          return refusal(ErrorCode.LimitExceeded, `more than ${Limits.subscribedPeers} subscribed peers`);
        }
        for (const peer of added) fanout.subscribe(session, peer);
        return { t: 'done', id };
      }
      case 'unsubscribe': {
        const refused = checkPeers(frame.uids);
        if (refused) return refused;
        for (const peer of frame.uids) fanout.unsubscribe(session, peer);
        return { t: 'done', id };
      }
      case 'sendPeer':
      case 'sendChannel': {
        const refused =
          (frame.t === 'sendPeer' ? checkName('uid', frame.to) : checkName('channel id', frame.channel)) ??
          wireMessageProblem(frame);
        if (refused) return refused;
        const outcome = await this.sendMessage(session, frame);
        if (!outcome.ok) return outcome;
        return frame.t === 'sendPeer' ? { t: 'sent', id, received: outcome.value.received } : { t: 'done', id };
      }
      case 'invite':
      case 'callCancel':
      case 'callAnswer': {
        const shared = this.registry.sharedInvitations;
        if (shared) return sharedCallRequest(shared, session, frame);
        return callRequest(this.registry.invitations, session, frame, (to) => this.registry.held(appId, to));
      }
    }
  }

  /**
   * Counts a message against the session's 180 in 3 s and has the store
   * send it once per id. A repeat (the client re-sent it on a resumed
   * link) and a refusal are not counted; a repeat over the rate is still
   * answered as the first time, since it was sent then.
   */
  private async sendMessage(
    session: ServerSession,
    frame: Extract<Request, { t: 'sendPeer' | 'sendChannel' }>,
  ): Promise<StoreResult<SendOutcome>> {
    const { store } = this.registry;
    const { appId, uid, id: sessionId } = session;
    if (!session.messageRate.take(this.clock.monotonic())) {
      const before = await store.sentBefore(appId, uid, sessionId, frame.id);
      const { limit, windowMs } = RateLimits.messages;
      return before
        ? { ok: true, value: before }
        : refusal(ErrorCode.TooOften, `more than ${limit} messages in ${windowMs} ms`);
    }
    const send = { id: frame.id, message: { from: uid, message: wireMessage(frame), ts: this.clock.wall() } };
    const outcome =
      frame.t === 'sendPeer'
        ? await store.sendToPeer(appId, uid, sessionId, { ...send, to: frame.to, offline: frame.offline === true })
        : await store.sendToChannel(appId, uid, sessionId, { ...send, channel: frame.channel });
    if (!outcome.ok || outcome.value.repeated) session.messageRate.untake();
    return outcome;
  }

  private limit(op: LimitedOp, session: ServerSession): Refusal | undefined {
    return this.registry.take(op, session) ? undefined : refusal(ErrorCode.TooOften, `${op}: rate limit exceeded`);
  }

  private async login(frame: Extract<ClientFrame, { t: 'login' }>): Promise<void> {
    if (this.session) {
      this.peer.send({ t: 'error', code: ErrorCode.AlreadyLogin, message: 'this connection is logged in already' });
      return;
    }
    const outcome = await this.registry.login({
      appId: frame.app,
      uid: frame.uid,
      token: frame.token,
      resume: frame.session,
      seq: frame.seq,
    });
    if (outcome.ok) {
      const { session, resumed } = outcome;
      this.session = session;
      const hb = frame.hb === undefined ? undefined : this.registry.heartbeatFor(frame.hb);
      const missed = this.registry.attach(session, this.peer, resumed ? (frame.seq ?? 0) : 0, hb);
      this.peer.send({
        t: 'welcome',
        session: session.id,
        resumed,
        tokenExpiresInMs: session.tokenExpiresAt - this.clock.wall(),
        ...(resumed && missed.gap ? { gap: true } : {}),
        ...(hb === undefined ? {} : { hb }),
      });
      for (const text of missed.events) this.peer.sendText(text);
      return;
    }
    this.closing = true;
    if ('away' in outcome) {
      this.peer.send({ t: 'goaway' });
      this.peer.close(CloseCode.ServiceRestart, 'session moved');
    } else if ('kicked' in outcome) {
      this.peer.send({ t: 'kicked', reason: outcome.kicked });
      this.peer.close(CloseCode.Kicked, outcome.kicked);
    } else {
      this.peer.send({ t: 'refused', code: outcome.code, message: outcome.message });
      this.peer.close(CloseCode.LoginRefused, outcome.code);
    }
  }
}

function checkName(what: string, name: string): Refusal | undefined {
  const problem = nameProblem(name);
  return problem ? refusal(ErrorCode.InvalidArgument, `${what} ${problem}`) : undefined;
}

function checkCountedChannels(channels: readonly string[]): Refusal | undefined {
  const refused = countedChannelsProblem(channels);
  if (refused) return refused;
  for (const channel of channels) {
    const invalid = checkName('channel id', channel);
    if (invalid) return invalid;
  }
  return undefined;
}

function checkPeers(uids: readonly string[]): Refusal | undefined {
  if (uids.length > Limits.subscribedPeers)
    return refusal(ErrorCode.LimitExceeded, `more than ${Limits.subscribedPeers} peers in one call`);
  for (const peer of uids) {
    const refused = checkName('uid', peer);
    if (refused) return refused;
  }
  return undefined;
}
