/**
 * (Over 300 lines: one class whose public hooks, each documented, are the
 * testing kit's API; its sockets, sessions and request answers live apart.)
 *
 * A scripted rx-rtm server living on an RxJS scheduler, for marble tests of
 * the client and of apps built on it. Its `WebSocket` class goes into
 * `createClient({ WebSocket })`; sockets open, answer and fail when the test
 * says so, on the same virtual clock as the client, so every timing of the
 * connection can be asserted to the frame.
 *
 * It answers like the real server: `login` with `welcome` (resuming a
 * session it still holds and replaying the events the client missed), and
 * pings a login that asked for a heartbeat (`hb`) every `hb` ms on the
 * scheduler, `ping` with `pong`, `renew` with `renewed`, `logout` by ending the
 * session, and channels, attributes and online status from its own
 * in-memory state, numbering each session's events from 1; messages go
 * to the sessions they are for (offline ones wait for the user's next
 * login). Of the limits it checks only what one attribute write or one
 * message carries; make any request fail with {@link FakeRtmServer.failNext}. Its parts: the sockets
 * (fake-socket.ts), the sessions (fake-session.ts) and the answers to
 * requests (fake-requests.ts).
 *
 * Other users are played by the test: {@link FakeRtmServer.memberJoined},
 * {@link FakeRtmServer.memberLeft}, {@link FakeRtmServer.setPeerStatus},
 * {@link FakeRtmServer.setAttributes}, {@link FakeRtmServer.sendMessageToPeer}
 * and {@link FakeRtmServer.sendChannelMessage} change the server's state
 * and send the events real peers would cause. Several clients may share one fake
 * server; they see each other join, leave and go offline.
 *
 * Links can be cut the ways networks fail: `blackhole()` holds every frame
 * both ways until `heal()`, like a network outage under TCP; `dropAll()`
 * closes sockets; `refuseConnections` makes new sockets fail. Sessions can
 * end the ways servers end them: `expire()` (the 30 s grace ran out),
 * `kick()`, `restart()`.
 */
import type { SchedulerLike } from 'rxjs';
import { decodeClientFrame } from '../protocol/codec.js';
import { ErrorCode } from '../protocol/error-code.js';
import { applyChannelAttributeOp, type ChannelAttributeWrite } from '../protocol/channel-attribute-op.js';
import { PeerStatus, type ClientFrame, type KickReason, type WireChannelAttribute } from '../protocol/frames.js';
import type { Refusal } from '../protocol/refusal.js';
import type { WireMessage } from '../protocol/wire-message.js';
import { INVITATION_TIMES, InvitationDesk, type InvitationTimes } from '../server/invitation-desk.js';
import { toWireMessage, type OutgoingMessage } from '../client/rtm-message.js';
import { answerRequest } from './fake-requests.js';
import { FakeSession } from './fake-session.js';
import { FakeSocket } from './fake-socket.js';

export { FakeSession, type EventFrame } from './fake-session.js';
export { FakeSocket, type Handler } from './fake-socket.js';

/** Client frames that are requests, answered by `id`. */
export type RequestType = Extract<ClientFrame, { id: number }>['t'];

/** How the fake server answers a login frame. */
export type LoginAnswer =
  | { type: 'welcome'; tokenExpiresInMs?: number }
  | { type: 'refuse'; code: ErrorCode }
  /** Say nothing: a server that accepted TCP but never logs anyone in. */
  | { type: 'ignore' };

/** How fast the fake network is. */
export interface FakeRtmServerOptions {
  /** One-way delay of every frame, ms; default 0. */
  latencyMs?: number;
  /** Time from `new WebSocket()` to open (or refusal), ms; default 0. */
  connectMs?: number;
  /** Call invitations' times (BEHAVIOUR §7.5); default the real server's, 30 000 and 60 000 ms. */
  invitationTimes?: InvitationTimes;
}

/**
 * A scripted rx-rtm server on the test's scheduler: pass its
 * {@link WebSocket} to `createClient`, play other users with its methods,
 * cut links and end sessions when the test says, and read what the client
 * sent. Every frame arrives `latencyMs` after it was sent, in virtual time.
 */
/** The `WebSocket` class a client under test is given: each socket it makes belongs to `server`. */
function socketClassOf(
  server: FakeRtmServer,
  live: Set<FakeSocket>,
): new (url: string, protocols: string | string[]) => FakeSocket {
  return class extends FakeSocket {
    constructor(url: string, protocols: string | string[]) {
      super(server, url, protocols);
      server.sockets.push(this);
      live.add(this);
      server.scheduler.schedule(() => this.connect(), server.connectMs);
    }
  };
}

