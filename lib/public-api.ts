/** What both client entries export besides `createClient`. */
export {
  RtmClient,
  type PeerMessageSendResult,
  type RtmClientEvents,
  type SendMessageOptions,
} from './client/rtm-client.js';
export { RtmChannel, type ChannelMessage, type RtmChannelEvents } from './client/rtm-channel.js';
export type { PeerMessage } from './client/messages.js';
export type { OutgoingMessage, RtmMessage, RtmRawMessage, RtmTextMessage } from './client/rtm-message.js';
export type { RtmMediaMessage } from './client/media-message.js';
export type { RtmClientOptions } from './client/options.js';
export { ConnectionState, ConnectionChangeReason, type ConnectionStatePair } from './client/connection-state.js';
export type { AttributesMap } from './client/local-attributes.js';
export type { PeersStatus } from './client/online-status.js';
export type { WebSocketConstructor } from './client/link.js';
export { seededRandom, type RandomSource } from './client/backoff.js';
export { ErrorCode } from './protocol/error-code.js';
export { MessageType, PeerStatus } from './protocol/vocabulary.js';
export { RtmError } from './protocol/rtm-error.js';
