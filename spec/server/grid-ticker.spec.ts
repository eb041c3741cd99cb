import { expect } from 'chai';
import { startGridTicker, type TickerTimers } from '../../lib/server/grid-ticker.js';

/** One pending timer at a time, fired by hand at a chosen clock reading. */
class ManualTimers implements TickerTimers {
  now = 0;
  pending: { callback: () => void; ms: number } | undefined;
  readonly delays: number[] = [];

  setTimeout(callback: () => void, ms: number): unknown {
    this.pending = { callback, ms };
    this.delays.push(ms);
    return this.pending;
  }

  clearTimeout(handle: unknown): void {
    if (this.pending === handle) this.pending = undefined;
  }

  /** Moves the clock to `at` and fires the pending timer. */
  fireAt(at: number): void {
    this.now = at;
    const timer = this.pending;
    this.pending = undefined;
    timer?.callback();
  }
}

/** A ticker of 100 ms started at `now` on manual timers; each tick notes the time and takes `tickMs`. */
function started(now = 0, tickMs = 0) {
  const timers = new ManualTimers();
  timers.now = now;
  const ticks: number[] = [];
  const tick = () => {
    ticks.push(timers.now);
    timers.now += tickMs;
  };
  const ticker = startGridTicker(100, () => timers.now, tick, timers);
  return { timers, ticks, ticker };
}

describe('startGridTicker', () => {
  it('ticks on the multiples of the period, however late each tick ran: no drift', () => {
    // Each tick fires 7 ms late and takes 20 ms; the next is still aimed at the next multiple.
    const { timers, ticks } = started(1234.5, 20);
    expect(timers.delays).to.deep.equal([66]);
    timers.fireAt(1307);
    timers.fireAt(1407);
    expect(ticks).to.deep.equal([1307, 1407]);
    expect(timers.delays).to.deep.equal([66, 73, 73]);
  });

  it('a timer that fires before its multiple waits out the rest without ticking', () => {
    const { timers, ticks } = started();
    timers.fireAt(97.5);
    expect(ticks).to.deep.equal([]);
    expect(timers.delays).to.deep.equal([100, 3]);
    timers.fireAt(100.2);
    expect(ticks).to.deep.equal([100.2]);
  });

  it('a tick later than a whole period ticks once, then goes back to the grid', () => {
    const { timers, ticks } = started();
    timers.fireAt(350);
    expect(ticks).to.deep.equal([350]);
    expect(timers.delays).to.deep.equal([100, 50]);
  });

  it('stop clears the pending timer, and a timer that fires anyway ticks no more', () => {
    const { timers, ticks, ticker } = started();
    const pending = timers.pending!;
    ticker.stop();
    expect(timers.pending).to.equal(undefined);
    timers.now = 100;
    pending.callback();
    expect(ticks).to.deep.equal([]);
  });
});
