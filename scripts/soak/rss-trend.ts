/**
 * Whether a soak server's RSS still grows, judged on the trend of its late samples rather than on one early reading.
 *
 * RSS is not the heap: after a restart, and again after any full collection that hands pages back, it climbs for a
 * while to the level its load keeps (allocator arenas, V8's reserved pages), so one reading taken soon after a
 * restart sits well below the level the same healthy process holds minutes later. The 3-minute starved run of
 * 3 Dec 2026 measured 90.6 MiB just after such a drop and 115.2 MiB after calm, its heap flat; its own samples were
 * flat at 118 MiB over the last third of its life. So the check fits a least-squares line to the samples of the last
 * third of the span recorded (every sample of a process, from its start or its last heap snapshot): a leak keeps
 * growing there, while settling after a restart or a drop is over by then. The fit averages out single readings
 * (taken without a collection, so with the heap's garbage in them). The price: a steady leak is seen only once it
 * adds more than the tolerance within that last third (about 40 % of RSS over the process's life); the heap, the
 * finer check for what JavaScript holds, is still compared at calm, after a collection.
 */

/** One reading of a process's RSS, `atMs` on any clock that does not jump. */
export interface RssSample {
  atMs: number;
  rss: number;
}

export const RssTrendRule = {
  /** The share of the recorded span, at its end, the trend is fitted over. */
  lateShare: 1 / 3,
  /** The most the fitted line may rise across that span, as a share of where it starts. */
  tolerance: 0.1,
  /** Fewer samples in that span give no verdict. */
  fewestSamples: 5,
} as const;

export type RssTrend =
  | { kind: 'too-few'; samples: number }
  | {
      kind: 'fitted';
      ok: boolean;
      samples: number;
      /** The fitted line at the start and the end of the late span (bytes). */
      from: number;
      to: number;
      /** (to - from) / from */
      growth: number;
      spanMs: number;
    };

/** The trend of the late samples: too few to judge, or the fitted growth and whether it is within the tolerance. */
export function rssTrend(samples: readonly RssSample[], rule: typeof RssTrendRule = RssTrendRule): RssTrend {
  if (samples.length === 0) return { kind: 'too-few', samples: 0 };
  const sorted = [...samples].sort((a, b) => a.atMs - b.atMs);
  const first = sorted[0].atMs;
  const last = sorted[sorted.length - 1].atMs;
  const late = sorted.filter((sample) => sample.atMs >= last - (last - first) * rule.lateShare);
  if (late.length < rule.fewestSamples) return { kind: 'too-few', samples: late.length };
  const meanAt = late.reduce((sum, sample) => sum + sample.atMs, 0) / late.length;
  const meanRss = late.reduce((sum, sample) => sum + sample.rss, 0) / late.length;
  let covariance = 0;
  let variance = 0;
  for (const sample of late) {
    covariance += (sample.atMs - meanAt) * (sample.rss - meanRss);
    variance += (sample.atMs - meanAt) ** 2;
  }
  const slope = variance === 0 ? 0 : covariance / variance;
  const from = meanRss + slope * (late[0].atMs - meanAt);
  const to = meanRss + slope * (last - meanAt);
  const growth = (to - from) / from;
  return {
    kind: 'fitted',
    ok: growth <= rule.tolerance,
    samples: late.length,
    from,
    to,
    growth,
    spanMs: last - late[0].atMs,
  };
}
