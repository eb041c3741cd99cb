/**
 * BEHAVIOUR §4 end to end: the real client and server, links cut by the fault
 * proxy. The seed's whole story runs on the default timings (30 s grace,
 * 4 s threshold) on the real clock; the variations shorten the grace
 * through server options.
 */
import { expect } from 'chai';
import { performance } from 'node:perf_hooks';
import { createToken, startServer, type RtmServer } from '../../lib/server/index.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { MemberLog } from '../support/member-log.js';
import { proxiedUsers } from '../support/proxied-users.js';
import { sleep } from '../support/state-recorder.js';

const APP = 'demo';
const SECRET = 'demo-secret';
const token = (uid: string) => createToken({ appId: APP, appSecret: SECRET, uid, expiresInSeconds: 3600 });
const SLACK_MS = 600;

describe('presence over real sockets (integration)', function () {
  this.timeout(90_000);
  let server: RtmServer;
  let proxy: FaultProxy;
  const { user } = proxiedUsers({ rig: () => ({ server, proxy }), appId: APP, token });

  async function start(options: { presenceGraceMs?: number; unreachableMs?: number; port?: number } = {}) {
    server = await startServer({ port: options.port ?? 0, apps: { [APP]: SECRET }, ...options });
  }
  afterEach(async () => {
    await proxy.close();
    await server.close();
  });

  describe('with the default 30 s grace', () => {
    beforeEach(async () => {
      await start();
      proxy = await startFaultProxy({ target: { port: server.port } });
    });

    it("the seed's story: B sees MemberLeft(A) 30 s after A's last frame, then MemberJoined(A) once", async () => {
      // MemberJoined(A) when A is back, and B reads A's attributes again.
      const a = await user('A', true);
      const b = await user('B', false);
      const aRoom = a.client.createChannel('room');
      const bRoom = b.client.createChannel('room');
      await bRoom.join();
      const log = new MemberLog(bRoom);
      await aRoom.join();
      await a.client.setLocalUserAttributes({ mood: 'curious' });
      await log.next('joined', 'A', 2000);
      expect(await b.client.getUserAttributes('A')).to.deep.equal({ mood: 'curious' });

      await sleep(500);
      proxy.blackhole();
      const lastFrameAt = proxy.lastForwardedUpAt;
      const leftAt = await log.next('left', 'A', 35_000);
      const delay = leftAt - (lastFrameAt + 30_000);
      // Measured from A's last frame as it left the proxy: MemberLeft within a second after the 30 s mark.
      expect(delay, `MemberLeft ${delay.toFixed(0)} ms after the 30 s mark`).to.be.within(0, 1000);
      expect(await b.client.getUserAttributes('A')).to.deep.equal({});
      expect(a.states.pairs.at(-1)).to.equal('RECONNECTING/INTERRUPTED');

      await proxy.pass();
      await a.states.waitFor('CONNECTED/LOGIN_SUCCESS', 20_000, 3);
      await log.next('joined', 'A', 5000, leftAt);
      await sleep(1000);
      expect(log.of('A')).to.deep.equal(['joined', 'left', 'joined']);
      expect(await b.client.getUserAttributes('A')).to.deep.equal({ mood: 'curious' });
      expect((await bRoom.getMembers()).sort()).to.deep.equal(['A', 'B']);
      console.log(`      MemberLeft arrived ${delay.toFixed(0)} ms after the 30 s mark`);
    });
  });

  describe('with a 3 s grace', () => {
    beforeEach(async () => {
      await start({ presenceGraceMs: 3000, unreachableMs: 1000 });
      proxy = await startFaultProxy({ target: { port: server.port } });
    });

    it('within the grace: RECONNECTING and back, and peers see no member event; attributes intact', async () => {
      const a = await user('A', true, { interruptionThresholdMs: 1000 });
      const b = await user('B', false);
      const bRoom = b.client.createChannel('room');
      await bRoom.join();
      const log = new MemberLog(bRoom);
      await a.client.createChannel('room').join();
      await a.client.setLocalUserAttributes({ k: 'v' });
      await log.next('joined', 'A', 2000);
      proxy.blackhole();
      await a.states.waitFor('RECONNECTING/INTERRUPTED', 4000);
      await sleep(300);
      await proxy.pass();
      await a.states.waitFor('CONNECTED/LOGIN_SUCCESS', 4000, 3);
      await sleep(3500); // past the grace: nothing may have expired
      expect(log.of('A')).to.deep.equal(['joined']);
      expect(await b.client.getUserAttributes('A')).to.deep.equal({ k: 'v' });
      expect((await bRoom.getMembers()).sort()).to.deep.equal(['A', 'B']);
    });

    it('several channels: one MemberLeft per channel at the grace, one MemberJoined each when back', async () => {
      const a = await user('A', true);
      const b = await user('B', false);
      const names = ['one', 'two', 'three'];
      const logs: MemberLog[] = [];
      for (const name of names) {
        const room = b.client.createChannel(name);
        await room.join();
        logs.push(new MemberLog(room));
        await a.client.createChannel(name).join();
      }
      for (const log of logs) await log.next('joined', 'A', 2000);
      proxy.blackhole();
      for (const log of logs) await log.next('left', 'A', 6000);
      await proxy.pass();
      for (const log of logs) await log.next('joined', 'A', 20_000, 0);
      await sleep(1000);
      for (const log of logs) expect(log.of('A')).to.deep.equal(['joined', 'left', 'joined']);
    });

    it('after a server restart: every channel rejoined, MemberJoined at most once', async () => {
      // Attributes written back; the pictures agree with getMembers.
      const a = await user('A', false);
      const b = await user('B', false);
      const aRoom = a.client.createChannel('room');
      const bRoom = b.client.createChannel('room');
      await aRoom.join();
      await bRoom.join();
      const log = new MemberLog(bRoom);
      await a.client.setLocalUserAttributes({ k: 'v' });
      const port = server.port;
      await server.close();
      await start({ port, presenceGraceMs: 3000, unreachableMs: 1000 });
      await sleep(3000);
      const joins = log.of('A').filter((k) => k === 'joined').length;
      expect(joins).to.be.at.most(1);
      for (let i = 1; i < log.of('A').length; i++) expect(log.of('A')[i]).to.not.equal(log.of('A')[i - 1]);
      expect((await bRoom.getMembers()).sort()).to.deep.equal(['A', 'B']);
      expect(await b.client.getUserAttributes('A')).to.deep.equal({ k: 'v' });
      expect(a.states.pairs).to.deep.equal(['DISCONNECTED/LOGOUT', 'CONNECTING/LOGIN', 'CONNECTED/LOGIN_SUCCESS']);
    });

    it('online status through each transition: ONLINE, UNREACHABLE, OFFLINE, ONLINE; queries agree', async () => {
      const c = await user('C', false);
      const seen: Array<Record<string, string>> = [];
      c.client.peersOnlineStatusChanged$.subscribe((change) => seen.push(change));
      await c.client.subscribePeersOnlineStatus(['A']);
      await sleep(200);
      expect(seen).to.deep.equal([{ A: 'OFFLINE' }]);
      expect(await c.client.queryPeersOnlineStatus(['A'])).to.deep.equal({ A: false });

      const a = await user('A', true);
      await sleep(200);
      proxy.blackhole();
      await sleep(1800); // unreachable after 1 s of silence
      expect(await c.client.queryPeersOnlineStatus(['A'])).to.deep.equal({ A: true });
      await sleep(2000); // gone at the 3 s grace
      expect(await c.client.queryPeersOnlineStatus(['A'])).to.deep.equal({ A: false });
      await proxy.pass();
      // A's client was dark for less than its 4 s threshold, so it shows nothing; it finds its
      // session expired and starts a new one, which subscribers see as ONLINE.
      for (let waited = 0; seen.length < 5 && waited < 10_000; waited += 50) await sleep(50);
      expect(a.states.pairs).to.deep.equal(['DISCONNECTED/LOGOUT', 'CONNECTING/LOGIN', 'CONNECTED/LOGIN_SUCCESS']);
      expect(await c.client.queryPeersOnlineStatus(['A'])).to.deep.equal({ A: true });
      expect(seen).to.deep.equal([
        { A: 'OFFLINE' },
        { A: 'ONLINE' },
        { A: 'UNREACHABLE' },
        { A: 'OFFLINE' },
        { A: 'ONLINE' },
      ]);
    });

    it('leave and logout are seen by peers at once', async () => {
      const a = await user('A', false);
      const b = await user('B', false);
      const bRoom = b.client.createChannel('room');
      await bRoom.join();
      const log = new MemberLog(bRoom);
      const aRoom = a.client.createChannel('room');
      await aRoom.join();
      await log.next('joined', 'A', 2000);
      const leaveAt = performance.now();
      await aRoom.leave();
      expect((await log.next('left', 'A', 1000)) - leaveAt).to.be.below(200);
      await aRoom.join();
      await log.next('joined', 'A', 2000, leaveAt);
      const logoutAt = performance.now();
      await a.client.logout();
      expect((await log.next('left', 'A', 1000, logoutAt)) - logoutAt).to.be.below(200 + SLACK_MS);
      expect(log.of('A')).to.deep.equal(['joined', 'left', 'joined', 'left']);
    });

    it("a watcher's own logout: on its next join it sees who left meanwhile, not who left and came back", async () => {
      // BEHAVIOUR §4.4: M1 leaves while W is out, M2 leaves and comes back; after W's join M1 comes back.
      const w = await user('W', false);
      const m1 = await user('M1', false);
      const m2 = await user('M2', false);
      const m1Room = m1.client.createChannel('room');
      const m2Room = m2.client.createChannel('room');
      await m1Room.join();
      await m2Room.join();
      const wRoom = w.client.createChannel('room');
      const log = new MemberLog(wRoom);
      await wRoom.join();
      await w.client.logout();
      await m1.client.logout();
      await m2Room.leave();
      await m2Room.join();
      await w.client.login({ uid: 'W', token: token('W') });
      await wRoom.join();
      const rejoinedAt = performance.now();
      await m1.client.login({ uid: 'M1', token: token('M1') });
      await m1Room.join();
      await log.next('joined', 'M1', 2000, rejoinedAt);
      await sleep(300);
      expect(log.events.map(({ kind, uid }) => `${kind} ${uid}`)).to.deep.equal(['left M1', 'joined M1']);
      expect(log.events[0].at).to.be.at.most(rejoinedAt);
      const members = await wRoom.getMembers();
      expect(members.sort()).to.deep.equal(['M1', 'M2', 'W']);
      const shown = await new Promise<readonly string[]>((resolve) => wRoom.members$.subscribe(resolve).unsubscribe());
      expect(shown).to.deep.equal(['M1', 'M2']);
    });

    it('the instance replaced by a remote login leaves its channels at once', async () => {
      const a1 = await user('A', false);
      const b = await user('B', false);
      const bRoom = b.client.createChannel('room');
      await bRoom.join();
      const log = new MemberLog(bRoom);
      await a1.client.createChannel('room').join();
      await log.next('joined', 'A', 2000);
      const at = performance.now();
      await sleep(1000); // BEHAVIOUR §5: at most two logins of a uid a second
      const a2 = await user('A', false);
      await a1.states.waitFor('ABORTED/REMOTE_LOGIN', 2000);
      expect((await log.next('left', 'A', 1000, at)) - at).to.be.below(1000 + 200 + SLACK_MS);
      expect(a2.client.connectionState.state).to.equal('CONNECTED');
      expect(await bRoom.getMembers()).to.deep.equal(['B']);
    });
  });
});
