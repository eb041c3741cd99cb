/**
 * A scripted rx-rtm server living on an RxJS scheduler, for marble tests of
 * the client and of apps built on it. Its `WebSocket` class goes into
 * `createClient({ WebSocket })`; sockets open, answer and fail when the test
 * says so, on the same virtual clock as the client, so every timing of the
 * connection can be asserted to the frame.
 *
 * It answers `login` with `welcome` (resuming a known session), `ping` with
 * `pong`, `renew` with `renewed`, and `logout` by ending the session, unless
 * the test changes its answers. Links can be cut the ways networks fail:
 * `blackhole()` holds every frame both ways until `heal()`, like a network
 * outage under TCP; `dropAll()` closes sockets; `refuseConnections` makes
 * new sockets fail.
 */
import type { SchedulerLike } from 'rxjs';
import { decodeClientFrame, encodeFrame } from '../protocol/codec.js';
import type { ErrorCode } from '../protocol/error-code.js';
import type { ClientFrame, KickReason, ServerFrame } from '../protocol/frames.js';

type Handler = ((event: object) => void) | null;

/** How the fake server answers a login frame. */
export type LoginAnswer =
  | { type: 'welcome'; tokenExpiresInMs?: number }
  | { type: 'refuse'; code: ErrorCode }
  /** Say nothing: a server that accepted TCP but never logs anyone in. */
  | { type: 'ignore' };

/** One socket as the fake server sees it. */
export class FakeSocket {
  onopen: Handler = null;
  onclose: Handler = null;
  onmessage: Handler = null;
  onerror: Handler = null;
  /** Every frame the client sent on this socket, decoded. */
  readonly received: ClientFrame[] = [];
  open = false;
  closed = false;
  session: string | undefined;
  private readonly held: Array<() => void> = [];

  constructor(
    private readonly server: FakeRtmServer,
    readonly url: string,
    readonly protocols: string | string[],
  ) {}

  /** Called by the client. */
  send(data: string): void {
    if (this.closed) return;
    this.deliver(() => this.server.handle(this, data));
  }

  /** Called by the client. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.open = false;
    this.server.forget(this);
  }

  /** Server side: sends a frame to the client. */
  push(frame: ServerFrame): void {
    if (this.closed) return;
    this.deliver(() => this.fire('onmessage', { data: encodeFrame(frame) }));
  }

  /** Server side: closes the socket as a server or a network would. */
  drop(code = 1006, reason = 'connection lost'): void {
    if (this.closed) return;
    this.closed = true;
    this.open = false;
    this.server.forget(this);
    this.fire('onclose', { code, reason, wasClean: false });
  }

  /** @internal */
  connect(): void {
    if (this.closed) return;
    if (this.server.refuseConnections) {
      this.closed = true;
      this.server.forget(this);
      this.fire('onerror', { message: 'connection refused' });
      return;
    }
    this.open = true;
    this.fire('onopen', {});
  }

  /** @internal Delivers what a blackhole held, in order. */
  flush(): void {
    for (const deliver of this.held.splice(0)) deliver();
  }

  private deliver(action: () => void): void {
    if (this.server.dark) this.held.push(action);
    else this.server.scheduler.schedule(action, this.server.latencyMs);
  }

  private fire(name: 'onopen' | 'onclose' | 'onmessage' | 'onerror', event: object): void {
    (this[name] as ((event: object) => void) | null)?.(event);
  }
}

export interface FakeRtmServerOptions {
  /** One-way delay of every frame, ms; default 0. */
  latencyMs?: number;
  /** Time from `new WebSocket()` to open (or refusal), ms; default 0. */
  connectMs?: number;
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
  /** While true, pings get no pong (the server is alive but mute). */
  mute = false;
  /** While true, new sockets fail to connect. */
  refuseConnections = false;
  /** True between `blackhole()` and `heal()`. */
  dark = false;
  /** Sessions the server still holds, by id; delete one to make the next resume a new session. */
  readonly sessions = new Set<string>();
  private readonly live = new Set<FakeSocket>();
  private nextSession = 1;

  constructor(
    readonly scheduler: SchedulerLike,
    { latencyMs = 0, connectMs = 0 }: FakeRtmServerOptions = {},
  ) {
    this.latencyMs = latencyMs;
    this.connectMs = connectMs;
    const server = this;
    this.WebSocket = class extends FakeSocket {
      constructor(url: string, protocols: string | string[]) {
        super(server, url, protocols);
        server.sockets.push(this);
        server.live.add(this);
        server.scheduler.schedule(() => this.connect(), server.connectMs);
      }
    };
  }

  /** Sockets open now. */
  get openSockets(): FakeSocket[] {
    return [...this.live].filter((socket) => socket.open);
  }

  /** Every frame every socket received, in order; handy for `expect(...).to.deep.equal`. */
  framesOfType<T extends ClientFrame['t']>(t: T): Array<Extract<ClientFrame, { t: T }>> {
    return this.sockets.flatMap((socket) => socket.received.filter((frame): frame is Extract<ClientFrame, { t: T }> => frame.t === t));
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

  /** Kicks every logged-in socket, as a remote login or a ban would. */
  kick(reason: KickReason): void {
    for (const socket of [...this.live]) {
      if (!socket.session) continue;
      this.sessions.delete(socket.session);
      socket.push({ t: 'kicked', reason });
      this.scheduler.schedule(() => socket.drop(4002, reason), this.latencyMs);
    }
  }

  /** Announces a restart to every socket and closes them; sessions are lost. */
  restart(): void {
    this.sessions.clear();
    for (const socket of [...this.live]) {
      socket.push({ t: 'goaway' });
      this.scheduler.schedule(() => socket.drop(1012, 'server restart'), this.latencyMs);
    }
  }

  /** @internal */
  forget(socket: FakeSocket): void {
    this.live.delete(socket);
  }

  /** @internal */
  handle(socket: FakeSocket, data: string): void {
    const decoded = decodeClientFrame(data);
    if (!decoded.ok) throw new Error(`client sent a malformed frame: ${decoded.problem}`);
    const frame = decoded.frame;
    socket.received.push(frame);
    switch (frame.t) {
      case 'login':
        return this.login(socket, frame);
      case 'ping':
        if (!this.mute) socket.push({ t: 'pong' });
        return;
      case 'renew':
        socket.push({ t: 'renewed', id: frame.id, tokenExpiresInMs: 3_600_000 });
        return;
      case 'logout':
        if (socket.session) this.sessions.delete(socket.session);
        this.scheduler.schedule(() => socket.drop(1000, 'logged out'), this.latencyMs);
        return;
    }
  }

  private login(socket: FakeSocket, frame: Extract<ClientFrame, { t: 'login' }>): void {
    const answer = this.loginAnswer;
    if (answer.type === 'ignore') return;
    if (answer.type === 'refuse') {
      socket.push({ t: 'refused', code: answer.code, message: answer.code });
      this.scheduler.schedule(() => socket.drop(4001, answer.code), this.latencyMs);
      return;
    }
    const resumed = frame.session !== undefined && this.sessions.has(frame.session);
    const session = resumed ? frame.session! : `s${this.nextSession++}`;
    this.sessions.add(session);
    socket.session = session;
    socket.push({ t: 'welcome', session, resumed, tokenExpiresInMs: answer.tokenExpiresInMs ?? 3_600_000 });
  }
}
