/**
 * Helpers for marble tests of the client: a TestScheduler whose frames are
 * milliseconds, and a client wired to a FakeRtmServer on it.
 */
import { expect } from 'chai';
import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { RtmClient } from '../../lib/client/rtm-client.js';
import type { RtmClientOptions } from '../../lib/client/options.js';
import {
  ConnectionChangeReason as R,
  ConnectionState as S,
  type ConnectionChangeReason,
  type ConnectionState,
} from '../../lib/client/connection-state.js';
import { FakeRtmServer, type FakeRtmServerOptions } from '../../lib/testing/fake-rtm-server.js';

export function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => {
    expect(actual).to.deep.equal(expected);
  });
}

/** A client on `scheduler` talking to a fresh fake server; jitter is pinned to its floor. */
export function clientAndServer(
  scheduler: TestScheduler,
  options: Partial<RtmClientOptions> = {},
  serverOptions: FakeRtmServerOptions = {},
) {
  const server = new FakeRtmServer(scheduler, serverOptions);
  const client = new RtmClient({
    url: 'ws://rtm.test/',
    appId: 'app',
    WebSocket: server.WebSocket,
    scheduler,
    random: () => 0,
    ...options,
  });
  return { server, client };
}

/** Login credentials of the client the helpers log in. */
export const alice = { uid: 'alice', token: 'token-1' } as const;

/**
 * `scheduler` as a background tab's timers run while `throttle` is on: a
 * timer fires only at the first `periodMs`-aligned wake-up at or after it
 * is due. Give it to the client alone: the fake server's frames stay on
 * `scheduler`, as a hidden page's network events still arrive at once.
 */
export function throttledTimers(scheduler: TestScheduler, periodMs: number) {
  const control = { on: false };
  const timers: SchedulerLike = {
    now: () => scheduler.now(),
    schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
      const now = scheduler.now();
      const at = control.on ? Math.ceil((now + delay) / periodMs) * periodMs : now + delay;
      return scheduler.schedule(work, at - now, state);
    },
  };
  return { timers, control };
}

/**
 * A client and a fake server with 10 ms of latency each way, the client
 * logging in as alice at 10 ms: CONNECTED at 30 ms.
 */
export function loggedIn(scheduler: TestScheduler, options: Partial<RtmClientOptions> = {}) {
  const pair = clientAndServer(scheduler, options, { latencyMs: 10 });
  at(scheduler, 10, () => void pair.client.login(alice));
  return pair;
}

/** {@link loggedIn}, with `members` (other users) already in channel `room`, and alice's channel for it. */
export function inRoom(scheduler: TestScheduler, members: readonly string[], options: Partial<RtmClientOptions> = {}) {
  const pair = loggedIn(scheduler, options);
  for (const uid of members) pair.server.memberJoined('room', uid);
  return { ...pair, room: pair.client.createChannel('room') };
}

/**
 * Runs a TestScheduler (outside `run`) up to virtual time `time` (ms) and
 * lets settled promises call back, so a test can say when a promise
 * settled: pending at one frame, settled at the next.
 */
export async function advanceTo(scheduler: TestScheduler, time: number): Promise<void> {
  scheduler.maxFrames = time;
  scheduler.flush();
  await flushMicrotasks();
}

/** Runs `fn` at virtual time `at` (ms). */
export function at(scheduler: TestScheduler, time: number, fn: () => void): void {
  scheduler.schedule(fn, time);
}

/** Settles to a readable value, so tests can assert on a promise after `run`. */
export function outcome(promise: Promise<unknown>): { value?: string } {
  const result: { value?: string } = {};
  promise.then(
    () => (result.value = 'resolved'),
    (error: { code?: string }) => (result.value = `rejected ${error.code}`),
  );
  return result;
}

export const flushMicrotasks = () => new Promise((resolve) => setImmediate(resolve));

type Pair = { state: ConnectionState; reason: ConnectionChangeReason };
const pair = (state: ConnectionState, reason: ConnectionChangeReason): Pair => ({ state, reason });

/** Marble values for every pair a test may expect. */
export const pairs = {
  idle: pair(S.Disconnected, R.Logout),
  connecting: pair(S.Connecting, R.Login),
  connected: pair(S.Connected, R.LoginSuccess),
  failed: pair(S.Disconnected, R.LoginFailure),
  timedOut: pair(S.Disconnected, R.LoginTimeout),
  reconnecting: pair(S.Reconnecting, R.Interrupted),
  loggedOut: pair(S.Disconnected, R.Logout),
  remoteLogin: pair(S.Aborted, R.RemoteLogin),
  banned: pair(S.Aborted, R.BannedByServer),
} as const;

/** {@link pairs} by marble letter. */
export const pairValues = {
  i: pairs.idle,
  g: pairs.connecting,
  c: pairs.connected,
  f: pairs.failed,
  t: pairs.timedOut,
  r: pairs.reconnecting,
  o: pairs.loggedOut,
  a: pairs.remoteLogin,
  b: pairs.banned,
} as const;

/**
 * A marble string with each value at the given virtual time (ms), e.g.
 * `marble([[0, 'a'], [25, 'b']])` is `'a 24ms b'`; a group of values at one
 * time is written `(ab)`. Times must increase.
 */
export function marble(events: ReadonlyArray<readonly [number, string]>): string {
  let out = '';
  let frame = 0;
  for (const [time, value] of events) {
    if (time < frame) throw new Error(`marble: ${value} at ${time} comes before frame ${frame}`);
    if (time > frame) out += ` ${time - frame}ms `;
    out += value;
    // A group `(ab)` takes as many frames as it has characters.
    frame = time + value.length;
  }
  return out.trim();
}
