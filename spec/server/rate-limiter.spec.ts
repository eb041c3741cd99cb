import { expect } from 'chai';
import { RateLimiter } from '../../lib/server/rate-limiter.js';

/** The most `times` (sorted) that fall in any half-open window [t, t + length). */
function mostInAnyWindow(times: readonly number[], length: number): number {
  let most = 0;
  let first = 0;
  for (let i = 0; i < times.length; i++) {
    while (times[first] <= times[i] - length) first++;
    most = Math.max(most, i - first + 1);
  }
  return most;
}

/** Offers one use of `key` at each time and returns the times that were allowed. */
function allowedAt(limiter: RateLimiter, times: readonly number[], key = 'k'): number[] {
  return times.filter((t) => limiter.take(key, t));
}

/** A small deterministic PRNG (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('RateLimiter (2 per 1000 ms)', () => {
  it('allows 2 at once and refuses the 3rd, 4th, … at the same time', () => {
    const limiter = new RateLimiter(2, 1000, 0);
    expect([0, 0, 0, 0, 0].map((t) => limiter.take('k', t))).to.deep.equal([true, true, false, false, false]);
    expect(limiter.take('k', 999)).to.equal(false);
  });

  it('does not count a refused use', () => {
    // Counted or not, refusals change the estimate half a window later: with
    // 2 counted at t=0 the estimate at t=1500 is 2·0.5 = 1 (one more allowed);
    // had the 3 refusals been counted too, it would be 5·0.5 = 2.5 (none).
    const limiter = new RateLimiter(2, 1000, 0);
    expect(allowedAt(limiter, [0, 0, 0, 0, 0])).to.deep.equal([0, 0]);
    expect(allowedAt(limiter, [1500, 1500])).to.deep.equal([1500]);
  });

  it('keeps keys independent', () => {
    const limiter = new RateLimiter(2, 1000, 0);
    expect(allowedAt(limiter, [0, 0, 0], 'a')).to.deep.equal([0, 0]);
    expect(allowedAt(limiter, [0, 0, 0], 'b')).to.deep.equal([0, 0]);
    expect(allowedAt(limiter, [10, 10], 'app1\nalice')).to.deep.equal([10, 10]);
    expect(limiter.take('a', 20)).to.equal(false);
    expect(limiter.take('b', 20)).to.equal(false);
  });

  it('weighs the previous window by its overlap with the sliding window', () => {
    const limiter = new RateLimiter(2, 1000, 0);
    expect(allowedAt(limiter, [0, 0])).to.deep.equal([0, 0]);
    // At 1000 the whole previous window still overlaps: 2 used.
    expect(limiter.take('k', 1000)).to.equal(false);
    // At 1499 it is 2·0.501 > 1: still no room.
    expect(limiter.take('k', 1499)).to.equal(false);
    // At 1500 it is 2·0.5 = 1: room for exactly one.
    expect(allowedAt(limiter, [1500, 1500])).to.deep.equal([1500]);
  });

  it('allows everything again after 2 full windows without use', () => {
    const limiter = new RateLimiter(2, 1000, 0);
    expect(allowedAt(limiter, [0, 0, 0])).to.deep.equal([0, 0]);
    expect(allowedAt(limiter, [2000, 2000, 2000])).to.deep.equal([2000, 2000]);
    // Also after a long silence (many windows at once).
    expect(allowedAt(limiter, [987_654, 987_654, 987_654])).to.deep.equal([987_654, 987_654]);
  });

  it('windows start at the construction time', () => {
    const limiter = new RateLimiter(2, 1000, 250);
    expect(allowedAt(limiter, [300, 300])).to.deep.equal([300, 300]);
    // At 1500 the window is [1250, 2250): the previous one still weighs 2·0.75
    // (had windows started at 0, it would weigh 2·0.5 and let one through).
    expect(limiter.take('k', 1500)).to.equal(false);
    // At 1750 it weighs 2·0.5: room for exactly one.
    expect(allowedAt(limiter, [1750, 1750])).to.deep.equal([1750]);
  });

  it('evenly spaced attempts (one every 100 ms for 10 s): exactly these pass, never more than 2 in any 1000 ms', () => {
    const limiter = new RateLimiter(2, 1000, 0);
    const attempts = Array.from({ length: 100 }, (_, i) => i * 100);
    const allowed = allowedAt(limiter, attempts);
    expect(allowed).to.deep.equal([0, 100, 1500, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000]);
    expect(mostInAnyWindow(allowed, 1000)).to.equal(2);
  });

  it('evenly spaced attempts at any period and phase: never more than 2 in any sliding 1000 ms window', () => {
    for (let period = 1; period <= 1100; period += 3) {
      for (const phase of [0, 0.5, 99.9, 500, 999]) {
        const limiter = new RateLimiter(2, 1000, 0);
        const attempts: number[] = [];
        for (let t = phase; t < 10_000; t += period) attempts.push(t);
        const allowed = allowedAt(limiter, attempts);
        expect(mostInAnyWindow(allowed, 1000), `period ${period}, phase ${phase}`).to.be.at.most(2);
        // And the limiter is not simply refusing: at least one use gets through
        // each second, and at periods of a window or more every attempt does.
        expect(allowed.length, `period ${period}, phase ${phase}`).to.be.at.least(Math.min(10, attempts.length));
        if (period >= 1000) expect(allowed, `period ${period}, phase ${phase}`).to.deep.equal(attempts);
      }
    }
  });

  it('is an estimate: uneven bursts can get 3 (limit + 1) into one sliding window, but never 4 (2 × limit)', () => {
    // Two uses late in the first window, then one at 1500 when the estimate
    // (2 weighted by 0.5) says there is room: 3 within [650, 1650).
    const limiter = new RateLimiter(2, 1000, 0);
    const allowed = allowedAt(limiter, [650, 700, 1500]);
    expect(allowed).to.deep.equal([650, 700, 1500]);
    expect(mostInAnyWindow(allowed, 1000)).to.equal(3);

    // The bound (below 2 × limit, so at most 3 here) over many random bursty sequences.
    const random = seeded(42);
    let worst = 0;
    for (let trial = 0; trial < 3000; trial++) {
      const attempts = Array.from({ length: 12 }, () => Math.floor(random() * 60) * 50).sort((a, b) => a - b);
      worst = Math.max(worst, mostInAnyWindow(allowedAt(new RateLimiter(2, 1000, 0), attempts), 1000));
    }
    expect(worst).to.equal(3);
  });

  it('never allows more than the limit within one fixed window', () => {
    const random = seeded(7);
    for (let trial = 0; trial < 500; trial++) {
      const limiter = new RateLimiter(2, 1000, 0);
      const attempts = Array.from({ length: 30 }, () => Math.floor(random() * 5000)).sort((a, b) => a - b);
      const perWindow = new Map<number, number>();
      for (const t of allowedAt(limiter, attempts))
        perWindow.set(Math.floor(t / 1000), (perWindow.get(Math.floor(t / 1000)) ?? 0) + 1);
      expect(Math.max(...perWindow.values())).to.be.at.most(2);
    }
  });
});
