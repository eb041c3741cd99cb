import { expect } from 'chai';
import { PING, PingWheel } from '../../lib/server/ping-wheel.js';
import type { ServerSession } from '../../lib/server/server-session.js';

/** A session that records when it is pinged. */
function session(name: string, log: string[]): ServerSession {
  const peer = { sendText: (text: string) => void log.push(`${name} ${text}`) };
  return { peer, pingSlot: undefined } as unknown as ServerSession;
}

describe('PingWheel', () => {
  const range = { minMs: 100, maxMs: 2000 };

  it('clamps an interval asked for to the range, in whole ticks', () => {
    const wheel = new PingWheel(100, range, 0);
    expect([1, 149, 150, 420, 99_999].map((ms) => wheel.intervalFor(ms))).to.deep.equal([100, 100, 200, 400, 2000]);
  });

  it('spreads a ring over its ticks and pings each session once per interval, with the constant text', () => {
    const log: string[] = [];
    const wheel = new PingWheel(100, range, 0);
    const sessions = ['a', 'b', 'c', 'd', 'e'].map((name) => session(name, log));
    for (const s of sessions) wheel.add(s, 400);
    const perTick: string[][] = [];
    for (let now = 100; now <= 800; now += 100) {
      wheel.tick(now);
      perTick.push(log.splice(0).map((line) => line.split(' ')[0]));
    }
    // Slots 0..3 in turn: a and e share slot 0.
    expect(perTick).to.deep.equal([['b'], ['c'], ['d'], ['a', 'e'], ['b'], ['c'], ['d'], ['a', 'e']]);
    wheel.tick(900);
    expect(log).to.deep.equal([`b ${PING}`]);
  });

  it('a late tick catches up, but pings each session at most once', () => {
    const log: string[] = [];
    const wheel = new PingWheel(100, range, 0);
    for (const name of ['a', 'b']) wheel.add(session(name, log), 200);
    wheel.tick(5000);
    expect(log.sort()).to.deep.equal([`a ${PING}`, `b ${PING}`]);
  });

  it('a session deleted, or detached from its socket, is not pinged; added again it moves', () => {
    const log: string[] = [];
    const wheel = new PingWheel(100, range, 0);
    const a = session('a', log);
    const b = session('b', log);
    wheel.add(a, 200);
    wheel.add(b, 200);
    wheel.delete(a);
    b.peer = undefined;
    wheel.tick(200);
    expect(log).to.deep.equal([]);
    wheel.add(a, 100);
    wheel.tick(300);
    expect(log).to.deep.equal([`a ${PING}`]);
  });
});
