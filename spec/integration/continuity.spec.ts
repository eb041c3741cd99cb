/**
 * Nothing lost, nothing doubled: every client's picture of its channels and
 * peers stays true across its own reconnects, of any length, and every
 * message is accounted for (message-ledger.ts). Real client, real server,
 * links cut by the fault proxy.
 */
import { expect } from 'chai';
import { createClient, type RtmClient, type RtmClientOptions } from '../../lib/node.js';
import { createToken, startServer, type RtmServer, type ServerOptions } from '../../lib/server/index.js';
import { ChannelWitness } from '../support/channel-witness.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { Soak } from '../support/soak.js';
import { sleep, StateRecorder } from '../support/state-recorder.js';

const APP = 'demo';
const SECRET = 'demo-secret';
const token = (uid: string) => createToken({ appId: APP, appSecret: SECRET, uid, expiresInSeconds: 3600 });

describe('event continuity (integration)', function () {
  this.timeout(120_000);
  let server: RtmServer;
  const proxies: FaultProxy[] = [];
  const clients: RtmClient[] = [];

  async function start(options: Partial<ServerOptions> = {}) {
    server = await startServer({ port: options.port ?? 0, apps: { [APP]: SECRET }, ...options });
  }
  async function user(uid: string, options: Partial<RtmClientOptions> & { viaProxy?: boolean } = {}) {
    let url = server.url;
    let proxy: FaultProxy | undefined;
    if (options.viaProxy) {
      proxy = await startFaultProxy({ target: { port: server.port } });
      proxies.push(proxy);
      url = `ws://127.0.0.1:${proxy.port}/`;
    }
    const client = createClient({ url, appId: APP, ...options });
    clients.push(client);
    const states = new StateRecorder(client);
    await client.login({ uid, token: token(uid) });
    return { uid, client, states, proxy: proxy! };
  }
  async function inRoom(uid: string, options: Parameters<typeof user>[1] = {}) {
    const u = await user(uid, options);
    const witness = new ChannelWitness(u.client.createChannel('room'), uid);
    await witness.joined();
    return { ...u, witness };
  }

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.destroy()));
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    await server.close();
  });

  it('resumed session: the events missed while the link was down arrive once each, in order', async () => {
    await start({ presenceGraceMs: 10_000 });
    const b = await inRoom('B', { viaProxy: true, random: () => 0 });
    const c = await inRoom('C');
    const d = await inRoom('D');
    await sleep(200);
    expect(b.witness.seen).to.deep.equal(['+C', '+D']);
    await b.proxy.refuse(); // the socket is reset; no reconnect can get through
    await c.witness.channel.leave();
    await d.witness.channel.leave();
    await c.witness.joined();
    await sleep(300);
    await b.proxy.pass();
    await sleep(1500);
    expect(b.witness.seen).to.deep.equal(['+C', '+D', '-C', '-D', '+C']);
    expect(b.states.pairs, 'a 2 s outage shows nothing').to.deep.equal([
      'DISCONNECTED/LOGOUT',
      'CONNECTING/LOGIN',
      'CONNECTED/LOGIN_SUCCESS',
    ]);
    expect(b.witness.violations).to.deep.equal([]);
    expect(await b.witness.disagreements()).to.deep.equal([]);
  });

  it('after the grace (a new session): exactly the difference', async () => {
    // Gone and back emits nothing, gone emits MemberLeft, new emits MemberJoined.
    await start({ presenceGraceMs: 1500, unreachableMs: 500 });
    const b = await inRoom('B', { viaProxy: true, random: () => 0, interruptionThresholdMs: 1000 });
    const c = await inRoom('C');
    const d = await inRoom('D');
    await sleep(200);
    await b.proxy.refuse();
    await sleep(2500); // B's session expires
    await c.witness.channel.leave();
    await d.witness.channel.leave();
    await d.witness.joined();
    await inRoom('E');
    await b.proxy.pass();
    await b.states.waitFor('CONNECTED/LOGIN_SUCCESS', 5000, 3);
    await sleep(1000);
    expect(b.witness.seen).to.deep.equal(['+C', '+D', '-C', '+E']);
    expect(b.witness.violations).to.deep.equal([]);
    expect(await b.witness.disagreements()).to.deep.equal([]);
  });

  it('after a server restart: pictures converge to the truth with alternating events', async () => {
    await start();
    const b = await inRoom('B');
    const c = await inRoom('C');
    await sleep(200);
    const port = server.port;
    await server.close();
    await start({ port });
    await sleep(3000);
    for (const u of [b, c]) {
      expect(u.witness.violations).to.deep.equal([]);
      expect(await u.witness.disagreements()).to.deep.equal([]);
      expect(u.states.pairs).to.deep.equal(['DISCONNECTED/LOGOUT', 'CONNECTING/LOGIN', 'CONNECTED/LOGIN_SUCCESS']);
    }
  });

  it('buffer overflow: over 1000 events while away are reconciled to exactly the net change (here: none)', async () => {
    await start({ eventBuffer: { maxEvents: 1000, maxBytes: 256 * 1024 } });
    const b = await inRoom('B', { viaProxy: true, random: () => 0 });
    const peers = await Promise.all(Array.from({ length: 21 }, (_, i) => user(`P${i}`)));
    const rooms = peers.map((p) => p.client.createChannel('room'));
    await sleep(200);
    await b.proxy.refuse();
    // 21 peers × 25 join/leave cycles = 1050 events for B, within 50 joins per 3 s per peer.
    await Promise.all(
      rooms.map(async (room) => {
        for (let i = 0; i < 25; i++) {
          await room.join();
          await room.leave();
        }
      }),
    );
    await b.proxy.pass();
    await sleep(2000);
    expect(b.witness.seen, 'everyone who came also went: nothing to tell').to.deep.equal([]);
    expect(b.witness.violations).to.deep.equal([]);
    expect(await b.witness.disagreements()).to.deep.equal([]);
  });

  describe('soak', () => {
    const seed = Number(process.env.SOAK_SEED ?? Math.floor(Math.random() * 2 ** 31));

    it(
      `keeps every picture true, every message accounted for, under random faults (seed ${seed}; ` +
        `SOAK_SEED=${seed})`,
      async function () {
        this.timeout(150_000);
        await start({ presenceGraceMs: 3000, unreachableMs: 1000 });
        const port = server.port;
        const soak = new Soak(
          {
            seed,
            app: APP,
            secret: SECRET,
            clients: 16,
            channels: 3,
            channelsPerClient: [1, 3],
            peersPerClient: 5,
            faultMs: 25_000,
            faultEveryMs: [1000, 4000],
            serverRestarts: 1,
            sendEveryMs: [150, 600],
            channelShare: 0.4,
            attributeEveryMs: [1000, 3000],
            graceMs: 3000,
            excuseAfterMs: 4000,
            connectWithinMs: 20_000,
            quietMs: 5000,
            concurrency: 16,
            client: { interruptionThresholdMs: 1000, reconnectMaxDelayMs: 1500 },
          },
          {
            targets: [{ port }],
            restartServer: async () => {
              await server.close();
              await start({ port, presenceGraceMs: 3000, unreachableMs: 1000 });
            },
          },
        );
        try {
          await soak.setup();
          const result = await soak.run();
          console.log(`      faults: ${JSON.stringify(result.faults)}; messages: ${JSON.stringify(result.messages)}`);
          const broken = Object.entries(result.violations).flatMap(([rule, lines]) =>
            lines.map((l) => `${rule}: ${l}`),
          );
          if (broken.length) console.error(`\n      soak failed with SOAK_SEED=${seed}\n`);
          expect(broken).to.deep.equal([]);
        } finally {
          await soak.logoutAll();
        }
      },
    );
  });
});
