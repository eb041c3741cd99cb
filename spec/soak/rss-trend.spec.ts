/**
 * The soak's RSS check (scripts/soak/rss-trend.ts) on synthetic samples, and on the real ones of the run that the
 * earlier check, one reading soon after a restart against one after calm, failed.
 */
import { expect } from 'chai';
import { rssTrend, type RssSample } from '../../scripts/soak/rss-trend.js';

const MiB = 2 ** 20;
/** A reading every 10 s for `minutes`, of `mib(seconds)` MiB plus a fixed ±2 MiB wobble (a collection's garbage). */
function series(minutes: number, mib: (seconds: number) => number): RssSample[] {
  const wobble = [0, 2, -1, 1, -2, 0.5, -0.5];
  return Array.from({ length: minutes * 6 + 1 }, (_, i) => ({
    atMs: i * 10_000,
    rss: (mib(i * 10) + wobble[i % wobble.length]) * MiB,
  }));
}

function fitted(samples: RssSample[]) {
  const trend = rssTrend(samples);
  if (trend.kind !== 'fitted') throw new Error(`not fitted: ${JSON.stringify(trend)}`);
  return trend;
}

describe('soak RSS trend', () => {
  it('a flat series passes', () => {
    const trend = fitted(series(10, () => 115));
    expect(trend).to.include({ ok: true, samples: 21, spanMs: 200_000 });
    expect(trend.growth).to.be.closeTo(-0.0037, 0.0001); // the wobble's phase: 115.2 → 114.8 MiB
  });

  it('a steady leak of half the RSS over the run fails: still growing in its last third', () => {
    const trend = fitted(series(10, (seconds) => 100 + (50 * seconds) / 600));
    expect(trend).to.include({ ok: false, samples: 21 });
    expect(trend.growth).to.be.closeTo(0.1216, 0.0001); // 133.5 → 149.8 MiB
  });

  it('a restart spike (climb to 160 MiB, a drop, a climb back) then flat passes', () => {
    const level = (seconds: number) =>
      seconds < 60 ? 80 + (80 * seconds) / 60 : seconds < 120 ? 100 : seconds < 180 ? 100 + (seconds - 120) / 3 : 120;
    const trend = fitted(series(10, level));
    expect(trend).to.include({ ok: true, samples: 21 });
    expect(trend.growth).to.be.closeTo(-0.0036, 0.0001); // 120.2 → 119.8 MiB
  });

  it('seed 104, starved, 3 min (3 Dec 2026): its samples since the restart pass (the old check said +27 %)', () => {
    // MiB every 10 s from 2 s after the restart; the drop to 100.7 is a full collection handing pages back.
    const mib = [85.5, 158.4, 158.6, 158.9, 159.1, 159.1, 159.3, 159.5, 161.6, 165.0, 168.4];
    mib.push(100.7, 96.3, 113.9, 114.6, 115.7, 118.2, 118.6, 118.6, 118.3, 118.3);
    const trend = fitted(mib.map((value, i) => ({ atMs: 2000 + i * 10_000, rss: value * MiB })));
    expect(trend).to.include({ ok: true, samples: 7, spanMs: 60_000 });
    expect(trend.growth).to.be.closeTo(0.0309, 0.0001); // 115.7 → 119.3 MiB
  });

  it('fewer than 5 samples in the last third give no verdict; so do none', () => {
    expect(rssTrend(series(1, () => 100))).to.deep.equal({ kind: 'too-few', samples: 3 });
    expect(rssTrend([])).to.deep.equal({ kind: 'too-few', samples: 0 });
  });
});
