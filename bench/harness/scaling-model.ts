/**
 * The arithmetic of docs/SCALING.md, pure: from unit costs measured on this
 * machine (CPU seconds of one core per session-second, per login, per
 * message, per delivery, per stream entry read; bytes per session) to the
 * nodes and Redis shards a stated mix of users needs, what saturates first,
 * and how long a restarted node's users take to come back.
 *
 * The model (each term a measured cost, see bench/benchmarks/scaling.ts):
 * - every node reads every entry of every app's stream, whether or not it
 *   holds a receiver, so that cost does not shrink as nodes are added;
 * - a channel message costs each node holding a member a fixed part, and
 *   each member a delivery; members are placed on nodes at random;
 * - Redis runs every script of one app in one slot (one shard), and every
 *   node's read of every entry.
 */

/** CPU seconds of one core, bytes; each the median over the trials. */
export interface UnitCosts {
  node: {
    /** One held session for one second: its heartbeat and its presence refresh. */
    cpuPerSessionSecond: number;
    /** A node holding nothing, per second: its sweeps and its stream reader. */
    idleCpuPerSecond: number;
    rssBytesPerSession: number;
    cpuPerLogin: number;
    /** Reading one stream entry it delivers to nobody (every node does, for every entry). */
    cpuPerEntryRead: number;
    /** A peer message on the sender's and the receiver's nodes together, their two reads included. */
    cpuPerPeerMessage: number;
    /** A channel message on one node holding members, beyond its read and the deliveries. */
    cpuPerChannelMessagePerNode: number;
    /** One member receiving a channel message. */
    cpuPerDelivery: number;
  };
  redis: {
    cpuPerSessionSecond: number;
    /** One connected node holding nothing, per second: its sweeps and blocking reads. */
    cpuPerNodeSecond: number;
    bytesPerSession: number;
    cpuPerLogin: number;
    /** Stream entries one login writes (every node reads each). */
    entriesPerLogin: number;
    /** The message's script and its stream entry, without the reads. */
    cpuPerPeerMessage: number;
    cpuPerChannelMessage: number;
    /** One node's read of one stream entry. */
    cpuPerEntryRead: number;
  };
}

/** What a million users do: the stated mix. */
export interface Mix {
  name: string;
  users: number;
  messagesPerUserPerMinute: number;
  /** Share of messages sent to one peer; the rest go to channels of `channelMembers`. */
  peerShare: number;
  channelMembers: number;
}

/** The mixes docs/SCALING.md answers for: a million users, one message each a minute. */
export const MIXES: readonly Mix[] = [
  { name: 'peer messages only', users: 1e6, messagesPerUserPerMinute: 1, peerShare: 1, channelMembers: 2 },
  { name: 'channels of 100', users: 1e6, messagesPerUserPerMinute: 1, peerShare: 0, channelMembers: 100 },
  { name: 'channels of 10 000', users: 1e6, messagesPerUserPerMinute: 1, peerShare: 0, channelMembers: 10_000 },
];

/** How full a core may run: headroom for bursts, a storm, latency. */
export interface Targets {
  nodeCpu: number;
  redisCpu: number;
}

export const DEFAULT_TARGETS: Targets = { nodeCpu: 0.7, redisCpu: 0.7 };
/** More nodes than this and the answer is "does not fit" (a node per 100 users is no design). */
const MAX_NODES = 10_000;

/** Per second of the mix, in cores: what one node and the app's shard carry with `nodes` nodes. */
export interface Load {
  nodes: number;
  sessionsPerNode: number;
  /** Cores one node uses, by what for. */
  node: { sessions: number; idle: number; reads: number; messages: number; deliveries: number; total: number };
  /** Cores the app's one shard uses, by what for. */
  redis: { sessions: number; nodes: number; writes: number; reads: number; total: number };
  nodeRssGiB: number;
  redisGiB: number;
}

