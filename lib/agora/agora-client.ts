/**
 * The original SDK's `RtmClient` over rx-rtm's client (BEHAVIOUR §8.1): each method calls the client's and turns
 * its failure into the SDK's error numbers; each event is one of the client's streams, re-emitted with the SDK's
 * positional arguments. No state of its own beyond which channel object holds each channel id.
 */
import { map, skip, type SchedulerLike } from 'rxjs';
import { ConnectionState as CoreState } from '../client/connection-state.js';
import { channelAttributes } from '../client/channel-attributes.js';
import { ErrorCode } from '../protocol/error-code.js';
import { RtmError } from '../protocol/rtm-error.js';
import { invalidName } from '../client/invalid-name.js';
import type { AttributesMap } from '../client/local-attributes.js';
import type { RtmClient as CoreClient } from '../client/rtm-client.js';
import { asAgoraError, agoraError, failingAs, FacadeReason } from './agora-error.js';
import { attributeProperties, RtmChannel, type ChannelHolders } from './agora-channel.js';
import { invitations, type Invitations } from '../client/calls.js';
import { LocalInvitation, RemoteInvitation } from './agora-invitations.js';
import type { RtmConfig } from './config.js';
import type { ChannelAttributeProperties, PeersOnlineStatusMap, RtmClientEvents } from './events.js';
import { Listeners } from './listeners.js';
import {
  download,
  messageById,
  uploadAsMessage,
  type MediaMessageParams,
  type MediaTransferHandler,
} from './agora-media.js';
import { enableMediaMessages } from '../media/enable-media-messages.js';
import type { MediaServer } from '../media/media-transfer.js';
import {
  received,
  sendAs,
  typedMessage,
  type RtmFileMessage,
  type RtmImageMessage,
  type RtmMessage,
} from './messages.js';
import { ConnectionChangeReason, ConnectionState, PeerOnlineState, PeerSubscriptionOption } from './status-codes.js';

export class RtmClient extends Listeners<RtmClientEvents> {
  readonly #core: CoreClient;
  readonly #holders: ChannelHolders = new Map();
  /** The core client's call invitations, taken up at once: the SDK has them without an opt-in. */
  readonly #calls: Invitations;
  readonly #scheduler: SchedulerLike;
  /** Where media goes (BEHAVIOUR §7.6), and the user and token of the latest login or renewal, which prove it. */
  readonly #server: { url: string; appId: string };
  #credentials = { uid: '', token: '' };

  /** @internal Made by `AgoraRTM.createInstance`; `scheduler` is the core client's. */
  constructor(core: CoreClient, server: { url: string; appId: string }, scheduler: SchedulerLike) {
    super();
    this.#core = core;
    this.#server = server;
    this.#scheduler = scheduler;
    // The SDK's media messages go through sendMessageToPeer and channels as any other.
    enableMediaMessages();
    core.connectionState$
      .pipe(skip(1))
      .subscribe(({ state, reason }) =>
        this.emit('ConnectionStateChanged', ConnectionState[state], ConnectionChangeReason[reason]),
      );
    core.tokenExpired$.subscribe(() => this.emit('TokenExpired'));
    core.tokenPrivilegeWillExpire$.subscribe(() => this.emit('TokenPrivilegeWillExpire'));
    core.messageFromPeer$.subscribe(({ message, peerId, serverReceivedTs, isOfflineMessage }) =>
      this.emit('MessageFromPeer', received(message), peerId, { serverReceivedTs, isOfflineMessage }),
    );
    core.peersOnlineStatusChanged$
      .pipe(
        map((statuses) =>
          Object.fromEntries(Object.entries(statuses).map(([uid, status]) => [uid, PeerOnlineState[status]])),
        ),
      )
      .subscribe((statuses: PeersOnlineStatusMap) => this.emit('PeersOnlineStatusChanged', statuses));
    this.#calls = invitations(core);
    this.#calls.incoming$.subscribe((call) => this.emit('RemoteInvitationReceived', new RemoteInvitation(call)));
  }

  /** Logs in; the SDK's optional token is required here (the server checks every login). */
  login({ uid, token }: { uid: string; token?: string }): Promise<void> {
    const credentials = { uid, token: token ?? '' };
    // Only a login that succeeded proves media requests: a refused one (ALREADY_LOGIN) leaves the session's own.
    return failingAs(
      'login',
      this.#core.login(credentials).then(() => void (this.#credentials = credentials)),
    );
  }

