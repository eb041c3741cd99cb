/**
 * The server's heartbeat (PROTOCOL.md, Heartbeat): a login that asks for
 * one (`hb`) is pinged every `hb` ms (clamped, a whole number of 100 ms
 * ticks), answers `pong`, and is kept alive by its pongs alone; a login
 * that does not ask is never pinged.
 */
import { expect } from 'chai';
import { performance } from 'node:perf_hooks';
import { createToken } from '../../lib/server/index.js';
import { RawClient, serverFixture, type Frame } from './raw-client.js';

const secrets: Record<string, string> = { app1: 'secret1' };

function loginFrame(uid: string, hb?: number) {
  const token = createToken({ appId: 'app1', appSecret: secrets.app1, uid, expiresInSeconds: 60 });
  return { t: 'login', app: 'app1', uid, token, ...(hb === undefined ? {} : { hb }) };
}

describe('server heartbeat (raw protocol)', function () {
  this.timeout(8000);
  const start = serverFixture(secrets);

  it('a login asking hb 400 gets welcome hb 400 and a ping every 400 ms; bare pongs get no answer', async () => {
    const server = await start();
    const client = await RawClient.connect(server.url);
    const welcome = await client.request(loginFrame('alice', 400));
    expect(welcome).to.include({ t: 'welcome', hb: 400 });
    const pings: Frame[] = [];
    for (let i = 0; i < 5; i++) {
      const frame = await client.next(1000);
      expect(frame).to.deep.equal({ t: 'ping' });
      pings.push(frame);
      client.send('{"t":"pong"}');
    }
    const gaps = pings.slice(1).map((ping, i) => client.arrivedAt(ping) - client.arrivedAt(pings[i]));
    // Each slot is pinged every 4 ticks of the server's one 100 ms ticker, give or take its lag.
    for (const gap of gaps) expect(gap).to.be.within(300, 500);
    // A pong is answered by nothing; a probe ping still gets its pong.
    expect(await client.request({ t: 'ping' })).to.deep.equal({ t: 'pong' });
  });

  it('clamps the interval asked for to whole ticks, at least one, at most a third of UNREACHABLE', async () => {
    const server = await start({ unreachableMs: 1500 });
    const asked = [1, 149, 250, 60_000];
    const given: unknown[] = [];
    for (const [i, hb] of asked.entries()) {
      const client = await RawClient.connect(server.url);
      given.push((await client.request(loginFrame(`u${i}`, hb))).hb);
    }
    expect(given).to.deep.equal([100, 100, 300, 500]);
  });

  it('a login without hb is never pinged (its client pings, as before)', async () => {
    const server = await start();
    const client = await RawClient.connect(server.url);
    const welcome = await client.request(loginFrame('alice'));
    expect(welcome).not.to.have.property('hb');
    await client.quiet(700);
  });

  it('pongs alone keep a session past its grace; one that stops answering is terminated at the grace', async () => {
    const server = await start({ presenceGraceMs: 600, unreachableMs: 300 });
    const answering = await RawClient.connect(server.url);
    await answering.request(loginFrame('alice', 100));
    const mute = await RawClient.connect(server.url);
    await mute.request(loginFrame('bob', 100));
    const mutedAt = performance.now();
    const answered = (async () => {
      for (let i = 0; i < 15; i++) {
        expect(await answering.next(1000)).to.deep.equal({ t: 'ping' });
        answering.send('{"t":"pong","ack":0}');
      }
    })();
    expect((await mute.closed(2000)).code).to.equal(1006);
    expect(performance.now() - mutedAt).to.be.within(550, 600 + 400);
    await answered;
    expect(answering.isOpen).to.equal(true);
    expect(server.sessionCount).to.equal(1);
  });
});
