/**
 * The client's check of server frames: the same rules as the valibot
 * `ServerFrame` schema, written as a table.
 *
 * Why not valibot here, when the server uses it: the client's browser
 * bundle has a 10 KB budget and valibot with the schemas costs 2.7 KB of
 * it. The schema stays the definition; `spec/protocol/read-server-frame.spec.ts`
 * holds this table to it frame by frame, field by field, and the mapped
 * type below makes the compiler list every field of every frame here.
 * Frames of the parts outside the client's entry (BEHAVIOUR §8.2) are
 * checked by tables of their own, added when the app first uses the part.
 */
import { ErrorCode } from './error-code.js';
import type { ServerFrame } from './frames.js';
import { KickReason, MAX_FRAME_BYTES, MessageType, PeerStatus } from './vocabulary.js';

export type Check = (value: unknown) => boolean;
/** A field's check; `optional` lets it be absent. */
type Field = Check | { optional: Check };
/** The checks of every field but `t` of the frames `T`; the compiler insists on all of them. */
export type FrameChecks<T extends ServerFrame['t']> = {
  [K in T]: { [F in Exclude<keyof Extract<ServerFrame, { t: K }>, 't'>]-?: Field };
};
/** Frames of the parts outside the client's entry: each part adds their checks with {@link addServerFrames}. */
type PartFrame =
  | 'call'
  | 'invitation'
  | 'callState' // call invitations (lib/client/call-wire.ts)
  | 'chanAttributes'
  | 'counts'
  | 'chanAttrsUpdated'; // channel attributes (lib/client/channel-attributes.ts)

export const string: Check = (value) => typeof value === 'string';
export const number: Check = (value) => typeof value === 'number' && !Number.isNaN(value);
export const boolean: Check = (value) => typeof value === 'boolean';
export const index: Check = (value) => Number.isInteger(value) && (value as number) >= 0;
export const oneOf = (values: Record<string, string>): Check => {
  const allowed = new Set(Object.values(values));
  return (value) => typeof value === 'string' && allowed.has(value);
};
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
export const recordOf =
  (check: Check): Check =>
  (value) =>
    isObject(value) && !Array.isArray(value) && Object.values(value).every(check);
export const strings: Check = (value) => Array.isArray(value) && value.every(string);
export const errorCode = oneOf(ErrorCode);
const message = { type: oneOf(MessageType), data: string, desc: { optional: string } };

/** Every field of every server frame but `t`, the parts' frames once added. */
const FRAMES: FrameChecks<Exclude<ServerFrame['t'], PartFrame>> & Partial<FrameChecks<PartFrame>> = {
  welcome: {
    session: string,
    resumed: boolean,
    tokenExpiresInMs: number,
    gap: { optional: boolean },
    hb: { optional: number },
  },
  refused: { code: errorCode, message: string },
  pong: {},
  ping: {},
  kicked: { reason: oneOf(KickReason) },
  goaway: {},
  renewed: { id: index, tokenExpiresInMs: number },
  done: { id: index },
  joined: { id: index, members: strings },
  members: { id: index, members: strings },
  attributes: { id: index, attributes: recordOf(string) },
  online: { id: index, online: recordOf(boolean) },
  sent: { id: index, received: boolean },
  member: { seq: index, channel: string, uid: string, joined: boolean, count: number },
  status: { seq: index, statuses: recordOf(oneOf(PeerStatus)) },
  peerMessage: { seq: index, from: string, ...message, ts: number, offline: { optional: boolean } },
  channelMessage: { seq: index, channel: string, from: string, ...message, ts: number },
  fail: { id: index, code: errorCode, message: string },
  error: { code: errorCode, message: string },
};

/** A part's frames, from its first use on (BEHAVIOUR §8.2). */
export function addServerFrames<T extends PartFrame>(checks: FrameChecks<T>): void {
  Object.assign(FRAMES, checks);
}

/**
 * The frame a server sent, with only the fields the protocol defines, or
 * `undefined` if the text is not one (the client then ignores it).
 */
export function readServerFrame(data: unknown): ServerFrame | undefined {
  if (typeof data !== 'string' || data.length > MAX_FRAME_BYTES) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (!isObject(json)) return undefined;
  const t = json['t'];
  if (typeof t !== 'string' || !Object.hasOwn(FRAMES, t)) return undefined;
  const frame: Record<string, unknown> = { t };
  for (const [key, field] of Object.entries(FRAMES[t as ServerFrame['t']] as Record<string, Field>)) {
    const value = json[key];
    if (typeof field !== 'function') {
      if (value === undefined) continue;
      if (!field.optional(value)) return undefined;
    } else if (!field(value)) return undefined;
    frame[key] = value;
  }
  return frame as ServerFrame;
}