  logout(): Promise<void> {
    return failingAs('logout', this.#core.logout());
  }

  renewToken(token: string): Promise<void> {
    return failingAs(
      'renewToken',
      this.#core.renewToken(token).then(() => void (this.#credentials = { ...this.#credentials, token })),
    );
  }

  /**
   * As the SDK's, plus rx-rtm's offline delivery: `{ enableOfflineMessaging: true }`. A bad peer id rejects 6, the
   * SDK's number for it; a bad message 7.
   */
  sendMessageToPeer(
    message: RtmMessage,
    peerId: string,
    options?: { enableOfflineMessaging?: boolean },
  ): Promise<{ hasPeerReceived: boolean }> {
    const badPeer = invalidName('peer id', peerId);
    if (badPeer) return Promise.reject(agoraError('sendMessageToPeer', badPeer.code, badPeer.message, 6));
    return failingAs(
      'sendMessageToPeer',
      sendAs(message, (sendable) => this.#core.sendMessageToPeer(sendable, peerId, options)),
    );
  }

  /** The message with its `messageType` filled in (`RAW` when it has `rawMessage`, else `TEXT`). */
  createMessage<T extends RtmMessage>(message: Partial<T>): T {
    return typedMessage(message);
  }

  /**
   * Uploads `payload` to the server (30 MB at most by default, 8 MB in Redis) and resolves the message naming it;
   * `transParams` reports progress and cancels (CANCELED). Rejects NOT_LOGGED_IN (102) unless logged in.
   */
  createMediaMessageByUploading(
    payload: Blob,
    params?: MediaMessageParams,
    transParams?: MediaTransferHandler,
  ): Promise<RtmImageMessage | RtmFileMessage> {
    const operation = 'createMediaMessageByUploading';
    return failingAs(
      operation,
      this.#media(operation).then((server) => uploadAsMessage(server, payload, params, transParams)),
    );
  }

  /** The message naming media already stored, its size asked of the server (INVALID_ARGUMENT if it has none). */
  createMediaMessageByMediaId(mediaId: string, params?: MediaMessageParams): Promise<RtmImageMessage | RtmFileMessage> {
    const operation = 'createMediaMessageByMediaId';
    return failingAs(
      operation,
      this.#media(operation).then((server) => messageById(server, mediaId, params)),
    );
  }

  /** The media's bytes as a Blob; `transParams` reports progress and cancels (CANCELED). */
  downloadMedia(mediaId: string, transParams?: MediaTransferHandler): Promise<Blob> {
    const operation = 'downloadMedia';
    return failingAs(
      operation,
      this.#media(operation).then((server) => download(server, mediaId, transParams)),
    );
  }

  /** The media server for the logged-in user; NOT_LOGGED_IN outside CONNECTED and RECONNECTING. */
  async #media(operation: string): Promise<MediaServer> {
    const { state } = this.#core.connectionState;
    if (state !== CoreState.Connected && state !== CoreState.Reconnecting)
      throw new RtmError(ErrorCode.NotLoggedIn, `${operation} while ${state}`);
    return { ...this.#server, ...this.#credentials };
  }

  /** A new channel object; throws INVALID_ARGUMENT (1) for an id that breaks the name rule. */
  createChannel(channelId: string): RtmChannel {
    try {
      return new RtmChannel(this.#core.createChannel(channelId), {
        holders: this.#holders,
        attributesUpdated$: this.#attributes.updated$(channelId),
        scheduler: this.#scheduler,
      });
    } catch (error) {
      throw asAgoraError('createChannel', error);
    }
  }

  setLocalUserAttributes(attributes: AttributesMap): Promise<void> {
    return failingAs('setLocalUserAttributes', this.#core.setLocalUserAttributes(attributes));
  }

  addOrUpdateLocalUserAttributes(attributes: AttributesMap): Promise<void> {
    return failingAs('addOrUpdateLocalUserAttributes', this.#core.addOrUpdateLocalUserAttributes(attributes));
  }

  deleteLocalUserAttributesByKeys(attributeKeys: string[]): Promise<void> {
    return failingAs('deleteLocalUserAttributesByKeys', this.#core.deleteLocalUserAttributesByKeys(attributeKeys));
  }

  clearLocalUserAttributes(): Promise<void> {
    return failingAs('clearLocalUserAttributes', this.#core.clearLocalUserAttributes());
  }

  getUserAttributes(userId: string): Promise<AttributesMap> {
    return failingAs('getUserAttributes', this.#core.getUserAttributes(userId));
  }

  getUserAttributesByKeys(userId: string, attributeKeys: string[]): Promise<AttributesMap> {
    return failingAs('getUserAttributesByKeys', this.#core.getUserAttributesByKeys(userId, attributeKeys));
  }

  /** Which peers are online (`UNREACHABLE` counts as online), as `{ uid: boolean }`. */
  queryPeersOnlineStatus(peerIds: string[]): Promise<Record<string, boolean>> {
    return failingAs('queryPeersOnlineStatus', this.#core.queryPeersOnlineStatus(peerIds));
  }

  subscribePeersOnlineStatus(peerIds: string[]): Promise<void> {
    return failingAs('subscribePeersOnlineStatus', this.#core.subscribePeersOnlineStatus(peerIds));
  }

  unsubscribePeersOnlineStatus(peerIds: string[]): Promise<void> {
    return failingAs('unsubscribePeersOnlineStatus', this.#core.unsubscribePeersOnlineStatus(peerIds));
  }

  /** The peers whose online status is subscribed to. */
  async queryPeersBySubscriptionOption(option: PeerSubscriptionOption): Promise<string[]> {
    const operation = 'queryPeersBySubscriptionOption';
    const { state } = this.#core.connectionState;
    if (state !== CoreState.Connected && state !== CoreState.Reconnecting)
      throw agoraError(operation, FacadeReason.NotLoggedIn, `${operation} while ${state}`);
    if (option !== PeerSubscriptionOption.ONLINE_STATUS)
      throw agoraError(
        operation,
        FacadeReason.InvalidArgument,
        `option must be ${PeerSubscriptionOption.ONLINE_STATUS}`,
      );
    return [...this.#core.subscribedPeers];
  }

  /** Takes the SDK's options and ignores them (README, "Migrating from agora-rtm-sdk 1.x"). */
  updateConfig(_config: RtmConfig): void {}

  /** The SDK's deprecated name for {@link updateConfig}. */
  setParameters(config: RtmConfig): void {
    this.updateConfig(config);
  }

  /** A call invitation to `calleeId`, sent by its `send()` (BEHAVIOUR §7.5); a bad id throws INVALID_ARGUMENT (1). */
  createLocalInvitation(calleeId: string): LocalInvitation {
    const invalid = invalidName('callee id', calleeId);
    if (invalid) throw asAgoraError('createLocalInvitation', invalid);
    return new LocalInvitation(this.#calls, calleeId);
  }

  /** The client's channel attributes and member counts (rx-rtm/channel-attributes), plugged in on first use. */
  get #attributes() {
    return channelAttributes(this.#core);
  }

  /** Member counts by channel id (BEHAVIOUR §5.6): at most 32 ids, one call a second. */
  getChannelMemberCount(channelIds: string[]): Promise<Record<string, number>> {
    return failingAs('getChannelMemberCount', this.#attributes.memberCounts(channelIds));
  }

  /** A channel's attributes, joined or not (BEHAVIOUR §5.6). */
  getChannelAttributes(channelId: string): Promise<Record<string, ChannelAttributeProperties>> {
    return failingAs('getChannelAttributes', this.#attributes.get(channelId).then(attributeProperties));
  }

  getChannelAttributesByKeys(channelId: string, keys: string[]): Promise<Record<string, ChannelAttributeProperties>> {
    return failingAs('getChannelAttributesByKeys', this.#attributes.get(channelId, keys).then(attributeProperties));
  }

  clearChannelAttributes(channelId: string, options?: ChannelAttributeOptions): Promise<void> {
    return failingAs('clearChannelAttributes', this.#attributes.clear(channelId, options));
  }

  deleteChannelAttributesByKeys(
    channelId: string,
    attributeKeys: string[],
    options?: ChannelAttributeOptions,
  ): Promise<void> {
    return failingAs('deleteChannelAttributesByKeys', this.#attributes.deleteByKeys(channelId, attributeKeys, options));
  }

  addOrUpdateChannelAttributes(
    channelId: string,
    attributes: AttributesMap,
    options?: ChannelAttributeOptions,
  ): Promise<void> {
    return failingAs('addOrUpdateChannelAttributes', this.#attributes.addOrUpdate(channelId, attributes, options));
  }

  setChannelAttributes(channelId: string, attributes: AttributesMap, options?: ChannelAttributeOptions): Promise<void> {
    return failingAs('setChannelAttributes', this.#attributes.set(channelId, attributes, options));
  }
}

/** The SDK's options of a channel attribute write. */
export interface ChannelAttributeOptions {
  enableNotificationToChannelMembers?: boolean;
}
