/**
 * Every figure of a run as JSON, the goals judged against them, and the
 * same as Markdown tables.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientResult } from '../benchmarks/client.js';
import type { ClusterResult } from '../benchmarks/cluster.js';
import type { FanoutResult } from '../benchmarks/fanout.js';
import type { LoginsResult } from '../benchmarks/logins.js';
import type { MessagesResult } from '../benchmarks/messages.js';
import type { ScalingResult } from '../benchmarks/scaling.js';
import { GOAL_SESSIONS, DEFAULT_HEARTBEAT_MS, type SessionsResult } from '../benchmarks/sessions.js';
import { INTERRUPTION_GOAL_MS, type TimingResult } from '../benchmarks/timing.js';
import type { Machine } from './context.js';
import { fmt, table } from './markdown.js';
import { messageGoals, messagesMarkdown, peerTable } from './report-messages.js';
import { scalingMarkdown } from './report-scaling.js';
import type { BenchOptions } from './options.js';

export const RESULTS_SCHEMA = 1 as const;

export interface Goal {
  id:
    | 'sessions'
    | 'heartbeat-p99'
    | 'memory-per-session'
    | 'login-rate'
    | 'interruption-timing'
    | 'message-fanout-rate'
    | 'message-latency';
  goal: string;
  /** What was measured, in words. */
  measured: string;
  /** null: not measured in this run (or not measurable here). */
  met: boolean | null;
}

export interface BenchResults {
  schema: typeof RESULTS_SCHEMA;
  machine: Machine;
  options: Omit<BenchOptions, 'write'>;
  durationSeconds: number;
  sessions: SessionsResult | null;
  logins: LoginsResult | null;
  fanout: FanoutResult | null;
  messages: MessagesResult | null;
  timing: TimingResult | null;
  client: ClientResult | null;
  cluster: ClusterResult | null;
  scaling: ScalingResult | null;
  goals: Goal[];
}

export function judgeGoals(results: Omit<BenchResults, 'goals'>): Goal[] {
  const goals: Goal[] = [];
  const rtmSteps = results.sessions?.steps.filter((s) => s.server === 'rx-rtm') ?? [];
  const plain = rtmSteps.filter((s) => s.heartbeatMs === DEFAULT_HEARTBEAT_MS);
  const largest = plain.reduce<(typeof plain)[number] | undefined>(
    (a, s) => (!a || s.sessions > a.sessions ? s : a),
    undefined,
  );
  const equivalent = rtmSteps.find((s) => s.heartbeatMs < DEFAULT_HEARTBEAT_MS);

  if (results.sessions) {
    const full = plain.find((s) => s.sessions >= GOAL_SESSIONS);
    const skipped = results.sessions.skipped.find((s) => s.sessions >= GOAL_SESSIONS);
    let measured: string;
    let met: boolean | null;
    if (full) {
      measured = `held ${fmt(full.held)} of ${fmt(full.sessions)}, lost ${full.lost}`;
      met = full.lost === 0 && full.held >= GOAL_SESSIONS;
    } else {
      measured = skipped
        ? `not measurable here: ${skipped.reason}. Held ${fmt(largest?.held)} (lost ${fmt(largest?.lost)})` +
          (equivalent
            ? `; at the ping rate of ${fmt(GOAL_SESSIONS)} sessions: lost ${equivalent.lost}, ` +
              `CPU ${fmt(equivalent.serverCpuPercent, '%')}, p99 ${fmt(equivalent.rttP99Ms, ' ms')}`
            : '')
        : `not run (largest size ${fmt(largest?.sessions)})`;
      met = null;
    }
    goals.push({
      id: 'sessions',
      goal: `${GOAL_SESSIONS.toLocaleString('en')} concurrent sessions on one server process`,
      measured,
      met,
    });

    const judged = [largest, equivalent].filter((s) => s !== undefined);
    goals.push({
      id: 'heartbeat-p99',
      goal: 'heartbeat round trip p99 under 100 ms',
      measured: judged.length ? judged.map((s) => `${fmt(s.rttP99Ms, ' ms')} at ${s.note}`).join('; ') : 'not run',
      met: judged.length ? judged.every((s) => s.rttP99Ms !== null && s.rttP99Ms < 100) : null,
    });

    const ratio = largest
      ? results.sessions.ratios.find(
          (r) => r.against === 'ws' && r.sessions === largest.sessions && r.heartbeatMs === DEFAULT_HEARTBEAT_MS,
        )
      : undefined;
    const ws = largest
      ? results.sessions.steps.find(
          (s) => s.server === 'ws' && s.sessions === largest.sessions && s.heartbeatMs === DEFAULT_HEARTBEAT_MS,
        )
      : undefined;
    goals.push({
      id: 'memory-per-session',
      goal: 'server memory per session at most 1.5 × bare ws',
      measured:
        ratio && largest && ws
          ? `${ratio.rssPerSession} × (${fmt(largest.rssPerSessionKiB, ' KiB')} against ` +
            `${fmt(ws.rssPerSessionKiB, ' KiB')} RSS per session, at ${fmt(largest.sessions)})`
          : 'not run',
      met: ratio?.rssPerSession === null || ratio === undefined ? null : ratio.rssPerSession <= 1.5,
    });
  }

  if (results.logins) {
    const rtm = results.logins.median.find((r) => r.server === 'rx-rtm');
    const ws = results.logins.median.find((r) => r.server === 'ws');
    const ratio = results.logins.ratios.find((r) => r.against === 'ws')?.rate ?? null;
    goals.push({
      id: 'login-rate',
      goal: 'login rate at least 70 % of bare ws',
      measured:
        rtm && ws
          ? `${Math.round((ratio ?? 0) * 100)} % (${fmt(rtm.perSecond)}/s against ${fmt(ws.perSecond)}/s, ` +
            `medians of ${results.options.loginRepeat} runs)`
          : 'not run',
      met: ratio === null ? null : ratio >= 0.7,
    });
  }

  const timing = results.timing?.runs.find((r) => r.client === 'rx-rtm');
  if (timing) {
    const ok = timing.trials - timing.failed;
    goals.push({
      id: 'interruption-timing',
      goal:
        `RECONNECTING within ${INTERRUPTION_GOAL_MS.earliest / 1000} to ${INTERRUPTION_GOAL_MS.latest / 1000} s ` +
        'of the link going dark, every trial',
      measured:
        `${timing.withinGoal}/${timing.trials} trials (${timing.early} early, ${timing.failed} failed); ` +
        `${fmt(timing.down.min, ' ms')} – ${fmt(timing.down.max, ' ms')}, p50 ${fmt(timing.down.p50, ' ms')}`,
      met: timing.failed === 0 && timing.withinGoal === ok,
    });
  }
  if (results.messages) goals.push(...messageGoals(results.messages));
  return goals;
}

