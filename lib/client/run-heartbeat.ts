/**
 * Runs the pure {@link heartbeat} on a scheduler: pings every interval,
 * feeds it each frame heard, and asks it again when {@link nextCheck} comes
 * (a check that fires early or late is judged by the time it really is).
 */
import { interval, Observable, type SchedulerLike, type Subscription } from 'rxjs';
import {
  heartbeat,
  nextCheck,
  type Heartbeat,
  type HeartbeatInput,
  type HeartbeatTiming,
  type HeartbeatVerdict,
} from './heartbeat.js';

/**
 * Emits the verdicts of one socket's heartbeat from subscription on,
 * completing after DEAD: `heard$` emits for every frame (true for a pong),
 * `ping` sends one.
 */
export function runHeartbeat(
  heard$: Observable<boolean>,
  ping: () => void,
  scheduler: SchedulerLike,
  timing: HeartbeatTiming,
): Observable<HeartbeatVerdict> {
  return new Observable<HeartbeatVerdict>((subscriber) => {
    let state: Heartbeat = {};
    let check: { at: number; timer: Subscription } | undefined;
    const feed = (input: HeartbeatInput) => {
      const step = heartbeat(state, input, timing);
      state = step.heartbeat;
      if (step.verdict) subscriber.next(step.verdict);
      // Dead is final: nothing more to ping or check.
      if (step.verdict?.type === 'DEAD') return subscriber.complete();
      const at = nextCheck(state, timing);
      if (subscriber.closed || at === check?.at) return;
      check?.timer.unsubscribe();
      check = at === undefined ? undefined : { at, timer: scheduler.schedule(fire, Math.max(0, at - scheduler.now())) };
    };
    const fire = () => {
      check = undefined;
      feed({ type: 'NOW', at: scheduler.now() });
    };
    subscriber.add(heard$.subscribe((pong) => feed({ type: 'HEARD', at: scheduler.now(), pong })));
    subscriber.add(
      interval(timing.heartbeatIntervalMs, scheduler).subscribe(() => {
        ping();
        feed({ type: 'PING_SENT', at: scheduler.now() });
      }),
    );
    return () => check?.timer.unsubscribe();
  });
}
