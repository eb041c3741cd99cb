/** The messages benchmark's goals and tables (bench/benchmarks/messages.ts). */
import {
  GOAL_MEMBERS,
  GOAL_MESSAGES_PER_SECOND,
  GOAL_P99_MS,
  GOAL_RATE_RATIO,
  type MessagesResult,
  type TrafficStep,
} from '../benchmarks/messages.js';
import { fmt, table } from './markdown.js';
import type { Goal } from './report.js';

export function messageGoals(messages: MessagesResult): Goal[] {
  const goals: Goal[] = [];
  const judged = messages.ratios.filter((r) => r.against === 'ws');
  const rate = (server: string, members: number) => {
    const run = messages.channels.find((r) => r.server === server && r.members === members);
    if (!run) return '–';
    const saturated = run.steps.some((s) => s.saturated);
    return (
      `${fmt(run.maxDeliveredPerSecond)}/s${saturated ? '' : ' (not saturated)'}, ` +
      `${fmt(run.maxDeliveredPerCpuSecond)} per CPU s`
    );
  };
  goals.push({
    id: 'message-fanout-rate',
    goal: `channel fan-out at least ${GOAL_RATE_RATIO} × a bare ws broadcast loop's delivered rate`,
    measured: judged.length
      ? judged
          .map(
            (r) =>
              `${fmt(r.members)} members: ${fmt(r.delivered)} × delivered/s, ${fmt(r.perCpuSecond)} × per CPU s ` +
              `(${rate('rx-rtm', r.members)} against ${rate('ws', r.members)})`,
          )
          .join('; ')
      : 'not run (needs rx-rtm and ws)',
    met: judged.length ? judged.every((r) => r.delivered !== null && r.delivered >= GOAL_RATE_RATIO) : null,
  });
  const run = messages.channels.find((r) => r.server === 'rx-rtm' && r.members === GOAL_MEMBERS);
  const step = run?.steps.find((s) => Math.round(s.messagesPerSecond) === GOAL_MESSAGES_PER_SECOND);
  goals.push({
    id: 'message-latency',
    goal: `channel message p99 under ${GOAL_P99_MS} ms at ${fmt(GOAL_MEMBERS)} members × ${GOAL_MESSAGES_PER_SECOND}/s`,
    measured: step
      ? `p99 ${fmt(step.latency.p99, ' ms')} (p50 ${fmt(step.latency.p50, ' ms')}), ` +
        `${fmt(step.deliveredPerSecond)} delivered/s, server CPU ${fmt(step.serverCpuPercent, ' %')}`
      : 'not run',
    met: step ? step.latency.p99 !== null && step.latency.p99 < GOAL_P99_MS : null,
  });
  return goals;
}

const cpuCells = (s: TrafficStep) => [
  fmt(s.serverCpuPercent, ' %'),
  fmt(s.generatorCpuPercent, ' %'),
  fmt(s.othersCpuPercent, ' %'),
];

/** Peer traffic steps, one row each under its label; server CPU is the average of the servers (nodes) loaded. */
export function peerTable(what: string, rows: Array<[string, TrafficStep]>): string {
  return table(
    [
      what,
      'sessions',
      'msg/s',
      'delivered/s',
      'latency p50',
      'p99',
      'round trip p50',
      'p99',
      'refused',
      'server CPU',
      'generators CPU',
      'others CPU',
    ],
    rows.map(([label, s]) => [
      label,
      fmt(s.sessions),
      fmt(s.messagesPerSecond),
      fmt(s.deliveredPerSecond),
      fmt(s.latency.p50, ' ms'),
      fmt(s.latency.p99, ' ms'),
      fmt(s.answer.p50, ' ms'),
      fmt(s.answer.p99, ' ms'),
      s.refused,
      ...cpuCells(s),
    ]),
  );
}

export function messagesMarkdown(messages: MessagesResult): string {
  const out: string[] = ['## Messages', ''];
  out.push(
    `Channel fan-out, ${messages.bytes}-byte text messages, ${messages.windowSeconds} s per step; latency from the ` +
      'sender writing a message to each member reading it; "answered" is the send to its answer:',
    '',
    table(
      [
        'server',
        'members',
        'msg/s',
        'senders',
        'offered/s',
        'delivered/s',
        'per server CPU s',
        'latency p50',
        'p99',
        'answered p99',
        'refused',
        'server CPU',
        'generators CPU',
        'others CPU',
        'saturated',
      ],
      messages.channels.flatMap((run) =>
        run.steps.map((s) => [
          s.server,
          fmt(s.sessions),
          fmt(s.messagesPerSecond),
          s.senders,
          fmt(s.offeredPerSecond),
          fmt(s.deliveredPerSecond),
          fmt(s.deliveredPerCpuSecond),
          fmt(s.latency.p50, ' ms'),
          fmt(s.latency.p99, ' ms'),
          fmt(s.answer.p99, ' ms'),
          s.refused,
          ...cpuCells(s),
          s.saturated ? 'yes' : '',
        ]),
      ),
    ),
    '',
    messages.channels
      .map(
        (r) =>
          `${r.server} ${fmt(r.members)}: at most ${fmt(r.maxDeliveredPerSecond)}/s (filled in ${r.fillSeconds} s)`,
      )
      .join('; '),
    '',
    messages.ratios
      .map(
        (r) =>
          `rx-rtm ÷ ${r.against} at ${fmt(r.members)} members: ${fmt(r.delivered)} delivered/s, ` +
          `${fmt(r.perCpuSecond)} per server CPU second`,
      )
      .join('; '),
    '',
  );
  if (messages.peers.length)
    out.push(
      'Peer messages, every session sending one a second to a peer; "round trip" is the send to its answer:',
      '',
      peerTable(
        'server',
        messages.peers.map((s) => [s.server, s]),
      ),
    );
  for (const f of messages.peerFailures)
    out.push('', `${f.server}, ${fmt(f.sessions)} peer sessions: not measured (${f.reason})`);
  return out.join('\n');
}
