/**
 * What the server counts, for whoever watches it (Prometheus in the CLI).
 * Calls sit on hot paths (a frame in, a frame out), so an implementation
 * must be a counter increment, nothing more.
 */
import type { ErrorCode } from '../protocol/error-code.js';
import type { KickReason } from '../protocol/frames.js';

/** How a login ended: a new or resumed session, a refusal code, or the instance told it was replaced. */
export type LoginResult = 'created' | 'resumed' | 'superseded' | ErrorCode;

export interface Telemetry {
  frameIn(): void;
  frameOut(): void;
  login(result: LoginResult): void;
  kicked(reason: KickReason): void;
  /** A session's presence grace ran out. */
  expired(): void;
  /** An error or refusal code sent to a client (`fail`, `error`, `refused`). */
  error(code: ErrorCode): void;
}

export const noTelemetry: Telemetry = {
  frameIn: () => undefined,
  frameOut: () => undefined,
  login: () => undefined,
  kicked: () => undefined,
  expired: () => undefined,
  error: () => undefined,
};
