/**
 * The original SDK's `RtmChannel` over rx-rtm's channel of the same id (BEHAVIOUR §8.1).
 *
 * The SDK makes a new object at each `createChannel`, and only one object per channel id may be joined at a time.
 * rx-rtm's client has one channel per id; so each facade object forwards that channel's events only while it is
 * the one holding the join, and a join of a second object for an id held by another rejects: no listener hears an
 * event twice through two objects of one channel.
 */
import { filter, skip, type Observable, type SchedulerLike } from 'rxjs';
import type { RtmChannel as CoreChannel } from '../client/rtm-channel.js';
import { agoraError, failingAs, FacadeReason, type Operation } from './agora-error.js';
import type { ChannelAttributeProperties, RtmChannelEvents } from './events.js';
import type { ChannelAttributes } from '../client/channel-attributes.js';
import { Listeners } from './listeners.js';
import { memberCountCadence } from './member-count-cadence.js';
import { received, sendAs, type RtmMessage } from './messages.js';

/** The client's channel attributes as the SDK's records (mutable copies, as the SDK hands out). */
export const attributeProperties = (attributes: ChannelAttributes): Record<string, ChannelAttributeProperties> =>
  Object.fromEntries(Object.entries(attributes).map(([key, attribute]) => [key, { ...attribute }]));

/** Which facade object holds the join of each channel id, shared by the channels of one client. */
export type ChannelHolders = Map<string, RtmChannel>;

/** What a facade channel takes from its client besides the core channel. */
export interface ChannelContext {
  readonly holders: ChannelHolders;
  /** The channel's notified attribute changes (rx-rtm/channel-attributes). */
  readonly attributesUpdated$: Observable<ChannelAttributes>;
  /** The client's scheduler: `MemberCountUpdated`'s cadence runs on it. */
  readonly scheduler: SchedulerLike;
}

export class RtmChannel extends Listeners<RtmChannelEvents> {
  readonly #core: CoreChannel;
  readonly #holders: ChannelHolders;

  /** @internal Made by the facade's `RtmClient.createChannel`. */
  constructor(core: CoreChannel, { holders, attributesUpdated$, scheduler }: ChannelContext) {
    super();
    this.#core = core;
    this.#holders = holders;
    this.#forward(core.memberJoined$, (uid) => this.emit('MemberJoined', uid));
    this.#forward(core.memberLeft$, (uid) => this.emit('MemberLeft', uid));
    // The count replays its current value: skipped. It drops to 0 when this client leaves, which is no event.
    this.#forward(
      core.memberCount$.pipe(
        skip(1),
        memberCountCadence(scheduler),
        filter((count) => count > 0),
      ),
      (count) => this.emit('MemberCountUpdated', count),
    );
    this.#forward(attributesUpdated$, (attributes) => this.emit('AttributesUpdated', attributeProperties(attributes)));
    this.#forward(core.message$, ({ message, memberId, serverReceivedTs }) =>
      this.emit('ChannelMessage', received(message), memberId, { serverReceivedTs }),
    );
  }

  get channelId(): string {
    return this.#core.channelId;
  }

  /** Joins; rejects CHANNEL_ID_IN_USE (202) while another object of this client holds the same channel id. */
  join(): Promise<void> {
    const taken = this.#takenBy('join');
    if (taken) return Promise.reject(taken);
    this.#holders.set(this.channelId, this);
    return failingAs('join', this.#core.join());
  }

  leave(): Promise<void> {
    const taken = this.#takenBy('leave');
    return taken ? Promise.reject(taken) : failingAs('leave', this.#core.leave());
  }

  getMembers(): Promise<string[]> {
    const taken = this.#takenBy('getMembers');
    return taken ? Promise.reject(taken) : failingAs('getMembers', this.#core.getMembers());
  }

  sendMessage(message: RtmMessage): Promise<void> {
    const taken = this.#takenBy('sendMessage');
    return taken
      ? Promise.reject(taken)
      : failingAs(
          'sendMessage',
          sendAs(message, (sendable) => this.#core.sendMessage(sendable)),
        );
  }

  /** True while this object holds the join (or the last one) of its channel id. */
  get #holding(): boolean {
    return this.#holders.get(this.channelId) === this;
  }

  /** The refusal of `operation` when another object of this client holds the channel id; a join gets 202. */
  #takenBy(operation: Operation) {
    if (this.#holding || !this.#core.holdsSlot) return undefined;
    const reason = operation === 'join' ? FacadeReason.ChannelIdInUse : FacadeReason.NotJoined;
    return agoraError(operation, reason, `another RtmChannel object of this client holds channel ${this.channelId}`);
  }

  #forward<T>(events$: Observable<T>, emit: (value: T) => void): void {
    events$.subscribe((value) => {
      if (this.#holding) emit(value);
    });
  }
}
