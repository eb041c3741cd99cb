/**
 * The Redis store's call invitations (BEHAVIOUR §7.5) over a real redis-server: what an invite records and rings,
 * a repeated request, a caller whose session is over, the compare-and-set of a step (one of two writers at the same
 * version wins; the other reads the outcome), the deadlines it sweeps, and each session's invitations. The
 * decisions themselves are the server's (spec/cluster/invitations.spec.ts).
 */
import { expect } from 'chai';
import type { CallChange } from '../../lib/store/call-store.js';
import type { StoreEvent } from '../../lib/store/presence-store.js';
import { RedisStore } from '../../lib/store/redis-store.js';
import { RedisProcess, requireRedis } from '../support/redis-process.js';

const LEASE = { graceMs: 30_000, unreachableMs: 6_000 };

describe('RedisStore call invitations', function () {
  this.timeout(10_000);
  let redis: RedisProcess;
  let store: RedisStore;
  const events: StoreEvent[] = [];

  before(async function () {
    requireRedis(this, 'RedisStore call invitations');
    redis = await RedisProcess.start();
    store = await RedisStore.connect({ url: redis.url, apps: ['app'], onError: () => undefined });
    store.listen((event) => events.push(event));
    await store.claim('app', 'alice', 'sa', undefined, LEASE);
    await store.claim('app', 'bob', 'sb', undefined, LEASE);
  });

  after(async () => {
    await store?.close();
    await redis?.stop();
  });

  const invite = (id: number, call: string, to = 'bob', ackMs = 30_000) =>
    store.calls.invite('app', {
      uid: 'alice',
      session: 'sa',
      id,
      call,
      to,
      body: `ring ${call}`,
      ackMs,
      keepMs: 60_000,
    });
  /** The call events heard since the last look. */
  const callEvents = () => events.splice(0).filter((event) => event.type === 'callEvent');
  const change = (state: 'ACCEPTED' | 'CANCELED', tell: string[]): CallChange => ({
    status: { state },
    tell,
    body: state,
    deadline: undefined,
    keepMs: 60_000,
  });

  it("records an invitation, rings the callee's session, answers a repeated request with the same", async () => {
    events.length = 0;
    const made = await invite(1, 'c1');
    expect(made).to.deep.include({ outcome: 'created' });
    expect(made.outcome === 'gone' ? undefined : made.record).to.deep.include({
      id: 'c1',
      caller: 'alice',
      callerSession: 'sa',
      callee: 'bob',
      calleeSession: 'sb',
      status: { state: 'SENT' },
      version: 1,
    });
    expect(callEvents()).to.deep.equal([
      { type: 'callEvent', appId: 'app', session: 'sb', call: 'c1', body: 'ring c1' },
    ]);
    const again = await invite(1, 'c-other');
    expect(again.outcome === 'gone' ? undefined : [again.outcome, again.record.id]).to.deep.equal(['repeated', 'c1']);
    expect(callEvents()).to.deep.equal([]);
    expect(await store.calls.ofSession('app', 'sa')).to.deep.equal(['c1']);
    expect(await store.calls.ofSession('app', 'sb')).to.deep.equal(['c1']);
  });

  it('records FAILED PEER_OFFLINE for a callee not logged in, ringing nobody; refuses a session over', async () => {
    events.length = 0;
    const made = await invite(2, 'c2', 'carol');
    expect(made.outcome === 'gone' ? undefined : made.record).to.deep.include({
      calleeSession: '',
      status: { state: 'FAILED', reason: 'PEER_OFFLINE' },
    });
    expect(callEvents()).to.deep.equal([]);
    const stale = await store.calls.invite('app', {
      uid: 'alice',
      session: 'old',
      id: 3,
      call: 'c3',
      to: 'bob',
      body: '',
      ackMs: 1,
      keepMs: 1000,
    });
    expect(stale).to.deep.equal({ outcome: 'gone' });
    expect(await store.calls.read('app', 'c3')).to.equal(undefined);
  });

  it('writes a step only at the version it read: of two crossing writers, the second reads the first', async () => {
    await invite(4, 'c4');
    events.length = 0;
    expect(await store.calls.step('app', 'c4', 1, change('ACCEPTED', ['sa']))).to.deep.equal({ ok: true });
    const lost = await store.calls.step('app', 'c4', 1, change('CANCELED', ['sb']));
    expect(lost.ok).to.equal(false);
    expect(lost.ok ? undefined : lost.record).to.deep.include({ status: { state: 'ACCEPTED' }, version: 2 });
    expect(callEvents()).to.deep.equal([
      { type: 'callEvent', appId: 'app', session: 'sa', call: 'c4', body: 'ACCEPTED' },
    ]);
    expect(await store.calls.step('app', 'nope', 1, change('CANCELED', []))).to.deep.equal({
      ok: false,
      record: undefined,
    });
  });

  it('answers the live invitations past their deadline, with its clock; a decided one is due no more', async () => {
    await invite(5, 'c5', 'bob', 50);
    await new Promise((resolve) => setTimeout(resolve, 80));
    const { now, calls } = await store.calls.due();
    expect(calls).to.deep.include({ appId: 'app', call: 'c5' });
    expect(calls).not.to.deep.include({ appId: 'app', call: 'c4' });
    expect(now).to.be.closeTo(Date.now(), 1000);
    await store.calls.step('app', 'c5', 1, change('CANCELED', []));
    expect((await store.calls.due()).calls).not.to.deep.include({ appId: 'app', call: 'c5' });
  });
});
