/**
 * BEHAVIOUR §5.6 end to end: channel attributes between real clients and the
 * real server, one link cut by the fault proxy. Notifications reach every
 * member, also one whose link was down when the change was made; the
 * attributes outlive a member's reconnect, and even its session's end.
 */
import { expect } from 'chai';
import { firstValueFrom, take, toArray } from 'rxjs';
import { channelAttributes, type ChannelAttributes } from '../../lib/channel-attributes.js';
import { createToken, startServer, type RtmServer } from '../../lib/server/index.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { proxiedUsers } from '../support/proxied-users.js';
import { sleep } from '../support/state-recorder.js';

const APP = 'demo';
const SECRET = 'demo-secret';
const token = (uid: string) => createToken({ appId: APP, appSecret: SECRET, uid, expiresInSeconds: 3600 });
const notify = { enableNotificationToChannelMembers: true };
/** The attributes' values only, by key. */
const values = (attributes: ChannelAttributes) =>
  Object.fromEntries(Object.entries(attributes).map(([key, { value }]) => [key, value]));

describe('channel attributes over real sockets (integration)', function () {
  this.timeout(30_000);
  let server: RtmServer;
  let proxy: FaultProxy;
  const { user } = proxiedUsers({ rig: () => ({ server, proxy }), appId: APP, token });

  /** A server (with this presence grace, default 30 s) and a fault proxy in front of it. */
  async function start(presenceGraceMs?: number) {
    server = await startServer({ port: 0, apps: { [APP]: SECRET }, ...(presenceGraceMs ? { presenceGraceMs } : {}) });
    proxy = await startFaultProxy({ target: { port: server.port } });
  }

  afterEach(async () => {
    await proxy.close();
    await server.close();
  });

  it('every member hears a notified change, one whose link was down as soon as it is back', async () => {
    await start();
    const a = await user('A', true, { interruptionThresholdMs: 500 });
    const b = await user('B', false);
    const aRoom = a.client.createChannel('room');
    const bRoom = b.client.createChannel('room');
    await aRoom.join();
    await bRoom.join();
    const aHeard = firstValueFrom(channelAttributes(a.client).updated$('room').pipe(take(2), toArray()));
    const bHeard = firstValueFrom(channelAttributes(b.client).updated$('room').pipe(take(2), toArray()));
    await channelAttributes(b.client).set('room', { topic: 'hello' }, notify);
    proxy.blackhole();
    await a.states.waitFor('RECONNECTING/INTERRUPTED', 4000);
    await channelAttributes(b.client).addOrUpdate('room', { mood: 'calm' }, notify);
    await proxy.pass();
    await a.states.waitFor('CONNECTED/LOGIN_SUCCESS', 4000, 3);
    const [aEvents, bEvents] = await Promise.all([aHeard, bHeard]);
    expect(aEvents.map(values)).to.deep.equal([{ topic: 'hello' }, { topic: 'hello', mood: 'calm' }]);
    expect(bEvents).to.deep.equal(aEvents);
    expect(aEvents[1].mood.lastUpdateUserId).to.equal('B');
    expect(values(await channelAttributes(a.client).get('room'))).to.deep.equal({ topic: 'hello', mood: 'calm' });
    expect(await channelAttributes(a.client).memberCounts(['room'])).to.deep.equal({ room: 2 });
  });

  it("outlive the only member's session ending past the grace, and its rejoin", async () => {
    await start(2000);
    const a = await user('A', true, { interruptionThresholdMs: 500 });
    const b = await user('B', false);
    await a.client.createChannel('room').join();
    await channelAttributes(a.client).set('room', { k: 'v' });
    proxy.blackhole();
    await sleep(3500); // past the 2 s grace: A's session ended, the channel is empty
    expect(await channelAttributes(b.client).memberCounts(['room'])).to.deep.equal({ room: 0 });
    expect(values(await channelAttributes(b.client).get('room'))).to.deep.equal({ k: 'v' });
    await proxy.pass();
    await a.states.waitFor('CONNECTED/LOGIN_SUCCESS', 8000, 3);
    await sleep(1000); // the rejoin of a new session, and past the 1 s between member count queries
    expect(await channelAttributes(b.client).memberCounts(['room'])).to.deep.equal({ room: 1 });
    const attributes = await channelAttributes(a.client).get('room');
    expect(attributes).to.deep.equal({
      k: { value: 'v', lastUpdateUserId: 'A', lastUpdateTs: attributes.k.lastUpdateTs },
    });
  });

  it('a write whose bytes are lost with a dead link is sent again on the new link and lands once', async () => {
    await start();
    const a = await user('A', true, { interruptionThresholdMs: 500 });
    const b = await user('B', false);
    await a.client.createChannel('room').join();
    const bHeard: ChannelAttributes[] = [];
    channelAttributes(b.client)
      .updated$('room')
      .subscribe((attributes) => bHeard.push(attributes));
    await b.client.createChannel('room').join();
    proxy.blackhole();
    await a.states.waitFor('RECONNECTING/INTERRUPTED', 4000);
    const write = channelAttributes(a.client).set('room', { k: 'v' }, notify);
    await sleep(100);
    proxy.reset(); // the link dies with the write's bytes in it
    await proxy.pass();
    await write;
    const attributes = await channelAttributes(b.client).get('room');
    expect(attributes).to.deep.equal({
      k: { value: 'v', lastUpdateUserId: 'A', lastUpdateTs: attributes.k.lastUpdateTs },
    });
    await sleep(300);
    expect(bHeard).to.deep.equal([attributes]);
  });

  it('a restart of a server on the memory store loses them, as it loses its channels; members join again', async () => {
    await start();
    const a = await user('A', true, { interruptionThresholdMs: 500 });
    await a.client.createChannel('room').join();
    await channelAttributes(a.client).set('room', { k: 'v' });
    await server.close();
    server = await startServer({ port: 0, apps: { [APP]: SECRET } });
    proxy.retarget({ port: server.port });
    // The client comes back to a new session and joins the room again.
    let counts: Record<string, number> = {};
    for (let tries = 0; tries < 8 && counts['room'] !== 1; tries++) {
      await sleep(1100); // member count queries: one a second
      counts = await channelAttributes(a.client)
        .memberCounts(['room'])
        .catch(() => ({}));
    }
    expect(counts).to.deep.equal({ room: 1 });
    expect(await channelAttributes(a.client).get('room')).to.deep.equal({});
  });
});
