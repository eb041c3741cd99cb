import { performance } from 'node:perf_hooks';
import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * How the proxy treats traffic. Integration tests flip between these to reproduce the ways a real
 * network fails, which a WebSocket client and server on loopback would otherwise never see.
 */
export const FaultMode = {
  /** Forward bytes both ways, like a healthy network. */
  Pass: 'pass',
  /** Keep sockets open but deliver nothing, like a silent outage (no FIN, no RST, no bytes). */
  Blackhole: 'blackhole',
  /** Not listening: new connects fail fast with ECONNREFUSED, like a host whose server is down. */
  Refuse: 'refuse',
} as const;

/** One of the {@link FaultMode} values. */
export type FaultMode = (typeof FaultMode)[keyof typeof FaultMode];

/** Where the proxy forwards to. `host` defaults to 127.0.0.1. */
export interface FaultProxyTarget {
  host?: string;
  port: number;
}

/** Options for {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** The real server the proxy forwards to. */
  target: FaultProxyTarget;
  /** Interface to listen on; defaults to 127.0.0.1 so tests never expose a port. */
  host?: string;
  /** Port to listen on; defaults to 0 (ephemeral) so parallel tests never collide. */
  port?: number;
}

/**
 * A TCP proxy that sits between a client and a server under test and can cut the link the ways a
 * real network does: silently (blackhole), abruptly (reset), or by being unreachable (refuse).
 * Tests use it because connection-state logic is only trustworthy once it has survived each of them.
 */
export interface FaultProxy {
  /** The port clients connect to; stable for the proxy's lifetime, even across refuse()/pass(). */
  readonly port: number;
  /** The current mode; `refuse` after close(). */
  readonly mode: FaultMode;
  /** Client-side connections that are currently open. */
  readonly connectionCount: number;
  /**
   * `performance.now()` when bytes last went from a client to the server (0 if never): the
   * server's "last frame received" from the proxy's side, for timing presence.
   */
  readonly lastForwardedUpAt: number;
  /**
   * Forward both ways. Coming from blackhole, first deliver everything that was held, in order,
   * both directions (as TCP retransmission would once an outage heals), and connect upstream every
   * connection accepted while dark. Coming from refuse, listen again on the same port. Resolves once
   * listening and once the upstream connects it started have succeeded or failed.
   */
  pass(): Promise<void>;
  /**
   * Keep every socket open on both sides but forward nothing in either direction: bytes, FINs and
   * RSTs are held until pass(). New connections are accepted but not connected upstream until
   * pass(). Coming from refuse, listening resumes asynchronously (await pass() for certainty).
   */
  blackhole(): void;
  /**
   * Destroy every current connection with a TCP RST on both sides; held bytes are dropped. The
   * mode is unchanged, so the proxy keeps accepting new connections.
   */
  reset(): void;
  /**
   * Reset every current connection and stop listening so new connects get ECONNREFUSED.
   * pass() listens again on the same port.
   */
  refuse(): Promise<void>;
  /** Send future upstream connections to a new target, for tests that restart the server elsewhere. */
  retarget(target: FaultProxyTarget): void;
  /** Reset everything and stop listening, leaving no open handles. Idempotent. */
  close(): Promise<void>;
}

const DEFAULT_HOST = '127.0.0.1';
const EMPTY = Buffer.alloc(0);

/** How a source side finished: gracefully (FIN) or abruptly (RST / error). */
type Ending = 'end' | 'reset';

function ignore(): void {
  // Errors are handled through each socket's 'close' event; this listener only keeps an 'error'
  // event from ever becoming an uncaught exception.
}

