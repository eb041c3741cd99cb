/**
 * Run settings for the fast-check properties: a bounded number of runs, so
 * `npm test` stays quick, and a failure replayed from its seed. On failure
 * fast-check's error (seed, path, shrunk counterexample) is what mocha
 * prints; `FC_SEED=<seed> FC_PATH=<path> npx mocha <spec>` runs that case again.
 */
import type { Parameters } from 'fast-check';

export function runs<T>(numRuns: number): Parameters<T> {
  const seed = process.env.FC_SEED;
  const path = process.env.FC_PATH;
  return {
    numRuns,
    ...(seed === undefined ? {} : { seed: Number(seed) }),
    ...(path === undefined ? {} : { path }),
  };
}
