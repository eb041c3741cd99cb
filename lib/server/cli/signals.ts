/** How the running command answers SIGTERM and SIGINT. */
import { ExitCode } from './io.js';
import type { RunningServer } from './serve.js';

/** How long after the shutdown grace a stuck shutdown is cut short (exit 1). */
export const SHUTDOWN_MARGIN_MS = 1000;

export interface SignalTarget {
  on(signal: 'SIGTERM' | 'SIGINT', listener: (signal: NodeJS.Signals) => void): unknown;
  exit(code: number): void;
}

/**
 * SIGTERM or SIGINT: shut down and exit 0 (1 if shutdown fails or overruns
 * its grace by {@link SHUTDOWN_MARGIN_MS}). A second signal exits 1 at once.
 */
export function handleSignals(running: RunningServer, target: SignalTarget = process): void {
  let received = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    received += 1;
    if (received > 1) {
      running.logger.warn({ signal }, 'second signal: exiting now');
      target.exit(ExitCode.Failure);
      return;
    }
    const limitMs = running.shutdownGraceMs + SHUTDOWN_MARGIN_MS;
    setTimeout(() => {
      running.logger.error({ signal, limitMs }, 'shutdown overran its grace: exiting now');
      target.exit(ExitCode.Failure);
    }, limitMs).unref();
    running.shutdown(signal).then(
      () => target.exit(ExitCode.Ok),
      (error: unknown) => {
        running.logger.error({ err: error }, 'shutdown failed');
        target.exit(ExitCode.Failure);
      },
    );
  };
  target.on('SIGTERM', onSignal);
  target.on('SIGINT', onSignal);
}
