/**
 * The protocol's names and numbers, apart from the frame schemas, so that
 * code bound for a browser can use them without pulling in the schemas'
 * validation library.
 */

/** WebSocket subprotocol naming this version; a server refuses others. */
export const PROTOCOL = 'rx-rtm.v1';

/**
 * Longest text frame either side accepts, in bytes: a 32 KB message in
 * base64 (43 692 bytes) plus its envelope, with room to spare.
 */
export const MAX_FRAME_BYTES = 48 * 1024;

/** A peer's online status as subscriptions report it (BEHAVIOUR §4). */
export const PeerStatus = { Online: 'ONLINE', Unreachable: 'UNREACHABLE', Offline: 'OFFLINE' } as const;
export type PeerStatus = (typeof PeerStatus)[keyof typeof PeerStatus];

/** How `attrs` changes the sender's attributes. */
export const AttributeOp = { Set: 'set', Merge: 'merge', Delete: 'delete', Clear: 'clear' } as const;
export type AttributeOp = (typeof AttributeOp)[keyof typeof AttributeOp];

/** Why the server ended a session it will not let resume. */
export const KickReason = { RemoteLogin: 'REMOTE_LOGIN', BannedByServer: 'BANNED_BY_SERVER' } as const;
export type KickReason = (typeof KickReason)[keyof typeof KickReason];

/**
 * What a message holds (BEHAVIOUR §7): UTF-8 text, raw bytes with an optional description, or an image or file
 * stored on the server (BEHAVIOUR §7.6).
 */
export const MessageType = { Text: 'TEXT', Raw: 'RAW', Image: 'IMAGE', File: 'FILE' } as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];
