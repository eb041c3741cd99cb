/**
 * Sweeps every app's deadlines now and then, on every node: whichever
 * node gets there first ends an overdue session (of a node that went
 * silent), once.
 */
import type { ScriptRunner } from './script-runner.js';
import { sweepScript } from './scripts/sweep-script.js';
import type { ServedApp } from './served-app.js';

/** The most sessions one sweep of an app ends (and reports UNREACHABLE). */
const SWEEP_LIMIT = 200;
/** No sweep of an app for four sweep intervals (at least a second) means Redis, or every node, stalled… */
const STALL_SWEEPS = 4;
/**
 * …and then nothing expires for this long, so refreshes held up meanwhile land first
 * (nodes refresh at least once a second).
 */
const STALL_HOLD_MS = 2500;

export interface SweeperOptions {
  apps: readonly ServedApp[];
  runner: ScriptRunner;
  intervalMs: number;
  /** Whether Redis is reachable now: a sweep queued through an outage would run late, and the next is due soon. */
  connected(): boolean;
  /** Local housekeeping on the same beat. */
  tidy(): void;
  onError(error: unknown): void;
  /** Spreads nodes' sweeps apart; default Math.random. */
  random?: () => number;
}

export class Sweeper {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(private readonly options: SweeperOptions) {}

  start(): void {
    if (this.stopped) return;
    const jitter = 0.8 + (this.options.random ?? Math.random)() * 0.4;
    this.timer = setTimeout(() => {
      this.sweep()
        .catch((error: unknown) => {
          if (!this.stopped) this.options.onError(error);
        })
        .finally(() => this.start());
    }, this.options.intervalMs * jitter);
    this.timer.unref?.();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async sweep(): Promise<void> {
    const { apps, runner, intervalMs } = this.options;
    this.options.tidy();
    if (!this.options.connected()) return;
    const stallMs = Math.max(1000, STALL_SWEEPS * intervalMs);
    await Promise.all(
      apps.map((app) => runner.run(app, sweepScript, { limit: SWEEP_LIMIT, stallMs, holdMs: STALL_HOLD_MS })),
    );
  }
}
