/**
 * A server session's life (BEHAVIOUR §4.1, §4.2) over random happenings
 * from random live snapshots, with the presence clock firing late by a
 * random amount, where session-life.spec.ts checks chosen examples: ENDED is
 * final and reached once, UNREACHABLE and the expiry only after their
 * silences, status reports alternate with the phase, a superseded session
 * never tells the store it ended, and no live client's socket is dropped as
 * dead.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { KickReason, PeerStatus } from '../../lib/protocol/frames.js';
import {
  presenceDeadline,
  SessionPhase,
  sessionTransition,
  type PresenceTimes,
  type SessionAction,
  type SessionEvent,
  type SessionSnapshot,
} from '../../lib/server/session-life.js';
import { EndReason } from '../../lib/store/presence-store.js';
import { runs } from '../support/property-runs.js';

/** What can happen to a session, besides its presence clock; `dt` ms after the last happening. */
type Happening = { readonly dt: number } & (
  | { readonly type: 'HEARD' | 'RESUMED' | 'LOGGED_OUT' | 'REPLACED' | 'SENT_AWAY' | 'MOVED' | 'RESYNC' }
  | { readonly type: 'KICKED'; readonly reason: KickReason }
  | { readonly type: 'ENDED_ELSEWHERE'; readonly reason: EndReason }
  | { readonly type: 'QUIET' }
);

const happeningArb: fc.Arbitrary<Happening> = fc
  .tuple(
    fc.integer({ min: 0, max: 40_000 }),
    fc.oneof(
      { arbitrary: fc.record({ type: fc.constantFrom('HEARD' as const, 'QUIET' as const) }), weight: 6 },
      fc.record({
        type: fc.constantFrom(
          'RESUMED' as const,
          'LOGGED_OUT' as const,
          'REPLACED' as const,
          'SENT_AWAY' as const,
          'MOVED' as const,
          'RESYNC' as const,
        ),
      }),
      fc.record({ type: fc.constant('KICKED' as const), reason: fc.constantFrom(...Object.values(KickReason)) }),
      fc.record({
        type: fc.constant('ENDED_ELSEWHERE' as const),
        reason: fc.constantFrom(...Object.values(EndReason)),
      }),
    ),
  )
  .map(([dt, what]) => ({ dt, ...what }));

const timesArb: fc.Arbitrary<PresenceTimes> = fc
  .tuple(fc.integer({ min: 1000, max: 30_000 }), fc.integer({ min: 100, max: 30_000 }))
  .map(([graceMs, unreachableMs]) => ({ graceMs, unreachableMs: Math.min(unreachableMs, graceMs) }));

/** Actions that end the socket's use: at most one a step. */
const SOCKET_ENDINGS = new Set<SessionAction['type']>(['TERMINATE', 'CLOSE_LOGGED_OUT', 'SEND_KICKED', 'SEND_AWAY']);
const live = (phase: SessionPhase) => phase !== SessionPhase.Ended;

