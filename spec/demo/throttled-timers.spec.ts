import { expect } from 'chai';
import sinon from 'sinon';
import { installTimerThrottle, type TimerThrottle } from '../../demo/throttled-timers.js';

describe('installTimerThrottle (a background tab, reproduced)', () => {
  let clock: sinon.SinonFakeTimers;
  let host: {
    setTimeout: typeof setTimeout;
    setInterval: typeof setInterval;
    clearTimeout: typeof clearTimeout;
    clearInterval: typeof clearInterval;
  };
  let throttle: TimerThrottle;
  let fired: number[];

  beforeEach(() => {
    clock = sinon.useFakeTimers({
      now: 0,
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    });
    // The wrapper replaces the host's functions: give it a host of its own that calls the fake clock.
    host = {
      setTimeout: clock.setTimeout,
      setInterval: clock.setInterval,
      clearTimeout: clock.clearTimeout,
      clearInterval: clock.clearInterval,
    } as typeof host;
    throttle = installTimerThrottle(host, () => clock.now);
    fired = [];
  });
  afterEach(() => clock.restore());

  it('passes timers through untouched until throttled', () => {
    host.setTimeout(() => fired.push(clock.now), 250);
    host.setInterval(() => fired.push(clock.now), 1000);
    clock.tick(3000);
    expect(fired).to.deep.equal([250, 1000, 2000, 3000]);
  });

  it('fires an interval once per aligned wake-up while throttled, never in between, and on time once released', () => {
    clock.tick(1500);
    throttle.throttle(60_000);
    host.setInterval(() => fired.push(clock.now), 1000);
    clock.tick(150_000 - 1500);
    expect(fired).to.deep.equal([60_000, 120_000]);
    throttle.release();
    clock.tick(2500);
    expect(fired).to.deep.equal([60_000, 120_000, 150_000, 151_000, 152_000]);
  });

  it('holds a timeout due just before a wake-up until that wake-up, and one due just after until the next', () => {
    throttle.throttle(60_000);
    host.setTimeout(() => fired.push(clock.now), 59_990);
    host.setTimeout(() => fired.push(clock.now), 60_010);
    clock.tick(121_000);
    expect(fired).to.deep.equal([60_000, 120_000]);
  });

  it('cancels what the page clears, throttled or not', () => {
    const a = host.setTimeout(() => fired.push(1), 10);
    throttle.throttle(60_000);
    const b = host.setInterval(() => fired.push(2), 10);
    host.clearTimeout(a);
    host.clearInterval(b);
    clock.tick(200_000);
    expect(fired).to.deep.equal([]);
  });

  it('passes the extra arguments to the handler', () => {
    host.setTimeout((x: number, y: string) => fired.push(x + y.length), 5, 40, 'ab');
    clock.tick(5);
    expect(fired).to.deep.equal([42]);
  });
});