export function renderMarkdown(results: BenchResults): string {
  const m = results.machine;
  const out: string[] = [];
  out.push(`# rx-rtm benchmarks, ${m.date.slice(0, 19).replace('T', ' ')} UTC`, '');
  out.push(
    `Machine: ${m.cores} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform} (kernel ${m.kernel}); ` +
      `open files ${fmt(m.openFilesLimit.soft)} (hard ${fmt(m.openFilesLimit.hard)}); ` +
      (m.pinning ? `server pinned to CPU ${m.pinning.server}, load on CPU ${m.pinning.load}; ` : 'not pinned; ') +
      `load average ${m.loadAverage.start} at the start, ${fmt(m.loadAverage.end)} at the end. ` +
      `Run took ${Math.round(results.durationSeconds)} s.`,
    '',
  );
  out.push(
    '## Goals',
    '',
    table(
      ['goal', 'measured', 'met'],
      results.goals.map((g) => [g.goal, g.measured, g.met === null ? 'n/a' : g.met ? 'yes' : '**no**']),
    ),
    '',
  );

  if (results.sessions) {
    const s = results.sessions;
    out.push('## Sessions held', '');
    out.push(
      table(
        [
          'server',
          'sessions',
          'heartbeat',
          'held',
          'lost',
          'RSS/session',
          'heap/session',
          'server CPU',
          'generators CPU',
          'others CPU',
          'RTT p50',
          'RTT p99',
          'p99 (median of thirds)',
          'RTT max',
          'generator delay p99',
          'loop busy',
        ],
        s.steps.map((x) => [
          x.server,
          x.note,
          `${x.heartbeatMs} ms`,
          fmt(x.held),
          x.lost,
          fmt(x.rssPerSessionKiB, ' KiB'),
          fmt(x.heapPerSessionKiB, ' KiB'),
          fmt(x.serverCpuPercent, ' %'),
          fmt(x.generatorCpuPercent, ' %'),
          fmt(x.othersCpuPercent, ' %'),
          fmt(x.rttP50Ms, ' ms'),
          fmt(x.rttP99Ms, ' ms'),
          fmt(x.rttP99MedianOfThirdsMs, ' ms'),
          fmt(x.rttMaxMs, ' ms'),
          fmt(x.generatorLoopDelayP99Ms, ' ms'),
          x.serverLoopUtilization === null ? '–' : `${Math.round(x.serverLoopUtilization * 100)} %`,
        ]),
      ),
      '',
    );
    if (s.ratios.length) {
      out.push(
        'rx-rtm against the others (rx-rtm ÷ other):',
        '',
        table(
          ['sessions', 'heartbeat', 'against', 'RSS/session', 'CPU', 'RTT p99'],
          s.ratios.map((r) => [fmt(r.sessions), `${r.heartbeatMs} ms`, r.against, r.rssPerSession, r.cpu, r.rttP99]),
        ),
        '',
      );
    }
    for (const skipped of s.skipped) out.push(`- ${fmt(skipped.sessions)} sessions skipped: ${skipped.reason}.`);
    out.push(`- socket.io: ${s.socketIoDialect}.`, `- ${s.openFilesNote}.`, '');
  }

  if (results.logins) {
    out.push(
      '## Login rate',
      '',
      `The median of ${results.options.loginRepeat} runs per server (all runs in the JSON):`,
      '',
    );
    out.push(
      table(
        [
          'server',
          'in flight',
          'logins/s',
          'failed',
          'latency p50',
          'latency p99',
          'server CPU',
          'server CPU per login',
          'generator CPU',
          'others CPU',
        ],
        results.logins.median.map((r) => [
          r.server,
          r.concurrency,
          fmt(r.perSecond),
          r.failed,
          fmt(r.latencyP50Ms, ' ms'),
          fmt(r.latencyP99Ms, ' ms'),
          fmt(r.serverCpuPercent, ' %'),
          fmt(r.serverCpuMicrosPerLogin, ' µs'),
          fmt(r.generatorCpuPercent, ' %'),
          fmt(r.othersCpuPercent, ' %'),
        ]),
      ),
      '',
      results.logins.ratios
        .map((r) => `rx-rtm ÷ ${r.against}: ${fmt(r.rate)} (per server CPU second: ${fmt(r.perCpuSecond)})`)
        .join('; '),
      '',
    );
  }

  if (results.fanout) {
    out.push('## Fan-out (rx-rtm)', '');
    out.push(
      table(
        [
          'members',
          'trials',
          'MemberJoined p50',
          'p99',
          'MemberLeft p50',
          'p99',
          'last member p50',
          'last member max',
          'join answered p50',
          'missed',
          'channel built in',
        ],
        results.fanout.runs.map((r) => [
          fmt(r.members),
          r.trials,
          fmt(r.joined.p50, ' ms'),
          fmt(r.joined.p99, ' ms'),
          fmt(r.left.p50, ' ms'),
          fmt(r.left.p99, ' ms'),
          fmt(r.lastMemberJoined.p50, ' ms'),
          fmt(r.lastMemberJoined.max, ' ms'),
          fmt(r.joinReply.p50, ' ms'),
          r.missed,
          `${r.buildSeconds} s (${fmt(r.buildEvents)} events)`,
        ]),
      ),
      '',
    );
  }

  if (results.messages) out.push(messagesMarkdown(results.messages), '');

  if (results.timing) {
    out.push('## Timing through the fault proxy', '');
    out.push(
      table(
        [
          'client',
          'heartbeat',
          'trials',
          'failed',
          'dark → noticed: min',
          'p50',
          'p99',
          'max',
          'within 4.0–4.5 s',
          'early',
          'back → connected: p50',
          'p99',
          'max',
        ],
        results.timing.runs.map((r) => [
          r.client,
          `${r.heartbeatMs} ms`,
          r.trials,
          r.failed,
          fmt(r.down.min, ' ms'),
          fmt(r.down.p50, ' ms'),
          fmt(r.down.p99, ' ms'),
          fmt(r.down.max, ' ms'),
          r.withinGoal === null ? 'n/a' : `${r.withinGoal}/${r.trials}`,
          r.early ?? 'n/a',
          fmt(r.up.p50, ' ms'),
          fmt(r.up.p99, ' ms'),
          fmt(r.up.max, ' ms'),
        ]),
      ),
      '',
    );
  }

  if (results.client) {
    const c = results.client;
    out.push('## Client', '');
    out.push(
      `- ${fmt(c.transitionsPerCpuSecond)} (state, reason) changes per CPU second through the whole pipeline ` +
        `(${fmt(c.transitions)} in ${c.cpuSeconds} s).`,
      `- ${fmt(c.heapPerIdleClientKiB, ' KiB')} heap (${fmt(c.rssPerIdleClientKiB, ' KiB')} RSS) per idle client ` +
        `(${fmt(c.idleClients)} created, never logged in).`,
      '',
      table(
        ['bundle', 'left out', 'minified', 'gzip -9'],
        c.bundles.map((b) => [
          b.name,
          b.external.join(', ') || 'nothing',
          `${(b.minifiedBytes / 1024).toFixed(1)} KiB`,
          `${(b.gzipBytes / 1024).toFixed(1)} KiB`,
        ]),
      ),
      '',
      `(${c.bundleMethod})`,
      '',
    );
  }

  if (results.cluster) {
    out.push('## Cluster (Redis)', '');
    const c = results.cluster;
    if (c.status === 'not measured') out.push(`Not measured: ${c.reason}.`, '');
    else {
      const row = (store: string, x: typeof c.memoryStore) => [
        store,
        fmt(x.held),
        x.lost,
        fmt(x.rssPerSessionKiB, ' KiB'),
        fmt(x.heapPerSessionKiB, ' KiB'),
        fmt(x.serverCpuPercent, ' %'),
        fmt(x.rttP50Ms, ' ms'),
        fmt(x.rttP99Ms, ' ms'),
        fmt(x.othersCpuPercent, ' %'),
      ];
      out.push(
        `One node, ${fmt(c.sessionsPerNode)} sessions at the default heartbeat (others CPU includes redis-server):`,
        '',
        table(
          ['store', 'held', 'lost', 'RSS/session', 'heap/session', 'node CPU', 'RTT p50', 'RTT p99', 'others CPU'],
          [row('memory', c.memoryStore), row('Redis', c.redisStore)],
        ),
        '',
        `Redis during the heartbeat window: ${fmt(c.redisCommandsPerSecond)} commands/s (inside scripts included), ` +
          `${fmt(c.redisCommandsPerHeartbeat)} per heartbeat, ` +
          `${fmt(c.redisScriptCallsPerHeartbeat)} script calls (round trips) per heartbeat, ` +
          `redis-server at ${fmt(c.redisCpuPercent, ' %')} of a core ` +
          `(${Object.entries(c.redisTopCommands)
            .map(([name, n]) => `${name} ${n}`)
            .join(', ')}).`,
        '',
        table(
          [
            'two nodes: subject on A, members on B',
            'trials',
            'MemberJoined p50',
            'p99',
            'MemberLeft p50',
            'p99',
            'last member p50',
            'missed',
          ],
          [
            [
              `${fmt(c.crossNode.members)} members`,
              c.crossNode.trials,
              fmt(c.crossNode.joined.p50, ' ms'),
              fmt(c.crossNode.joined.p99, ' ms'),
              fmt(c.crossNode.left.p50, ' ms'),
              fmt(c.crossNode.left.p99, ' ms'),
              fmt(c.crossNode.lastMemberJoined.p50, ' ms'),
              c.crossNode.missed,
            ],
          ],
        ),
        '',
        peerTable('two nodes: peer messages A ⇄ B', [['half on each node', c.crossNodePeers]]),
        '',
      );
    }
  }
  if (results.scaling) out.push(...scalingMarkdown(results.scaling));
  return out.join('\n');
}

/** Writes `<stamp>.json` and `<stamp>.md`, and copies them to `latest.json` / `latest.md`. */
export function writeResults(dir: string, results: BenchResults): { json: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const stamp = `bench-${results.machine.date.replace(/[:.]/g, '-')}`;
  const json = `${JSON.stringify(results, null, 2)}\n`;
  const markdown = `${renderMarkdown(results)}\n`;
  const paths = { json: join(dir, `${stamp}.json`), markdown: join(dir, `${stamp}.md`) };
  writeFileSync(paths.json, json);
  writeFileSync(paths.markdown, markdown);
  writeFileSync(join(dir, 'latest.json'), json);
  writeFileSync(join(dir, 'latest.md'), markdown);
  return paths;
}
