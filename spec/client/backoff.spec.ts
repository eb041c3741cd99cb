import { expect } from 'chai';
import { backoffDelay, seededRandom } from '../../lib/client/backoff.js';

describe('backoffDelay', () => {
  const bounds = { minDelayMs: 500, maxDelayMs: 15_000 };

  it('stays within its bounds for any attempt count, however large', () => {
    const random = seededRandom(1);
    for (let failures = 0; failures < 10_000; failures++) {
      expect(backoffDelay(failures, bounds, random)).to.be.within(500, 15_000);
    }
  });

  it('grows exponentially: the ceiling of attempt n is min(max, floor · 2^(n+1))', () => {
    const top = () => 0.999999;
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, bounds, top))).to.deep.equal([
      1000, 2000, 4000, 8000, 15_000, 15_000,
    ]);
    expect(backoffDelay(0, bounds, () => 0)).to.equal(500);
  });

  it('spreads clients: 1000 first retries cover the whole first window', () => {
    const random = seededRandom(99);
    const delays = Array.from({ length: 1000 }, () => backoffDelay(0, bounds, random));
    expect(Math.min(...delays)).to.be.below(520);
    expect(Math.max(...delays)).to.be.above(980);
  });

  it('replays: the same seed gives the same delays', () => {
    const a = seededRandom(5);
    const b = seededRandom(5);
    expect(Array.from({ length: 20 }, () => backoffDelay(3, bounds, a))).to.deep.equal(
      Array.from({ length: 20 }, () => backoffDelay(3, bounds, b)),
    );
  });
});
