/**
 * A raw protocol client for server tests: a `ws` socket with promise-based
 * reads. Frames are queued as they arrive, so none is missed between awaits;
 * nothing is sent unless a test sends it (no heartbeat of its own unless
 * `keepAlive` is asked for).
 */
import { performance } from 'node:perf_hooks';
import { WebSocket, type RawData } from 'ws';
import { rawText } from '../../lib/server/raw-text.js';
import { PROTOCOL } from '../../lib/protocol/frames.js';
import { startServer, type RtmServer, type ServerOptions } from '../../lib/server/index.js';

/** A frame the server sent, parsed from JSON. */
export type Frame = { t: string } & Record<string, unknown>;

export interface Closed {
  code: number;
  reason: string;
}

export class RawClient {
  private static readonly open = new Set<RawClient>();

  private readonly frames: Frame[] = [];
  private readonly listeners = new Set<() => void>();
  private closedWith: Closed | undefined;
  /** When each frame arrived (`performance.now()`), for timing assertions. */
  private readonly arrivals = new WeakMap<Frame, number>();
  /** Pongs still owed to {@link keepAlive}'s pings; they are dropped rather than queued. */
  private pongsToSwallow = 0;
  private keepAliveTimer: ReturnType<typeof setInterval> | undefined;

  private constructor(readonly socket: WebSocket) {
    RawClient.open.add(this);
    socket.on('message', (data: RawData, isBinary: boolean) => {
      const text = isBinary ? `<binary ${rawText(data)}>` : rawText(data);
      let frame: Frame;
      try {
        frame = JSON.parse(text) as Frame;
      } catch {
        frame = { t: '<not json>', text };
      }
      if (frame.t === 'pong' && this.pongsToSwallow > 0) {
        this.pongsToSwallow--;
        return;
      }
      this.arrivals.set(frame, performance.now());
      this.frames.push(frame);
      this.notify();
    });
    socket.on('close', (code: number, reason: Buffer) => {
      this.closedWith = { code, reason: reason.toString() };
      this.stopKeepAlive();
      RawClient.open.delete(this);
      this.notify();
    });
    socket.on('error', () => undefined);
  }

  /** Opens a socket offering `protocols` (the protocol's subprotocol by default). */
  static async connect(url: string, protocols: string[] = [PROTOCOL]): Promise<RawClient> {
    const socket = new WebSocket(url, protocols);
    const client = new RawClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('close', (code) => reject(new Error(`closed (${code}) before it opened`)));
    });
    return client;
  }

  /** Drops every socket still open; for afterEach. */
  static terminateAll(): void {
    for (const client of RawClient.open) {
      client.stopKeepAlive();
      client.socket.terminate();
    }
    RawClient.open.clear();
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Frames received and not read yet. */
  get pending(): readonly Frame[] {
    return this.frames;
  }

  /** Sends an object as JSON text, a string as text, a Buffer as a binary frame. */
  send(frame: object | string | Buffer): void {
    if (Buffer.isBuffer(frame)) this.socket.send(frame, { binary: true });
    else this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The next frame; rejects if none comes within `timeoutMs` or the socket closes first. */
  next(timeoutMs = 1000): Promise<Frame> {
    return this.waitFor(
      () => this.frames.shift(),
      () =>
        this.closedWith
          ? new Error(`closed (${this.closedWith.code} ${this.closedWith.reason}) with no frame left`)
          : undefined,
      timeoutMs,
      'a frame',
    );
  }

  /** Sends `frame` and returns the next frame. */
  async request(frame: object | string | Buffer, timeoutMs?: number): Promise<Frame> {
    this.send(frame);
    return this.next(timeoutMs);
  }

  /** Resolves with the close code and reason once the socket is closed (frames may still be queued). */
  closed(timeoutMs = 2000): Promise<Closed> {
    return this.waitFor(
      () => this.closedWith,
      () => undefined,
      timeoutMs,
      'the close',
    );
  }

  /** Resolves after `ms` if the socket received no frame and did not close meanwhile. */
  async quiet(ms: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    if (this.frames.length > 0) throw new Error(`expected no frame, got ${JSON.stringify(this.frames)}`);
    if (this.closedWith) throw new Error(`expected the socket open, it closed (${this.closedWith.code})`);
  }

  /** When `frame` (one this client received) arrived, by `performance.now()`. */
  arrivedAt(frame: Frame): number {
    const at = this.arrivals.get(frame);
    if (at === undefined) throw new Error(`not a frame this client received: ${JSON.stringify(frame)}`);
    return at;
  }

  /**
   * Sends `ping` every `intervalMs` until {@link stopKeepAlive} or the close,
   * so the session stays alive while a test waits; the answering pongs are
   * dropped, so reads see only the other frames.
   */
  keepAlive(intervalMs: number): void {
    this.stopKeepAlive();
    this.keepAliveTimer = setInterval(() => {
      if (!this.isOpen) return;
      this.pongsToSwallow++;
      this.socket.send(JSON.stringify({ t: 'ping' }));
    }, intervalMs);
    this.keepAliveTimer.unref();
  }

  stopKeepAlive(): void {
    clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = undefined;
  }

  close(code?: number): void {
    this.socket.close(code);
  }

  terminate(): void {
    this.socket.terminate();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private waitFor<T>(
    take: () => T | undefined,
    fail: () => Error | undefined,
    timeoutMs: number,
    what: string,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = (): boolean => {
        const value = take();
        if (value !== undefined) {
          resolve(value);
          return true;
        }
        const error = fail();
        if (error) {
          reject(error);
          return true;
        }
        return false;
      };
      if (check()) return;
      const listener = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`no ${what} within ${timeoutMs} ms; pending frames ${JSON.stringify(this.frames)}`));
      }, timeoutMs);
      this.listeners.add(listener);
    });
  }
}

/**
 * For a describe block: a `start(options)` that starts a server on a free
 * port with `apps`, and an afterEach that drops every raw client and closes
 * every server the test started.
 */
export function serverFixture(apps: Record<string, string>): (options?: Partial<ServerOptions>) => Promise<RtmServer> {
  const servers: RtmServer[] = [];
  afterEach(async () => {
    RawClient.terminateAll();
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  return async (options = {}) => {
    const server = await startServer({ port: 0, apps, ...options });
    servers.push(server);
    return server;
  };
}
