/**
 * Nothing lost, nothing doubled: every client's picture of its channels and
 * peers stays true across its own reconnects, of any length, and every
 * message is accounted for (message-ledger.ts). Real client, real server,
 * links cut by the fault proxy.
 */
import { expect } from 'chai';
import { performance } from 'node:perf_hooks';
import { seededRandom, type RandomSource } from '../../lib/client/backoff.js';
import type { RtmChannel } from '../../lib/client/rtm-channel.js';
import { createClient, type RtmClient, type RtmClientOptions } from '../../lib/node.js';
import { createToken, startServer, type RtmServer, type ServerOptions } from '../../lib/server/index.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { MessageLedger } from '../support/message-ledger.js';
import { sleep, StateRecorder } from '../support/state-recorder.js';

const APP = 'demo';
const SECRET = 'demo-secret';
const token = (uid: string) => createToken({ appId: APP, appSecret: SECRET, uid, expiresInSeconds: 3600 });

/**
 * What one client's app saw of one channel, checked as it happens: each
 * MemberJoined must be of a uid not in the picture, each MemberLeft of one
 * in it, starting from the picture at join time.
 */
class ChannelWitness {
  readonly picture = new Set<string>();
  readonly seen: string[] = [];
  readonly violations: string[] = [];
  constructor(readonly channel: RtmChannel) {
    channel.memberJoined$.subscribe((uid) => {
      this.seen.push(`+${uid}`);
      if (this.picture.has(uid)) this.violations.push(`MemberJoined(${uid}) while present`);
      this.picture.add(uid);
    });
    channel.memberLeft$.subscribe((uid) => {
      this.seen.push(`-${uid}`);
      if (!this.picture.has(uid)) this.violations.push(`MemberLeft(${uid}) while absent`);
      this.picture.delete(uid);
    });
  }

  /** After `join()` resolved: the picture starts from the join's member list. */
  async joined(): Promise<void> {
    await this.channel.join();
    this.picture.clear();
    const current = await new Promise<readonly string[]>((resolve) =>
      this.channel.members$.subscribe(resolve).unsubscribe(),
    );
    for (const uid of current) this.picture.add(uid);
  }

  /** Its picture, its members$ and the server's list (without the client) must agree. */
  async agrees(self: string): Promise<void> {
    const server = (await this.channel.getMembers()).filter((uid) => uid !== self).sort();
    const own = await new Promise<readonly string[]>((resolve) =>
      this.channel.members$.subscribe(resolve).unsubscribe(),
    );
    expect([...this.picture].sort(), `events' picture of ${this.channel.channelId} at ${self}`).to.deep.equal(server);
    expect([...own], `members$ of ${this.channel.channelId} at ${self}`).to.deep.equal(server);
  }
}