/** Destroy a socket with a TCP RST, falling back to a plain destroy when no RST can be sent. */
function hardReset(socket: Socket): void {
  if (socket.destroyed) return;
  try {
    if (socket.connecting) socket.destroy();
    else socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

/**
 * One direction of a proxied connection. Every chunk goes through the `held` queue, so bytes are
 * delivered in the order they were read no matter how often the mode flips; the source's ending
 * (FIN or RST) is delivered only after everything it sent before it.
 */
class Flow {
  private readonly held: Buffer[] = [];
  private ending: Ending | undefined;
  private finished = false;
  private waitingForDrain = false;

  constructor(
    private readonly source: () => Socket | undefined,
    private readonly sink: () => Socket | undefined,
    private readonly isOpen: () => boolean,
    private readonly delivered: () => void = () => undefined,
  ) {}

  push(chunk: Buffer): void {
    if (this.ending !== undefined || this.finished) return;
    this.held.push(chunk);
    this.deliver();
  }

  end(kind: Ending): void {
    if (this.ending !== undefined || this.finished) return;
    this.ending = kind;
    this.deliver();
  }

  /** Forget everything held and never deliver anything again (the link is being torn down). */
  drop(): void {
    this.held.length = 0;
    this.finished = true;
  }

  deliver(): void {
    if (this.finished || !this.isOpen()) return;
    const sink = this.sink();
    if (sink === undefined) return;
    if (!sink.writable) {
      // The other side is gone or already ended: nothing can be delivered any more.
      this.drop();
      return;
    }
    let wrote = false;
    let full = false;
    for (const chunk of this.held) {
      wrote = true;
      if (!sink.write(chunk)) full = true;
    }
    this.held.length = 0;
    if (wrote) this.delivered();
    if (full) this.pauseUntilDrained(sink);
    if (this.ending === undefined) return;
    this.finished = true;
    if (this.ending === 'end') {
      sink.end();
    } else if (wrote || sink.writableLength > 0) {
      // Let the bytes sent before the RST reach the kernel first, as they would on the wire.
      sink.write(EMPTY, () => hardReset(sink));
    } else {
      hardReset(sink);
    }
  }

  /** Backpressure: stop reading the source until the sink has room (or is gone). */
  private pauseUntilDrained(sink: Socket): void {
    const source = this.source();
    if (this.waitingForDrain || source === undefined || source.destroyed) return;
    this.waitingForDrain = true;
    source.pause();
    const release = (): void => {
      sink.off('drain', release);
      sink.off('close', release);
      this.waitingForDrain = false;
      source.resume();
    };
    sink.on('drain', release);
    sink.on('close', release);
  }
}

/** A client connection and, once connected upstream, its server-side twin. */
interface Link {
  readonly client: Socket;
  upstream: Socket | undefined;
  upstreamConnected: boolean;
  clientClosed: boolean;
  upstreamClosed: boolean;
  /** Settles when the upstream connect attempt succeeds or fails. */
  connecting: Promise<void> | undefined;
  /** client → upstream */
  readonly up: Flow;
  /** upstream → client */
  readonly down: Flow;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    const onError = (error: Error): void => {
      server.off('listening', onListening);
      reject(error);
    };
    server.once('listening', onListening);
    server.once('error', onError);
    server.listen(port, host);
  });
}

function stopListening(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    // The callback gets ERR_SERVER_NOT_RUNNING only if not listening, which we ruled out.
    server.close(() => resolve());
  });
}

