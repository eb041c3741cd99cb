/**
 * BEHAVIOUR §7.5 end to end: the real client and server, links cut by the
 * fault proxy. An invitation to a user not logged in fails PEER_OFFLINE; an
 * answer reaches both sides; a caller RECONNECTING and back within the grace
 * keeps its invitation and learns the answer given meanwhile; an accept and
 * a cancel that cross end in one state on both sides; an invitation nobody
 * answers expires, and one whose callee's client is gone fails PEER_NO_RESPONSE.
 */
import { expect } from 'chai';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { invitations, type CallStatus, type Invitations } from '../../lib/invitations.js';
import { createClient } from '../../lib/node.js';
import { createToken, startServer, type RtmServer } from '../../lib/server/index.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { proxiedUsers } from '../support/proxied-users.js';
import { sleep } from '../support/state-recorder.js';

const APP = 'demo';
const SECRET = 'demo-secret';
const token = (uid: string) => createToken({ appId: APP, appSecret: SECRET, uid, expiresInSeconds: 3600 });

/** A status as one line: STATE, then /reason or :response. */
const line = ({ state, reason, response }: CallStatus) =>
  `${state}${reason === undefined ? '' : `/${reason}`}${response === undefined ? '' : `:${response}`}`;

/** Every status a call goes through, to its outcome. */
const history = (call: { status$: import('rxjs').Observable<CallStatus> }) =>
  lastValueFrom(call.status$.pipe(toArray())).then((statuses) => statuses.map(line));

describe('call invitations over real sockets (integration)', function () {
  this.timeout(30_000);
  let server: RtmServer;
  let proxy: FaultProxy;
  const { user: loginUser, clients } = proxiedUsers({
    rig: () => ({ server, proxy }),
    appId: APP,
    token,
    defaults: { interruptionThresholdMs: 1500 },
  });

  async function start(invitationTimes?: { ackMs: number; expireMs: number }) {
    server = await startServer({ port: 0, apps: { [APP]: SECRET }, ...(invitationTimes ? { invitationTimes } : {}) });
    proxy = await startFaultProxy({ target: { port: server.port } });
  }

  async function user(uid: string, cut = false) {
    let calls: Invitations | undefined;
    const made = await loginUser(uid, cut, {}, (client) => (calls = invitations(client)));
    return { ...made, calls: calls! };
  }

  afterEach(async () => {
    await proxy.close();
    await server.close();
  });

  it('fails PEER_OFFLINE for a callee not logged in', async () => {
    await start();
    const a = await user('A');
    const call = a.calls.invite('nobody', { content: 'hello' });
    expect(await history(call)).to.deep.equal(['SENT', 'FAILED/PEER_OFFLINE']);
  });

  it('rings the callee with the content and channel, and both sides see its accept with the response', async () => {
    await start();
    const a = await user('A');
    const b = await user('B');
    const incoming = firstValueFrom(b.calls.incoming$);
    const call = a.calls.invite('B', { content: 'video?', channelId: 'room1' });
    const caller = history(call);
    const ringing = await incoming;
    expect([ringing.callerId, ringing.content, ringing.channelId, line(ringing.status)]).to.deep.equal([
      'A',
      'video?',
      'room1',
      'RECEIVED',
    ]);
    await sleep(100);
    expect(line(call.status)).to.equal('RECEIVED');
    await ringing.accept('on my way');
    expect(await caller).to.deep.equal(['SENT', 'RECEIVED', 'ACCEPTED:on my way']);
    expect(await history(ringing)).to.deep.equal(['ACCEPTED:on my way']);
  });

  it('a caller RECONNECTING and back within the grace keeps its invitation and learns the refusal', async () => {
    await start();
    const a = await user('A', true);
    const b = await user('B');
    const incoming = firstValueFrom(b.calls.incoming$);
    const call = a.calls.invite('B');
    const caller = history(call);
    const ringing = await incoming;
    await sleep(100);
    proxy.blackhole();
    await a.states.waitFor('RECONNECTING/INTERRUPTED', 6000);
    await ringing.refuse('busy');
    expect(line(ringing.status)).to.equal('REFUSED:busy');
    await proxy.pass();
    await a.states.waitFor('CONNECTED/LOGIN_SUCCESS', 6000, 3);
    expect(await caller).to.deep.equal(['SENT', 'RECEIVED', 'REFUSED:busy']);
  });

  it('an accept and a cancel that cross end in one state on both sides, each time', async () => {
    await start();
    const a = await user('A');
    const b = await user('B');
    const outcomes = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const incoming = firstValueFrom(b.calls.incoming$);
      const call = a.calls.invite('B', { content: `${i}` });
      const ringing = await incoming;
      await Promise.all([call.cancel(), ringing.accept('yes')]);
      const [caller, callee] = [line(call.status), line(ringing.status)];
      expect(caller, `round ${i}`).to.equal(callee);
      expect(caller).to.be.oneOf(['CANCELED', 'ACCEPTED:yes']);
      outcomes.add(caller);
    }
    expect(outcomes.size).to.be.greaterThan(0);
  });

  it('expires when nobody answers, and fails PEER_NO_RESPONSE when the callee’s client is gone', async () => {
    await start({ ackMs: 300, expireMs: 900 });
    const a = await user('A');
    const b = await user('B', true);
    const incoming = firstValueFrom(b.calls.incoming$);
    const expiring = history(a.calls.invite('B'));
    const ringing = await incoming;
    expect(await Promise.all([expiring, history(ringing)])).to.deep.equal([
      ['SENT', 'RECEIVED', 'FAILED/INVITATION_EXPIRE'],
      ['RECEIVED', 'FAILED/INVITATION_EXPIRE'],
    ]);
    await proxy.refuse();
    await b.states.waitFor('RECONNECTING/INTERRUPTED', 6000);
    expect(await history(a.calls.invite('B'))).to.deep.equal(['SENT', 'FAILED/PEER_NO_RESPONSE']);
  });

  it('fails NOT_LOGGEDIN when the caller is not logged in', async () => {
    await start();
    const a = createClient({ url: server.url, appId: APP });
    clients.push(a);
    expect(await history(invitations(a).invite('B'))).to.deep.equal(['FAILED/NOT_LOGGEDIN']);
    expect(() => invitations(a).invite('bad\u0000id'))
      .to.throw()
      .with.property('code', 'INVALID_ARGUMENT');
  });
});
