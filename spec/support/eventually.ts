import { performance } from 'node:perf_hooks';
import { sleep } from './state-recorder.js';

/**
 * Waits until `check` passes (throws nothing), or fails with its last error after `timeoutMs`: for outcomes that
 * come at a time the test does not control (a server's cleanup after a cut), asserted exactly once they come.
 */
export async function eventually(check: () => void | Promise<void>, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await sleep(25);
    }
  }
}
