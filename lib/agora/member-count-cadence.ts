/**
 * `MemberCountUpdated` at the original SDK's documented cadence (BEHAVIOUR §5.6): the count at the join at once,
 * then a change at most once a second, or once every 3 s while the channel has more than 512 members; each time
 * the latest count, and only when it differs from the last reported. rx-rtm's own `memberCount$` stays exact.
 */
import { distinctUntilChanged, throttle, timer, type MonoTypeOperatorFunction, type SchedulerLike } from 'rxjs';

/** Members past which the SDK reports every 3 s rather than every second. */
const LARGE_CHANNEL = 512;

export function memberCountCadence(scheduler: SchedulerLike): MonoTypeOperatorFunction<number> {
  return (count$) =>
    count$.pipe(
      throttle((count) => timer(count > LARGE_CHANNEL ? 3000 : 1000, scheduler), { leading: true, trailing: true }),
      distinctUntilChanged(),
    );
}
