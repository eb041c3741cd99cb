/** Scripts run against the epoch a node knows: a changed epoch means a restore first, then the script again. */
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { ScriptRunner, type EpochReading } from '../../../lib/store/redis/script-runner.js';
import { banScript } from '../../../lib/store/redis/scripts/ban-scripts.js';
import { servedApp } from '../../../lib/store/redis/served-app.js';

/** A Redis whose scripts answer from `answer`, recording every call. */
function fakeRedis(answer: (name: string, args: Array<string | number>) => unknown) {
  const calls: Array<[string, ...Array<string | number>]> = [];
  const redis = {
    defineCommand(name: string) {
      (redis as unknown as Record<string, unknown>)[name] = async (...args: Array<string | number>) => {
        calls.push([name, ...args]);
        return answer(name, args);
      };
    },
  };
  return { redis: redis as unknown as Redis, calls };
}

describe('ScriptRunner', () => {
  it("sends the epoch key, its known epoch, the MAXLEN and the script's arguments, and decodes the reply", async () => {
    const { redis, calls } = fakeRedis((name) => (name === 'rtmEpoch' ? ['e1:100', '150'] : ['ok', '3-0']));
    const runner = new ScriptRunner(redis, 50, async () => undefined);
    const app = servedApp('rtm', 'app1');
    await runner.checkEpoch(app);
    expect(await runner.run(app, banScript, 'mallory')).to.deep.equal({ position: '3-0' });
    expect(calls[1]).to.deep.equal(['rtmBan', 'rtm:{app1}:epoch', 'e1:100', 50, 'mallory']);
  });

  it('a script that finds another epoch: the node restores, takes the new epoch and runs it again', async () => {
    let epoch = 'e1:100';
    const { redis, calls } = fakeRedis((name, args) =>
      name === 'rtmEpoch' ? [epoch, '1000'] : args[1] === epoch ? ['ok', '3-0'] : ['epoch'],
    );
    const lost: EpochReading[] = [];
    const runner = new ScriptRunner(redis, 50, async (_, reading) => {
      lost.push(reading);
    });
    const app = servedApp('rtm', 'app1');
    await runner.checkEpoch(app);
    epoch = 'e2:900';
    expect(await runner.run(app, banScript, 'mallory')).to.deep.equal({ position: '3-0' });
    expect(lost).to.deep.equal([{ epoch: 'e2:900', createdAt: 900, now: 1000 }]);
    expect(app.epoch).to.equal('e2:900');
    expect(calls.map(([name, , known]) => `${name} ${name === 'rtmEpoch' ? '' : known}`)).to.deep.equal([
      'rtmEpoch ',
      'rtmBan e1:100',
      'rtmEpoch ',
      'rtmBan e2:900',
    ]);
  });

  it('a restore that fails keeps the old epoch, so the next check tries again', async () => {
    // A restore that meets yet another epoch fails.
    const { redis } = fakeRedis((name) => (name === 'rtmEpoch' ? ['e2:900', '1000'] : ['epoch']));
    const runner: ScriptRunner = new ScriptRunner(redis, 50, async (app) => {
      await runner.runRestoring(app, banScript, 'x');
    });
    const app = servedApp('rtm', 'app1');
    app.epoch = 'e1:100';
    let failure: unknown;
    await runner.ensureEpoch(app).catch((error: unknown) => (failure = error));
    expect(String(failure)).to.equal('Error: the presence store lost its data again while restoring');
    expect(app.epoch).to.equal('e1:100');
    expect(app.epochTask).to.equal(undefined);
  });

  it('gives up on a script after the data changed under it three times running', async () => {
    let n = 0;
    const { redis } = fakeRedis((name) => (name === 'rtmEpoch' ? [`e${n++}:1`, '2'] : ['epoch']));
    const runner = new ScriptRunner(redis, 50, async () => undefined);
    const app = servedApp('rtm', 'app1');
    let failure: unknown;
    await runner.run(app, banScript, 'mallory').catch((error: unknown) => (failure = error));
    expect(String(failure)).to.equal("Error: the presence store's data keeps changing under rtmBan");
    expect(n).to.equal(3);
  });
});
