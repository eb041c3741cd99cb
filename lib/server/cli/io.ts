/** What every part of the `rx-rtm-server` command shares: its name, its streams, its exit codes. */
import { readFileSync } from 'node:fs';

export const NAME = 'rx-rtm-server';

/** How the command ends: 0 done, 1 a failure at run time (the port taken), 2 bad input. */
export const ExitCode = { Ok: 0, Failure: 1, Usage: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** What the command reads and writes; `process`'s own in production. */
export interface CliIo {
  /** The arguments after the program name. */
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** Bad input; its message is the line printed after `rx-rtm-server: `. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function version(): string {
  // The same relative path from lib/server/cli/ and from dist/server/cli/.
  const json = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return json.version;
}
