/**
 * `npm run bench -- [options]`, parsed with node:util parseArgs.
 */
import { parseArgs } from 'node:util';
import { SERVER_KINDS, type ServerKind } from './ipc.js';

export const BENCHMARKS = [
  'sessions',
  'logins',
  'fanout',
  'messages',
  'timing',
  'client',
  'cluster',
  'scaling',
] as const;
export type BenchmarkName = (typeof BENCHMARKS)[number];

export const TIMING_CLIENTS = ['rx-rtm', 'rx-rtm-400', 'socket.io'] as const;
export type TimingClient = (typeof TIMING_CLIENTS)[number];

export interface BenchOptions {
  only: BenchmarkName[];
  servers: ServerKind[];
  /** Session counts to ramp through. */
  sizes: number[];
  /** Upper bound on any session count. */
  max: number;
  /** Sessions per generator process (each process has its own open-files limit). */
  perGenerator: number;
  /** Handshakes in flight while ramping up. */
  rampConcurrency: number;
  /** A ramp not done by then stops; the sessions still waiting count as lost. */
  rampTimeoutSeconds: number;
  settleSeconds: number;
  windowSeconds: number;
  loginSeconds: number;
  loginConcurrency: number;
  /** Login-rate runs per server (interleaved); the median counts. */
  loginRepeat: number;
  fanoutSizes: number[];
  fanoutTrials: number;
  /** Channel sizes for message fan-out. */
  messageChannels: number[];
  /** Deliveries a second offered to each channel, rising until the server saturates. */
  messageRates: number[];
  /** Text bytes per message. */
  messageBytes: number;
  messageWindowSeconds: number;
  /** Sessions each sending a message a second to a peer. */
  peerSessions: number;
  timingTrials: number;
  /** Sessions on the node measured with each store (cluster). */
  clusterSessions: number;
  /** Members on node B for the cross-node fan-out (cluster). */
  clusterMembers: number;
  /** Session counts one Redis-backed node is measured at; the line through them is the cost per session (scaling). */
  scalingSessions: number[];
  scalingTrials: number;
  /** Sessions sending one peer message a second across two nodes (scaling). */
  scalingPeers: number;
  /** Deliveries a second offered to each channel (scaling). */
  scalingDeliveries: number;
  timingClients: TimingClient[];
  /** rx-rtm trials run at once, each with its own proxy. */
  parallel: number;
  /** socket.io trials run at once (each takes up to ~70 s). */
  sioParallel: number;
  idleClients: number;
  /** Run the server children with --cpu-prof (profiles in <out>/profiles). */
  profile: boolean;
  /** Write a heap snapshot of the server at each session count. */
  heapSnapshot: boolean;
  /** Extra node arguments for the server children (e.g. `--trace-gc`), for investigations. */
  serverNodeArgs: string[];
  /** Build the children from this copy of lib/ instead (to measure a proposed change). */
  libDir: string | undefined;
  /** Pin the server to its own CPU with taskset. */
  pin: boolean;
  outDir: string;
  /** Write the table and JSON (the smoke test turns this off). */
  write: boolean;
}

const DEFAULT_MESSAGE_RATES = '10000,20000,40000,80000,160000,320000';

export const USAGE = `npm run bench -- [options]

  --only <list>            benchmarks to run, comma-separated: ${BENCHMARKS.join(', ')} (default: all)
  --servers <list>         servers for sessions/logins: ${SERVER_KINDS.join(', ')} (default: all)
  --sizes <list>           session counts to ramp through (default 5000,10000,20000,50000)
  --max <n>                skip session counts above n (fan-out sizes too)
  --per-generator <n>      sessions per generator process (default 9000)
  --ramp-concurrency <n>   handshakes in flight while opening sessions (default 200)
  --ramp-timeout <s>       give up opening sessions after this; the rest count as lost (default 120)
  --settle <s>             wait after the ramp before measuring memory (default 11: past rx-rtm's 10 s login wait)
  --window <s>             heartbeat / CPU measurement window (default 10)
  --login-seconds <s>      length of each login-rate run (default 5)
  --login-concurrency <n>  logins in flight (default 200)
  --login-repeat <n>       login-rate runs per server, interleaved; the median counts (default 3)
  --fanout <list>          channel sizes (default 1000,10000)
  --fanout-trials <n>      joins and leaves per channel size (default 20)
  --messages <list>        channel sizes for message fan-out (default 100,1000)
  --message-rates <list>   deliveries/s offered per channel, rising until saturated (default ${DEFAULT_MESSAGE_RATES})
  --message-bytes <n>      text bytes per message (default 100)
  --message-window <s>     measurement window of each message step (default 5)
  --peer-sessions <n>      sessions sending one peer message a second each (default 10000; cluster: --cluster-members)
  --trials <n>             timing trials per client (default 50)
  --cluster-sessions <n>   sessions on the node measured with each store (default 10000)
  --cluster-members <n>    members on the other node for cross-node fan-out (default 1000)
  --scaling-sessions <l>   sessions on the Redis-backed node measured (scaling; default 500,2000)
  --scaling-trials <n>     repetitions of every scaling measurement; medians and spread (default 3)
  --scaling-peers <n>      sessions sending a peer message a second across two nodes (scaling; default 100)
  --scaling-deliveries <n> deliveries/s offered to channels of 100 and 1 000 (scaling; default 2000)
  --timing <list>          timing clients: ${TIMING_CLIENTS.join(', ')} (default: all)
  --parallel <n>           rx-rtm timing trials at once (default 10)
  --sio-parallel <n>       socket.io timing trials at once (default 25)
  --idle-clients <n>       clients created for memory per idle client (default 1000)
  --profile                run servers with --cpu-prof (<out>/profiles)
  --heap-snapshot          heap snapshot of the server at each session count
  --server-node-args <a>   extra node arguments for the servers, space-separated (e.g. "--trace-gc")
  --lib-dir <dir>          build servers and clients from this copy of lib/ (measure a change without touching lib/)
  --no-pin                 do not pin the server to its own CPU
  --out <dir>              where results go (default bench/results)
  --help`;

