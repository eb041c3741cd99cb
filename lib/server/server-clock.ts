import { performance } from 'node:perf_hooks';

/** Clocks the server reads: monotonic for presence, wall for token expiry. */
export interface ServerClock {
  monotonic(): number;
  wall(): number;
}

export const systemClock: ServerClock = { monotonic: () => performance.now(), wall: () => Date.now() };