/** Members of a channel of `members` expected on distinct nodes, with members placed at random over `nodes`. */
export function nodesHolding(members: number, nodes: number): number {
  return nodes * (1 - (1 - 1 / nodes) ** members);
}

export function load(costs: UnitCosts, mix: Mix, nodes: number): Load {
  const { node: n, redis: r } = costs;
  const messages = (mix.users * mix.messagesPerUserPerMinute) / 60;
  const peer = messages * mix.peerShare;
  const channel = messages - peer;
  const deliveries = channel * (mix.channelMembers - 1);
  const sessionsPerNode = mix.users / nodes;
  const reads = (peer + channel) * n.cpuPerEntryRead;
  // The measured peer cost holds its two nodes' reads; `reads` counts every node's, so take them out.
  const peerOwn = peer * (n.cpuPerPeerMessage - 2 * n.cpuPerEntryRead);
  const channelOwn = channel * nodesHolding(mix.channelMembers, nodes) * n.cpuPerChannelMessagePerNode;
  const node = {
    sessions: sessionsPerNode * n.cpuPerSessionSecond,
    idle: n.idleCpuPerSecond,
    reads,
    messages: (peerOwn + channelOwn) / nodes,
    deliveries: (deliveries * n.cpuPerDelivery) / nodes,
    total: 0,
  };
  node.total = node.sessions + node.idle + node.reads + node.messages + node.deliveries;
  const redis = {
    sessions: mix.users * r.cpuPerSessionSecond,
    nodes: nodes * r.cpuPerNodeSecond,
    writes: peer * r.cpuPerPeerMessage + channel * r.cpuPerChannelMessage,
    reads: (peer + channel) * nodes * r.cpuPerEntryRead,
    total: 0,
  };
  redis.total = redis.sessions + redis.nodes + redis.writes + redis.reads;
  return {
    nodes,
    sessionsPerNode,
    node,
    redis,
    nodeRssGiB: (sessionsPerNode * n.rssBytesPerSession) / 2 ** 30,
    redisGiB: (mix.users * r.bytesPerSession) / 2 ** 30,
  };
}

/** A restarted node's users logging in again on the others, as fast as the spare CPU lets them. */
export interface Storm {
  users: number;
  /** Seconds the shard's spare CPU needs for their claims and every node's reads of them. */
  redisSeconds: number;
  /** Seconds the other nodes' spare CPU needs for the logins and the reads. */
  nodeSeconds: number;
  seconds: number;
}

export function storm(costs: UnitCosts, at: Load): Storm {
  const users = at.sessionsPerNode;
  const others = Math.max(1, at.nodes - 1);
  const entries = users * costs.redis.entriesPerLogin;
  const redisWork = users * costs.redis.cpuPerLogin + entries * at.nodes * costs.redis.cpuPerEntryRead;
  const nodeWork = (users * costs.node.cpuPerLogin) / others + entries * costs.node.cpuPerEntryRead;
  const spare = (total: number) => Math.max(0, 1 - total);
  const redisSeconds = redisWork / spare(at.redis.total);
  const nodeSeconds = nodeWork / spare(at.node.total);
  return { users, redisSeconds, nodeSeconds, seconds: Math.max(redisSeconds, nodeSeconds) };
}

export interface Plan {
  mix: Mix;
  targets: Targets;
  /** Fewest nodes keeping each under `targets.nodeCpu`; null: no number of nodes does. */
  nodes: number | null;
  /** The load at `nodes` (when none fits: at as many nodes as the sessions alone would need). */
  at: Load;
  /** Shards for this mix if its users are spread over many apps; one app never spans shards. */
  shardsIfManyApps: number;
  /** The app's one shard carries it under `targets.redisCpu`. */
  oneAppFitsOneShard: boolean;
  /** What runs out first as one app's users grow: every node's reading of every entry, or the app's shard. */
  saturatesFirst: 'node reads' | 'shard';
  /** Users of one app at this mix that one shard carries (at the plan's node count). */
  usersPerShard: number;
  /** Users of one app at this mix past which no number of nodes keeps a node under its target. */
  usersAtNodeFloor: number;
  /** The floor of a node's CPU however many nodes there are: every entry read by every node. */
  nodeFloor: number;
  storm: Storm;
}

