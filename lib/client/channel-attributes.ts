/**
 * Channel attributes and member counts (BEHAVIOUR §5.6), a part of the client
 * outside its entry (§8.2): `channelAttributes(client)` plugs it into the
 * client on first use. Calls work on any channel, joined or not, checked
 * here against the shared limits and the per-client rates before anything
 * is sent. The server checks the limits of the result (at most 32
 * attributes, 32 KB in all), which only it can.
 *
 * A write re-sent on a new link (requests.ts) lands once in content; only
 * its `lastUpdateTs` may be the later one, and a notification may repeat.
 */
import type { Observable } from 'rxjs';
import { filter, firstValueFrom, map, Subject } from './rx.js';
import type { WireChannelAttribute } from '../protocol/frames.js';
import {
  ChannelAttributeRates,
  channelAttributesProblem,
  countedChannelsProblem,
} from '../protocol/channel-attribute-limits.js';
import { attributeKeysProblem } from '../protocol/limits.js';
import {
  addServerFrames,
  index,
  number,
  recordOf,
  string,
  type Check,
  type FrameChecks,
} from '../protocol/read-server-frame.js';
import { RtmError } from '../protocol/rtm-error.js';
import { AttributeOp } from '../protocol/vocabulary.js';
import { ErrorCode } from '../protocol/error-code.js';
import { invalidName } from './invalid-name.js';
import type { LinkFrame } from './link.js';
import type { AttributesMap } from './local-attributes.js';
import { refusalError } from './refusal-error.js';
import { rateWindow, type RateWindow } from './rate-window.js';
import { addAnswers, type Requests } from './requests.js';
import type { RtmClient } from './rtm-client.js';
import type { Session, SessionPlug } from './session.js';

/** A channel attribute: its value, who changed it last and when (the server's wall-clock ms). */
export interface ChannelAttribute {
  readonly value: string;
  readonly lastUpdateUserId: string;
  readonly lastUpdateTs: number;
}

/** A channel's attributes by key. */
export type ChannelAttributes = Record<string, ChannelAttribute>;

/** Options of a channel attribute write, as the original SDK's. */
export interface ChannelAttributeOptions {
  /** Tell the channel's members (`updated$`, with all the attributes); default false. */
  readonly enableNotificationToChannelMembers?: boolean;
}

/** The replies of this part's requests (requests.ts's `FeatureAnswers`). */
export const CHANNEL_ATTRIBUTE_ANSWERS = {
  setChanAttrs: 'done',
  getChanAttrs: 'chanAttributes',
  counts: 'counts',
} as const;

const attribute: Check = (value) =>
  typeof value === 'object' &&
  value !== null &&
  string((value as WireChannelAttribute).value) &&
  string((value as WireChannelAttribute).by) &&
  number((value as WireChannelAttribute).ts);

/** This part's server frames, checked as read-server-frame.ts checks the client's own. */
export const CHANNEL_ATTRIBUTE_FRAMES: FrameChecks<'chanAttributes' | 'counts' | 'chanAttrsUpdated'> = {
  chanAttributes: { id: index, attributes: recordOf(attribute) },
  counts: { id: index, counts: recordOf(number) },
  chanAttrsUpdated: { seq: index, channel: string, attributes: recordOf(attribute) },
};

type UpdateFrame = Extract<LinkFrame, { t: 'chanAttrsUpdated' }>;

/** The attributes a frame carries, in the app's shape. */
function fromWireAttributes(wire: Readonly<Record<string, WireChannelAttribute>>): ChannelAttributes {
  return Object.fromEntries(
    Object.entries(wire).map(([key, { value, by, ts }]) => [key, { value, lastUpdateUserId: by, lastUpdateTs: ts }]),
  );
}

/** A client's channel attributes and member counts: `channelAttributes(client)` gives it. */
export class ChannelAttributeCalls implements SessionPlug {
  /** @internal */
  readonly events = ['chanAttrsUpdated'] as const;
  readonly #requests: Requests;
  readonly #countWrite: RateWindow;
  readonly #countRead: RateWindow;
  readonly #countMemberCountQuery: RateWindow;
  readonly #updates = new Subject<UpdateFrame>();

  /** @internal Made by {@link channelAttributes}. */
  constructor(requests: Requests, now: () => number) {
    this.#requests = requests;
    this.#countWrite = rateWindow(ChannelAttributeRates.write, 'channel attribute writes', now);
    this.#countRead = rateWindow(ChannelAttributeRates.read, 'channel attribute reads', now);
    this.#countMemberCountQuery = rateWindow(ChannelAttributeRates.memberCount, 'member count queries', now);
  }

  /**
   * Replaces all of a channel's attributes. Rejects INVALID_ARGUMENT for a key not of 1 to 32 bytes or a value
   * over 8 KB; LIMIT_EXCEEDED past 32 attributes or 32 KB in the channel after the write; TOO_OFTEN past 10
   * channel attribute writes in 5 s.
   */
  set(channelId: string, attributes: AttributesMap, options?: ChannelAttributeOptions): Promise<void> {
    return this.#write(channelId, AttributeOp.Set, { attributes }, options);
  }

