/**
 * The facade's events: names, and listeners' positional arguments, as in the original SDK. Events the facade never
 * emits yet (the vendor's proxy) are named so that code listening to them compiles.
 * Received messages always carry `messageType`; the listeners' types are the SDK's, where it may be absent.
 */
import type { RemoteInvitationEvents } from './agora-invitations.js';
import type { ListenerArgs } from './listeners.js';
import type { RtmMessage } from './messages.js';
import type {
  ConnectionChangeReason,
  ConnectionState,
  PeerOnlineState,
  RemoteInvitationState,
} from './status-codes.js';

export type { LocalInvitationEvents, RemoteInvitationEvents } from './agora-invitations.js';

/** Properties of a received channel message. */
export interface ReceivedMessageProperties {
  /** The server's wall-clock ms when it accepted the message. */
  serverReceivedTs: number;
}

/** Properties of a received peer message. */
export interface PeerMessageProperties extends ReceivedMessageProperties {
  /**
   * Kept by the server while this user was logged out, and delivered at this login. Always set; optional in the
   * type because the original SDK's 1.5.1 typings do not have it.
   */
  isOfflineMessage?: boolean;
}

/** A channel attribute as the original SDK reports it. */
export interface ChannelAttributeProperties {
  value: string;
  lastUpdateUserId: string;
  lastUpdateTs: number;
}

/**
 * A call invitation received, as `RemoteInvitationReceived` gives it (the facade's `RemoteInvitation` class): its
 * shape, so that a listener typed with the original SDK's class fits too.
 */
export interface RemoteInvitation {
  readonly callerId: string;
  readonly channelId: string;
  readonly content: string;
  readonly state: RemoteInvitationState;
  response: string;
  accept(): void;
  refuse(): void;
  on<K extends keyof RemoteInvitationEvents>(
    eventName: K,
    listener: (...args: ListenerArgs<RemoteInvitationEvents[K]>) => unknown,
  ): this;
}

/** Peers' online states by uid. */
export type PeersOnlineStatusMap = Record<string, PeerOnlineState>;

export interface RtmClientEvents {
  MessageFromPeer: (message: RtmMessage, peerId: string, messageProps: PeerMessageProperties) => void;
  /** Every change of state after the client was made; no event for the initial DISCONNECTED. */
  ConnectionStateChanged: (newState: ConnectionState, reason: ConnectionChangeReason) => void;
  /** A call invitation to this user (BEHAVIOUR §7.5). */
  RemoteInvitationReceived: (remoteInvitation: RemoteInvitation) => void;
  TokenExpired: () => void;
  TokenPrivilegeWillExpire: () => void;
  PeersOnlineStatusChanged: (status: PeersOnlineStatusMap) => void;
  /** Never emitted: there is no vendor proxy. */
  FallbackProxyConnected: () => void;
}

export interface RtmChannelEvents {
  ChannelMessage: (message: RtmMessage, memberId: string, messagePros: ReceivedMessageProperties) => void;
  MemberLeft: (memberId: string) => void;
  MemberJoined: (memberId: string) => void;
  /** All the channel's attributes, when someone changes them with `enableNotificationToChannelMembers` (§5.6). */
  AttributesUpdated: (attributes: Record<string, ChannelAttributeProperties>) => void;
  /** The member count, this client included: on joining, then the latest at most once a second (3 s past 512), §5.6. */
  MemberCountUpdated: (memberCount: number) => void;
}
