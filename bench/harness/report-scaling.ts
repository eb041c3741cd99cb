/**
 * The scaling figures as Markdown: the unit costs with their spread over
 * the trials, what each trial measured, and the plan for each mix. The
 * tables of docs/SCALING.md are copied from this output.
 */
import type { ScalingResult } from '../benchmarks/scaling.js';
import type { Measured } from './scaling-costs.js';
import { fmt, table } from './markdown.js';
import type { Plan } from './scaling-model.js';

/** How each unit cost reads: its label and how a number of CPU seconds (or bytes) shows. */
const UNITS: Record<string, { label: string; scale: number; unit: string }> = {
  'node.cpuPerSessionSecond': {
    label: 'node: a held session, per second (heartbeat, presence)',
    scale: 1e6,
    unit: 'µs',
  },
  'node.idleCpuPerSecond': { label: 'node: idle, per second (sweeps, stream reads)', scale: 1e3, unit: 'ms' },
  'node.rssBytesPerSession': { label: 'node: RSS per session', scale: 1 / 1024, unit: 'KiB' },
  'node.cpuPerLogin': { label: 'node: a login', scale: 1e6, unit: 'µs' },
  'node.cpuPerEntryRead': { label: 'node: reading a stream entry it delivers to nobody', scale: 1e6, unit: 'µs' },
  'node.cpuPerPeerMessage': { label: "node: a peer message (sender's and receiver's nodes)", scale: 1e6, unit: 'µs' },
  'node.cpuPerChannelMessagePerNode': {
    label: 'node: a channel message, per node holding members',
    scale: 1e6,
    unit: 'µs',
  },
  'node.cpuPerDelivery': { label: 'node: a channel message to one member (fan-out)', scale: 1e6, unit: 'µs' },
  'redis.cpuPerSessionSecond': { label: 'Redis: a held session, per second (refresh, sweep)', scale: 1e6, unit: 'µs' },
  'redis.cpuPerNodeSecond': { label: 'Redis: an idle node, per second', scale: 1e3, unit: 'ms' },
  'redis.bytesPerSession': { label: 'Redis: memory per session', scale: 1 / 1024, unit: 'KiB' },
  'redis.cpuPerLogin': { label: 'Redis: a login', scale: 1e6, unit: 'µs' },
  'redis.entriesPerLogin': { label: 'Redis: stream entries per login', scale: 1, unit: '' },
  'redis.cpuPerPeerMessage': { label: 'Redis: a peer message (script, entry)', scale: 1e6, unit: 'µs' },
  'redis.cpuPerChannelMessage': { label: 'Redis: a channel message (script, entry)', scale: 1e6, unit: 'µs' },
  'redis.cpuPerEntryRead': { label: "Redis: one node's read of an entry", scale: 1e6, unit: 'µs' },
};

const n3 = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(3)).toLocaleString('en') : '–');
const pct = (cores: number) => `${n3(cores * 100)} %`;
const traffic = (m: Measured) =>
  `${n3(m.messagesPerSecond)} msg/s, ${fmt(m.step.deliveredPerSecond)} delivered/s, ` +
  `p99 ${fmt(m.step.latency.p99, ' ms')}${m.keptUp ? '' : ' (fell behind)'}`;

function planRows(plans: Plan[]): Array<Array<string | number>> {
  return plans.map((p) => [
    p.mix.name,
    p.nodes === null ? 'none fits' : fmt(p.nodes),
    fmt(Math.round(p.at.sessionsPerNode)),
    `${pct(p.at.node.total)} (sessions ${pct(p.at.node.sessions)}, reads ${pct(p.at.node.reads)}, ` +
      `messages ${pct(p.at.node.messages)}, fan-out ${pct(p.at.node.deliveries)})`,
    `${pct(p.at.redis.total)} (sessions ${pct(p.at.redis.sessions)}, writes ${pct(p.at.redis.writes)}, ` +
      `reads ${pct(p.at.redis.reads)}, nodes ${pct(p.at.redis.nodes)})`,
    p.oneAppFitsOneShard ? 'yes' : `no: ${fmt(p.shardsIfManyApps)} shards if spread over apps`,
    fmt(p.usersPerShard),
    fmt(p.usersAtNodeFloor),
    p.saturatesFirst,
    `${n3(p.storm.seconds)} s (Redis ${n3(p.storm.redisSeconds)}, nodes ${n3(p.storm.nodeSeconds)})`,
  ]);
}

export function scalingMarkdown(result: ScalingResult): string[] {
  const out = ['## Scaling (unit costs per node and per Redis shard)', ''];
  if (result.status === 'not measured') return [...out, `Not measured: ${result.reason}.`, ''];
  out.push(
    `Medians over ${result.trials.length} trials, with the lowest and highest; CPU of one core, less what the same ` +
      'processes used idle just before.',
    '',
    table(
      ['cost', 'median', 'min – max'],
      Object.entries(result.spread).map(([key, s]) => {
        const u = UNITS[key];
        return [u.label, `${n3(s.median * u.scale)} ${u.unit}`, `${n3(s.min * u.scale)} – ${n3(s.max * u.scale)}`];
      }),
    ),
    '',
    table(
      [
        'trial',
        'sessions: node CPU / Redis CPU / RSS / Redis per session',
        'logins/s',
        'peer msg/s',
        'channels',
        'an entry read by a node holding nothing, at each rate',
      ],
      result.trials.map((t, i) => [
        i + 1,
        t.sessions
          .map(
            (s) =>
              `${fmt(s.sessions)} (held ${fmt(s.held)}): ${pct(s.nodeCpu ?? NaN)} / ${pct(s.redisCpu ?? NaN)} / ` +
              `${fmt(s.rssPerSessionKiB)} KiB / ${n3((s.redisBytesPerSession ?? NaN) / 1024)} KiB`,
          )
          .join('; '),
        `${fmt(t.logins.perSecond)} (${t.logins.failed} failed)`,
        traffic(t.peers.withoutObserver),
        t.channels.map((c) => `${fmt(c.step.sessions)} members: ${traffic(c)}`).join('; '),
        [t.peers.withObserver, ...t.channels]
          .map((m) => `${n3(((m.observerCpu ?? NaN) / m.messagesPerSecond) * 1e6)} µs at ${n3(m.messagesPerSecond)}/s`)
          .join(', '),
      ]),
    ),
    '',
    'One message per user a minute; a node at most 70 % of its core, a shard at most 70 %. ' +
      'The most users one deployment (its nodes and its one shard) carries, and what a million need:',
    '',
    table(
      [
        'mix',
        'one deployment carries',
        'on nodes',
        'bound by',
        'a node',
        'its shard',
        'for a million',
        'restarted node back in',
      ],
      result.capacities.map((c) => [
        c.plan.mix.name,
        `${fmt(c.users)} users`,
        fmt(c.plan.nodes),
        c.plan.saturatesFirst,
        pct(c.plan.at.node.total),
        pct(c.plan.at.redis.total),
        `${fmt(c.deployments)} deployments: ${fmt(c.nodes)} nodes, ${fmt(c.shards)} shards`,
        `${n3(c.plan.storm.seconds)} s`,
      ]),
    ),
    '',
    'A million users of one app on one deployment:',
    '',
    table(
      [
        'mix',
        'nodes',
        'sessions/node',
        'a node',
        "the app's shard",
        'one app, one shard',
        'users per shard',
        'users at the node floor',
        'saturates first',
        'a restarted node back in',
      ],
      planRows(result.plans),
    ),
    '',
  );
  return out;
}
