import { randomBytes } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { expect } from 'chai';
import { FaultMode, startFaultProxy, type FaultProxy } from './fault-proxy.js';

/** One end of a TCP connection with everything observed on it. */
interface Peer {
  readonly socket: Socket;
  /** All bytes received so far, concatenated. */
  received(): Buffer;
  readonly ended: boolean;
  readonly closed: boolean;
  readonly error: NodeJS.ErrnoException | undefined;
  /** Resolves when the socket emits 'close'. */
  readonly whenClosed: Promise<void>;
}

interface EchoServer {
  readonly port: number;
  /** Server-side sockets, in accept order. */
  readonly connections: Peer[];
  /** Connections currently open. */
  openCount(): number;
  close(): Promise<void>;
}

const servers: EchoServer[] = [];
const clients: Socket[] = [];
const proxies: FaultProxy[] = [];

function observe(socket: Socket): Peer {
  const chunks: Buffer[] = [];
  let ended = false;
  let closed = false;
  let error: NodeJS.ErrnoException | undefined;
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('end', () => {
    ended = true;
  });
  socket.on('error', (err: NodeJS.ErrnoException) => {
    error = err;
  });
  const whenClosed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closed = true;
      resolve();
    }),
  );
  return {
    socket,
    received: () => Buffer.concat(chunks),
    get ended() {
      return ended;
    },
    get closed() {
      return closed;
    },
    get error() {
      return error;
    },
    whenClosed,
  };
}

/** A TCP echo server on 127.0.0.1, port 0. */
async function startEcho(): Promise<EchoServer> {
  const connections: Peer[] = [];
  const server: Server = createServer((socket) => {
    const peer = observe(socket);
    connections.push(peer);
    socket.on('data', (chunk: Buffer) => {
      if (socket.writable) socket.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const echo: EchoServer = {
    port: (server.address() as AddressInfo).port,
    connections,
    openCount: () => connections.filter((peer) => !peer.closed).length,
    close: async () => {
      for (const peer of connections) peer.socket.destroy();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  servers.push(echo);
  return echo;
}

async function startProxy(targetPort: number): Promise<FaultProxy> {
  const proxy = await startFaultProxy({ target: { port: targetPort } });
  proxies.push(proxy);
  return proxy;
}

function connectClient(port: number): Promise<Peer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    clients.push(socket);
    const peer = observe(socket);
    socket.once('connect', () => resolve(peer));
    socket.once('error', reject);
  });
}

/** Connect and expect failure; resolves with the error. */
function connectError(port: number): Promise<NodeJS.ErrnoException> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    clients.push(socket);
    socket.once('connect', () => reject(new Error(`unexpectedly connected to ${port}`)));
    socket.once('error', resolve);
  });
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}

async function waitForBytes(peer: Peer, length: number): Promise<Buffer> {
  await waitFor(() => peer.received().length >= length, `${length} bytes`);
  return peer.received();
}

