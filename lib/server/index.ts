/**
 * `rx-rtm/server`: the reference server and token minting. Node only; never
 * import this from code bound for a browser.
 *
 * @module rx-rtm/server
 */
export { startServer, type HttpRoute, type MediaOptions, type RtmServer, type ServerOptions } from './start-server.js';
export { DirectoryMediaStore, type DirectoryMediaStoreOptions } from './media/directory-media-store.js';
export { REDIS_MEDIA_MAX_BYTES, RedisMediaStore, type RedisMediaStoreOptions } from './media/redis-media-store.js';
export {
  MediaPutFailure,
  type MediaFile,
  type MediaPut,
  type MediaRecord,
  type MediaStore,
} from './media/media-store.js';
export { createToken, verifyToken, type CreateTokenOptions, type TokenCheck } from './token.js';
export type { AgoraAppConfig, AppConfig } from './token-apps.js';
export type { ServerClock } from './server-clock.js';
export { noTelemetry, type LoginResult, type Telemetry } from './telemetry.js';
export { MemoryStore } from '../store/memory-store.js';
export { RedisStore, StoreUnavailableError, type RedisStoreOptions } from '../store/redis-store.js';
export {
  RedisConfigError,
  type ClusterConfig,
  type ClusterModeOptions,
  type ClusterNodeAddress,
  type RedisConfig,
  type RedisUrlConfig,
  type SentinelAddress,
  type SentinelConfig,
  type SentinelModeOptions,
} from '../store/redis/redis-config.js';
export type {
  PresenceStore,
  StoreEvent,
  ClaimResult,
  EndReason,
  Handoff,
  StoreResult,
  Lease,
  Heard,
  MessageSend,
  SendOutcome,
  SentMessage,
} from '../store/presence-store.js';
export type { EventBufferBounds } from './server-session.js';
export type { WireMessage } from '../protocol/wire-message.js';
export type { AttributeOp, KickReason } from '../protocol/frames.js';
export { CloseCode } from '../protocol/close-code.js';
export { ErrorCode } from '../protocol/error-code.js';