describe('a session’s life on the server (properties)', () => {
  it('keeps every invariant over random happenings from random live snapshots, the clock firing late', () => {
    fc.assert(
      fc.property(
        timesArb,
        fc.integer({ min: 0, max: 40_000 }),
        fc.integer({ min: 0, max: 500 }),
        fc.array(happeningArb, { maxLength: 30 }),
        (times, agoMs, lateMs, happenings) => {
          const start = 100_000;
          let now = start;
          // A snapshot as the clock leaves it: UNREACHABLE once silent past the threshold; within the grace.
          const ago = agoMs % times.graceMs;
          let session: SessionSnapshot = {
            phase: ago >= times.unreachableMs ? SessionPhase.Unreachable : SessionPhase.Online,
            lastFrameAt: start - ago,
          };
          let forgotten = 0;
          let ends = 0;
          const apply = (event: SessionEvent) => {
            const before = session;
            const { phase, actions } = sessionTransition(before, event, times);
            const types = actions.map((a) => a.type);
            const silence = now - before.lastFrameAt;
            const why = `${JSON.stringify(event)} at ${now} to ${JSON.stringify(before)}: ${JSON.stringify(actions)}`;
            if (!live(before.phase)) {
              // ENDED is final; only a logout frame still gets its socket closed.
              expect(phase, why).to.equal(SessionPhase.Ended);
              expect(types, why).to.deep.equal(event.type === 'LOGGED_OUT' ? ['CLOSE_LOGGED_OUT'] : []);
            }
            const ending = live(before.phase) && !live(phase);
            expect(types.includes('FORGET'), why).to.equal(ending);
            if (ending) forgotten++;
            for (const action of actions) {
              if (action.type === 'END') {
                ends++;
                // Only this node's own ends reach the store; a superseded session's new owner speaks for it.
                const own = event.type === 'LOGGED_OUT' ? EndReason.Logout : EndReason.Expired;
                expect(event.type === 'LOGGED_OUT' || event.type === 'SILENT', why).to.equal(true);
                expect(action.reason, why).to.equal(own);
              }
              if (action.type === 'REPORT_STATUS') {
                expect(before.phase, why).to.not.equal(action.status);
                expect(phase, why).to.equal(action.status);
              }
            }
            // A live phase changes with its report, except a resume, whose claim in the store reported it.
            if (live(before.phase) && live(phase) && phase !== before.phase && event.type !== 'RESUMED') {
              expect(types, why).to.include('REPORT_STATUS');
            }
            // Silences: UNREACHABLE after the threshold, an expiry after the grace.
            if (phase === SessionPhase.Unreachable && before.phase === SessionPhase.Online) {
              expect(silence, why).to.be.at.least(times.unreachableMs).and.below(times.graceMs);
            }
            if (types.includes('COUNT_EXPIRED') && event.type === 'SILENT') {
              expect(silence, why).to.be.at.least(times.graceMs);
            }
            // A client heard within the grace is never dropped as a dead link (unless it went to another node).
            if (types.includes('TERMINATE') && event.type !== 'MOVED') {
              expect(silence, why).to.be.at.least(times.graceMs);
            }
            if (event.type === 'RESYNC') expect(phase, why).to.equal(before.phase);
            expect(types.filter((t) => SOCKET_ENDINGS.has(t)).length, why).to.be.at.most(1);
            session = { phase, lastFrameAt: before.lastFrameAt };
          };
          /** The presence clock: SILENT at each deadline passed by `until`, `lateMs` late. */
          const runClock = (until: number) => {
            while (live(session.phase) && presenceDeadline(session, times) + lateMs <= until) {
              now = Math.max(now, presenceDeadline(session, times) + lateMs);
              apply({ type: 'SILENT', now });
            }
          };
          runClock(now);
          for (const h of happenings) {
            runClock(now + h.dt);
            now += h.dt;
            if (h.type === 'QUIET') continue;
            if (h.type === 'HEARD' || h.type === 'RESUMED') session = { ...session, lastFrameAt: now };
            // As the registry does: a frame is an event only for an UNREACHABLE session.
            if (h.type === 'HEARD' && session.phase !== SessionPhase.Unreachable) continue;
            if (h.type === 'ENDED_ELSEWHERE') apply({ type: h.type, reason: h.reason, now });
            else if (h.type === 'KICKED') apply({ type: h.type, reason: h.reason });
            else apply({ type: h.type });
          }
          runClock(Number.MAX_SAFE_INTEGER);
          // Every life ends, once; the store hears of it at most once.
          expect(session.phase).to.equal(SessionPhase.Ended);
          expect(forgotten).to.equal(1);
          expect(ends).to.be.at.most(1);
        },
      ),
      runs(300),
    );
  });

  it('reports UNREACHABLE then ONLINE once for each silence past the threshold, and nothing else', () => {
    const times: PresenceTimes = { graceMs: 30_000, unreachableMs: 6000 };
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 29_999 }), { maxLength: 30 }), (gaps) => {
        // Frames `gap` ms apart, never past the grace: the session lives, flickering only as its silences say.
        let session: SessionSnapshot = { phase: SessionPhase.Online, lastFrameAt: 0 };
        const reports: string[] = [];
        const step = (event: SessionEvent) => {
          const { phase, actions } = sessionTransition(session, event, times);
          session = { ...session, phase };
          for (const a of actions) if (a.type === 'REPORT_STATUS') reports.push(a.status);
        };
        for (const gap of gaps) {
          if (gap >= times.unreachableMs) step({ type: 'SILENT', now: session.lastFrameAt + times.unreachableMs });
          const unreachable = session.phase === SessionPhase.Unreachable;
          session = { ...session, lastFrameAt: session.lastFrameAt + gap };
          if (unreachable) step({ type: 'HEARD' });
        }
        const silences = gaps.filter((gap) => gap >= times.unreachableMs).length;
        expect(reports).to.deep.equal(
          Array.from({ length: silences }, () => [PeerStatus.Unreachable, PeerStatus.Online]).flat(),
        );
        expect(session.phase).to.equal(SessionPhase.Online);
      }),
      runs(200),
    );
  });
});
