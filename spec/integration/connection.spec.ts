/**
 * The real client against the real server over loopback, links cut by the
 * TCP fault proxy. Timings run on the real clock; the default 6 s and 4 s
 * are used where the test is about them, and asserted with tolerances that
 * hold on a loaded 2-core machine: never earlier than the SPEC allows, and
 * later only by the heartbeat's precision plus scheduling slack.
 */
import { expect } from 'chai';
import { performance } from 'node:perf_hooks';
import { ALLOWANCE_MS } from '../../lib/client/heartbeat.js';
import { createClient, type RtmClient, type RtmClientOptions } from '../../lib/node.js';
import { createToken, startServer, type RtmServer } from '../../lib/server/index.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { sleep, StateRecorder } from '../support/state-recorder.js';

const APP = 'demo';
const SECRET = 'demo-secret';
const token = (uid: string, expiresInSeconds = 3600, appSecret = SECRET) =>
  createToken({ appId: APP, appSecret, uid, expiresInSeconds });
/** Scheduling slack allowed on top of a timing's own precision on a loaded CI machine. */
const SLACK_MS = 600;

describe('connection over real sockets (integration)', function () {
  this.timeout(40_000);
  let server: RtmServer;
  let proxy: FaultProxy;
  const clients: RtmClient[] = [];

  async function start(serverOptions: { presenceGraceMs?: number; port?: number } = {}) {
    server = await startServer({ port: serverOptions.port ?? 0, apps: { [APP]: SECRET }, ...serverOptions });
    return server;
  }
  function client(options: Partial<RtmClientOptions> = {}): { client: RtmClient; states: StateRecorder } {
    const c = createClient({ url: `ws://127.0.0.1:${proxy.port}/`, appId: APP, ...options });
    clients.push(c);
    return { client: c, states: new StateRecorder(c) };
  }

  beforeEach(async () => {
    await start();
    proxy = await startFaultProxy({ target: { port: server.port } });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.destroy()));
    await proxy.close();
    await server.close();
  });

  it('logs in: CONNECTING / LOGIN, then CONNECTED / LOGIN_SUCCESS; the server holds one session', async () => {
    const { client: alice, states } = client();
    await alice.login({ uid: 'alice', token: token('alice') });
    expect(states.pairs).to.deep.equal(['DISCONNECTED/LOGOUT', 'CONNECTING/LOGIN', 'CONNECTED/LOGIN_SUCCESS']);
    expect(server.sessionCount).to.equal(1);
  });

  for (const [what, tok, code] of [
    ['a token signed with another secret', () => token('alice', 3600, 'other'), 'INVALID_TOKEN'],
    ['a token for another uid', () => token('bob'), 'INVALID_TOKEN'],
    ['an expired token', () => token('alice', -1), 'TOKEN_EXPIRED'],
  ] as const) {
    it(`refuses ${what}: DISCONNECTED / LOGIN_FAILURE, login rejects ${code}`, async () => {
      const { client: alice, states } = client();
      const error = await alice.login({ uid: 'alice', token: tok() }).catch((e: { code: string }) => e.code);
      expect(error).to.equal(code);
      expect(states.pairs).to.deep.equal(['DISCONNECTED/LOGOUT', 'CONNECTING/LOGIN', 'DISCONNECTED/LOGIN_FAILURE']);
      expect(server.sessionCount).to.equal(0);
    });
  }

  it('refuses an unknown app id: LOGIN_FAILURE with INVALID_APP_ID', async () => {
    const { client: alice, states } = client({ appId: 'nope' });
    const error = await alice.login({ uid: 'alice', token: token('alice') }).catch((e: { code: string }) => e.code);
    expect(error).to.equal('INVALID_APP_ID');
    expect(states.pairs.at(-1)).to.equal('DISCONNECTED/LOGIN_FAILURE');
  });

  it('times out after 6 s (default) against a server that accepts TCP but never answers', async () => {
    proxy.blackhole();
    const { client: alice, states } = client();
    const started = performance.now();
    const error = await alice.login({ uid: 'alice', token: token('alice') }).catch((e: { code: string }) => e.code);
    const took = performance.now() - started;
    expect(error).to.equal('TIMEOUT');
    expect(states.pairs).to.deep.equal(['DISCONNECTED/LOGOUT', 'CONNECTING/LOGIN', 'DISCONNECTED/LOGIN_TIMEOUT']);
    expect(took).to.be.within(5990, 6000 + SLACK_MS);
  });

  it('detects a half-open link 4 s after it went dark, reconnects when it heals, and resumes the session', async () => {
    // 4 s: the default.
    const { client: alice, states } = client();
    await alice.login({ uid: 'alice', token: token('alice') });
    await sleep(1500);
    proxy.blackhole();
    const darkAt = performance.now();
    const interrupted = await states.waitFor('RECONNECTING/INTERRUPTED', 8000);
    // Heartbeat 1 s + ping allowance 250 ms is the precision of the 4 s threshold.
    expect(interrupted.at - darkAt).to.be.within(4000, 4000 + 1000 + ALLOWANCE_MS + SLACK_MS);
    await proxy.pass();
    const back = await states.waitFor('CONNECTED/LOGIN_SUCCESS', 8000, states.seen.indexOf(interrupted));
    expect(back.at).to.be.greaterThan(interrupted.at);
    expect(states.pairs).to.deep.equal([
      'DISCONNECTED/LOGOUT',
      'CONNECTING/LOGIN',
      'CONNECTED/LOGIN_SUCCESS',
      'RECONNECTING/INTERRUPTED',
      'CONNECTED/LOGIN_SUCCESS',
    ]);
    expect(server.sessionCount).to.equal(1);
  });

  it('shows nothing when a dark link heals after 3.5 s', async () => {
    const { client: alice, states } = client();
    await alice.login({ uid: 'alice', token: token('alice') });
    proxy.blackhole();
    await sleep(3500);
    await proxy.pass();
    await sleep(3000);
    expect(states.pairs).to.deep.equal(['DISCONNECTED/LOGOUT', 'CONNECTING/LOGIN', 'CONNECTED/LOGIN_SUCCESS']);
  });

  it('shows nothing when the connection is reset and refused for 2 s, then resumes the same session', async () => {
    // Jitter pinned to the floor (a retry every 500 ms), so the outcome does not depend on the draw.
    const { client: alice, states } = client({ random: () => 0 });
    await alice.login({ uid: 'alice', token: token('alice') });
    await proxy.refuse();
    await sleep(2000);
    await proxy.pass();
    await sleep(2500);
    expect(states.pairs).to.deep.equal(['DISCONNECTED/LOGOUT', 'CONNECTING/LOGIN', 'CONNECTED/LOGIN_SUCCESS']);
    expect(server.sessionCount).to.equal(1);
  });

  it('goes RECONNECTING 4 s after a reset it cannot recover from, and back after a 10 s outage', async () => {
    const { client: alice, states } = client({ reconnectMaxDelayMs: 2000 });
    await alice.login({ uid: 'alice', token: token('alice') });
    await proxy.refuse();
    const cutAt = performance.now();
    const interrupted = await states.waitFor('RECONNECTING/INTERRUPTED', 8000);
    expect(interrupted.at - cutAt).to.be.within(4000, 4000 + SLACK_MS);
    await sleep(10_000 - (performance.now() - cutAt));
    await proxy.pass();
    await states.waitFor('CONNECTED/LOGIN_SUCCESS', 4000, states.seen.indexOf(interrupted));
  });

  it('kicks the first instance on a second login of the uid: ABORTED / REMOTE_LOGIN, and it stays there', async () => {
    const first = client();
    const second = client();
    await first.client.login({ uid: 'alice', token: token('alice') });
    await second.client.login({ uid: 'alice', token: token('alice') });
    await first.states.waitFor('ABORTED/REMOTE_LOGIN', 2000);
    await sleep(2500);
    expect(first.states.pairs).to.deep.equal([
      'DISCONNECTED/LOGOUT',
      'CONNECTING/LOGIN',
      'CONNECTED/LOGIN_SUCCESS',
      'ABORTED/REMOTE_LOGIN',
    ]);
    expect(second.states.pairs).to.deep.equal(['DISCONNECTED/LOGOUT', 'CONNECTING/LOGIN', 'CONNECTED/LOGIN_SUCCESS']);
    expect(server.sessionCount).to.equal(1);
    await first.client.logout();
    expect(first.client.connectionState).to.deep.equal({ state: 'DISCONNECTED', reason: 'LOGOUT' });
  });

  it('tells an instance replaced while its link was down that it was kicked', async () => {
    // Instead of letting it take the uid back.
    const direct = `ws://127.0.0.1:${server.port}/`;
    const first = client();
    await first.client.login({ uid: 'alice', token: token('alice') });
    await proxy.refuse();
    const second = client({ url: direct });
    await second.client.login({ uid: 'alice', token: token('alice') });
    await sleep(200);
    await proxy.pass();
    await first.states.waitFor('ABORTED/REMOTE_LOGIN', 8000);
    await sleep(1000);
    expect(second.client.connectionState).to.deep.equal({ state: 'CONNECTED', reason: 'LOGIN_SUCCESS' });
  });

  it('emits TokenExpired while RECONNECTING with an expired token and keeps retrying', async () => {
    // It gets back in after renewToken.
    const { client: alice, states } = client({ interruptionThresholdMs: 1000, reconnectMaxDelayMs: 1000 });
    let expired = 0;
    alice.on('TokenExpired', () => expired++);
    await alice.login({ uid: 'alice', token: token('alice', 2) });
    await proxy.refuse();
    await states.waitFor('RECONNECTING/INTERRUPTED', 4000);
    await sleep(2500); // the token is now expired
    await proxy.pass();
    await new Promise<void>((resolve) => alice.tokenExpired$.subscribe(() => resolve()));
    await sleep(2500); // retries keep being refused; TokenExpired is not repeated
    expect(expired).to.equal(1);
    expect(alice.connectionState.state).to.equal('RECONNECTING');
    await alice.renewToken(token('alice'));
    await states.waitFor('CONNECTED/LOGIN_SUCCESS', 3000, 3);
    expect(states.pairs).to.deep.equal([
      'DISCONNECTED/LOGOUT',
      'CONNECTING/LOGIN',
      'CONNECTED/LOGIN_SUCCESS',
      'RECONNECTING/INTERRUPTED',
      'CONNECTED/LOGIN_SUCCESS',
    ]);
  });

  it('emits TokenPrivilegeWillExpire 30 s (default) before the token expires', async () => {
    const { client: alice } = client();
    let warnedAt = 0;
    alice.on('TokenPrivilegeWillExpire', () => (warnedAt = performance.now()));
    // exp is in whole seconds: the warning is due 1 to 2 s after login, at exp − 30 s.
    const minted = token('alice', 32);
    const dueIn =
      (JSON.parse(Buffer.from(minted.split('.')[1], 'base64url').toString('utf8')) as { exp: number }).exp * 1000 -
      30_000 -
      Date.now();
    const loginAt = performance.now();
    await alice.login({ uid: 'alice', token: minted });
    await sleep(2000 + SLACK_MS + 100);
    expect(warnedAt - loginAt).to.be.within(dueIn - 100, dueIn + SLACK_MS);
  });

  it('does not warn about a token valid for 30 days: past 24.8 days a platform timer would fire at once', async () => {
    const { client: alice } = client();
    let warnings = 0;
    alice.on('TokenPrivilegeWillExpire', () => warnings++);
    // Node sets an overlong timer to 1 ms and says so: the client must never ask for one.
    const overflows: string[] = [];
    const onWarning = (warning: Error) => warning.name === 'TimeoutOverflowWarning' && overflows.push(warning.message);
    process.on('warning', onWarning);
    try {
      await alice.login({ uid: 'alice', token: token('alice', 30 * 24 * 3600) });
      await sleep(500);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).to.equal(0);
    expect(overflows).to.deep.equal([]);
    expect(alice.connectionState).to.deep.equal({ state: 'CONNECTED', reason: 'LOGIN_SUCCESS' });
  });

  it('renews the token on a live link; the server refuses a token for another uid with INVALID_TOKEN', async () => {
    const { client: alice } = client();
    await alice.login({ uid: 'alice', token: token('alice') });
    await alice.renewToken(token('alice'));
    await sleep(1000); // BEHAVIOUR §5: at most two logins or renewals a second
    const error = await alice.renewToken(token('bob')).catch((e: { code: string }) => e.code);
    expect(error).to.equal('INVALID_TOKEN');
  });

  it('logs out at once on a dead link, and promptly frees the session on a live one', async () => {
    const { client: alice, states } = client();
    await alice.login({ uid: 'alice', token: token('alice') });
    proxy.blackhole();
    const started = performance.now();
    await alice.logout();
    expect(performance.now() - started).to.be.below(100);
    expect(states.pairs.at(-1)).to.equal('DISCONNECTED/LOGOUT');
    await proxy.pass();

    const { client: bob } = client();
    await bob.login({ uid: 'bob', token: token('bob') });
    await bob.logout();
    await sleep(200);
    expect(server.sessionCount).to.equal(0);
  });

  it('survives a server restart without showing it: back on a new session within the shortest backoff', async () => {
    const { client: alice, states } = client();
    await alice.login({ uid: 'alice', token: token('alice') });
    const port = server.port;
    await server.close();
    await start({ port });
    await sleep(2500);
    expect(states.pairs).to.deep.equal(['DISCONNECTED/LOGOUT', 'CONNECTING/LOGIN', 'CONNECTED/LOGIN_SUCCESS']);
    expect(server.sessionCount).to.equal(1);
  });
});
