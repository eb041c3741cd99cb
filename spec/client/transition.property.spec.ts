/**
 * The transition's invariants (BEHAVIOUR §1–§3) over random event sequences
 * from random snapshots, where transition.spec.ts checks chosen examples:
 * only legal pairs and moves, each login and logout promise settled exactly
 * once, nothing done for an old epoch, ABORTED left only by `logout`, and
 * a blip healed within the threshold announcing nothing.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import type { ConnectionAction, ConnectionEvent } from '../../lib/client/connection-event.js';
import { ConnectionChangeReason as R, ConnectionState as S } from '../../lib/client/connection-state.js';
import { deadlines, transition, type ConnectionSnapshot, type Timings } from '../../lib/client/transition.js';
import { ErrorCode } from '../../lib/protocol/error-code.js';
import { KickReason } from '../../lib/protocol/vocabulary.js';
import { legalMoves, legalReasons } from '../support/legal-paths.js';
import { runs } from '../support/property-runs.js';

const timings: Timings = { loginTimeoutMs: 6000, interruptionThresholdMs: 4000, tokenWarningMs: 30_000 };
const write = () => true;
/** The request id of the login a random CONNECTING snapshot waits for; the app's calls count from 100. */
const EARLIER_LOGIN = 1;

/** A snapshot of the shape each state has (credentials once logged in, a pending login only while CONNECTING). */
const snapshotArb: fc.Arbitrary<ConnectionSnapshot> = fc
  .record({
    state: fc.constantFrom(...Object.values(S)),
    reasonPick: fc.nat(),
    epoch: fc.integer({ min: 0, max: 5 }),
    token: fc.constantFrom('t1', 't2'),
    session: fc.option(fc.constantFrom('s1', 's2'), { nil: undefined }),
    linkDownSince: fc.option(fc.integer({ min: 0, max: 3000 }), { nil: undefined }),
    tokenExpiresAt: fc.option(fc.integer({ min: 0, max: 200_000 }), { nil: undefined }),
    tokenWarned: fc.boolean(),
    tokenExpiredReported: fc.option(fc.constantFrom('t1', 't2'), { nil: undefined }),
  })
  .map((r) => {
    const reasons = legalReasons[r.state];
    const reason = reasons[r.reasonPick % reasons.length];
    if (r.state === S.Disconnected) return { state: r.state, reason, epoch: r.epoch };
    const withLink = r.state === S.Connected || r.state === S.Reconnecting;
    return {
      state: r.state,
      reason,
      epoch: Math.max(r.epoch, 1),
      credentials: { uid: 'alice', token: r.token },
      ...(r.state === S.Connecting ? { pendingLogin: { request: EARLIER_LOGIN, since: 0 } } : {}),
      ...(withLink ? { session: r.session ?? 's1', tokenExpiresAt: r.tokenExpiresAt } : {}),
      ...(withLink && r.linkDownSince !== undefined ? { linkDownSince: r.linkDownSince } : {}),
      ...(r.tokenWarned && r.tokenExpiresAt !== undefined ? { tokenWarnedFor: r.tokenExpiresAt } : {}),
      ...(r.tokenExpiredReported ? { tokenExpiredReported: r.tokenExpiredReported } : {}),
    } satisfies ConnectionSnapshot;
  });

/**
 * One happening, resolved against the snapshot and clock it meets: its
 * epoch is the current one shifted by `epochShift` (mostly 0), request ids
 * are handed out in order.
 */
type Happening = { dt: number; epochShift: number } & (
  | { type: 'LOGIN'; uid: string }
  | { type: 'LOGOUT' }
  | { type: 'TOKEN_RENEWED'; token: string; expiresIn: number | undefined }
  | { type: 'LINK_UP'; session: string; resumed: boolean; gap: boolean; expiresIn: number }
  | { type: 'LINK_DOWN'; lag: number }
  | { type: 'LINK_RESTORED' }
  | { type: 'LOGIN_REFUSED'; code: ErrorCode }
  | { type: 'KICKED'; reason: KickReason }
  | { type: 'LOGIN_TIMED_OUT' }
  | { type: 'INTERRUPTION_THRESHOLD' }
  | { type: 'TOKEN_WARNING'; current: boolean }
);

