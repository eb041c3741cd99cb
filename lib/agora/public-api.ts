/** What both `rx-rtm/agora` entries export besides the default `AgoraRTM`, named as the original SDK names them. */
export type { AgoraRTM } from './agora-rtm.js';
export { RtmClient, type ChannelAttributeOptions } from './agora-client.js';
export { RtmChannel } from './agora-channel.js';
export type { LocalInvitation, RemoteInvitation } from './agora-invitations.js';
export { AgoraRtmError, FacadeReason } from './agora-error.js';
export type { LogFilterType, RtmConfig } from './config.js';
export type { Listener, ListenerArgs } from './listeners.js';
export type * as RtmEvents from './events.js';
export type * as RtmStatusCode from './status-codes.js';
export type { RtmFileMessage, RtmImageMessage, RtmMessage, RtmRawMessage, RtmTextMessage } from './messages.js';
export type { MediaMessageParams, MediaOperationProgress, MediaTransferHandler } from './agora-media.js';