export class FakeRtmServer {
  /** Pass to `createClient({ WebSocket })`. */
  readonly WebSocket: new (url: string, protocols: string | string[]) => FakeSocket;
  readonly latencyMs: number;
  readonly connectMs: number;
  /** Every socket ever opened, oldest first. */
  readonly sockets: FakeSocket[] = [];
  /** How logins are answered from now on. */
  loginAnswer: LoginAnswer = { type: 'welcome' };
  /** While true, the server sends no heartbeat and answers no ping (it is alive but mute). */
  mute = false;
  /** While true, new sockets fail to connect. */
  refuseConnections = false;
  /** True between `blackhole()` and `heal()`. */
  dark = false;
  /**
   * When set, the next resume tells the client `gap: true` (events were
   * lost) and replays nothing, as a server whose replay buffer overflowed
   * would; then it is cleared.
   */
  loseEventsOnResume = false;
  private readonly live = new Set<FakeSocket>();
  private readonly heldSessions = new Map<string, FakeSession>();
  private readonly channels = new Map<string, Set<string>>();
  private readonly statuses = new Map<string, PeerStatus>();
  private readonly attributeStore = new Map<string, Map<string, string>>();
  /** Channel attributes by channel; kept while the fake runs (it ages no empty channel, BEHAVIOUR §5.6). */
  private readonly channelAttributeStore = new Map<string, Map<string, WireChannelAttribute>>();
  private readonly failures: Array<{ type: RequestType; code: ErrorCode }> = [];
  private readonly offlineMessages = new Map<string, Array<{ from: string; message: WireMessage; ts: number }>>();
  private nextSession = 1;
  /** @internal Call invitations, decided by the real server's desk over these sessions. */
  readonly invitations: InvitationDesk<FakeSession>;
  /** @internal */
  readonly invitationTimes: InvitationTimes;

  constructor(
    readonly scheduler: SchedulerLike,
    { latencyMs = 0, connectMs = 0, invitationTimes = INVITATION_TIMES }: FakeRtmServerOptions = {},
  ) {
    this.invitationTimes = invitationTimes;
    this.invitations = new InvitationDesk(invitationTimes, () => scheduler.now());
    this.latencyMs = latencyMs;
    this.connectMs = connectMs;
    this.WebSocket = socketClassOf(this, this.live);
  }

  /** Sockets open now. */
  get openSockets(): FakeSocket[] {
    return [...this.live].filter((socket) => socket.open);
  }

  /** Sessions the server holds now, by id. */
  get sessions(): ReadonlyMap<string, FakeSession> {
    return this.heldSessions;
  }

  /** Every frame of type `t` the server received, on any socket, in order; handy for `expect(...).to.deep.equal`. */
  framesOfType<T extends ClientFrame['t']>(t: T): Array<Extract<ClientFrame, { t: T }>> {
    return this.sockets.flatMap((socket) =>
      socket.received.filter((frame): frame is Extract<ClientFrame, { t: T }> => frame.t === t),
    );
  }

  /** The uids in a channel now, in the order they joined. */
  membersOf(channel: string): string[] {
    return [...(this.channels.get(channel) ?? [])];
  }

  /** A user's attributes on the server now. */
  attributesOf(uid: string): Record<string, string> {
    return Object.fromEntries(this.attributeStore.get(uid) ?? []);
  }

  /** A channel's attributes on the server now, as the wire carries them. */
  channelAttributesOf(channel: string): Record<string, WireChannelAttribute> {
    return Object.fromEntries(this.channelAttributeStore.get(channel) ?? []);
  }

  /** @internal Applies a channel attribute write at the scheduler's now; with `notify`, tells the members. */
  writeChannelAttributes(
    channel: string,
    write: Omit<ChannelAttributeWrite, 'ts'>,
    notify: boolean,
  ): Refusal | undefined {
    const current = this.channelAttributeStore.get(channel) ?? new Map<string, WireChannelAttribute>();
    const next = applyChannelAttributeOp(current, { ...write, ts: this.scheduler.now() });
    if (!(next instanceof Map)) return next;
    this.channelAttributeStore.set(channel, next);
    if (!notify) return undefined;
    const members = this.channels.get(channel) ?? new Set();
    const attributes = Object.fromEntries(next);
    for (const session of this.heldSessions.values())
      if (members.has(session.uid)) session.deliver({ t: 'chanAttrsUpdated', channel, attributes });
    return undefined;
  }

  /** Holds every frame, both ways, on every socket, until {@link heal}. */
  blackhole(): void {
    this.dark = true;
  }

  /** Ends a blackhole, delivering what it held in order. */
  heal(): void {
    this.dark = false;
    for (const socket of this.live) socket.flush();
  }

  /** Closes every open socket from the server side. */
  dropAll(): void {
    for (const socket of [...this.live]) socket.drop();
  }