function list(value: string | undefined, fallback: string): string[] {
  return (value ?? fallback)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function numbers(value: string | undefined, fallback: string, name: string): number[] {
  return list(value, fallback).map((s) => positive(s, name));
}

function positive(text: string | undefined, name: string, fallback?: number): number {
  if (text === undefined) {
    if (fallback === undefined) throw new Error(`--${name} is required`);
    return fallback;
  }
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name}: ${JSON.stringify(text)} is not a positive number`);
  return n;
}

function oneOf<T extends string>(values: string[], allowed: readonly T[], name: string): T[] {
  for (const v of values)
    if (!allowed.includes(v as T))
      throw new Error(`--${name}: unknown ${JSON.stringify(v)} (one of ${allowed.join(', ')})`);
  return values as T[];
}

/** Parses the command line; `undefined` when help was asked for. */
export function parseOptions(argv: readonly string[], defaultOut: string): BenchOptions | undefined {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      only: { type: 'string' },
      servers: { type: 'string' },
      sizes: { type: 'string' },
      max: { type: 'string' },
      'per-generator': { type: 'string' },
      'ramp-concurrency': { type: 'string' },
      'ramp-timeout': { type: 'string' },
      settle: { type: 'string' },
      window: { type: 'string' },
      'login-seconds': { type: 'string' },
      'login-concurrency': { type: 'string' },
      'login-repeat': { type: 'string' },
      fanout: { type: 'string' },
      'fanout-trials': { type: 'string' },
      messages: { type: 'string' },
      'message-rates': { type: 'string' },
      'message-bytes': { type: 'string' },
      'message-window': { type: 'string' },
      'peer-sessions': { type: 'string' },
      trials: { type: 'string' },
      'cluster-sessions': { type: 'string' },
      'cluster-members': { type: 'string' },
      'scaling-sessions': { type: 'string' },
      'scaling-trials': { type: 'string' },
      'scaling-peers': { type: 'string' },
      'scaling-deliveries': { type: 'string' },
      timing: { type: 'string' },
      parallel: { type: 'string' },
      'sio-parallel': { type: 'string' },
      'idle-clients': { type: 'string' },
      profile: { type: 'boolean', default: false },
      'heap-snapshot': { type: 'boolean', default: false },
      'server-node-args': { type: 'string' },
      'lib-dir': { type: 'string' },
      'no-pin': { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return undefined;
  const max = positive(values.max, 'max', Infinity);
  return {
    only: oneOf(list(values.only, BENCHMARKS.join(',')), BENCHMARKS, 'only'),
    servers: oneOf(list(values.servers, SERVER_KINDS.join(',')), SERVER_KINDS, 'servers'),
    sizes: numbers(values.sizes, '5000,10000,20000,50000', 'sizes').filter((n) => n <= max),
    max,
    perGenerator: positive(values['per-generator'], 'per-generator', 9000),
    rampConcurrency: positive(values['ramp-concurrency'], 'ramp-concurrency', 200),
    rampTimeoutSeconds: positive(values['ramp-timeout'], 'ramp-timeout', 120),
    settleSeconds: positive(values.settle, 'settle', 11),
    windowSeconds: positive(values.window, 'window', 10),
    loginSeconds: positive(values['login-seconds'], 'login-seconds', 5),
    loginConcurrency: positive(values['login-concurrency'], 'login-concurrency', 200),
    loginRepeat: positive(values['login-repeat'], 'login-repeat', 3),
    fanoutSizes: numbers(values.fanout, '1000,10000', 'fanout').filter((n) => n <= max),
    fanoutTrials: positive(values['fanout-trials'], 'fanout-trials', 20),
    messageChannels: numbers(values.messages, '100,1000', 'messages').filter((n) => n <= max),
    messageRates: numbers(values['message-rates'], DEFAULT_MESSAGE_RATES, 'message-rates'),
    messageBytes: positive(values['message-bytes'], 'message-bytes', 100),
    messageWindowSeconds: positive(values['message-window'], 'message-window', 5),
    peerSessions: positive(values['peer-sessions'], 'peer-sessions', 10_000),
    timingTrials: positive(values.trials, 'trials', 50),
    clusterSessions: positive(values['cluster-sessions'], 'cluster-sessions', 10_000),
    clusterMembers: positive(values['cluster-members'], 'cluster-members', 1000),
    scalingSessions: numbers(values['scaling-sessions'], '500,2000', 'scaling-sessions').sort((a, b) => a - b),
    scalingTrials: positive(values['scaling-trials'], 'scaling-trials', 3),
    scalingPeers: positive(values['scaling-peers'], 'scaling-peers', 100),
    scalingDeliveries: positive(values['scaling-deliveries'], 'scaling-deliveries', 2000),
    timingClients: oneOf(list(values.timing, TIMING_CLIENTS.join(',')), TIMING_CLIENTS, 'timing'),
    parallel: positive(values.parallel, 'parallel', 10),
    sioParallel: positive(values['sio-parallel'], 'sio-parallel', 25),
    idleClients: positive(values['idle-clients'], 'idle-clients', 1000),
    profile: values.profile,
    heapSnapshot: values['heap-snapshot'],
    serverNodeArgs: (values['server-node-args'] ?? '').split(/\s+/).filter(Boolean),
    libDir: values['lib-dir'],
    pin: !values['no-pin'],
    outDir: values.out ?? defaultOut,
    write: true,
  };
}