export function plan(costs: UnitCosts, mix: Mix, targets: Targets = DEFAULT_TARGETS): Plan {
  let nodes: number | null = null;
  for (let n = 1; n <= MAX_NODES && nodes === null; n++)
    if (load(costs, mix, n).node.total <= targets.nodeCpu) nodes = n;
  // When no count fits, the load at as many nodes as the sessions alone would need: what the shard would carry.
  const at = load(costs, mix, nodes ?? Math.ceil((mix.users * costs.node.cpuPerSessionSecond) / targets.nodeCpu));
  // Redis's load is linear in users at a fixed node count, less the per-node part.
  const perUser = (at.redis.total - at.redis.nodes) / mix.users;
  const usersPerShard = perUser > 0 ? Math.max(0, (targets.redisCpu - at.redis.nodes) / perUser) : Infinity;
  const oneAppFitsOneShard = at.redis.total <= targets.redisCpu;
  const readsPerUser = at.node.reads / mix.users;
  const usersAtNodeFloor = readsPerUser > 0 ? (targets.nodeCpu - at.node.idle) / readsPerUser : Infinity;
  return {
    mix,
    targets,
    nodes,
    at,
    shardsIfManyApps: Math.ceil(at.redis.total / targets.redisCpu),
    oneAppFitsOneShard,
    saturatesFirst: nodes === null || usersAtNodeFloor < usersPerShard ? 'node reads' : 'shard',
    usersPerShard: Math.floor(usersPerShard),
    usersAtNodeFloor: Math.floor(usersAtNodeFloor),
    nodeFloor: at.node.reads + at.node.idle,
    storm: storm(costs, at),
  };
}

/** The most users one deployment (its nodes, one shard) carries at a mix, and what stops it there. */
export interface Capacity {
  users: number;
  /** The plan at that many users. */
  plan: Plan;
  /** Deployments (node groups, each with its shard) for the mix's users; nodes and shards in all. */
  deployments: number;
  nodes: number;
  shards: number;
}

/**
 * Every node reads every app's stream and an app lives on one shard, so
 * past this size the answer is another deployment, not another node:
 * found by bisection over the users, at least `floor` (below it nothing fits).
 */
export function capacity(costs: UnitCosts, mix: Mix, targets: Targets = DEFAULT_TARGETS, floor = 100): Capacity {
  const fits = (users: number) => {
    const p = plan(costs, { ...mix, users }, targets);
    return p.nodes !== null && p.oneAppFitsOneShard;
  };
  let low = floor;
  let high = mix.users;
  if (fits(high)) low = high;
  while (high - low > Math.max(1, low * 0.001)) {
    const mid = Math.floor((low + high) / 2);
    if (fits(mid)) low = mid;
    else high = mid;
  }
  const at = plan(costs, { ...mix, users: low }, targets);
  const deployments = Math.ceil(mix.users / low);
  return { users: low, plan: at, deployments, nodes: deployments * (at.nodes ?? 0), shards: deployments };
}

/** A figure's median and spread over the trials. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

export function spread(samples: readonly number[]): Spread {
  const finite = samples.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (finite.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, samples: [...samples] };
  const mid = finite.length >> 1;
  const median = finite.length % 2 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
  return { median, min: finite[0], max: finite[finite.length - 1], samples: [...samples] };
}

/** The slope and intercept of the least-squares line through (x, y): cost per unit and fixed cost. */
export function line(points: ReadonlyArray<{ x: number; y: number }>): { slope: number; intercept: number } {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  const slope = sxx > 0 ? points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / sxx : Number.NaN;
  return { slope, intercept: my - slope * mx };
}