/** A free port nobody listens on. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('FaultProxy', function () {
  this.timeout(5000);

  afterEach(async function () {
    for (const socket of clients.splice(0)) socket.destroy();
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it('listens on 127.0.0.1 and an ephemeral port in pass mode', async function () {
    const echo = await startEcho();
    const proxy = await startProxy(echo.port);
    expect(proxy.port).to.be.a('number').greaterThan(0).and.not.equal(echo.port);
    expect(proxy.mode).to.equal(FaultMode.Pass);
    expect(proxy.connectionCount).to.equal(0);
  });

  it('pass forwards both ways', async function () {
    const echo = await startEcho();
    const proxy = await startProxy(echo.port);
    const client = await connectClient(proxy.port);

    client.socket.write('hello');
    expect((await waitForBytes(client, 5)).toString()).to.equal('hello');
    expect(echo.connections).to.have.length(1);
    expect(echo.connections[0].received().toString()).to.equal('hello');

    // Server-initiated bytes reach the client too.
    echo.connections[0].socket.write('from-server');
    expect((await waitForBytes(client, 16)).toString()).to.equal('hellofrom-server');
    expect(proxy.connectionCount).to.equal(1);
  });

  it('forwards a graceful FIN from the server and the client FIN back', async function () {
    const echo = await startEcho();
    const proxy = await startProxy(echo.port);
    const client = await connectClient(proxy.port);
    client.socket.write('x');
    await waitForBytes(client, 1);
    const server = echo.connections[0];

    server.socket.end('bye');
    await waitFor(() => client.ended, 'client end');
    expect(client.received().toString()).to.equal('xbye');
    await client.whenClosed; // the client (allowHalfOpen false) ends back, which closes everything
    await server.whenClosed;
    expect(client.error).to.equal(undefined);
    expect(server.error).to.equal(undefined);
    await waitFor(() => proxy.connectionCount === 0, 'connectionCount 0');
  });

  it('blackhole holds data both ways, then pass() delivers it exactly once, in order', async function () {
    const echo = await startEcho();
    const proxy = await startProxy(echo.port);
    const client = await connectClient(proxy.port);
    client.socket.write('0');
    await waitForBytes(client, 1);
    const server = echo.connections[0];

    proxy.blackhole();
    expect(proxy.mode).to.equal(FaultMode.Blackhole);
    client.socket.write('a');
    client.socket.write('b');
    client.socket.write('c');
    server.socket.write('srv');
    await delay(300);
    expect(client.received().toString()).to.equal('0');
    expect(server.received().toString()).to.equal('0');
    expect(client.closed).to.equal(false);
    expect(server.closed).to.equal(false);
    expect(proxy.connectionCount).to.equal(1);

    await proxy.pass();
    expect(proxy.mode).to.equal(FaultMode.Pass);
    // 'srv' was held downstream and is flushed first; 'abc' goes up and comes back as an echo.
    await waitForBytes(client, 7);
    await delay(50);
    expect(client.received().toString()).to.equal('0srvabc');
    expect(server.received().toString()).to.equal('0abc');
    expect(echo.connections).to.have.length(1);

    // New data after the flush still flows, after the held bytes.
    client.socket.write('d');
    await waitForBytes(client, 8);
    expect(client.received().toString()).to.equal('0srvabcd');
  });

  it('blackhole then pass() delivers a large payload intact (backpressure, ordering)', async function () {
    const echo = await startEcho();
    const proxy = await startProxy(echo.port);
    const client = await connectClient(proxy.port);
    client.socket.write('0');
    await waitForBytes(client, 1);

    proxy.blackhole();
    const payload = randomBytes(2 * 1024 * 1024);
    for (let offset = 0; offset < payload.length; offset += 16 * 1024) {
      client.socket.write(payload.subarray(offset, offset + 16 * 1024));
    }
    await delay(50);
    expect(client.received().length).to.equal(1);
    expect(echo.connections[0].received().length).to.equal(1);

    await proxy.pass();
    const received = await waitForBytes(client, payload.length + 1);
    expect(received.length).to.equal(payload.length + 1);
    expect(received.subarray(1).equals(payload)).to.equal(true);
    expect(echo.connections[0].received().subarray(1).equals(payload)).to.equal(true);
  });

  it('a connection opened during blackhole is connected upstream only after pass()', async function () {
    const echo = await startEcho();
    const proxy = await startProxy(echo.port);
    proxy.blackhole();

    const client = await connectClient(proxy.port);
    client.socket.write('early');
    await waitFor(() => proxy.connectionCount === 1, 'connectionCount 1');
    await delay(300);
    expect(echo.connections).to.have.length(0);
    expect(client.received().length).to.equal(0);
    expect(client.closed).to.equal(false);

    await proxy.pass();
    await waitFor(() => echo.connections.length === 1, 'upstream connection');
    expect((await waitForBytes(client, 5)).toString()).to.equal('early');
    await delay(50);
    expect(echo.connections).to.have.length(1);
    expect(echo.openCount()).to.equal(1);
    expect(echo.connections[0].received().toString()).to.equal('early');
    expect(client.received().toString()).to.equal('early');
  });

  it('a FIN sent during blackhole is delivered after the held bytes', async function () {
    const echo = await startEcho();
    const proxy = await startProxy(echo.port);
    const client = await connectClient(proxy.port);
    client.socket.write('0');
    await waitForBytes(client, 1);
    const server = echo.connections[0];

    proxy.blackhole();
    server.socket.end('last');
    await delay(100);
    expect(client.ended).to.equal(false);
    expect(client.received().toString()).to.equal('0');

    await proxy.pass();
    await waitFor(() => client.ended, 'client end');
    expect(client.received().toString()).to.equal('0last');
    await server.whenClosed;
    await client.whenClosed;
    expect(client.error).to.equal(undefined);
  });

  it('reset() closes both sides with a TCP RST and keeps the mode', async function () {
    const echo = await startEcho();
    const proxy = await startProxy(echo.port);
    const client = await connectClient(proxy.port);
    client.socket.write('ping');
    await waitForBytes(client, 4);
    const server = echo.connections[0];

    proxy.reset();
    expect(proxy.connectionCount).to.equal(0);
    await client.whenClosed;
    await server.whenClosed;
    expect(client.error?.code).to.equal('ECONNRESET');
    expect(server.error?.code).to.equal('ECONNRESET');
    expect(client.ended).to.equal(false); // not a graceful FIN
    expect(proxy.mode).to.equal(FaultMode.Pass);

    // Still accepting and forwarding.
    const again = await connectClient(proxy.port);
    again.socket.write('pong');
    expect((await waitForBytes(again, 4)).toString()).to.equal('pong');
    expect(echo.connections).to.have.length(2);
  });

  it('reset() during blackhole drops the held bytes', async function () {
    const echo = await startEcho();
    const proxy = await startProxy(echo.port);
    const client = await connectClient(proxy.port);
    client.socket.write('0');
    await waitForBytes(client, 1);
    const server = echo.connections[0];

    proxy.blackhole();
    client.socket.write('lost');
    await delay(50);
    proxy.reset();
    expect(proxy.mode).to.equal(FaultMode.Blackhole);
    await client.whenClosed;
    await server.whenClosed;
    expect(client.error?.code).to.equal('ECONNRESET');
    expect(server.error?.code).to.equal('ECONNRESET');

    await proxy.pass();
    await delay(100);
    expect(server.received().toString()).to.equal('0');
    expect(client.received().toString()).to.equal('0');
    expect(echo.connections).to.have.length(1);
  });

  it('refuse() resets connections and refuses new ones; pass() accepts again on the same port', async function () {
    const echo = await startEcho();
    const proxy = await startProxy(echo.port);
    const port = proxy.port;
    const client = await connectClient(port);
    client.socket.write('1');
    await waitForBytes(client, 1);
    const server = echo.connections[0];

    await proxy.refuse();
    expect(proxy.mode).to.equal(FaultMode.Refuse);
    await client.whenClosed;
    await server.whenClosed;
    expect(client.error?.code).to.equal('ECONNRESET');
    expect(server.error?.code).to.equal('ECONNRESET');
    expect(proxy.connectionCount).to.equal(0);
    expect((await connectError(port)).code).to.equal('ECONNREFUSED');
    await proxy.refuse(); // idempotent

    await proxy.pass();
    expect(proxy.mode).to.equal(FaultMode.Pass);
    expect(proxy.port).to.equal(port);
    const again = await connectClient(port);
    again.socket.write('2');
    expect((await waitForBytes(again, 1)).toString()).to.equal('2');
    expect(echo.connections).to.have.length(2);
    expect(echo.connections[1].received().toString()).to.equal('2');
  });

  it('retarget() sends future connections to the new upstream; existing ones stay', async function () {
    const first = await startEcho();
    const second = await startEcho();
    const proxy = await startProxy(first.port);
    const old = await connectClient(proxy.port);
    old.socket.write('a');
    await waitForBytes(old, 1);

    proxy.retarget({ host: '127.0.0.1', port: second.port });
    const fresh = await connectClient(proxy.port);
    fresh.socket.write('b');
    expect((await waitForBytes(fresh, 1)).toString()).to.equal('b');
    old.socket.write('c');
    expect((await waitForBytes(old, 2)).toString()).to.equal('ac');

    expect(first.connections).to.have.length(1);
    expect(second.connections).to.have.length(1);
    expect(first.connections[0].received().toString()).to.equal('ac');
    expect(second.connections[0].received().toString()).to.equal('b');
    expect(proxy.connectionCount).to.equal(2);
  });

  it('resets the client when the upstream refuses the connection', async function () {
    const proxy = await startProxy(await deadPort());
    const client = await connectClient(proxy.port);
    await client.whenClosed;
    expect(client.error?.code).to.equal('ECONNRESET');
    expect(client.received().length).to.equal(0);
    await waitFor(() => proxy.connectionCount === 0, 'connectionCount 0');
  });

  it('close() resets everything, stops listening and is idempotent', async function () {
    const echo = await startEcho();
    const proxy = await startProxy(echo.port);
    const port = proxy.port;
    const client = await connectClient(port);
    client.socket.write('z');
    await waitForBytes(client, 1);
    const server = echo.connections[0];

    const [first, second] = [proxy.close(), proxy.close()];
    expect(second).to.equal(first);
    await Promise.all([first, second]);
    await proxy.close();
    expect(proxy.mode).to.equal(FaultMode.Refuse);
    expect(proxy.connectionCount).to.equal(0);
    await client.whenClosed;
    await server.whenClosed;
    expect(client.error?.code).to.equal('ECONNRESET');
    expect(server.error?.code).to.equal('ECONNRESET');
    expect((await connectError(port)).code).to.equal('ECONNREFUSED');
    await expectRejection(proxy.pass(), 'after close()');
    expect(() => proxy.blackhole()).to.throw('after close()');
  });
});

async function expectRejection(promise: Promise<unknown>, message: string): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (caught) {
    error = caught;
  }
  expect(error).to.be.instanceOf(Error);
  expect((error as Error).message).to.contain(message);
}
