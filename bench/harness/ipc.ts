/**
 * Messages between the harness and its child processes (servers under
 * test, load generators, the client probe). Children are started with
 * `serialization: 'advanced'`, so typed arrays of samples cross as they are.
 */

/** Which server a child runs, and so which dialect a generator speaks. */
export type ServerKind = 'rx-rtm' | 'ws' | 'socket.io';

export const SERVER_KINDS: readonly ServerKind[] = ['rx-rtm', 'ws', 'socket.io'];

/** What every server child is started with (in the `BENCH_SERVER` environment variable, as JSON). */
export interface ServerChildConfig {
  host: string;
  app: string;
  secret: string;
  /**
   * Cluster hook: where the rx-rtm server keeps shared state. `memory` (the
   * default) is one node; `redis` is for the cluster figures (see
   * bench/benchmarks/cluster.ts) and needs `redisUrl`.
   */
  store?: 'memory' | 'redis';
  redisUrl?: string;
  /**
   * socket.io: engine.io's ping interval, ms, the heartbeat its sessions are
   * measured by (as rx-rtm's and bare ws's pings, asked for in each login);
   * absent, socket.io's default (25 s).
   */
  heartbeatMs?: number;
}

export interface MemoryFigures {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

export type ToServer =
  /**
   * Memory, and the event loop's delay and utilization since the last
   * stats; `gc` runs a full collection first.
   */
  | { type: 'stats'; gc: boolean }
  | { type: 'heap-snapshot'; path: string }
  /** Exit cleanly (so `--cpu-prof` writes its profile). */
  | { type: 'exit' };

export type FromServer =
  | { type: 'ready'; port: number }
  | {
      type: 'stats';
      memory: MemoryFigures;
      sessions: number;
      loopDelayP50Ms: number;
      loopDelayP99Ms: number;
      loopDelayMaxMs: number;
      loopUtilization: number;
    }
  | { type: 'heap-snapshot'; path: string };

/** What a generator is started with (in `BENCH_GENERATOR`, as JSON). */
export interface GeneratorConfig {
  kind: ServerKind;
  /** `ws://127.0.0.1:port/` */
  url: string;
  app: string;
  secret: string;
  /** Source addresses to spread connections over (127.0.0.2 …), round robin. */
  localAddresses: readonly string[];
  /** Prefix of every uid this generator logs in, so generators never share a uid. */
  uidPrefix: string;
  /** Ping period of a logged-in session, ms (the client's default: 1000). */
  heartbeatMs: number;
}

export type ToGenerator =
  /**
   * Opens `count` more logged-in sessions, `concurrency` handshakes at a
   * time; those not logged in by `deadlineMs` count as failed.
   */
  | { type: 'open'; count: number; concurrency: number; deadlineMs: number }
  /** Collects heartbeat round trips for `ms`. */
  | { type: 'measure'; ms: number }
  /** Opens and logs in new sessions for `ms`, `concurrency` at a time, dropping each once welcomed. */
  | { type: 'logins'; ms: number; concurrency: number }
  /** Every open session joins `channel`, `concurrency` joins in flight. */
  | { type: 'join'; channel: string; concurrency: number }
  /** From now on, note when each session hears `uid` join (or leave) a channel. */
  | { type: 'expect'; uid: string; joined: boolean }
  /** Hands over the arrival times noted since `expect`, and how many sessions have one. */
  | { type: 'collect' }
  /** The first session joins or leaves `channel`; the reply says when the request went out. */
  | { type: 'act'; action: 'join' | 'leave'; channel: string }
  /**
   * Message traffic (messages benchmark): the first `senders` sessions send
   * `perSecond` messages each of `bytes` bytes of text, to the channel or
   * each to its peer, for `warmupMs + ms`; every session notes the messages
   * it receives during the last `ms`.
   */
  | {
      type: 'traffic';
      to: TrafficTarget;
      senders: number;
      perSecond: number;
      bytes: number;
      warmupMs: number;
      ms: number;
    }
  /** Closes every session (terminate) and reports. */
  | { type: 'close' };

export type FromGenerator =
  | { type: 'ready' }
  | { type: 'progress'; open: number; failed: number }
  | { type: 'opened'; open: number; failed: number; ms: number; firstFailure: string | undefined }
  | {
      type: 'measured';
      rtt: Float64Array;
      pings: number;
      pongs: number;
      held: number;
      lost: number;
      failed: number;
      lostReasons: Record<string, number>;
      /** The generator's own event-loop delay p99 over the window, ms (round trips include it). */
      loopDelayP99Ms: number;
      loopDelayMaxMs: number;
    }
  | { type: 'logins'; count: number; failed: number; latencies: Float64Array; firstFailure: string | undefined }
  | { type: 'joined'; ok: number; failed: number; ms: number; events: number }
  | { type: 'expecting' }
  | { type: 'collected'; arrivals: Float64Array; pending: number }
  | { type: 'acted'; sentAt: number; repliedAt: number }
  | {
      type: 'traffic';
      /** Messages sent over the whole run (warm-up included). */
      sent: number;
      /** Sends refused by the server (`fail`), or lost with their socket. */
      refused: number;
      /** Messages received in the window. */
      received: number;
      /** Per message received in the window, ms from its sender writing it to its arrival here. */
      latencies: Float64Array;
      /** Per send answered in the window, ms from writing it to its answer (`sent`, `done`, an ack). */
      answers: Float64Array;
      loopDelayP99Ms: number;
    }
  | { type: 'closed'; lost: number };

/** Where traffic goes: one channel, or each sender to its own peer (`peerPrefix` + the sender's index). */
export type TrafficTarget = { channel: string } | { peerPrefix: string };

/** A monotonic clock in ms that every process on the machine shares (CLOCK_MONOTONIC). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
