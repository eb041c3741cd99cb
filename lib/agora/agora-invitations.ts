/**
 * The original SDK's call invitations over rx-rtm's (BEHAVIOUR §7.5, §8.1): each object follows its core
 * invitation's `status$`, naming each status with the SDK's state and emitting the SDK's event for it. As in the
 * SDK, `send`, `cancel`, `accept` and `refuse` return nothing; what happened arrives as events.
 */
import type { CallStatus, IncomingCall, Invitations, OutgoingCall } from '../client/calls.js';
import { CallState } from '../protocol/call-vocabulary.js';
import { asAgoraError } from './agora-error.js';
import type { RemoteInvitation as RemoteInvitationShape } from './events.js';
import { Listeners } from './listeners.js';
import {
  LocalInvitationFailureReason,
  LocalInvitationState,
  RemoteInvitationFailureReason,
  RemoteInvitationState,
} from './status-codes.js';

/** The SDK's events of an invitation sent. */
export interface LocalInvitationEvents {
  LocalInvitationAccepted: (response: string) => void;
  LocalInvitationRefused: (response: string) => void;
  LocalInvitationReceivedByPeer: () => void;
  LocalInvitationCanceled: () => void;
  LocalInvitationFailure: (reason: LocalInvitationFailureReason) => void;
}

/** The SDK's events of an invitation received. */
export interface RemoteInvitationEvents {
  RemoteInvitationCanceled: (content: string) => void;
  RemoteInvitationRefused: () => void;
  RemoteInvitationAccepted: () => void;
  RemoteInvitationFailure: (reason: RemoteInvitationFailureReason) => void;
}

const ignore = () => undefined;

/** An invitation to `calleeId`, made by `createLocalInvitation`; nothing is sent until {@link send}. */
export class LocalInvitation extends Listeners<LocalInvitationEvents> {
  /** What the callee sees with the invitation; set it before {@link send}. */
  content = '';
  /** The channel the call is about, if any; set it before {@link send}. */
  channelId = '';
  #state: LocalInvitationState = LocalInvitationState.IDLE;
  #response = '';
  #call: OutgoingCall | undefined;

  /** @internal Made by the facade client's `createLocalInvitation`. */
  constructor(
    private readonly calls: Invitations,
    readonly calleeId: string,
  ) {
    super();
  }

  get state(): LocalInvitationState {
    return this.#state;
  }

  /** The callee's answer text, once it accepted or refused. */
  get response(): string {
    return this.#response;
  }

  /**
   * Sends it, once (later calls do nothing). Throws INVALID_ARGUMENT (1) for a bad channel id or content over
   * 8 KB; not logged in, it fails at once with `LocalInvitationFailure` NOT_LOGGEDIN.
   */
  send(): void {
    if (this.#call) return;
    try {
      this.#call = this.calls.invite(this.calleeId, { content: this.content, channelId: this.channelId });
    } catch (error) {
      throw asAgoraError('createLocalInvitation', error);
    }
    this.#state = LocalInvitationState.SENT_TO_REMOTE;
    this.#call.status$.subscribe((status) => this.#follow(status));
  }

  /** Cancels it if sent; the outcome arrives as an event (an answer that crossed it may win). */
  cancel(): void {
    this.#call?.cancel().catch(ignore);
  }

  #follow({ state, reason, response = '' }: CallStatus): void {
    switch (state) {
      case CallState.Sent:
        return;
      case CallState.Received:
        this.#state = LocalInvitationState.RECEIVED_BY_REMOTE;
        return this.emit('LocalInvitationReceivedByPeer');
      case CallState.Accepted:
        this.#state = LocalInvitationState.ACCEPTED_BY_REMOTE;
        this.#response = response;
        return this.emit('LocalInvitationAccepted', response);
      case CallState.Refused:
        this.#state = LocalInvitationState.REFUSED_BY_REMOTE;
        this.#response = response;
        return this.emit('LocalInvitationRefused', response);
      case CallState.Canceled:
        this.#state = LocalInvitationState.CANCELED;
        return this.emit('LocalInvitationCanceled');
      case CallState.Failed:
        this.#state = LocalInvitationState.FAILURE;
        // The core's reasons are the SDK's names.
        return this.emit('LocalInvitationFailure', LocalInvitationFailureReason[reason ?? 'UNKNOWN']);
    }
  }
}

/** An invitation received, as `RemoteInvitationReceived` gives it. */
export class RemoteInvitation extends Listeners<RemoteInvitationEvents> implements RemoteInvitationShape {
  /** What {@link accept} or {@link refuse} answers the caller with; set it before. */
  response = '';
  readonly callerId: string;
  readonly content: string;
  readonly channelId: string;
  #state: RemoteInvitationState = RemoteInvitationState.INVITATION_RECEIVED;

  /** @internal */
  constructor(private readonly call: IncomingCall) {
    super();
    this.callerId = call.callerId;
    this.content = call.content;
    this.channelId = call.channelId;
    call.status$.subscribe((status) => this.#follow(status));
  }

  get state(): RemoteInvitationState {
    return this.#state;
  }

  /** Accepts with {@link response}: ACCEPT_SENT_TO_LOCAL, then `RemoteInvitationAccepted` (or what crossed it). */
  accept(): void {
    this.#answer(true);
  }

  /** Refuses with {@link response}: `RemoteInvitationRefused` (or what crossed it). */
  refuse(): void {
    this.#answer(false);
  }

  #answer(accept: boolean): void {
    if (this.call.decided) return;
    if (accept) this.#state = RemoteInvitationState.ACCEPT_SENT_TO_LOCAL;
    (accept ? this.call.accept(this.response) : this.call.refuse(this.response)).catch(ignore);
  }

  #follow({ state, reason }: CallStatus): void {
    switch (state) {
      case CallState.Sent:
      case CallState.Received:
        return;
      case CallState.Accepted:
        this.#state = RemoteInvitationState.ACCEPTED;
        return this.emit('RemoteInvitationAccepted');
      case CallState.Refused:
        this.#state = RemoteInvitationState.REFUSED;
        return this.emit('RemoteInvitationRefused');
      case CallState.Canceled:
        this.#state = RemoteInvitationState.CANCELED;
        return this.emit('RemoteInvitationCanceled', this.content);
      case CallState.Failed:
        this.#state = RemoteInvitationState.FAILURE;
        // Never answered in time, whether or not this client had it first: the SDK's one reason for that.
        return this.emit(
          'RemoteInvitationFailure',
          reason === 'PEER_OFFLINE'
            ? RemoteInvitationFailureReason.PEER_OFFLINE
            : reason === 'INVITATION_EXPIRE' || reason === 'PEER_NO_RESPONSE'
              ? RemoteInvitationFailureReason.INVITATION_EXPIRE
              : RemoteInvitationFailureReason.UNKNOWN,
        );
    }
  }
}