  /** Adds or updates these of a channel's attributes, keeping the others; as {@link set}. */
  addOrUpdate(channelId: string, attributes: AttributesMap, options?: ChannelAttributeOptions): Promise<void> {
    return this.#write(channelId, AttributeOp.Merge, { attributes }, options);
  }

  /** Deletes these of a channel's attributes, keeping the others. */
  deleteByKeys(channelId: string, keys: readonly string[], options?: ChannelAttributeOptions): Promise<void> {
    return this.#write(channelId, AttributeOp.Delete, { keys }, options);
  }

  /** Deletes all of a channel's attributes. */
  clear(channelId: string, options?: ChannelAttributeOptions): Promise<void> {
    return this.#write(channelId, AttributeOp.Clear, {}, options);
  }

  /** A channel's attributes, all of them or those of `keys` it has. TOO_OFTEN past 10 reads in 5 s. */
  async get(channelId: string, keys?: readonly string[]): Promise<ChannelAttributes> {
    const refused =
      invalidName('channel id', channelId) ??
      (keys === undefined ? undefined : refusalError(attributeKeysProblem(keys))) ??
      this.#requests.refusal() ??
      this.#countRead();
    if (refused) throw refused;
    const request$ = this.#requests.request$({
      t: 'getChanAttrs',
      channel: channelId,
      ...(keys ? { keys: [...keys] } : {}),
    });
    return firstValueFrom(request$.pipe(map(({ attributes }) => fromWireAttributes(attributes))));
  }

  /**
   * How many members each channel has (0 for one without), joined or not. At most 32 ids a call
   * (LIMIT_EXCEEDED); TOO_OFTEN past 1 call a second.
   */
  async memberCounts(channelIds: readonly string[]): Promise<Record<string, number>> {
    const refused =
      (Array.isArray(channelIds)
        ? refusalError(countedChannelsProblem(channelIds))
        : new RtmError(ErrorCode.InvalidArgument, 'channel ids must be an array')) ??
      channelIds.reduce<RtmError | undefined>((found, id) => found ?? invalidName('channel id', id), undefined) ??
      this.#requests.refusal() ??
      this.#countMemberCountQuery();
    if (refused) throw refused;
    const request$ = this.#requests.request$({ t: 'counts', channels: [...channelIds] });
    return firstValueFrom(request$.pipe(map(({ counts }) => counts)));
  }

  /**
   * All of a channel's attributes, each time someone changes them with `enableNotificationToChannelMembers`
   * while this client is a member (this client's own changes included): once each, in order, across a
   * resumed link; none of a session lost (BEHAVIOUR §5.6).
   */
  updated$(channelId: string): Observable<ChannelAttributes> {
    return this.#updates.pipe(
      filter((frame) => frame.channel === channelId),
      map((frame) => fromWireAttributes(frame.attributes)),
    );
  }

  /** @internal A notified change, seen once and in order (the session's sequence). */
  event(frame: Extract<LinkFrame, { seq: number }>): void {
    if (frame.t === 'chanAttrsUpdated') this.#updates.next(frame);
  }

  /** @internal A session ended: nothing of it is held here (the attributes live on the server). */
  reset(): void {}

  /** @internal The client is destroyed. */
  complete(): void {
    this.#updates.complete();
  }

  async #write(
    channel: string,
    op: AttributeOp,
    { attributes, keys }: { attributes?: AttributesMap; keys?: readonly string[] },
    options: ChannelAttributeOptions | undefined,
  ): Promise<void> {
    const refused =
      invalidName('channel id', channel) ??
      (attributes ? refusalError(channelAttributesProblem(attributes)) : undefined) ??
      (keys ? refusalError(attributeKeysProblem(keys)) : undefined) ??
      this.#requests.refusal() ??
      this.#countWrite();
    if (refused) throw refused;
    const request$ = this.#requests.request$({
      t: 'setChanAttrs',
      channel,
      op,
      ...(attributes ? { attributes: { ...attributes } } : {}),
      ...(keys ? { keys: [...keys] } : {}),
      ...(options?.enableNotificationToChannelMembers === true ? { notify: true } : {}),
    });
    return firstValueFrom(request$.pipe(map(() => undefined)));
  }
}

function plugChannelAttributes(session: Session): ChannelAttributeCalls {
  const calls = new ChannelAttributeCalls(session.requests, session.now);
  session.plug(calls);
  return calls;
}

/**
 * The client's channel attributes and member counts, the same object on every call; the first call plugs them
 * into the client (BEHAVIOUR §8.2): notifications before it are not kept.
 */
export function channelAttributes(client: RtmClient): ChannelAttributeCalls {
  addServerFrames(CHANNEL_ATTRIBUTE_FRAMES);
  addAnswers(CHANNEL_ATTRIBUTE_ANSWERS);
  return client.part(plugChannelAttributes);
}
