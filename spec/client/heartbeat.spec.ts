/**
 * The heartbeat alone, row by row of its table, and run on virtual time:
 * the server pings every interval, LINK_DOWN when the next ping is an
 * allowance overdue, DEAD the interruption threshold after that,
 * LINK_RESTORED on any frame heard; a check that runs late judges by the
 * time it really is.
 */
import { expect } from 'chai';
import { NEVER, Subject, type SchedulerLike } from 'rxjs';
import { heartbeat, nextCheck, type Heartbeat, type HeartbeatVerdict } from '../../lib/client/heartbeat.js';
import { runHeartbeat } from '../../lib/client/run-heartbeat.js';
import { testScheduler } from '../support/marbles.js';

const timing = { intervalMs: 1000, thresholdMs: 4000 };

describe('heartbeat', () => {
  describe('row by row', () => {
    it('the next ping is due by last heard + interval + allowance (250 ms, or the interval if shorter)', () => {
      expect(nextCheck({ lastHeardAt: 30 }, timing)).to.equal(1280);
      expect(nextCheck({ lastHeardAt: 30 }, { intervalMs: 100, thresholdMs: 4000 })).to.equal(230);
    });
    it('any frame heard while up moves last heard, and says nothing', () => {
      expect(heartbeat({ lastHeardAt: 30 }, { type: 'HEARD', at: 1030 }, timing)).to.deep.equal({
        heartbeat: { lastHeardAt: 1030 },
      });
    });
    it('a frame heard while down restores the link', () => {
      const down: Heartbeat = { lastHeardAt: 1000, down: { since: 2250, late: false } };
      expect(heartbeat(down, { type: 'HEARD', at: 3000 }, timing)).to.deep.equal({
        heartbeat: { lastHeardAt: 3000 },
        verdict: { type: 'LINK_RESTORED' },
      });
    });
    it('the next ping an allowance overdue: down since then, dead the threshold later', () => {
      const up: Heartbeat = { lastHeardAt: 1000 };
      expect(heartbeat(up, { type: 'NOW', at: 2249 }, timing)).to.deep.equal({ heartbeat: up });
      const down = heartbeat(up, { type: 'NOW', at: 2250 }, timing);
      expect(down).to.deep.equal({
        heartbeat: { lastHeardAt: 1000, down: { since: 2250, late: false } },
        verdict: { type: 'LINK_DOWN', since: 2250 },
      });
      expect(nextCheck(down.heartbeat, timing)).to.equal(6250);
      expect(heartbeat(down.heartbeat, { type: 'NOW', at: 6249 }, timing).verdict).to.equal(undefined);
      expect(heartbeat(down.heartbeat, { type: 'NOW', at: 6250 }, timing).verdict).to.deep.equal({
        type: 'DEAD',
        late: false,
      });
    });
    it('a check that runs late but within the threshold: down since the ping was due, not late', () => {
      const down = heartbeat({ lastHeardAt: 1000 }, { type: 'NOW', at: 5000 }, timing);
      expect(down.heartbeat.down).to.deep.equal({ since: 2250, late: false });
    });
    it('a check a minute late judges by the time it really is: down since the ping was due, dead, late', () => {
      const down = heartbeat({ lastHeardAt: 1000 }, { type: 'NOW', at: 61_000 }, timing);
      expect(down.verdict).to.deep.equal({ type: 'LINK_DOWN', since: 2250 });
      expect(nextCheck(down.heartbeat, timing)).to.be.below(61_000);
      expect(heartbeat(down.heartbeat, { type: 'NOW', at: 61_000 }, timing).verdict).to.deep.equal({
        type: 'DEAD',
        late: true,
      });
    });
    it('a check that runs a minute late after a frame heard just now finds nothing', () => {
      const up: Heartbeat = { lastHeardAt: 60_900 };
      expect(heartbeat(up, { type: 'NOW', at: 61_000 }, timing)).to.deep.equal({ heartbeat: up });
    });
  });

  describe('run on a scheduler (marbles)', () => {
    const values: Record<string, HeartbeatVerdict> = {
      d: { type: 'LINK_DOWN', since: 1250 },
      x: { type: 'DEAD', late: false },
      r: { type: 'LINK_RESTORED' },
    };

    it('nothing heard: LINK_DOWN an interval + allowance after the start, DEAD 4 s later', () => {
      const scheduler = testScheduler();
      scheduler.run(({ expectObservable }) => {
        expectObservable(runHeartbeat(NEVER, NEVER, scheduler, timing)).toBe('1250ms d 3999ms (x|)', values);
      });
    });

    it('a ping every interval: no verdict at all', () => {
      const scheduler = testScheduler();
      scheduler.run(({ cold, expectObservable }) => {
        const pings$ = cold('1000ms a 999ms a 999ms a');
        expectObservable(runHeartbeat(pings$, NEVER, scheduler, timing), '^ 3500ms !').toBe('');
      });
    });

    it('a frame heard while down: LINK_RESTORED, and the dead check is called off', () => {
      const scheduler = testScheduler();
      scheduler.run(({ cold, expectObservable }) => {
        const heard$ = cold('2500ms a');
        expectObservable(runHeartbeat(heard$, NEVER, scheduler, timing), '^ 3050ms !').toBe(
          '1250ms d 1249ms r',
          values,
        );
      });
    });

    it('keeps one check timer, however many frames come', () => {
      const scheduler = testScheduler();
      scheduler.run(({ cold }) => {
        const pings$ = cold('100ms a 99ms a 99ms a 99ms a');
        runHeartbeat(pings$, NEVER, scheduler, timing).subscribe();
        scheduler.schedule(() => expect(scheduler.actions.length).to.be.at.most(2), 450);
      });
    });

    it('a wake-up judges at once, without waiting for the check timer', () => {
      const scheduler = testScheduler();
      const wake$ = new Subject<void>();
      const verdicts: Array<[number, HeartbeatVerdict]> = [];
      // A check timer that the page runs only at 60 s: the wake-up at 9 s comes first.
      const lazy: SchedulerLike = {
        now: () => scheduler.now(),
        schedule: (work: () => void) => scheduler.schedule(work, 60_000),
      } as SchedulerLike;
      scheduler.run(() => {
        runHeartbeat(NEVER, wake$, lazy, timing).subscribe((v) => verdicts.push([scheduler.now(), v]));
        scheduler.schedule(() => wake$.next(), 9000);
      });
      expect(verdicts).to.deep.equal([
        [9000, { type: 'LINK_DOWN', since: 1250 }],
        [9000, { type: 'DEAD', late: true }],
      ]);
    });
  });
});
