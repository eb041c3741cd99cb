import { expect } from 'chai';
import { KickReason, PeerStatus } from '../../lib/protocol/frames.js';
import { EndReason } from '../../lib/store/presence-store.js';
import {
  presenceDeadline,
  SessionPhase,
  sessionTransition,
  type SessionEvent,
  type SessionSnapshot,
} from '../../lib/server/session-life.js';

const times = { graceMs: 30_000, unreachableMs: 6_000 };
const online: SessionSnapshot = { phase: SessionPhase.Online, lastFrameAt: 1000 };
const unreachable: SessionSnapshot = { phase: SessionPhase.Unreachable, lastFrameAt: 1000 };
const ended: SessionSnapshot = { phase: SessionPhase.Ended, lastFrameAt: 1000 };

const step = (session: SessionSnapshot, event: SessionEvent) => {
  const { phase, actions } = sessionTransition(session, event, times);
  return { phase, actions: actions.map((action) => Object.values(action).join(' ')) };
};

describe('a session’s life on the server (pure transition)', () => {
  it('goes UNREACHABLE at the unreachable threshold, then ends at the grace, reporting each', () => {
    expect(presenceDeadline(online, times)).to.equal(7000);
    expect(step(online, { type: 'SILENT', now: 7000 })).to.deep.equal({
      phase: SessionPhase.Unreachable,
      actions: ['RESCHEDULE', `REPORT_STATUS ${PeerStatus.Unreachable}`],
    });
    expect(presenceDeadline(unreachable, times)).to.equal(31_000);
    expect(step(unreachable, { type: 'SILENT', now: 31_000 })).to.deep.equal({
      phase: SessionPhase.Ended,
      actions: ['COUNT_EXPIRED', 'FORGET', `END ${EndReason.Expired}`, 'TERMINATE'],
    });
  });

  it('ends at once when an ONLINE session is first looked at past its grace', () => {
    expect(step(online, { type: 'SILENT', now: 31_000 }).phase).to.equal(SessionPhase.Ended);
  });

  it('comes back ONLINE on a frame only from UNREACHABLE', () => {
    expect(step(unreachable, { type: 'HEARD' })).to.deep.equal({
      phase: SessionPhase.Online,
      actions: ['RESCHEDULE', `REPORT_STATUS ${PeerStatus.Online}`],
    });
    expect(step(online, { type: 'HEARD' })).to.deep.equal({ phase: SessionPhase.Online, actions: [] });
    expect(step(unreachable, { type: 'RESUMED' })).to.deep.equal({ phase: SessionPhase.Online, actions: [] });
  });

  it('ends on logout (the close after the store), a kick, a replacement and a move', () => {
    expect(step(online, { type: 'LOGGED_OUT' })).to.deep.equal({
      phase: SessionPhase.Ended,
      actions: ['FORGET', `END ${EndReason.Logout}`, 'CLOSE_LOGGED_OUT'],
    });
    expect(step(unreachable, { type: 'KICKED', reason: KickReason.BannedByServer })).to.deep.equal({
      phase: SessionPhase.Ended,
      actions: ['FORGET', `COUNT_KICKED ${KickReason.BannedByServer}`, `SEND_KICKED ${KickReason.BannedByServer}`],
    });
    expect(step(online, { type: 'REPLACED' })).to.deep.equal({ phase: SessionPhase.Ended, actions: ['FORGET'] });
    expect(step(online, { type: 'MOVED' })).to.deep.equal({
      phase: SessionPhase.Ended,
      actions: ['FORGET', 'TERMINATE'],
    });
    expect(step(online, { type: 'SENT_AWAY' })).to.deep.equal({
      phase: SessionPhase.Ended,
      actions: ['FORGET', 'SEND_AWAY session moved'],
    });
  });

  it('ended by another node: a client heard within the grace is sent away, a silent one dropped', () => {
    expect(step(online, { type: 'ENDED_ELSEWHERE', reason: EndReason.Expired, now: 30_999 })).to.deep.equal({
      phase: SessionPhase.Ended,
      actions: ['COUNT_EXPIRED', 'FORGET', 'SEND_AWAY session moved'],
    });
    expect(step(online, { type: 'ENDED_ELSEWHERE', reason: EndReason.Logout, now: 31_000 })).to.deep.equal({
      phase: SessionPhase.Ended,
      actions: ['FORGET', 'TERMINATE'],
    });
  });

  it('on a resync keeps its phase, marks its events lost and sends its client away', () => {
    expect(step(unreachable, { type: 'RESYNC' })).to.deep.equal({
      phase: SessionPhase.Unreachable,
      actions: ['MARK_LOST', 'SEND_AWAY resync', 'DETACH'],
    });
  });

  it('once ENDED does nothing more, but still closes the socket of a logout', () => {
    const events: SessionEvent[] = [
      { type: 'HEARD' },
      { type: 'SILENT', now: 0 },
      { type: 'KICKED', reason: KickReason.RemoteLogin },
      { type: 'SENT_AWAY' },
      { type: 'MOVED' },
      { type: 'RESYNC' },
      { type: 'REPLACED' },
    ];
    for (const event of events)
      expect(step(ended, event), event.type).to.deep.equal({ phase: SessionPhase.Ended, actions: [] });
    expect(step(ended, { type: 'LOGGED_OUT' })).to.deep.equal({
      phase: SessionPhase.Ended,
      actions: ['CLOSE_LOGGED_OUT'],
    });
  });
});