class FaultProxyImpl implements FaultProxy {
  private currentMode: FaultMode = FaultMode.Pass;
  private target: FaultProxyTarget;
  private readonly links = new Set<Link>();
  private readonly sockets = new Set<Socket>();
  /** Serializes listen/close of the server so refuse() and pass() can be called back to back. */
  private serverOps: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly server: Server,
    private readonly host: string,
    readonly port: number,
    target: FaultProxyTarget,
  ) {
    this.target = { ...target };
    server.on('error', ignore);
    server.on('connection', (socket: Socket) => this.accept(socket));
  }

  get mode(): FaultMode {
    return this.currentMode;
  }

  lastForwardedUpAt = 0;

  get connectionCount(): number {
    let count = 0;
    for (const link of this.links) if (!link.clientClosed) count += 1;
    return count;
  }

  async pass(): Promise<void> {
    this.assertOpen('pass');
    this.currentMode = FaultMode.Pass;
    const pending: Promise<void>[] = [];
    for (const link of this.links) {
      if (link.upstream === undefined) {
        if (!link.clientClosed) this.connectUpstream(link);
      } else {
        link.up.deliver();
        link.down.deliver();
      }
      if (link.connecting !== undefined) pending.push(link.connecting);
    }
    await this.ensureListening();
    await Promise.all(pending);
  }

  blackhole(): void {
    this.assertOpen('blackhole');
    this.currentMode = FaultMode.Blackhole;
    // From refuse: accept again. A failure surfaces on the next pass(), which retries the listen.
    this.ensureListening().catch(ignore);
  }

  reset(): void {
    for (const link of this.links) {
      link.up.drop();
      link.down.drop();
      hardReset(link.client);
      if (link.upstream !== undefined) hardReset(link.upstream);
    }
    this.links.clear();
  }

  async refuse(): Promise<void> {
    this.assertOpen('refuse');
    this.currentMode = FaultMode.Refuse;
    this.reset();
    await this.ensureNotListening();
  }

  retarget(target: FaultProxyTarget): void {
    this.target = { ...target };
  }

  close(): Promise<void> {
    if (this.closing === undefined) {
      this.currentMode = FaultMode.Refuse;
      this.reset();
      for (const socket of this.sockets) hardReset(socket);
      const socketsClosed = [...this.sockets].map(
        (socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())),
      );
      this.closing = Promise.all([this.ensureNotListening(), ...socketsClosed]).then(() => undefined);
    }
    return this.closing;
  }

  private assertOpen(operation: string): void {
    if (this.closing !== undefined) throw new Error(`FaultProxy.${operation}() after close()`);
  }

  private ensureListening(): Promise<void> {
    const op = this.serverOps.then(() =>
      this.server.listening || this.closing !== undefined ? undefined : listen(this.server, this.port, this.host),
    );
    this.serverOps = op.catch(ignore);
    return op;
  }

  private ensureNotListening(): Promise<void> {
    const op = this.serverOps.then(() => stopListening(this.server));
    this.serverOps = op.catch(ignore);
    return op;
  }

  /** Track a socket so close() can wait for it; never let its errors escape. */
  private track(socket: Socket): void {
    socket.setNoDelay(true);
    socket.on('error', ignore);
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  private accept(client: Socket): void {
    this.track(client);
    if (this.closing !== undefined || this.currentMode === FaultMode.Refuse) {
      hardReset(client);
      return;
    }
    const link: Link = {
      client,
      upstream: undefined,
      upstreamConnected: false,
      clientClosed: false,
      upstreamClosed: false,
      connecting: undefined,
      up: new Flow(
        () => link.client,
        () => link.upstream,
        () => this.currentMode === FaultMode.Pass && link.upstreamConnected,
        () => (this.lastForwardedUpAt = performance.now()),
      ),
      down: new Flow(
        () => link.upstream,
        () => link.client,
        () => this.currentMode === FaultMode.Pass,
      ),
    };
    this.links.add(link);
    client.on('data', (chunk: Buffer) => link.up.push(chunk));
    client.on('end', () => link.up.end('end'));
    client.on('close', (hadError: boolean) => {
      link.clientClosed = true;
      link.up.end(hadError ? 'reset' : 'end');
      this.settle(link);
    });
    if (this.currentMode === FaultMode.Pass) this.connectUpstream(link);
  }

  private connectUpstream(link: Link): void {
    const { host = DEFAULT_HOST, port } = this.target;
    const upstream = connect({ host, port, allowHalfOpen: true });
    this.track(upstream);
    link.upstream = upstream;
    link.connecting = new Promise<void>((resolve) => {
      upstream.once('connect', () => resolve());
      upstream.once('close', () => resolve());
    });
    upstream.once('connect', () => {
      link.upstreamConnected = true;
      link.up.deliver();
      link.down.deliver();
    });
    upstream.on('data', (chunk: Buffer) => link.down.push(chunk));
    upstream.on('end', () => link.down.end('end'));
    upstream.on('close', (hadError: boolean) => {
      link.upstreamClosed = true;
      // A failed connect (e.g. ECONNREFUSED) reaches the client as a reset, like a dead route would.
      link.down.end(hadError || !link.upstreamConnected ? 'reset' : 'end');
      this.settle(link);
    });
  }

  /** Forget a link once nothing more can flow through it. */
  private settle(link: Link): void {
    if (link.clientClosed && (link.upstream === undefined || link.upstreamClosed)) this.links.delete(link);
  }
}

/**
 * Start a fault-injection proxy in {@link FaultMode.Pass} mode, listening on 127.0.0.1 and an
 * ephemeral port unless told otherwise. Point the client under test at `proxy.port`.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const host = options.host ?? DEFAULT_HOST;
  // allowHalfOpen: a FIN from one side is forwarded as a FIN, not turned into a full close.
  const server = createServer({ allowHalfOpen: true });
  server.on('error', ignore);
  await listen(server, options.port ?? 0, host);
  const address = server.address();
  if (address === null || typeof address === 'string') {
    await stopListening(server);
    throw new Error('FaultProxy: server is not listening on a TCP port');
  }
  server.off('error', ignore);
  return new FaultProxyImpl(server, host, address.port, options.target);
}
