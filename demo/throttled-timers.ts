/**
 * Background-tab timer throttling, reproduced on demand. Chrome (since 86)
 * runs a page's chained timers only at wake-ups aligned to the minute once
 * the page has been hidden for 5 minutes; Safari does much the same every
 * ~40 s. Network events still arrive at once. Waiting 5 minutes in a real
 * hidden tab is no way to demo or test that, so this wraps the page's timer
 * functions, before any other code of the page runs, and while throttling
 * is on fires each timer only at the first aligned wake-up at or after it is
 * due, once per wake-up (an interval that missed ten periods fires once,
 * as in the browser).
 *
 * Installed by the demo page's entry module; inert until {@link TimerThrottle.throttle}.
 */

/** The timer functions of a window, as the page calls them. */
interface TimerHost {
  setTimeout(handler: TimerHandler, timeout?: number, ...args: unknown[]): number;
  setInterval(handler: TimerHandler, timeout?: number, ...args: unknown[]): number;
  clearTimeout(id: number | undefined): void;
  clearInterval(id: number | undefined): void;
}

interface Timer {
  readonly handler: () => void;
  readonly delay: number;
  readonly repeat: boolean;
  due: number;
  native: number;
}

export interface TimerThrottle {
  /** Wake-ups every `periodMs` (aligned to the epoch, like the browser's minute) until {@link release}. */
  throttle(periodMs: number): void;
  /** Back to normal: every waiting timer is re-armed for its own due time. */
  release(): void;
  /** The wake-up period while throttled, else undefined. */
  readonly periodMs: number | undefined;
}

/** Wraps `host`'s timers (the window); returns the switch. Call once, before the page's other code. */
export function installTimerThrottle(host: TimerHost, now: () => number = Date.now): TimerThrottle {
  const native = {
    setTimeout: host.setTimeout.bind(host),
    clearTimeout: host.clearTimeout.bind(host),
  };
  const timers = new Map<number, Timer>();
  let nextId = 1;
  let periodMs: number | undefined;

  const arm = (id: number, timer: Timer) => {
    const at = periodMs === undefined ? timer.due : Math.ceil(Math.max(timer.due, now()) / periodMs) * periodMs;
    timer.native = native.setTimeout(() => fire(id, timer), Math.max(0, at - now()));
  };
  const fire = (id: number, timer: Timer) => {
    if (timers.get(id) !== timer) return;
    if (timer.repeat) {
      timer.due = now() + timer.delay;
      arm(id, timer);
    } else {
      timers.delete(id);
    }
    timer.handler();
  };
  const add = (handler: TimerHandler, timeout: number | undefined, args: unknown[], repeat: boolean): number => {
    if (typeof handler !== 'function') throw new TypeError('string timer handlers are not supported here');
    const delay = Math.max(0, Number(timeout) || 0);
    const id = nextId++;
    const timer: Timer = {
      handler: () => (handler as (...a: unknown[]) => void)(...args),
      delay,
      repeat,
      due: now() + delay,
      native: 0,
    };
    timers.set(id, timer);
    arm(id, timer);
    return id;
  };
  const clear = (id: number | undefined) => {
    const timer = id === undefined ? undefined : timers.get(id);
    if (!timer) return;
    timers.delete(id!);
    native.clearTimeout(timer.native);
  };
  const rearmAll = () => {
    for (const [id, timer] of timers) {
      native.clearTimeout(timer.native);
      arm(id, timer);
    }
  };

  host.setTimeout = (handler, timeout, ...args) => add(handler, timeout, args, false);
  host.setInterval = (handler, timeout, ...args) => add(handler, timeout, args, true);
  host.clearTimeout = clear;
  host.clearInterval = clear;

  return {
    throttle(period: number) {
      if (!(period > 0)) throw new RangeError('the wake-up period must be positive');
      periodMs = period;
      rearmAll();
    },
    release() {
      periodMs = undefined;
      rearmAll();
    },
    get periodMs() {
      return periodMs;
    },
  };
}