  /** Kicks every logged-in socket, as a remote login or a ban would; their sessions end. */
  kick(reason: KickReason): void {
    for (const socket of [...this.live]) {
      const session = this.sessionOf(socket);
      if (!session) continue;
      this.end(session);
      socket.push({ t: 'kicked', reason });
      this.scheduler.schedule(() => socket.drop(4002, reason), this.latencyMs);
    }
  }

  /**
   * Announces a restart to every socket and closes them. Sessions are lost
   * with everything they had (channel memberships, subscriptions,
   * attributes), silently, since no one is left to tell; users played by
   * the test keep theirs.
   */
  restart(): void {
    for (const session of [...this.heldSessions.values()]) this.end(session, { quietly: true });
    for (const socket of [...this.live]) {
      socket.push({ t: 'goaway' });
      this.scheduler.schedule(() => socket.drop(1012, 'server restart'), this.latencyMs);
    }
  }

  /**
   * Ends a session as the presence grace running out would: peers see its
   * user leave its channels and go OFFLINE, its attributes are dropped, and
   * a socket still open for it (a half-open link) is dropped. Offering its
   * id again starts a new session.
   */
  expire(sessionId: string): void {
    const session = this.heldSessions.get(sessionId);
    if (!session) return;
    this.end(session);
    session.socket?.drop();
  }

  /** Answers the next request of type `type` (from any client) with `fail` and `code`, changing nothing. */
  failNext(type: RequestType, code: ErrorCode): void {
    this.failures.push({ type, code });
  }

  /** Another user joins `channel`: its members get `MemberJoined`. */
  memberJoined(channel: string, uid: string): void {
    let members = this.channels.get(channel);
    if (!members) this.channels.set(channel, (members = new Set()));
    if (members.has(uid)) return;
    members.add(uid);
    this.announceMember(channel, uid, true);
  }

  /** Another user leaves `channel`: its members get `MemberLeft`. */
  memberLeft(channel: string, uid: string): void {
    if (!this.channels.get(channel)?.delete(uid)) return;
    this.announceMember(channel, uid, false);
  }

  /** Another user's status changes: its subscribers get a `status` event. */
  setPeerStatus(uid: string, status: PeerStatus): void {
    if (this.statusOf(uid) === status) return;
    this.statuses.set(uid, status);
    for (const session of this.heldSessions.values()) {
      if (session.subscriptions.has(uid)) session.deliver({ t: 'status', statuses: { [uid]: status } });
    }
  }

  /**
   * Another user sends `to` a message: `to`'s session gets it now (or on
   * its return); with `offline`, a user not logged in gets it at its next
   * login. True when `to` is logged in. Throws for a message a client
   * would refuse.
   */
  sendMessageToPeer(from: string, to: string, message: OutgoingMessage, { offline = false } = {}): boolean {
    return this.deliverPeerMessage(from, to, checked(message), offline);
  }

  /** Another user sends a message to `channel`: every other member's session gets it. */
  sendChannelMessage(channel: string, from: string, message: OutgoingMessage): void {
    this.deliverChannelMessage(channel, from, checked(message));
  }

  /** @internal The uid's latest session, if it is held. */
  heldSession(uid: string): FakeSession | undefined {
    return [...this.heldSessions.values()].filter((session) => session.uid === uid).at(-1);
  }

  /** @internal */
  deliverPeerMessage(from: string, to: string, message: WireMessage, offline: boolean): boolean {
    const ts = this.scheduler.now();
    const sessions = [...this.heldSessions.values()].filter((session) => session.uid === to);
    for (const session of sessions) session.deliver({ t: 'peerMessage', from, ...message, ts });
    if (sessions.length === 0 && offline) {
      this.offlineMessages.set(to, [...(this.offlineMessages.get(to) ?? []), { from, message, ts }]);
    }
    return sessions.length > 0;
  }

  /** @internal */
  deliverChannelMessage(channel: string, from: string, message: WireMessage): void {
    const members = this.channels.get(channel) ?? new Set();
    const ts = this.scheduler.now();
    for (const session of this.heldSessions.values()) {
      if (session.uid !== from && members.has(session.uid))
        session.deliver({ t: 'channelMessage', channel, from, ...message, ts });
    }
  }

  /** Replaces another user's attributes. */
  setAttributes(uid: string, attributes: Record<string, string>): void {
    this.attributeStore.set(uid, new Map(Object.entries(attributes)));
  }

  /** @internal */
  forget(socket: FakeSocket): void {
    this.live.delete(socket);
    const session = this.sessionOf(socket);
    if (session?.socket === socket) session.socket = undefined;
  }

