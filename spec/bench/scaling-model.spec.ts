/**
 * The arithmetic of docs/SCALING.md (bench/harness/scaling-model.ts and
 * scaling-costs.ts) on made-up round costs: no benchmark runs here.
 */
import { expect } from 'chai';
import type { TrafficStep } from '../../bench/benchmarks/messages.js';
import { summarizeCosts, unitCosts, type Measured } from '../../bench/harness/scaling-costs.js';
import {
  capacity,
  line,
  load,
  nodesHolding,
  plan,
  spread,
  storm,
  type Mix,
  type UnitCosts,
} from '../../bench/harness/scaling-model.js';

const µs = 1e-6;

const COSTS: UnitCosts = {
  node: {
    cpuPerSessionSecond: 10 * µs,
    idleCpuPerSecond: 0.01,
    rssBytesPerSession: 10 * 1024,
    cpuPerLogin: 100 * µs,
    cpuPerEntryRead: 5 * µs,
    cpuPerPeerMessage: 60 * µs,
    cpuPerChannelMessagePerNode: 20 * µs,
    cpuPerDelivery: 2 * µs,
  },
  redis: {
    cpuPerSessionSecond: 0.1 * µs,
    cpuPerNodeSecond: 0.002,
    bytesPerSession: 1024,
    cpuPerLogin: 50 * µs,
    entriesPerLogin: 1,
    cpuPerPeerMessage: 20 * µs,
    cpuPerChannelMessage: 30 * µs,
    cpuPerEntryRead: 1 * µs,
  },
};

/** 600 000 users, one message a minute: 10 000 messages a second. */
const PEERS: Mix = { name: 'peers', users: 600_000, messagesPerUserPerMinute: 1, peerShare: 1, channelMembers: 2 };

describe('scaling arithmetic', () => {
  it('fits a line through (sessions, CPU): the slope is per session, the intercept an idle node', () => {
    const { slope, intercept } = line([
      { x: 1000, y: 0.03 },
      { x: 3000, y: 0.07 },
    ]);
    expect(slope).to.be.closeTo(0.00002, 1e-15);
    expect(intercept).to.be.closeTo(0.01, 1e-15);
    expect(line([{ x: 5, y: 1 }]).slope).to.be.NaN;
  });

  it("reports a figure's median and spread, ignoring trials that measured nothing", () => {
    expect(spread([3, 1, Number.NaN, 2])).to.deep.equal({ median: 2, min: 1, max: 3, samples: [3, 1, Number.NaN, 2] });
    expect(spread([4, 1]).median).to.equal(2.5);
  });

  it('places a channel on as many nodes as its members can fill', () => {
    expect(nodesHolding(1, 10)).to.be.closeTo(1, 1e-9);
    expect(nodesHolding(2, 2)).to.equal(1.5);
    expect(nodesHolding(10_000, 10)).to.be.closeTo(10, 1e-9);
  });

  it('loads a node with its share of sessions and messages, and every entry read on every node', () => {
    const at = load(COSTS, PEERS, 10);
    expect(at.sessionsPerNode).to.equal(60_000);
    expect(at.node.sessions).to.be.closeTo(0.6, 1e-9);
    expect(at.node.reads).to.be.closeTo(0.05, 1e-9); // 10 000 entries × 5 µs, on every node
    expect(at.node.messages).to.be.closeTo(0.05, 1e-9); // 10 000 × (60 − 2 × 5) µs over 10 nodes
    expect(at.node.total).to.be.closeTo(0.71, 1e-9);
    expect(at.redis.sessions).to.be.closeTo(0.06, 1e-9);
    expect(at.redis.nodes).to.be.closeTo(0.02, 1e-9);
    expect(at.redis.writes).to.be.closeTo(0.2, 1e-9);
    expect(at.redis.reads).to.be.closeTo(0.1, 1e-9); // 10 000 entries × 10 nodes × 1 µs
    expect(at.nodeRssGiB).to.be.closeTo((60_000 * 10) / 2 ** 20, 1e-9);
  });

  it('plans the fewest nodes under the target, and says what one shard carries', () => {
    const p = plan(COSTS, PEERS);
    expect(p.nodes).to.equal(11); // 10 nodes run at 71 %
    expect(p.at.node.total).to.be.at.most(0.7);
    expect(p.oneAppFitsOneShard).to.equal(true);
    // Redis at 11 nodes: 0.06 + 0.022 + 0.2 + 0.11 = 0.392; per user (0.392 − 0.022) / 600 000.
    expect(p.usersPerShard).to.equal(Math.floor((0.7 - 0.022) / (0.37 / 600_000)));
    expect(p.usersAtNodeFloor).to.be.closeTo(8_280_000, 1); // (0.7 − 0.01) / (0.05 / 600 000)
    expect(p.saturatesFirst).to.equal('shard');
  });

  it('finds no node count when reading every entry alone fills a node', () => {
    const p = plan({ ...COSTS, node: { ...COSTS.node, cpuPerEntryRead: 100 * µs } }, PEERS);
    expect(p.nodes).to.equal(null);
    expect(p.saturatesFirst).to.equal('node reads');
  });

  it('carries a whole mix on one deployment when it fits', () => {
    const c = capacity(COSTS, PEERS);
    expect(c).to.deep.include({ users: 600_000, deployments: 1, nodes: 11, shards: 1 });
  });

  it('splits a mix too big for one shard over deployments, each as large as its shard allows', () => {
    const c = capacity(COSTS, { ...PEERS, users: 6_000_000 });
    expect(c.plan.oneAppFitsOneShard).to.equal(true);
    expect(c.plan.saturatesFirst).to.equal('shard');
    expect(plan(COSTS, { ...PEERS, users: Math.ceil(c.users * 1.002) }).oneAppFitsOneShard).to.equal(false);
    expect(c.deployments).to.equal(Math.ceil(6_000_000 / c.users));
    expect(c.nodes).to.equal(c.deployments * (c.plan.nodes ?? 0));
  });

  it("times a restarted node's users coming back on the spare CPU of the shard and the other nodes", () => {
    const at = load(COSTS, PEERS, 10);
    const s = storm(COSTS, at);
    expect(s.users).to.equal(60_000);
    // Redis: 60 000 × (50 + 1 entry × 10 nodes × 1) µs = 3.6 s of CPU on 1 − 0.38 spare.
    expect(s.redisSeconds).to.be.closeTo(3.6 / 0.62, 1e-9);
    // A node: 60 000 × 100 µs over 9 others + 60 000 × 5 µs reads = 0.9667 s on 1 − 0.71 spare.
    expect(s.nodeSeconds).to.be.closeTo((0.6 / 0.9 + 0.3) / 0.29, 1e-9);
    expect(s.seconds).to.equal(s.redisSeconds);
  });
});