const happeningArb: fc.Arbitrary<Happening> = fc
  .tuple(
    fc.integer({ min: 0, max: 3000 }),
    fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: fc.integer({ min: -2, max: 1 }), weight: 1 }),
    fc.oneof(
      fc.record({ type: fc.constant('LOGIN' as const), uid: fc.constantFrom('alice', 'bob') }),
      fc.record({ type: fc.constant('LOGOUT' as const) }),
      fc.record({
        type: fc.constant('TOKEN_RENEWED' as const),
        token: fc.constantFrom('t1', 't2', 't3'),
        expiresIn: fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: undefined }),
      }),
      fc.record({
        type: fc.constant('LINK_UP' as const),
        session: fc.constantFrom('s1', 's2'),
        resumed: fc.boolean(),
        gap: fc.boolean(),
        expiresIn: fc.integer({ min: 0, max: 100_000 }),
      }),
      fc.record({ type: fc.constant('LINK_DOWN' as const), lag: fc.integer({ min: 0, max: 2000 }) }),
      fc.record({ type: fc.constant('LINK_RESTORED' as const) }),
      fc.record({ type: fc.constant('LOGIN_REFUSED' as const), code: fc.constantFrom(...Object.values(ErrorCode)) }),
      fc.record({ type: fc.constant('KICKED' as const), reason: fc.constantFrom(...Object.values(KickReason)) }),
      fc.record({ type: fc.constant('LOGIN_TIMED_OUT' as const) }),
      fc.record({ type: fc.constant('INTERRUPTION_THRESHOLD' as const) }),
      fc.record({ type: fc.constant('TOKEN_WARNING' as const), current: fc.boolean() }),
    ),
  )
  .map(([dt, epochShift, what]) => ({ dt, epochShift, ...what }));

function eventOf(h: Happening, s: ConnectionSnapshot, now: number, request: number): ConnectionEvent {
  const epoch = s.epoch + h.epochShift;
  switch (h.type) {
    case 'LOGIN':
      return { type: 'LOGIN', request, uid: h.uid, token: 't1', at: now };
    case 'LOGOUT':
      return { type: 'LOGOUT', request };
    case 'TOKEN_RENEWED':
      return { type: 'TOKEN_RENEWED', token: h.token, tokenExpiresAt: h.expiresIn && now + h.expiresIn };
    case 'LINK_UP': {
      const { session, resumed, gap } = h;
      return { type: 'LINK_UP', epoch, session, resumed, gap, tokenExpiresAt: now + h.expiresIn, write };
    }
    case 'LINK_DOWN':
      return { type: 'LINK_DOWN', epoch, since: now - h.lag };
    case 'LOGIN_REFUSED':
      return { type: 'LOGIN_REFUSED', epoch, code: h.code };
    case 'KICKED':
      return { type: 'KICKED', epoch, reason: h.reason };
    case 'TOKEN_WARNING':
      return { type: 'TOKEN_WARNING', epoch, tokenExpiresAt: h.current ? (s.tokenExpiresAt ?? now) : now + 1 };
    default:
      return { type: h.type, epoch };
  }
}

const pairOf = (s: ConnectionSnapshot) => `${s.state}/${s.reason}`;
const settles = (actions: readonly ConnectionAction[]) =>
  actions.flatMap((a) => (a.type === 'SETTLE' ? [a.request] : []));

