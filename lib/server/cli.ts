#!/usr/bin/env node
/**
 * `rx-rtm-server`: the reference server as a command, for operators.
 *
 *   rx-rtm-server [--host h] [--port p] [--apps-file f] [...]   serve
 *   rx-rtm-server token --app <id> --uid <uid> [--expires-in s]  print a token
 *
 * Every flag has an environment variable (flags win). App secrets (or the
 * vendor's app certificates, `{ "agoraAppCertificate": "…" }`) come from
 * a JSON file (`--apps-file`, `RTM_APPS_FILE`) or from `RTM_APPS`, never
 * from a flag, where any user of the machine could read them in the
 * process list. Bad input prints one line to stderr and exits 2.
 *
 * With `--redis-url` (`RTM_REDIS_URL`) the server is one node of a cluster
 * sharing presence through that Redis (docs/CLUSTER.md); without it,
 * sessions live in this process only.
 *
 * The server logs JSON lines (pino) to stdout, serves `/healthz` and
 * `/metrics` (Prometheus) beside the WebSockets, and on SIGTERM or SIGINT
 * tells every client to reconnect and exits 0 within the shutdown grace;
 * a second signal exits 1 at once.
 *
 * The parts live in cli/: the command line (command-line.ts, settings.ts,
 * apps.ts), the token subcommand (token-command.ts), the server
 * (serve.ts) and the signals (signals.ts). `main` does all of it but the
 * signals and the exit, so tests run it in process; this file runs it only
 * when executed directly.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseCommandLine, type Invocation } from './cli/command-line.js';
import { closeOnSignals, runDemo } from './demo/run-demo.js';
import { ExitCode, NAME, UsageError, type CliIo } from './cli/io.js';
import { serve, type CliOutcome } from './cli/serve.js';
import { handleSignals } from './cli/signals.js';
import { printToken } from './cli/token-command.js';

export { MIN_SECRET_LENGTH } from './cli/apps.js';
export { parseCommandLine, type Invocation, type ServeConfig } from './cli/command-line.js';
export { ExitCode, UsageError, type CliIo } from './cli/io.js';
export { serve, serverSettings, type CliOutcome, type RunningServer } from './cli/serve.js';
export { handleSignals, SHUTDOWN_MARGIN_MS, type SignalTarget } from './cli/signals.js';
export type { TokenRequest } from './cli/token-command.js';

/**
 * The whole command but the exit: parses, then serves (resolving once it
 * listens) or prints a token. Signals are {@link handleSignals}' job.
 */
export async function main(io: CliIo): Promise<CliOutcome> {
  let invocation: Invocation;
  try {
    invocation = parseCommandLine(io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`${NAME}: ${error.message}\n`);
    return { kind: 'exited', exitCode: ExitCode.Usage };
  }
  switch (invocation.kind) {
    case 'done':
      return { kind: 'exited', exitCode: ExitCode.Ok };
    case 'token':
      printToken(invocation.request, io);
      return { kind: 'exited', exitCode: ExitCode.Ok };
    case 'serve':
      return serve(invocation.config, io);
    case 'demo':
      return { kind: 'demo', demo: await runDemo(invocation, io.stdout) };
  }
}

function executedDirectly(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (executedDirectly()) {
  const outcome = await main({
    argv: process.argv.slice(2),
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
  });
  if (outcome.kind === 'serving') handleSignals(outcome.running);
  else if (outcome.kind === 'demo') closeOnSignals(outcome.demo);
  else process.exitCode = outcome.exitCode;
}
