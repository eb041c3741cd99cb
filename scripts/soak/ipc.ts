/**
 * Messages between `npm run soak` (scripts/soak/run.ts) and its children: the
 * server (the bench's server messages, plus the soak's own) and the clients.
 */
import type { FromServer, ToServer } from '../../bench/harness/ipc.js';
import type { SoakPlan, SoakResult } from '../../spec/support/soak.js';

/** What the server child is started with (in `SOAK_SERVER`, as JSON). */
export interface SoakServerConfig {
  /** 0 the first time; the same port on a restart, so the proxies need not change. */
  port: number;
  app: string;
  secret: string;
  presenceGraceMs: number;
  unreachableMs: number;
  /** One node of a cluster on this Redis. */
  redisUrl?: string;
  /** Starved mode: block the event loop for `[low, high)` ms at random moments `everyMs` apart. */
  stalls?: { ms: readonly [number, number]; everyMs: readonly [number, number]; seed: number };
}

export type ToSoakServer =
  | ToServer
  /** The event loop's delay over the whole life of the process, and the stalls made so far. */
  | { type: 'run-figures' };

export type FromSoakServer =
  FromServer | { type: 'run-figures'; loopDelayP99Ms: number; loopDelayMaxMs: number; stalls: number };

/** What the clients child is started with (in `SOAK_CLIENTS`, as JSON). */
export interface SoakClientsConfig {
  plan: SoakPlan;
  /** The server's (or each node's) port. */
  ports: number[];
}

export type ToSoakClients =
  /** Start the faults (after the warm-up figures are taken). */
  | { type: 'go' }
  | { type: 'restarted' }
  /** The references are taken: on with the faults. */
  | { type: 'measured' }
  | { type: 'logout' };

export type FromSoakClients =
  | { type: 'log'; line: string }
  /** Everyone is in, before the faults. */
  | { type: 'warm' }
  /** Stop the server (kill the node of a cluster) and start it again on the same port; reply `restarted`. */
  | { type: 'restart-server'; node: number }
  /** With the clients' own event-loop delay p99 over the run (do they keep up?). */
  | { type: 'result'; result: SoakResult; loopDelayP99Ms: number }
  /** Halfway, after the restarts: everyone back and quiet; measure the servers, reply `measured`. */
  | { type: 'mid-calm' }
  | { type: 'logged-out' };