describe('transition (properties)', () => {
  it('keeps every invariant over random events from random snapshots, and a final logout settles every promise', () => {
    fc.assert(
      fc.property(snapshotArb, fc.array(happeningArb, { maxLength: 40 }), (start, happenings) => {
        const issued = new Set<number>(start.pendingLogin ? [start.pendingLogin.request] : []);
        const settled = new Map<number, number>();
        let s = start;
        let now = 3000;
        let nextRequest = 100;
        const apply = (event: ConnectionEvent) => {
          if (event.type === 'LOGIN' || event.type === 'LOGOUT') issued.add(event.request);
          const before = s;
          const { snapshot: after, actions } = transition(before, event);
          const why = `${JSON.stringify(event)} from ${JSON.stringify(before)}`;
          // Legal pairs and moves; a reason changes only with its state.
          expect(legalReasons[after.state], why).to.include(after.reason);
          if (after.state !== before.state) expect(legalMoves[before.state], why).to.include(after.state);
          else expect(after.reason, why).to.equal(before.reason);
          // An event of another login changes nothing and does nothing.
          if ('epoch' in event && event.epoch !== before.epoch) {
            expect(after, why).to.equal(before);
            expect(actions, why).to.deep.equal([]);
          }
          // ABORTED: only logout leaves it; nothing reconnects.
          if (before.state === S.Aborted && event.type !== 'LOGOUT') expect(after.state, why).to.equal(S.Aborted);
          if (before.state === S.Aborted)
            expect(
              actions.map((a) => a.type),
              why,
            ).to.not.include('RESUME_SESSION');
          // RECONNECTING only when the threshold's timer says so.
          if (after.state === S.Reconnecting && before.state !== S.Reconnecting) {
            expect(event.type, why).to.equal('INTERRUPTION_THRESHOLD');
          }
          // The session is forgotten exactly when the client leaves its login behind.
          const leaves = after.state !== before.state && (after.state === S.Disconnected || after.state === S.Aborted);
          expect(
            actions.some((a) => a.type === 'FORGET_SESSION'),
            why,
          ).to.equal(leaves);
          // The snapshot's shape: credentials with a login, a pending login only while CONNECTING.
          expect(after.credentials === undefined, why).to.equal(after.state === S.Disconnected);
          expect(after.pendingLogin === undefined, why).to.equal(after.state !== S.Connecting);
          expect(after.epoch, why).to.be.at.least(before.epoch);
          for (const request of settles(actions)) {
            expect(issued.has(request), `${why} settles ${request}, never issued`).to.equal(true);
            settled.set(request, (settled.get(request) ?? 0) + 1);
            expect(settled.get(request), `${why} settles ${request} again`).to.equal(1);
          }
          s = after;
        };
        for (const h of happenings) {
          now += h.dt;
          const request = h.type === 'LOGIN' || h.type === 'LOGOUT' ? nextRequest++ : 0;
          apply(eventOf(h, s, now, request));
        }
        apply({ type: 'LOGOUT', request: nextRequest });
        expect(s.state).to.equal(S.Disconnected);
        expect([...issued].filter((request) => settled.get(request) !== 1)).to.deep.equal([]);
      }),
      runs(300),
    );
  });

  /**
   * Runs `happenings` (times relative to the start) on a clock, firing each
   * deadline of the snapshot when it falls due, once, as the client's timers
   * do; returns the pairs announced, with their times.
   */
  function simulate(start: ConnectionSnapshot, happenings: ReadonlyArray<{ at: number; event: ConnectionEvent }>) {
    let s = start;
    const announced: string[] = [];
    const fired = new Set<string>();
    const step = (event: ConnectionEvent, at: number) => {
      const next = transition(s, event).snapshot;
      if (next.state !== s.state) announced.push(`${pairOf(next)}@${at}`);
      s = next;
    };
    const fireDue = (until: number) => {
      for (;;) {
        const due = Object.entries(deadlines(s, timings))
          .flatMap(([name, d]) => (d && d.at <= until && !fired.has(`${name}@${d.at}`) ? [{ name, ...d }] : []))
          .sort((a, b) => a.at - b.at)[0];
        if (!due) return;
        fired.add(`${due.name}@${due.at}`);
        step(due.event, due.at);
      }
    };
    for (const { at, event } of happenings) {
      fireDue(at);
      step(event, at);
    }
    fireDue(Number.MAX_SAFE_INTEGER);
    return { announced, end: s };
  }

  const connected: ConnectionSnapshot = {
    state: S.Connected,
    reason: R.LoginSuccess,
    epoch: 1,
    credentials: { uid: 'alice', token: 't1' },
    session: 's1',
  };
  /** A blip: the link down `down` ms after `gap` ms up, noticed `lag` ms in (or when healed), then healed. */
  interface Blip {
    readonly gap: number;
    readonly lag: number;
    readonly down: number;
    readonly heal: 'LINK_RESTORED' | 'LINK_UP';
    readonly gapped: boolean;
  }
  const blipsArb = (downMs: fc.Arbitrary<number>): fc.Arbitrary<Blip[]> =>
    fc.array(
      fc.record({
        gap: fc.integer({ min: 0, max: 10_000 }),
        lag: fc.integer({ min: 0, max: 1000 }),
        down: downMs,
        heal: fc.constantFrom('LINK_RESTORED' as const, 'LINK_UP' as const),
        gapped: fc.boolean(),
      }),
      { minLength: 1, maxLength: 8 },
    );
  function blipEvents(blips: readonly Blip[]) {
    const happenings: Array<{ at: number; event: ConnectionEvent }> = [];
    let t = 0;
    for (const { gap, lag, down, heal, gapped } of blips) {
      const since = t + gap;
      const healed = since + down;
      happenings.push({ at: since + Math.min(lag, down), event: { type: 'LINK_DOWN', epoch: 1, since } });
      happenings.push({
        at: healed,
        event:
          heal === 'LINK_UP'
            ? { type: 'LINK_UP', epoch: 1, session: 's1', resumed: true, gap: gapped, tokenExpiresAt: 1e9, write }
            : { type: 'LINK_RESTORED', epoch: 1 },
      });
      t = healed;
    }
    return happenings;
  }

  it('announces nothing for blips healed within the interruption threshold', () => {
    const { interruptionThresholdMs } = timings;
    fc.assert(
      fc.property(blipsArb(fc.integer({ min: 0, max: interruptionThresholdMs - 1 })), (blips) => {
        const { announced, end } = simulate(connected, blipEvents(blips));
        expect(announced).to.deep.equal([]);
        expect(pairOf(end)).to.equal('CONNECTED/LOGIN_SUCCESS');
      }),
      runs(300),
    );
  });

  it('announces RECONNECTING first, at the threshold, when the first blip outlasts it', () => {
    const { interruptionThresholdMs } = timings;
    fc.assert(
      fc.property(blipsArb(fc.integer({ min: interruptionThresholdMs, max: 60_000 })), (blips) => {
        const { announced } = simulate(connected, blipEvents(blips));
        expect(announced[0]).to.equal(`RECONNECTING/INTERRUPTED@${blips[0].gap + interruptionThresholdMs}`);
      }),
      runs(200),
    );
  });
});
