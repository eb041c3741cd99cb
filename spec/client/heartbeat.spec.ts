/**
 * The heartbeat alone, row by row of its table, and run on virtual time:
 * pings every interval, LINK_DOWN a pong allowance after an unanswered
 * ping, DEAD the interruption threshold after that, LINK_RESTORED on any
 * frame heard.
 */
import { expect } from 'chai';
import { heartbeat, nextCheck, type Heartbeat, type HeartbeatVerdict } from '../../lib/client/heartbeat.js';
import { runHeartbeat } from '../../lib/client/run-heartbeat.js';
import { testScheduler } from '../support/marbles.js';

const timing = { heartbeatIntervalMs: 1000, interruptionThresholdMs: 4000 };

describe('heartbeat', () => {
  describe('row by row', () => {
    it('a ping sent starts the wait, and a later ping does not move it', () => {
      const first = heartbeat({}, { type: 'PING_SENT', at: 1000 }, timing);
      expect(first).to.deep.equal({ heartbeat: { lastPingAt: 1000, awaitingSince: 1000 } });
      expect(heartbeat(first.heartbeat, { type: 'PING_SENT', at: 2000 }, timing)).to.deep.equal({
        heartbeat: { lastPingAt: 2000, awaitingSince: 1000 },
      });
    });
    it('a pong heard while up ends the wait and is an RTT sample, smoothed by 1/8', () => {
      const heard = heartbeat(
        { lastPingAt: 1000, awaitingSince: 1000 },
        { type: 'HEARD', at: 1080, pong: true },
        timing,
      );
      expect(heard).to.deep.equal({
        heartbeat: { lastPingAt: 1000, awaitingSince: undefined, linkDownSince: undefined, smoothedRttMs: 80 },
      });
      const again = heartbeat({ lastPingAt: 2000, smoothedRttMs: 80 }, { type: 'HEARD', at: 2160, pong: true }, timing);
      expect(again.heartbeat.smoothedRttMs).to.equal(90);
    });
    it('any other frame ends the wait too, without a sample', () => {
      expect(
        heartbeat({ lastPingAt: 1000, awaitingSince: 1000 }, { type: 'HEARD', at: 1500, pong: false }, timing),
      ).to.deep.equal({
        heartbeat: { lastPingAt: 1000, awaitingSince: undefined, linkDownSince: undefined, smoothedRttMs: undefined },
      });
    });
    it('a frame heard while down restores the link', () => {
      expect(
        heartbeat(
          { lastPingAt: 1000, awaitingSince: 1000, linkDownSince: 1100 },
          { type: 'HEARD', at: 1200, pong: false },
          timing,
        ).verdict,
      ).to.deep.equal({ type: 'LINK_RESTORED' });
    });
    it('a ping unanswered for the pong allowance: down since now', () => {
      // The pong allowance: 100 ms at least, 3 RTTs, the interval at most.
      expect(heartbeat({ awaitingSince: 1000 }, { type: 'NOW', at: 1099 }, timing)).to.deep.equal({
        heartbeat: { awaitingSince: 1000 },
      });
      expect(heartbeat({ awaitingSince: 1000 }, { type: 'NOW', at: 1100 }, timing)).to.deep.equal({
        heartbeat: { awaitingSince: 1000, linkDownSince: 1100 },
        verdict: { type: 'LINK_DOWN', since: 1100 },
      });
      expect(nextCheck({ awaitingSince: 1000, smoothedRttMs: 50 }, timing)).to.equal(1150);
      expect(nextCheck({ awaitingSince: 1000, smoothedRttMs: 900 }, timing)).to.equal(2000);
    });
    it('a check that runs late judges by the time it really is', () => {
      expect(heartbeat({ awaitingSince: 1000 }, { type: 'NOW', at: 61_000 }, timing).verdict).to.deep.equal({
        type: 'LINK_DOWN',
        since: 61_000,
      });
    });
    it('down for the interruption threshold: dead', () => {
      const down: Heartbeat = { awaitingSince: 1000, linkDownSince: 1100 };
      expect(heartbeat(down, { type: 'NOW', at: 5099 }, timing).verdict).to.equal(undefined);
      expect(heartbeat(down, { type: 'NOW', at: 5100 }, timing).verdict).to.deep.equal({ type: 'DEAD' });
      expect(nextCheck(down, timing)).to.equal(5100);
    });
    it('nothing awaited: no check, and "now" changes nothing', () => {
      expect(nextCheck({ lastPingAt: 1000 }, timing)).to.equal(undefined);
      expect(heartbeat({ lastPingAt: 1000 }, { type: 'NOW', at: 9000 }, timing)).to.deep.equal({
        heartbeat: { lastPingAt: 1000 },
      });
    });
  });

  describe('run on a scheduler (marbles)', () => {
    const values: Record<string, HeartbeatVerdict> = {
      d: { type: 'LINK_DOWN', since: 1100 },
      x: { type: 'DEAD' },
      r: { type: 'LINK_RESTORED' },
    };

    it('pings every interval; nothing heard: LINK_DOWN 100 ms after the first ping, DEAD 4 s later', () => {
      const scheduler = testScheduler();
      const pings: number[] = [];
      scheduler.run(({ cold, expectObservable }) => {
        const verdicts$ = runHeartbeat(cold<boolean>(''), () => pings.push(scheduler.now()), scheduler, timing);
        expectObservable(verdicts$).toBe('1100ms d 3999ms (x|)', values);
      });
      expect(pings, 'none after DEAD').to.deep.equal([1000, 2000, 3000, 4000, 5000]);
    });

    it('every ping answered: no verdict at all', () => {
      const scheduler = testScheduler();
      scheduler.run(({ cold, expectObservable }) => {
        const pongs$ = cold<boolean>('1050ms a 999ms a 999ms a', { a: true });
        expectObservable(
          runHeartbeat(pongs$, () => {}, scheduler, timing),
          '^ 3500ms !',
        ).toBe('');
      });
    });

    it('a frame heard while down: LINK_RESTORED, and the dead check is called off', () => {
      const scheduler = testScheduler();
      scheduler.run(({ cold, expectObservable }) => {
        const heard$ = cold<boolean>('2500ms a', { a: false });
        expectObservable(
          runHeartbeat(heard$, () => {}, scheduler, timing),
          '^ 3050ms !',
        ).toBe('1100ms d 1399ms r', values);
      });
    });
  });
});
