/**
 * 3. Fan-out: how long MemberJoined and MemberLeft take to reach every
 * member of a channel of 1 000 and 10 000. Generators log members in and
 * join them to one channel; one more session joins and leaves it, and each
 * member notes when it heard; latency is from the request leaving the
 * subject to each member's receipt, on the clock all processes share.
 */
import { loadavg } from 'node:os';
import { sleep, type BenchContext } from '../harness/context.js';
import {
  joinChannel,
  openSessions,
  startGenerators,
  startServerChild,
  stopGenerators,
  stopServerChild,
  type GeneratorChild,
} from '../harness/fleet.js';
import { concatSamples, round, rounded, summarize } from '../harness/stats.js';
import { DEFAULT_HEARTBEAT_MS } from './sessions.js';

export interface FanoutRun {
  members: number;
  trials: number;
  /** Building the channel: every join tells every member already in it, so n²/2 events. */
  buildSeconds: number;
  buildEvents: number;
  rssAfterBuildMiB: number | null;
  joined: ReturnType<typeof rounded>;
  left: ReturnType<typeof rounded>;
  /** Per trial, the time until the last member heard. */
  lastMemberJoined: ReturnType<typeof rounded>;
  lastMemberLeft: ReturnType<typeof rounded>;
  /** The subject's own `join` answered (it carries every member's uid). */
  joinReply: ReturnType<typeof rounded>;
  /** Members that never heard within the wait (should be 0). */
  missed: number;
  loadAverage: number | null;
}

export interface FanoutResult {
  server: 'rx-rtm';
  runs: FanoutRun[];
}

export const CHANNEL = 'room';
const WAIT_MS = 20_000;

/** One join (or leave) by the subject, and when each member heard of it, ms after the request left. */
export async function trial(
  members: GeneratorChild[],
  subject: GeneratorChild,
  subjectUid: string,
  action: 'join' | 'leave',
  expected: number,
): Promise<{ latencies: Float64Array; reply: number; missed: number }> {
  await Promise.all(
    members.map((g) => g.ask({ type: 'expect', uid: subjectUid, joined: action === 'join' }, 'expecting')),
  );
  const { sentAt, repliedAt } = await subject.ask({ type: 'act', action, channel: CHANNEL }, 'acted');
  const parts: Float64Array[] = [];
  let heard = 0;
  const deadline = performance.now() + WAIT_MS;
  while (heard < expected && performance.now() < deadline) {
    await sleep(heard === 0 ? 20 : 100);
    const collected = await Promise.all(members.map((g) => g.ask({ type: 'collect' }, 'collected')));
    for (const c of collected) {
      parts.push(c.arrivals);
      heard += c.arrivals.length;
    }
  }
  const latencies = concatSamples(parts).map((at) => at - sentAt);
  return { latencies, reply: repliedAt - sentAt, missed: expected - heard };
}

async function runSize(ctx: BenchContext, size: number): Promise<FanoutRun> {
  const label = `fan-out ${size}`;
  const server = await startServerChild(ctx, 'rx-rtm', label);
  try {
    const members = await startGenerators(ctx, server, size, DEFAULT_HEARTBEAT_MS, 'm');
    const [subject] = await startGenerators(ctx, server, 1, DEFAULT_HEARTBEAT_MS, 'subject');
    try {
      const opened = await openSessions(ctx, members, size, label);
      if (opened.failed > 0)
        throw new Error(`${label}: ${opened.failed} members failed to log in (${opened.firstFailure})`);
      await openSessions(ctx, [subject], 1, `${label} subject`);
      ctx.log(
        `${label}: ${size} members logged in; joining them to the channel ` +
          `(about ${Math.round((size * size) / 2).toLocaleString('en')} member events)`,
      );
      const { seconds: buildSeconds, events: buildEvents } = await joinChannel(ctx, members, CHANNEL, label);
      ctx.log(
        `${label}: channel built in ${buildSeconds.toFixed(1)} s ` +
          `(${buildEvents.toLocaleString('en')} events heard so far)`,
      );
      // Let the tail of the build drain before timing anything.
      await sleep(3000);
      const stats = await server.child.ask({ type: 'stats', gc: true }, 'stats', 120_000);
      await sleep(500);
      const subjectUid = 'subject0-0';
      const joined: Float64Array[] = [];
      const left: Float64Array[] = [];
      const lastJoined: number[] = [];
      const lastLeft: number[] = [];
      const replies: number[] = [];
      let missed = 0;
      for (let t = 0; t < ctx.options.fanoutTrials; t++) {
        const j = await trial(members, subject, subjectUid, 'join', size);
        joined.push(j.latencies);
        lastJoined.push(Math.max(...j.latencies));
        replies.push(j.reply);
        missed += j.missed;
        await sleep(200);
        const l = await trial(members, subject, subjectUid, 'leave', size);
        left.push(l.latencies);
        lastLeft.push(Math.max(...l.latencies));
        missed += l.missed;
        await sleep(200);
      }
      const run: FanoutRun = {
        members: size,
        trials: ctx.options.fanoutTrials,
        buildSeconds: round(buildSeconds, 1) ?? 0,
        buildEvents,
        rssAfterBuildMiB: round(stats.memory.rss / 2 ** 20, 1),
        joined: rounded(summarize(concatSamples(joined))),
        left: rounded(summarize(concatSamples(left))),
        lastMemberJoined: rounded(summarize(lastJoined)),
        lastMemberLeft: rounded(summarize(lastLeft)),
        joinReply: rounded(summarize(replies)),
        missed,
        loadAverage: round(loadavg()[0], 2),
      };
      ctx.log(
        `${label}: MemberJoined p50 ${run.joined.p50} ms p99 ${run.joined.p99} ms; ` +
          `MemberLeft p50 ${run.left.p50} ms p99 ${run.left.p99} ms; ` +
          `last member p50 ${run.lastMemberJoined.p50} ms; missed ${missed}`,
      );
      return run;
    } finally {
      await stopGenerators([...members, subject]);
    }
  } finally {
    await stopServerChild(server);
  }
}

export async function runFanout(ctx: BenchContext): Promise<FanoutResult> {
  const runs: FanoutRun[] = [];
  for (const size of ctx.options.fanoutSizes) runs.push(await runSize(ctx, size));
  return { server: 'rx-rtm', runs };
}
