/**
 * Runs the pure {@link heartbeat} on a scheduler: feeds it each frame heard,
 * asks it again when {@link nextCheck} comes and whenever the page wakes up,
 * and judges at once, in the same turn, whatever is due by then (a check
 * that fires late must not wait for another timer: a throttled page's next
 * timer may be a minute away).
 */
import { Observable } from './rx.js';
import type { SchedulerLike, Subscription } from 'rxjs';
import {
  heartbeat,
  nextCheck,
  type Heartbeat,
  type HeartbeatInput,
  type HeartbeatTiming,
  type HeartbeatVerdict,
} from './heartbeat.js';

/**
 * Emits the verdicts of one logged-in socket's heartbeat from subscription
 * on, completing after DEAD: `heard$` emits for every frame, `wake$` when
 * the page may have slept. One check timer at
 * a time: a frame moves no timer, the check re-reads the time when it fires.
 */
export function runHeartbeat(
  heard$: Observable<unknown>,
  wake$: Observable<unknown>,
  scheduler: SchedulerLike,
  timing: HeartbeatTiming,
): Observable<HeartbeatVerdict> {
  return new Observable<HeartbeatVerdict>((subscriber) => {
    let state: Heartbeat = { lastHeardAt: scheduler.now() };
    let check: { at: number; timer: Subscription } | undefined;
    const feed = (input: HeartbeatInput) => {
      const step = heartbeat(state, input, timing);
      state = step.heartbeat;
      if (step.verdict) subscriber.next(step.verdict);
      // Dead is final: nothing more to check.
      if (step.verdict?.type === 'DEAD') return subscriber.complete();
      const at = nextCheck(state, timing);
      if (at <= input.at) return feed({ type: 'NOW', at: input.at });
      if (subscriber.closed || (check && check.at <= at)) return;
      check?.timer.unsubscribe();
      check = { at, timer: scheduler.schedule(fire, at - scheduler.now()) };
    };
    const judge = () => feed({ type: 'NOW', at: scheduler.now() });
    const fire = () => {
      check = undefined;
      judge();
    };
    subscriber.add(heard$.subscribe(() => feed({ type: 'HEARD', at: scheduler.now() })));
    subscriber.add(wake$.subscribe(judge));
    judge();
    return () => check?.timer.unsubscribe();
  });
}
