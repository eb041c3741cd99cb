/**
 * Records a real client's (state, reason) changes with their times, and
 * waits for the next one, for integration tests on the real clock.
 */
import { performance } from 'node:perf_hooks';
import type { ConnectionStatePair } from '../../lib/client/connection-state.js';
import type { RtmClient } from '../../lib/client/rtm-client.js';

export interface Recorded extends ConnectionStatePair {
  /** `performance.now()` when it was seen. */
  readonly at: number;
}

export class StateRecorder {
  readonly seen: Recorded[] = [];
  private waiters: Array<() => void> = [];

  constructor(client: RtmClient) {
    client.connectionState$.subscribe(({ state, reason }) => {
      this.seen.push({ state, reason, at: performance.now() });
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** `STATE/REASON` strings, oldest first. */
  get pairs(): string[] {
    return this.seen.map(({ state, reason }) => `${state}/${reason}`);
  }

  /** Resolves with the first record after index `from` matching `pair` (`STATE/REASON`); rejects after `timeoutMs`. */
  async waitFor(pair: string, timeoutMs: number, from = 0): Promise<Recorded> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = this.seen.slice(from).find(({ state, reason }) => `${state}/${reason}` === pair);
      if (found) return found;
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`no ${pair} within ${timeoutMs} ms; saw ${this.pairs.join(', ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