describe('unit costs from one trial', () => {
  const traffic = (sessions: number): TrafficStep => ({ sessions }) as TrafficStep;
  const measured = (
    sessions: number,
    messagesPerSecond: number,
    nodeCpu: number[],
    redisCpu: number,
    observerCpu: number | null = null,
  ): Measured => ({
    step: traffic(sessions),
    messagesPerSecond,
    keptUp: true,
    nodeCpu,
    redisCpu,
    observerCpu,
    entriesPerMessage: 1,
  });
  const trial = {
    sessions: [
      {
        sessions: 1000,
        held: 1000,
        lost: 0,
        nodeCpu: 0.03,
        redisCpu: 0.003,
        rssPerSessionKiB: 12,
        redisBytesPerSession: 900,
      },
      {
        sessions: 3000,
        held: 3000,
        lost: 0,
        nodeCpu: 0.07,
        redisCpu: 0.005,
        rssPerSessionKiB: 10,
        redisBytesPerSession: 800,
      },
    ],
    logins: { count: 1000, failed: 0, perSecond: 200, nodeCpu: 150 * µs, redisCpu: 60 * µs, entries: 2 },
    peers: {
      // 100 messages a second: Redis 2.5 % with two readers, 2.6 % with three; the observer at 0.5 %.
      withoutObserver: measured(200, 100, [0.004, 0.004], 0.025),
      withObserver: measured(200, 100, [0.004, 0.004], 0.026, 0.0005),
    },
    channels: [
      // 50 messages to 100 members (4 950 deliveries), then 5 to 1 000 (4 995): 10 µs a delivery.
      measured(100, 50, [0.03, 0.03], 0.0035, 0.00025),
      measured(1000, 5, [0.02545, 0.02545], 0.0003, 0.000025),
    ],
  };

  it('parts every measured cost into the terms of the model', () => {
    const c = unitCosts(trial);
    expect(c.node.cpuPerSessionSecond).to.be.closeTo(20 * µs, 1e-12);
    expect(c.node.idleCpuPerSecond).to.be.closeTo(0.01, 1e-12);
    expect(c.node.rssBytesPerSession).to.equal(10 * 1024);
    expect(c.node.cpuPerEntryRead).to.be.closeTo(5 * µs, 1e-12);
    expect(c.node.cpuPerPeerMessage).to.be.closeTo(80 * µs, 1e-12);
    // Per message on A and B: 1 200 µs at 100 members, 10 180 µs at 1 000: 9 980 µs over 900 more members.
    expect(c.node.cpuPerDelivery).to.be.closeTo((8980 / 900) * µs, 1e-12);
    expect(c.node.cpuPerChannelMessagePerNode).to.be.closeTo(((1200 - 99 * (8980 / 900) - 10) / 2) * µs, 1e-12);
    expect(c.redis.cpuPerSessionSecond).to.be.closeTo(1 * µs, 1e-12);
    expect(c.redis.cpuPerNodeSecond).to.be.closeTo(0.002, 1e-12);
    expect(c.redis.bytesPerSession).to.equal(800);
    expect(c.redis.cpuPerEntryRead).to.be.closeTo(10 * µs, 1e-12);
    expect(c.redis.cpuPerPeerMessage).to.be.closeTo(230 * µs, 1e-12);
    expect(c.redis.cpuPerChannelMessage).to.be.closeTo(40 * µs, 1e-12);
    expect(c.redis.entriesPerLogin).to.equal(2);
  });

  it('keeps the median of each cost over the trials, with its spread', () => {
    const one = unitCosts(trial);
    const costs = [1, 3, 2].map((k) => ({ ...one, node: { ...one.node, cpuPerLogin: k * µs } }));
    const { costs: median, spread: all } = summarizeCosts(costs);
    expect(median.node.cpuPerLogin).to.equal(2 * µs);
    expect(all['node.cpuPerLogin']).to.deep.include({ min: 1 * µs, max: 3 * µs });
    expect(Object.keys(all)).to.have.length(16);
  });
});
