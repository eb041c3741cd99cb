/**
 * A smoke run of the benchmark harness (bench/), not a benchmark: 50
 * sessions for 2 s against rx-rtm and a bare `ws` server, through the same
 * code as `npm run bench`, checking that every figure is recorded and that
 * no session was lost. The figures themselves are not judged here.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCHMARKS, parseOptions } from '../../bench/harness/options.js';
import type { BenchResults } from '../../bench/harness/report.js';
import { runBench } from '../../bench/run.js';

const STEP_FIELDS = [
  'server',
  'sessions',
  'heartbeatMs',
  'pingsPerSecond',
  'note',
  'held',
  'lost',
  'lostReasons',
  'rampSeconds',
  'serverSessions',
  'rssBaselineMiB',
  'rssMiB',
  'rssPerSessionKiB',
  'heapPerSessionKiB',
  'serverCpuPercent',
  'generatorCpuPercent',
  'othersCpuPercent',
  'serverKernelShare',
  'generatorLoopDelayP99Ms',
  'generatorLoopDelayMaxMs',
  'rttP50Ms',
  'rttP99Ms',
  'rttP99MedianOfThirdsMs',
  'rttMaxMs',
  'rttSamples',
  'unanswered',
  'serverLoopDelayP99Ms',
  'serverLoopDelayMaxMs',
  'serverLoopUtilization',
  'loadAverage',
];

describe('benchmark harness (smoke run)', function () {
  this.timeout(120_000);
  let out: string;

  before(() => {
    out = mkdtempSync(join(tmpdir(), 'rx-rtm-bench-'));
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  it('holds 50 sessions for 2 s on rx-rtm and bare ws, loses none, writes every figure with the machine', async () => {
    const options = parseOptions(
      ['--only', 'sessions', '--servers', 'rx-rtm,ws', '--sizes', '50', '--settle', '0.5', '--window', '2'],
      out,
    )!;
    const lines: string[] = [];
    const results = await runBench(options, (line) => lines.push(line));

    const written = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as BenchResults;
    expect(written).to.deep.equal(JSON.parse(JSON.stringify(results)));
    expect(written.schema).to.equal(1);
    expect(written.machine).to.include.all.keys(
      'cores',
      'cpuModel',
      'memoryGiB',
      'node',
      'date',
      'openFilesLimit',
      'loadAverage',
    );
    expect(written.machine.cores).to.be.greaterThan(0);
    expect(written.machine.node).to.equal(process.version);
    // Every benchmark has its key (null when not run).
    expect(written).to.include.all.keys(...BENCHMARKS, 'goals', 'options', 'durationSeconds');

    const steps = written.sessions!.steps;
    expect(steps.map((s) => s.server)).to.deep.equal(['rx-rtm', 'ws']);
    for (const step of steps) {
      expect(step).to.have.all.keys(...STEP_FIELDS);
      for (const field of STEP_FIELDS) {
        // At this load the server may use less than one clock tick of CPU: no kernel share to speak of.
        if (field === 'serverKernelShare') continue;
        expect(step[field as keyof typeof step], `${step.server} ${field}`).to.not.equal(null);
      }
      expect(step.held, `${step.server} held`).to.equal(50);
      expect(step.lost, `${step.server} lost: ${JSON.stringify(step.lostReasons)}`).to.equal(0);
      expect(step.serverSessions).to.equal(50);
      // 50 sessions, one ping a second each, over a 2 s window.
      expect(step.rttSamples).to.be.within(50, 150);
    }
    expect(written.sessions!.ratios).to.have.length(1);
    expect(written.sessions!.ratios[0]).to.include({ sessions: 50, against: 'ws' });
    expect(written.goals.map((g) => g.id)).to.include.members(['sessions', 'heartbeat-p99', 'memory-per-session']);

    expect(readFileSync(join(out, 'latest.md'), 'utf8'))
      .to.contain('## Sessions held')
      .and.contain('| rx-rtm | 50 |');
    expect(lines.some((l) => l.includes('sessions rx-rtm 50@1000ms: measuring'))).to.equal(true);
  });

  it('sends channel and peer messages on rx-rtm and bare ws: every one delivered, timed and answered', async () => {
    const options = parseOptions(
      [
        ...['--only', 'messages', '--servers', 'rx-rtm,ws', '--messages', '10', '--message-rates', '180'],
        ...['--message-window', '1', '--peer-sessions', '8'],
      ],
      out,
    )!;
    const lines: string[] = [];
    const { messages, goals } = await runBench({ ...options, write: false }, (line) => lines.push(line));

    expect(messages!.channels.map((r) => [r.server, r.members, r.steps.length])).to.deep.equal([
      ['rx-rtm', 10, 1],
      ['ws', 10, 1],
    ]);
    for (const step of [...messages!.channels.flatMap((r) => r.steps), ...messages!.peers]) {
      const what = `${step.server} ${step.sessions}`;
      expect(step.refused, `${what} refused`).to.equal(0);
      expect(step.latency.count, `${what} latencies`).to.be.above(0);
      expect(step.answer.count, `${what} answers`).to.be.above(0);
      expect(step.serverCpuPercent, `${what} CPU`).to.not.equal(null);
    }
    // 20 messages a second to 9 other members over a 1 s window: a sender held up by a busy machine catches up
    // with a burst, so the window may see half or one and a half times the rate.
    for (const run of messages!.channels) {
      expect(run.steps[0]).to.include({ senders: 1, messagesPerSecond: 20, offeredPerSecond: 180 });
      expect(run.steps[0].deliveredPerSecond, run.server).to.be.within(90, 270);
    }
    expect(messages!.peers.map((s) => [s.server, s.sessions, s.messagesPerSecond])).to.deep.equal([
      ['rx-rtm', 8, 8],
      ['ws', 8, 8],
    ]);
    for (const step of messages!.peers) expect(step.deliveredPerSecond, step.server).to.be.within(4, 12);
    expect(messages!.ratios.map((r) => [r.members, r.against])).to.deep.equal([[10, 'ws']]);
    expect(goals.map((g) => g.id)).to.deep.equal(['message-fanout-rate', 'message-latency']);
    expect(lines.some((l) => l.includes('messages rx-rtm channel of 10: 20 msg/s by 1: delivered'))).to.equal(true);
  });

  it('reads its options with parseArgs: --only, --max, and refuses what it does not know', () => {
    const options = parseOptions(['--only', 'sessions,logins', '--max', '20000'], out)!;
    expect(options.only).to.deep.equal(['sessions', 'logins']);
    expect(options.sizes).to.deep.equal([5000, 10000, 20000]);
    expect(options.fanoutSizes).to.deep.equal([1000, 10000]);
    expect(options.messageChannels).to.deep.equal([100, 1000]);
    expect(options.messageRates).to.deep.equal([10_000, 20_000, 40_000, 80_000, 160_000, 320_000]);
    expect(parseOptions(['--help'], out)).to.equal(undefined);
    expect(() => parseOptions(['--only', 'everything'], out)).to.throw(/--only: unknown "everything"/);
    expect(() => parseOptions(['--sizes', '0'], out)).to.throw(/not a positive number/);
    expect(() => parseOptions(['--bogus'], out)).to.throw();
  });
});
