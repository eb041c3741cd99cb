import { expect } from 'chai';
import { performance } from 'node:perf_hooks';
import { createToken, type RtmServer, type ServerClock } from '../../lib/server/index.js';
import { RawClient, serverFixture } from './raw-client.js';

const secrets: Record<string, string> = { app1: 'secret1', app2: 'secret2' };

function tokenFor(appId: string, uid: string, expiresInSeconds = 60, appSecret = secrets[appId]): string {
  return createToken({ appId, appSecret, uid, expiresInSeconds });
}

function loginFrame(appId: string, uid: string, extra: { token?: string; session?: string } = {}) {
  return {
    t: 'login',
    app: appId,
    uid,
    token: extra.token ?? tokenFor(appId, uid),
    ...(extra.session === undefined ? {} : { session: extra.session }),
  };
}

/** A clock whose monotonic side can jump ahead, to get past the login rate limit without waiting. */
function skewableClock(): { clock: ServerClock; jump: (ms: number) => void } {
  let skew = 0;
  return {
    clock: { monotonic: () => performance.now() + skew, wall: () => Date.now() },
    jump: (ms) => {
      skew += ms;
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `read` until it returns `expected`; returns the elapsed ms. */
async function until(read: () => unknown, expected: unknown, timeoutMs: number): Promise<number> {
  const start = performance.now();
  while (read() !== expected) {
    if (performance.now() - start > timeoutMs)
      throw new Error(`still ${String(read())} after ${timeoutMs} ms, expected ${String(expected)}`);
    await sleep(10);
  }
  return performance.now() - start;
}

describe('server (raw protocol)', function () {
  this.timeout(5000);
  const start = serverFixture(secrets);

  /** Connects and logs in; fails the test unless the answer is a welcome. */
  async function login(
    server: RtmServer,
    appId: string,
    uid: string,
    extra: { token?: string; session?: string } = {},
  ) {
    const client = await RawClient.connect(server.url);
    const welcome = await client.request(loginFrame(appId, uid, extra));
    expect(welcome.t, JSON.stringify(welcome)).to.equal('welcome');
    return { client, welcome, session: welcome.session as string };
  }

  async function expectPong(client: RawClient): Promise<void> {
    expect(await client.request({ t: 'ping' })).to.deep.equal({ t: 'pong' });
  }

  /** Logs in on a new socket and expects `refused` with `code`, then a close with 4001. */
  async function expectRefused(server: RtmServer, frame: object, code: string): Promise<void> {
    const client = await RawClient.connect(server.url);
    const answer = await client.request(frame);
    expect(answer, JSON.stringify(frame)).to.deep.equal({ t: 'refused', code, message: answer.message });
    expect(answer.message).to.be.a('string').that.is.not.empty;
    expect(await client.closed()).to.deep.equal({ code: 4001, reason: code });
    expect(client.pending).to.deep.equal([]);
  }

  describe('login', () => {
    it('a good login gets welcome (resumed: false, a session id, the token lifetime) and ping gets pong', async () => {
      const server = await start();
      expect(server.url).to.equal(`ws://127.0.0.1:${server.port}/`);
      expect(server.sessionCount).to.equal(0);
      const client = await RawClient.connect(server.url);
      expect(client.socket.protocol).to.equal('rx-rtm.v1');
      const welcome = await client.request(loginFrame('app1', 'alice', { token: tokenFor('app1', 'alice', 120) }));
      expect(Object.keys(welcome).sort()).to.deep.equal(['resumed', 'session', 't', 'tokenExpiresInMs']);
      expect(welcome.t).to.equal('welcome');
      expect(welcome.resumed).to.equal(false);
      expect(welcome.session)
        .to.be.a('string')
        .that.matches(/^[A-Za-z0-9_-]{16}$/);
      // exp is in whole seconds, rounded down
      expect(welcome.tokenExpiresInMs).to.be.a('number').within(118_000, 120_000);
      expect(server.sessionCount).to.equal(1);
      await expectPong(client);
      await expectPong(client);
      expect(client.isOpen).to.equal(true);
    });

    it('each login gets its own session id', async () => {
      const server = await start();
      const ids = new Set<string>();
      for (const uid of ['u1', 'u2', 'u3', 'u4']) ids.add((await login(server, 'app1', uid)).session);
      expect(ids.size).to.equal(4);
      expect(server.sessionCount).to.equal(4);
    });

    it('unknown app → refused INVALID_APP_ID, close 4001', async () => {
      const server = await start();
      await expectRefused(
        server,
        { t: 'login', app: 'app3', uid: 'alice', token: tokenFor('app1', 'alice') },
        'INVALID_APP_ID',
      );
      await expectRefused(
        server,
        { t: 'login', app: '', uid: 'alice', token: tokenFor('app1', 'alice') },
        'INVALID_APP_ID',
      );
      expect(server.sessionCount).to.equal(0);
    });

    it('invalid uid → refused INVALID_ARGUMENT, close 4001; a 64-character uid is fine', async () => {
      const server = await start();
      for (const uid of ['a/b', '', 'null', 'x'.repeat(65), 'é', 'a\nb', 'quote"']) {
        await expectRefused(server, loginFrame('app1', uid), 'INVALID_ARGUMENT');
      }
      expect(server.sessionCount).to.equal(0);
      await login(server, 'app1', 'x'.repeat(64));
      await login(server, 'app1', 'Null ok ~,');
      expect(server.sessionCount).to.equal(2);
    });

    it('bad signature, or a token for another uid or another app → refused INVALID_TOKEN, close 4001', async () => {
      const server = await start();
      await expectRefused(
        server,
        loginFrame('app1', 'u1', { token: tokenFor('app1', 'u1', 60, 'secret2') }),
        'INVALID_TOKEN',
      );
      await expectRefused(server, loginFrame('app1', 'u2', { token: tokenFor('app1', 'bob') }), 'INVALID_TOKEN');
      await expectRefused(
        server,
        loginFrame('app1', 'u3', { token: tokenFor('app2', 'u3', 60, 'secret1') }),
        'INVALID_TOKEN',
      );
      await expectRefused(server, loginFrame('app2', 'u4', { token: tokenFor('app1', 'u4') }), 'INVALID_TOKEN');
      await expectRefused(server, loginFrame('app1', 'u5', { token: 'garbage' }), 'INVALID_TOKEN');
      await expectRefused(server, loginFrame('app1', 'u6', { token: '' }), 'INVALID_TOKEN');
      expect(server.sessionCount).to.equal(0);
    });

    it('expired token → refused TOKEN_EXPIRED, close 4001', async () => {
      const server = await start();
      await expectRefused(
        server,
        loginFrame('app1', 'alice', { token: tokenFor('app1', 'alice', -1) }),
        'TOKEN_EXPIRED',
      );
      await expectRefused(server, loginFrame('app1', 'bob', { token: tokenFor('app1', 'bob', 0) }), 'TOKEN_EXPIRED');
      expect(server.sessionCount).to.equal(0);
    });

    it('a 3rd login of the same uid within a second → refused TOO_OFTEN; the live session is untouched', async () => {
      const server = await start();
      const first = await login(server, 'app1', 'alice');
      const second = await login(server, 'app1', 'alice');
      expect(await first.client.next()).to.deep.equal({ t: 'kicked', reason: 'REMOTE_LOGIN' });
      await expectRefused(server, loginFrame('app1', 'alice'), 'TOO_OFTEN');
      await expectPong(second.client);
      expect(server.sessionCount).to.equal(1);
      // Other uids and the same uid in another app have their own budget.
      await login(server, 'app1', 'bob');
      await login(server, 'app2', 'alice');
      expect(server.sessionCount).to.equal(3);
    });

    it('refused logins count toward the rate limit too (no token guessing at full speed)', async () => {
      const server = await start();
      await expectRefused(server, loginFrame('app1', 'alice', { token: 'guess1' }), 'INVALID_TOKEN');
      await expectRefused(server, loginFrame('app1', 'alice', { token: 'guess2' }), 'INVALID_TOKEN');
      await expectRefused(server, loginFrame('app1', 'alice'), 'TOO_OFTEN');
    });

    it('a banned uid → refused NOT_AUTHORIZED until unban; other apps are unaffected', async () => {
      const server = await start();
      await server.ban('app1', 'mallory');
      await expectRefused(server, loginFrame('app1', 'mallory'), 'NOT_AUTHORIZED');
      await login(server, 'app2', 'mallory');
      await server.unban('app1', 'mallory');
      await login(server, 'app1', 'mallory');
      expect(server.sessionCount).to.equal(2);
    });

    it('ban kicks a live session (kicked BANNED_BY_SERVER, close 4002) and it cannot come back', async () => {
      const { clock, jump } = skewableClock();
      const server = await start({ clock });
      const carol = await login(server, 'app1', 'carol');
      const otherApp = await login(server, 'app2', 'carol');
      const bystander = await login(server, 'app1', 'dave');
      await server.ban('app1', 'carol');
      expect(server.sessionCount).to.equal(2);
      expect(await carol.client.next()).to.deep.equal({ t: 'kicked', reason: 'BANNED_BY_SERVER' });
      expect(await carol.client.closed()).to.deep.equal({ code: 4002, reason: 'BANNED_BY_SERVER' });
      await expectPong(otherApp.client);
      await expectPong(bystander.client);
      jump(2000);
      await expectRefused(server, loginFrame('app1', 'carol', { session: carol.session }), 'NOT_AUTHORIZED');
      expect(server.sessionCount).to.equal(2);
    });
  });

  describe('bad frames', () => {
    const bad: [string, object | string | Buffer][] = [
      ['not JSON', 'hello'],
      ['truncated JSON', '{"t":"ping"'],
      ['JSON number', '42'],
      ['JSON string', '"ping"'],
      ['JSON null', 'null'],
      ['JSON array', '[{"t":"ping"}]'],
      ['empty object', {}],
      ['unknown t', { t: 'nope' }],
      ['t in another case', { t: 'PING' }],
      ['t not a string', { t: 1 }],
      ['login missing fields', { t: 'login' }],
      ['login missing token', { t: 'login', app: 'app1', uid: 'alice' }],
      ['login app not a string', { t: 'login', app: 1, uid: 'alice', token: 'x' }],
      ['login session not a string', { t: 'login', app: 'app1', uid: 'alice', token: 'x', session: 5 }],
      ['renew missing id', { t: 'renew', token: 'x' }],
      ['renew id a string', { t: 'renew', id: '1', token: 'x' }],
      ['renew id negative', { t: 'renew', id: -1, token: 'x' }],
      ['renew id fractional', { t: 'renew', id: 1.5, token: 'x' }],
      ['renew token not a string', { t: 'renew', id: 1, token: null }],
      ['join channel not a string', { t: 'join', id: 2, channel: 7 }],
      ['binary frame', Buffer.from(JSON.stringify({ t: 'ping' }))],
    ];

    async function expectProtocolErrors(client: RawClient): Promise<void> {
      for (const [what, frame] of bad) {
        const answer = await client.request(frame);
        // A malformed request that still carries a valid id gets a `fail` its sender can match.
        const id = (frame as { id?: unknown }).id;
        const expected = Number.isSafeInteger(id) && (id as number) >= 0 ? { t: 'fail', id } : { t: 'error' };
        expect(answer, what).to.deep.equal({ ...expected, code: 'PROTOCOL_ERROR', message: answer.message });
        expect(answer.message, what).to.be.a('string').that.is.not.empty;
      }
    }

    it('on a logged-in socket: each gets error PROTOCOL_ERROR, and the session keeps working', async () => {
      const server = await start();
      const { client } = await login(server, 'app1', 'alice');
      await expectProtocolErrors(client);
      await expectPong(client);
      expect(client.isOpen).to.equal(true);
      expect(server.sessionCount).to.equal(1);
    });

    it('on a socket not logged in: each gets error PROTOCOL_ERROR, and it can still log in', async () => {
      const server = await start();
      const client = await RawClient.connect(server.url);
      await expectProtocolErrors(client);
      const welcome = await client.request(loginFrame('app1', 'alice'));
      expect(welcome).to.include({ t: 'welcome', resumed: false });
      await expectPong(client);
    });

    it('frames other than login before login → error NOT_LOGGED_IN, nothing done', async () => {
      const server = await start();
      const client = await RawClient.connect(server.url);
      for (const frame of [{ t: 'ping' }, { t: 'renew', id: 7, token: tokenFor('app1', 'alice') }, { t: 'logout' }]) {
        const answer = await client.request(frame);
        expect(answer, frame.t).to.deep.equal({ t: 'error', code: 'NOT_LOGGED_IN', message: answer.message });
      }
      expect(client.isOpen).to.equal(true);
      expect(server.sessionCount).to.equal(0);
      await client.request(loginFrame('app1', 'alice'));
      await expectPong(client);
    });

    it('a second login on a logged-in socket → error ALREADY_LOGIN; the session is unchanged', async () => {
      const server = await start();
      const { client } = await login(server, 'app1', 'alice');
      const answer = await client.request(loginFrame('app1', 'bob'));
      expect(answer).to.deep.equal({ t: 'error', code: 'ALREADY_LOGIN', message: answer.message });
      const again = await client.request(loginFrame('app1', 'alice'));
      expect(again).to.deep.equal({ t: 'error', code: 'ALREADY_LOGIN', message: again.message });
      await expectPong(client);
      expect(server.sessionCount).to.equal(1);
      // bob was not logged in by it: his own login is his first.
      await login(server, 'app1', 'bob');
      expect(server.sessionCount).to.equal(2);
    });

    it('a frame larger than maxFrameBytes closes that socket with 1009; other sessions keep working', async () => {
      const server = await start({ maxFrameBytes: 1024 });
      const victim = await login(server, 'app1', 'alice');
      const other = await login(server, 'app1', 'bob');
      const exact = JSON.stringify({ t: 'ping', pad: '' });
      // Exactly at the limit is accepted (unknown fields are ignored).
      expect(
        await victim.client.request(JSON.stringify({ t: 'ping', pad: 'x'.repeat(1024 - exact.length) })),
      ).to.deep.equal({ t: 'pong' });
      victim.client.send(JSON.stringify({ t: 'ping', pad: 'x'.repeat(1025 - exact.length) }));
      expect((await victim.client.closed()).code).to.equal(1009);
      expect(victim.client.pending).to.deep.equal([]);
      await expectPong(other.client);
      // The oversized frame only cost its socket: the session waits out its grace.
      expect(server.sessionCount).to.equal(2);
    });
  });

  describe('connection rules', () => {
    it('no subprotocol offered → closed with 1008', async () => {
      const server = await start();
      const client = await RawClient.connect(server.url, []);
      expect(client.socket.protocol).to.equal('');
      expect((await client.closed()).code).to.equal(1008);
      expect(client.pending).to.deep.equal([]);
    });

    it('a socket that never logs in is closed with 4003 after loginWaitMs, even if it sends other frames', async () => {
      const server = await start({ loginWaitMs: 200 });
      const opened = performance.now();
      const idle = await RawClient.connect(server.url);
      const chatty = await RawClient.connect(server.url);
      const loggedIn = await login(server, 'app1', 'alice');
      for (let i = 0; i < 3; i++) {
        expect(await chatty.request({ t: 'ping' })).to.include({ t: 'error', code: 'NOT_LOGGED_IN' });
        await sleep(40);
      }
      expect((await idle.closed()).code).to.equal(4003);
      expect(performance.now() - opened).to.be.at.least(190);
      expect((await chatty.closed()).code).to.equal(4003);
      expect(idle.pending).to.deep.equal([]);
      // A socket that logged in in time is not closed by it.
      await sleep(100);
      await expectPong(loggedIn.client);
      expect(loggedIn.client.isOpen).to.equal(true);
    });
  });

  describe('remote login', () => {
    it('a second login of the uid kicks the first socket; the kicked instance cannot resume', async () => {
      // Other uids and apps are untouched.
      const { clock, jump } = skewableClock();
      const server = await start({ clock });
      const first = await login(server, 'app1', 'alice');
      const bob = await login(server, 'app1', 'bob');
      const otherApp = await login(server, 'app2', 'alice');
      const second = await login(server, 'app1', 'alice');
      expect(second.welcome.resumed).to.equal(false);
      expect(second.session).not.to.equal(first.session);
      expect(await first.client.next()).to.deep.equal({ t: 'kicked', reason: 'REMOTE_LOGIN' });
      expect(await first.client.closed()).to.deep.equal({ code: 4002, reason: 'REMOTE_LOGIN' });
      expect(server.sessionCount).to.equal(3);
      await expectPong(bob.client);
      await expectPong(otherApp.client);
      await expectPong(second.client);

      // The kicked instance comes back with its old session id: it is told it
      // was replaced, rather than taking the uid back.
      jump(2000); // past the login rate limit
      const back = await RawClient.connect(server.url);
      expect(await back.request(loginFrame('app1', 'alice', { session: first.session }))).to.deep.equal({
        t: 'kicked',
        reason: 'REMOTE_LOGIN',
      });
      expect(await back.closed()).to.deep.equal({ code: 4002, reason: 'REMOTE_LOGIN' });
      await expectPong(second.client);
      expect(second.client.pending).to.deep.equal([]);
      expect(server.sessionCount).to.equal(3);
    });

    it('the same instance resuming while its old socket still looks open takes the session over', async () => {
      // And drops the old socket.
      const server = await start();
      const first = await login(server, 'app1', 'alice');
      const again = await login(server, 'app1', 'alice', { session: first.session });
      expect(again.welcome).to.include({ t: 'welcome', session: first.session, resumed: true });
      expect((await first.client.closed()).code).to.equal(1006);
      expect(first.client.pending).to.deep.equal([]);
      await expectPong(again.client);
      expect(server.sessionCount).to.equal(1);
    });
  });

  describe('presence and resume', () => {
    it('a login with the session id within the grace resumes it (same id, resumed: true)', async () => {
      const server = await start({ presenceGraceMs: 300 });
      const first = await login(server, 'app1', 'alice');
      first.client.close();
      await first.client.closed();
      expect(server.sessionCount).to.equal(1);
      const back = await login(server, 'app1', 'alice', { session: first.session });
      expect(back.welcome).to.deep.equal({
        t: 'welcome',
        session: first.session,
        resumed: true,
        tokenExpiresInMs: back.welcome.tokenExpiresInMs,
      });
      expect(back.welcome.tokenExpiresInMs).to.be.within(58_000, 60_000);
      expect(server.sessionCount).to.equal(1);
      // The resumed session is live: kept alive by frames past the original grace.
      for (let i = 0; i < 5; i++) {
        await sleep(100);
        await expectPong(back.client);
      }
      expect(server.sessionCount).to.equal(1);
    });

    it('after the grace the session is gone: sessionCount drops to 0 and a resume gets a new session', async () => {
      const server = await start({ presenceGraceMs: 300 });
      const first = await login(server, 'app1', 'alice');
      const loggedInAt = performance.now();
      first.client.close();
      await first.client.closed();
      await sleep(150);
      expect(server.sessionCount).to.equal(1);
      await until(() => server.sessionCount, 0, 1000);
      const gone = performance.now() - loggedInAt;
      expect(gone).to.be.within(280, 300 + 400);
      const back = await login(server, 'app1', 'alice', { session: first.session });
      expect(back.welcome.resumed).to.equal(false);
      expect(back.session).not.to.equal(first.session);
      expect(server.sessionCount).to.equal(1);
    });

    it('a half-open socket (no frames) is terminated once its grace runs out; a pinging one is kept', async () => {
      const server = await start({ presenceGraceMs: 300 });
      const silent = await login(server, 'app1', 'alice');
      const loggedInAt = performance.now();
      const pinging = await login(server, 'app1', 'bob');
      const pings = (async () => {
        for (let i = 0; i < 8; i++) {
          await sleep(80);
          await expectPong(pinging.client);
        }
      })();
      const closed = await silent.client.closed(1500);
      expect(closed.code).to.equal(1006);
      expect(performance.now() - loggedInAt).to.be.within(280, 300 + 400);
      expect(silent.client.pending).to.deep.equal([]);
      await pings;
      expect(pinging.client.isOpen).to.equal(true);
      expect(server.sessionCount).to.equal(1);
      // The expired session cannot be resumed.
      const back = await login(server, 'app1', 'alice', { session: silent.session });
      expect(back.welcome.resumed).to.equal(false);
      expect(back.session).not.to.equal(silent.session);
    });
  });

  describe('logout', () => {
    it('ends the session at once and closes the socket with 1000; its id cannot be resumed', async () => {
      const server = await start();
      const { client, session } = await login(server, 'app1', 'alice');
      await login(server, 'app1', 'bob');
      expect(server.sessionCount).to.equal(2);
      client.send({ t: 'logout' });
      const closed = await client.closed();
      expect(server.sessionCount).to.equal(1);
      expect(closed).to.deep.equal({ code: 1000, reason: 'logged out' });
      expect(client.pending).to.deep.equal([]);
      const back = await login(server, 'app1', 'alice', { session });
      expect(back.welcome.resumed).to.equal(false);
      expect(back.session).not.to.equal(session);
      expect(server.sessionCount).to.equal(2);
    });

    it('a login sent right after logout on the same socket is ignored: no session is left behind', async () => {
      const server = await start();
      const { client } = await login(server, 'app1', 'alice');
      client.send({ t: 'logout' });
      client.send(loginFrame('app1', 'alice'));
      expect(await client.closed()).to.deep.equal({ code: 1000, reason: 'logged out' });
      expect(client.pending).to.deep.equal([]);
      await sleep(50);
      expect(server.sessionCount).to.equal(0);
    });
  });

  describe('a socket the server is closing', () => {
    it('ignores a login sent right after a refused one: the live session of that uid is not kicked', async () => {
      const server = await start();
      const live = await login(server, 'app1', 'alice');
      const other = await RawClient.connect(server.url);
      other.send(loginFrame('app1', 'a/b'));
      other.send(loginFrame('app1', 'alice'));
      expect(await other.next()).to.include({ t: 'refused', code: 'INVALID_ARGUMENT' });
      expect(await other.closed()).to.deep.equal({ code: 4001, reason: 'INVALID_ARGUMENT' });
      expect(other.pending).to.deep.equal([]);
      await expectPong(live.client);
      expect(live.client.pending).to.deep.equal([]);
      expect(server.sessionCount).to.equal(1);
    });
  });

  describe('renew', () => {
    it('a fresh token → renewed with the same request id; another uid → fail INVALID_TOKEN', async () => {
      // A 3rd within a second → fail TOO_OFTEN.
      const server = await start();
      const { client } = await login(server, 'app1', 'alice');
      const renewed = await client.request({ t: 'renew', id: 1, token: tokenFor('app1', 'alice', 300) });
      expect(renewed).to.deep.equal({ t: 'renewed', id: 1, tokenExpiresInMs: renewed.tokenExpiresInMs });
      expect(renewed.tokenExpiresInMs).to.be.within(298_000, 300_000);

      const other = await client.request({ t: 'renew', id: 2, token: tokenFor('app1', 'bob', 300) });
      expect(other).to.deep.equal({ t: 'fail', id: 2, code: 'INVALID_TOKEN', message: other.message });
      expect(other.message).to.be.a('string').that.is.not.empty;

      const third = await client.request({ t: 'renew', id: 3, token: tokenFor('app1', 'alice', 300) });
      expect(third).to.deep.equal({ t: 'fail', id: 3, code: 'TOO_OFTEN', message: third.message });
      await expectPong(client);
      expect(server.sessionCount).to.equal(1);
    });

    it('an expired token or a token of another app → fail with its code; the session stays', async () => {
      const server = await start();
      const { client } = await login(server, 'app1', 'alice');
      const expired = await client.request({ t: 'renew', id: 10, token: tokenFor('app1', 'alice', -1) });
      expect(expired).to.deep.equal({ t: 'fail', id: 10, code: 'TOKEN_EXPIRED', message: expired.message });
      const otherApp = await client.request({ t: 'renew', id: 11, token: tokenFor('app2', 'alice', 300) });
      expect(otherApp).to.deep.equal({ t: 'fail', id: 11, code: 'INVALID_TOKEN', message: otherApp.message });
      await expectPong(client);
    });

    it('the renew budget is per session: another session renews freely', async () => {
      const server = await start();
      const alice = await login(server, 'app1', 'alice');
      const bob = await login(server, 'app1', 'bob');
      for (const id of [1, 2])
        expect(await alice.client.request({ t: 'renew', id, token: tokenFor('app1', 'alice') })).to.include({
          t: 'renewed',
          id,
        });
      expect(await alice.client.request({ t: 'renew', id: 3, token: tokenFor('app1', 'alice') })).to.include({
        t: 'fail',
        id: 3,
        code: 'TOO_OFTEN',
      });
      for (const id of [1, 2])
        expect(await bob.client.request({ t: 'renew', id, token: tokenFor('app1', 'bob') })).to.include({
          t: 'renewed',
          id,
        });
    });
  });

  describe('close()', () => {
    it('sends goaway to every socket, closes them with 1012, resolves, and is idempotent', async () => {
      const server = await start();
      const a = await login(server, 'app1', 'alice');
      const b = await login(server, 'app2', 'bob');
      const notLoggedIn = await RawClient.connect(server.url);
      const started = performance.now();
      const closing = server.close();
      expect(server.close()).to.equal(closing);
      await closing;
      expect(performance.now() - started).to.be.below(1000);
      for (const client of [a.client, b.client, notLoggedIn]) {
        expect(await client.next()).to.deep.equal({ t: 'goaway' });
        expect(await client.closed()).to.deep.equal({ code: 1012, reason: 'server restart' });
        expect(client.pending).to.deep.equal([]);
      }
      await server.close();
      let refused: unknown;
      await RawClient.connect(server.url).then(
        () => undefined,
        (error: unknown) => (refused = error),
      );
      expect(refused).to.be.instanceOf(Error);
    });

    it('resolves at once with no client connected', async () => {
      const server = await start();
      const started = performance.now();
      await server.close();
      await server.close();
      expect(performance.now() - started).to.be.below(500);
    });
  });
});
