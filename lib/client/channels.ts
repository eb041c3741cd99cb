/**
 * The client's channels, one {@link RtmChannel} per id, and what they
 * share: the 20-channel limit, the per-client join and member-query rates,
 * and the member events of the link, each handed to its channel.
 */
import { ErrorCode } from '../protocol/error-code.js';
import { Limits, RateLimits } from '../protocol/limits.js';
import { RtmError } from '../protocol/rtm-error.js';
import { invalidName } from './invalid-name.js';
import { rateWindow, type RateWindow } from './rate-window.js';
import type { LinkFrame } from './link.js';
import type { Messages } from './messages.js';
import type { Requests } from './requests.js';
import { RtmChannel, type ChannelHost } from './rtm-channel.js';

export class Channels implements ChannelHost {
  readonly #channels = new Map<string, RtmChannel>();
  readonly #countJoin: RateWindow;
  readonly #countMemberQuery: RateWindow;

  constructor(
    readonly requests: Requests,
    readonly messages: Messages,
    readonly self: () => string,
    now: () => number,
  ) {
    this.#countJoin = rateWindow(RateLimits.join, 'channel joins', now);
    this.#countMemberQuery = rateWindow(RateLimits.getMembers, 'member queries', now);
  }

  /** The channel of that id, the same instance every time; throws INVALID_ARGUMENT for a bad id. */
  channel(channelId: string): RtmChannel {
    const invalid = invalidName('channel id', channelId);
    if (invalid) throw invalid;
    let channel = this.#channels.get(channelId);
    if (!channel) this.#channels.set(channelId, (channel = new RtmChannel(channelId, this)));
    return channel;
  }

  admitJoin(): RtmError | undefined {
    const held = [...this.#channels.values()].filter((channel) => channel.holdsSlot);
    if (held.length >= Limits.joinedChannels)
      return new RtmError(ErrorCode.LimitExceeded, `already in ${Limits.joinedChannels} channels`);
    return this.#countJoin();
  }

  admitGetMembers(): RtmError | undefined {
    return this.#countMemberQuery();
  }

  /** A member event from the link, for the channel it names (ignored unless joined). */
  memberEvent(frame: Extract<LinkFrame, { t: 'member' }>): void {
    this.#channels.get(frame.channel)?.memberEvent(frame.uid, frame.joined, frame.count);
  }

  /** A message event from the link, for the channel it names (ignored unless joined). */
  messageEvent(frame: Extract<LinkFrame, { t: 'channelMessage' }>): void {
    this.#channels.get(frame.channel)?.messageEvent(frame);
  }

  /** Every joined channel joins again and reconciles. */
  restore(): void {
    for (const channel of this.#channels.values()) channel.restore();
  }

  /** The session ended: no channel is joined any more. */
  reset(): void {
    for (const channel of this.#channels.values()) channel.reset();
  }

  complete(): void {
    for (const channel of this.#channels.values()) channel.complete();
  }
}
