/**
 * The wire protocol, version 1: every frame either side may send, as valibot
 * schemas (what the receiver accepts) and the types inferred from them (what
 * the sender builds). `docs/PROTOCOL.md` describes the same frames in prose.
 *
 * Frames are JSON text objects discriminated by `t`. Schemas check structure
 * only; meaning (a valid uid, a known app) is the handler's job, so that it
 * can answer with the precise error code. Unknown fields are ignored, which
 * lets a later minor version add fields without breaking older peers.
 */
import * as v from 'valibot';
import { ErrorCode } from './error-code.js';

/** WebSocket subprotocol naming this version; a server refuses others. */
export const PROTOCOL = 'rx-rtm.v1';

/** Longest text frame either side accepts, in bytes (a 32 KB message plus its envelope). */
export const MAX_FRAME_BYTES = 40 * 1024;

const requestId = v.pipe(v.number(), v.integer(), v.minValue(0));
const errorCode = v.picklist(Object.values(ErrorCode));

/** Frames a client sends. */
export const ClientFrame = v.variant('t', [
  /** Log in; `session` asks to resume that session if it is still alive. */
  v.object({
    t: v.literal('login'),
    app: v.string(),
    uid: v.string(),
    token: v.string(),
    session: v.optional(v.string()),
  }),
  /** Heartbeat; the server answers `pong` at once. */
  v.object({ t: v.literal('ping') }),
  /** Replace the session's token; answered by `renewed` or `fail`. */
  v.object({ t: v.literal('renew'), id: requestId, token: v.string() }),
  /** End the session now: peers see the user leave at once. */
  v.object({ t: v.literal('logout') }),
]);
export type ClientFrame = v.InferOutput<typeof ClientFrame>;

/** Why the server ended a session it will not let resume. */
export const KickReason = { RemoteLogin: 'REMOTE_LOGIN', BannedByServer: 'BANNED_BY_SERVER' } as const;
export type KickReason = (typeof KickReason)[keyof typeof KickReason];

/** Frames a server sends. */
export const ServerFrame = v.variant('t', [
  /** Login accepted. `resumed` says the session asked for was still alive. */
  v.object({
    t: v.literal('welcome'),
    session: v.string(),
    resumed: v.boolean(),
    tokenExpiresInMs: v.number(),
  }),
  /** Login refused; the server closes the socket after it. */
  v.object({ t: v.literal('refused'), code: errorCode, message: v.string() }),
  v.object({ t: v.literal('pong') }),
  /** The session is over and must not come back by itself (SPEC §2, ABORTED). */
  v.object({ t: v.literal('kicked'), reason: v.picklist(Object.values(KickReason)) }),
  /** The server is going away; reconnect at once rather than after backoff. */
  v.object({ t: v.literal('goaway') }),
  v.object({ t: v.literal('renewed'), id: requestId, tokenExpiresInMs: v.number() }),
  /** A request failed; nothing it asked for was done. */
  v.object({ t: v.literal('fail'), id: requestId, code: errorCode, message: v.string() }),
  /** A frame not tied to a request was refused (malformed, unknown, before login). */
  v.object({ t: v.literal('error'), code: errorCode, message: v.string() }),
]);
export type ServerFrame = v.InferOutput<typeof ServerFrame>;