  /** @internal */
  handle(socket: FakeSocket, data: string): void {
    const decoded = decodeClientFrame(data);
    if (!decoded.ok) throw new Error(`client sent a malformed frame: ${decoded.problem}`);
    const frame = decoded.frame;
    socket.received.push(frame);
    if (frame.t === 'login') return this.login(socket, frame);
    const session = this.sessionOf(socket);
    if (!session) {
      socket.push({ t: 'error', code: ErrorCode.NotLoggedIn, message: `'${frame.t}' before login` });
      return;
    }
    switch (frame.t) {
      case 'ping':
      case 'pong':
        if (frame.ack !== undefined) session.acknowledge(frame.ack);
        if (frame.t === 'ping' && !this.mute) socket.push({ t: 'pong' });
        return;
      case 'logout':
        this.end(session);
        this.scheduler.schedule(() => socket.drop(1000, 'logged out'), this.latencyMs);
        return;
    }
    const failure = this.failures.findIndex(({ type }) => type === frame.t);
    if (failure !== -1) {
      const [{ code }] = this.failures.splice(failure, 1);
      socket.push({ t: 'fail', id: frame.id, code, message: `${frame.t} failed (scripted)` });
      return;
    }
    answerRequest(this, socket, session, frame);
  }

  private login(socket: FakeSocket, frame: Extract<ClientFrame, { t: 'login' }>): void {
    const answer = this.loginAnswer;
    if (answer.type === 'ignore') return;
    if (answer.type === 'refuse') {
      socket.push({ t: 'refused', code: answer.code, message: answer.code });
      this.scheduler.schedule(() => socket.drop(4001, answer.code), this.latencyMs);
      return;
    }
    const tokenExpiresInMs = answer.tokenExpiresInMs ?? 3_600_000;
    const hb = frame.hb;
    if (hb !== undefined) this.heartbeat(socket, hb);
    const resumed = frame.session === undefined ? undefined : this.heldSessions.get(frame.session);
    if (resumed) {
      resumed.socket = socket;
      socket.session = resumed.id;
      const gap = this.loseEventsOnResume;
      this.loseEventsOnResume = false;
      resumed.acknowledge(gap ? Infinity : (frame.seq ?? 0));
      socket.push({ t: 'welcome', session: resumed.id, resumed: true, tokenExpiresInMs, hb, ...(gap ? { gap } : {}) });
      for (const event of resumed.unacknowledged) socket.push(event);
      return;
    }
    const session = new FakeSession(`s${this.nextSession++}`, frame.uid);
    session.socket = socket;
    socket.session = session.id;
    this.heldSessions.set(session.id, session);
    socket.push({ t: 'welcome', session: session.id, resumed: false, tokenExpiresInMs, hb });
    this.setPeerStatus(frame.uid, PeerStatus.Online);
    for (const { from, message, ts } of this.offlineMessages.get(frame.uid) ?? [])
      session.deliver({ t: 'peerMessage', from, ...message, ts, offline: true });
    this.offlineMessages.delete(frame.uid);
  }

  /** Pings the socket every `hb` ms from now until it closes, as the real server's ping wheel does. */
  private heartbeat(socket: FakeSocket, hb: number): void {
    this.scheduler.schedule(() => {
      if (socket.closed) return;
      if (!this.mute) socket.push({ t: 'ping' });
      this.heartbeat(socket, hb);
    }, hb);
  }

  /**
   * Ends a session: it leaves its channels, loses its attributes and goes OFFLINE,
   * telling its peers unless `quietly`.
   */
  private end(session: FakeSession, { quietly = false } = {}): void {
    this.heldSessions.delete(session.id);
    this.invitations.ended(session);
    this.attributeStore.delete(session.uid);
    for (const [channel, members] of this.channels) {
      if (quietly) members.delete(session.uid);
      else this.memberLeft(channel, session.uid);
    }
    if (quietly) this.statuses.delete(session.uid);
    else this.setPeerStatus(session.uid, PeerStatus.Offline);
  }

  private sessionOf(socket: FakeSocket): FakeSession | undefined {
    return socket.session === undefined ? undefined : this.heldSessions.get(socket.session);
  }

  /** A user's status on the server now. */
  statusOf(uid: string): PeerStatus {
    return this.statuses.get(uid) ?? PeerStatus.Offline;
  }

  /** Tells the other members of `channel` that `uid` joined or left. */
  private announceMember(channel: string, uid: string, joined: boolean): void {
    const members = this.channels.get(channel)!;
    for (const session of this.heldSessions.values()) {
      if (session.uid !== uid && members.has(session.uid)) {
        session.deliver({ t: 'member', channel, uid, joined, count: members.size });
      }
    }
  }
}

function checked(message: OutgoingMessage): WireMessage {
  const wire = toWireMessage(message);
  if (wire instanceof Error) throw wire;
  return wire;
}