const textOf = (message: { messageType: string }) => ('text' in message ? String(message.text) : '<raw>');

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
    const witness = new ChannelWitness(u.client.createChannel('room'));
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
    await b.witness.agrees('B');
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
    await b.witness.agrees('B');
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
      await u.witness.agrees(u.uid);
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
    await b.witness.agrees('B');
  });

  describe('soak', () => {
    const CLIENTS = 16;
    const FAULT_SECONDS = 25;
    const seed = Number(process.env.SOAK_SEED ?? Math.floor(Math.random() * 2 ** 31));

    it(
      `keeps every picture true, every message accounted for, under random faults (seed ${seed}; ` +
        `SOAK_SEED=${seed})`,
      async function () {
        this.timeout(150_000);
        const random: RandomSource = seededRandom(seed);
        const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
        const between = (low: number, high: number) => low + random() * (high - low);
        await start({ presenceGraceMs: 3000, unreachableMs: 1000 });
        const uids = Array.from({ length: CLIENTS }, (_, i) => `U${i}`);
        const channelNames = ['a', 'b', 'c'];

        interface Member {
          uid: string;
          client: RtmClient;
          proxy: FaultProxy;
          witnesses: ChannelWitness[];
          peers: string[];
          lastStatus: Map<string, string>;
          statusViolations: string[];
        }
        const members: Member[] = [];
        const ledger = new MessageLedger();
        const chosenChannels = new Map<string, string[]>();
        for (const uid of uids) {
          const u = await user(uid, {
            viaProxy: true,
            interruptionThresholdMs: 1000,
            reconnectMaxDelayMs: 1500,
            random: seededRandom(seed ^ uid.length),
          });
          const chosen = channelNames.filter(() => random() < 0.6);
          chosenChannels.set(uid, chosen.length ? chosen : ['a']);
          const member: Member = {
            uid,
            client: u.client,
            proxy: u.proxy,
            witnesses: chosenChannels.get(uid)!.map((name) => new ChannelWitness(u.client.createChannel(name))),
            peers: uids.filter((other) => other !== uid && random() < 0.3),
            lastStatus: new Map(),
            statusViolations: [],
          };
          u.client.peersOnlineStatusChanged$.subscribe((changes) => {
            for (const [peer, status] of Object.entries(changes)) {
              if (member.lastStatus.get(peer) === status) member.statusViolations.push(`${peer} ${status} twice`);
              member.lastStatus.set(peer, status);
            }
          });
          u.client.messageFromPeer$.subscribe(({ message }) => ledger.arrived(uid, textOf(message)));
          for (const witness of member.witnesses)
            witness.channel.message$.subscribe(({ message }) => ledger.arrived(uid, textOf(message)));
          members.push(member);
        }
        const inChannel = (channel: string, except: string) =>
          uids.filter((uid) => uid !== except && chosenChannels.get(uid)!.includes(channel));
        /** Peer and channel messages at random, recorded in the ledger, until the faults end. */
        const chat = async (member: Member) => {
          const sends: Array<Promise<void>> = [];
          while (performance.now() < until) {
            await sleep(between(150, 600));
            if (random() < 0.6) {
              const peer = pick(uids.filter((uid) => uid !== member.uid));
              sends.push(ledger.track(member.uid, [peer], (text) => member.client.sendMessageToPeer({ text }, peer)));
            } else {
              const { channel } = pick(member.witnesses);
              const to = inChannel(channel.channelId, member.uid);
              sends.push(ledger.track(member.uid, to, (text) => channel.sendMessage({ text })));
            }
          }
          await Promise.all(sends);
        };
        const settle = async (member: Member) => {
          for (const witness of member.witnesses) await witness.joined();
          if (member.peers.length) await member.client.subscribePeersOnlineStatus(member.peers);
        };
        await Promise.all(members.map(settle));

        const until = performance.now() + FAULT_SECONDS * 1000;
        const faults: string[] = [];
        const chatting = Promise.all(members.map(chat));
        await Promise.all(
          members.map(async (member) => {
            while (performance.now() < until) {
              await sleep(between(1000, 4000));
              const fault = pick(['dark-short', 'dark-past-grace', 'reset', 'outage', 'relogin'] as const);
              faults.push(`${member.uid}:${fault}`);
              switch (fault) {
                case 'dark-short':
                  member.proxy.blackhole();
                  await sleep(between(300, 2000));
                  await member.proxy.pass();
                  break;
                case 'dark-past-grace': {
                  const start = performance.now();
                  member.proxy.blackhole();
                  await sleep(between(3500, 5000));
                  await member.proxy.pass();
                  ledger.mayHaveLostSession(member.uid, start, performance.now());
                  break;
                }
                case 'reset':
                  member.proxy.reset();
                  break;
                case 'outage': {
                  const start = performance.now();
                  await member.proxy.refuse();
                  await sleep(between(500, 4000));
                  await member.proxy.pass();
                  ledger.mayHaveLostSession(member.uid, start, performance.now());
                  break;
                }
                case 'relogin': {
                  const start = performance.now();
                  await member.client.logout();
                  member.lastStatus.clear();
                  await sleep(between(500, 1200));
                  await member.client.login({ uid: member.uid, token: token(member.uid) });
                  await settle(member);
                  ledger.mayHaveLostSession(member.uid, start, performance.now());
                  break;
                }
              }
            }
          }),
        );
        try {
          // Quiet: every link up, every client back, every event delivered.
          await Promise.all(members.map((m) => m.proxy.pass()));
          const quietBy = performance.now() + 20_000;
          while (members.some((m) => m.client.connectionState.state !== 'CONNECTED') && performance.now() < quietBy)
            await sleep(200);
          await sleep(5000);
          await chatting;
          console.log(`      messages: ${JSON.stringify(ledger.summary())}`);
          expect(ledger.violations(), 'messages').to.deep.equal([]);
          for (const member of members) {
            expect(member.client.connectionState, `${member.uid} is back`).to.deep.equal({
              state: 'CONNECTED',
              reason: 'LOGIN_SUCCESS',
            });
            for (const witness of member.witnesses) {
              expect(witness.violations, `${member.uid} in ${witness.channel.channelId}`).to.deep.equal([]);
              await witness.agrees(member.uid);
            }
            expect(member.statusViolations, `${member.uid}'s status events`).to.deep.equal([]);
            for (const peer of member.peers)
              expect(member.lastStatus.get(peer), `${member.uid} sees ${peer}`).to.equal('ONLINE');
          }
        } catch (error) {
          console.error(`\n      soak failed with SOAK_SEED=${seed}; faults: ${faults.join(' ')}\n`);
          throw error;
        }
      },
    );
  });
});
