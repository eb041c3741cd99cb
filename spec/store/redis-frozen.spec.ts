/**
 * One Redis (no replica, no failover possible) frozen with SIGSTOP, as a host that vanished without closing
 * its connections: the node sees the connection lost, commands sent while it is gone fail after the attempts
 * instead of waiting for ever, the node neither crashes nor spins, and all works again once the host resumes
 * (BEHAVIOUR §4.3).
 */
import { expect } from 'chai';
import { performance } from 'node:perf_hooks';
import type { Lease } from '../../lib/store/presence-store.js';
import { RedisStore } from '../../lib/store/redis-store.js';
import { RedisProcess, requireRedis } from '../support/redis-process.js';
import { eventually, sleep } from '../cluster/cluster-harness.js';

const lease: Lease = { graceMs: 30_000, unreachableMs: 6_000 };
/** Shorter than the store's defaults (3 s, 20 attempts), so that a command gives up within a few seconds. */
const SOCKET_TIMEOUT_MS = 1500;
const ATTEMPTS = 2;

describe('RedisStore on one Redis whose host freezes (real redis-server)', function () {
  this.timeout(20_000);
  let redis: RedisProcess;
  let store: RedisStore | undefined;
  const errors: unknown[] = [];

  before(async function () {
    requireRedis(this, 'frozen Redis tests');
    redis = await RedisProcess.start();
  });
  after(async () => {
    redis?.pause(false);
    await store?.close();
    await redis?.stop();
  });

  it('the node sees it in time; commands sent then fail, with no spinning; all works again once thawed', async () => {
    store = await RedisStore.connect({
      url: redis.url,
      apps: ['app1'],
      redis: { socketTimeout: SOCKET_TIMEOUT_MS, maxRetriesPerRequest: ATTEMPTS },
      onError: (error) => errors.push(error),
    });
    await store.claim('app1', 'alice', 's1', undefined, lease);
    await store.join('app1', 'alice', 's1', 'room');

    redis.pause(true);
    const frozenAt = performance.now();
    const cpuBefore = process.cpuUsage();
    // Sent before the connection is given up: it waits for the host (sent again once it is back), as a command
    // does after any lost connection.
    const inFlight = store.members('app1', 'room');
    // (The blocking stream read is always pending, so the timeout runs from the freeze.)
    await eventually(() => {
      expect(errors.length).to.equal(1);
    }, SOCKET_TIMEOUT_MS + 1500);
    expect(String(errors[0])).to.equal(
      "Error: Redis connection trouble (reconnecting): Socket timeout. Expecting data, but didn't receive any in " +
        `${SOCKET_TIMEOUT_MS}ms.`,
    );
    await sleep(SOCKET_TIMEOUT_MS); // the command connection's own timeout too (the sweeper keeps it busy)
    const failure = await store.members('app1', 'room').then(
      () => undefined,
      (error: unknown) => error,
    );
    const failedAfter = performance.now() - frozenAt;
    const cpu = process.cpuUsage(cpuBefore);
    expect(String(failure)).to.equal(
      `MaxRetriesPerRequestError: Reached the max retries per request limit (which is ${ATTEMPTS}). ` +
        'Refer to "maxRetriesPerRequest" option for details.',
    );
    // Within the attempts, each a silent wait and a short pause: not for ever.
    expect(failedAfter).to.be.below((ATTEMPTS + 3) * (SOCKET_TIMEOUT_MS + 500) + 1000);
    // Waiting, not spinning: well under a tenth of one core meanwhile.
    expect((cpu.user + cpu.system) / 1000).to.be.below(failedAfter / 10);
    expect(errors).to.have.length(1);

    redis.pause(false);
    const thawedAt = performance.now();
    expect(await inFlight).to.deep.equal(['alice']);
    expect(await store.members('app1', 'room')).to.deep.equal(['alice']);
    expect(performance.now() - thawedAt).to.be.below(3000);
    expect(await store.join('app1', 'alice', 's1', 'lobby')).to.deep.equal({ ok: true, value: ['alice'] });
  });
});
