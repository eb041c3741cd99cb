/**
 * The effects of a session's transitions (session-life.ts), run in order
 * against the presence clock, the store, the telemetry and the session's
 * socket. An end waits for the store before the effects after it.
 */
import { CloseCode } from '../protocol/close-code.js';
import type { PresenceStore } from '../store/presence-store.js';
import type { PresenceClock } from './presence-clock.js';
import type { ServerSession } from './server-session.js';
import type { SessionAction } from './session-life.js';
import type { Telemetry } from './telemetry.js';

export class SessionEffects {
  /**
   * @param report where a failed store call that nobody waits for goes
   * @param forget drops the session from the node's maps, fan-out and presence clock
   */
  constructor(
    private readonly store: PresenceStore,
    private readonly presence: PresenceClock,
    private readonly telemetry: Telemetry,
    private readonly report: (work: Promise<unknown>) => void,
    private readonly forget: (session: ServerSession) => void,
  ) {}

  /** Runs `actions` from `from` on; resolves once they all ran if one waits for the store, else answers undefined. */
  run(session: ServerSession, actions: readonly SessionAction[], from = 0): Promise<void> | undefined {
    for (let i = from; i < actions.length; i++) {
      const action = actions[i];
      switch (action.type) {
        case 'RESCHEDULE':
          this.presence.schedule(session);
          break;
        case 'REPORT_STATUS':
          this.report(this.store.setStatus(session.appId, session.uid, session.id, action.status));
          break;
        case 'FORGET':
          this.forget(session);
          break;
        case 'END':
          return this.store
            .end(session.appId, session.uid, session.id, action.reason)
            .then(() => this.run(session, actions, i + 1));
        case 'COUNT_EXPIRED':
          this.telemetry.expired();
          break;
        case 'COUNT_KICKED':
          this.telemetry.kicked(action.reason);
          break;
        case 'SEND_KICKED':
          session.peer?.send({ t: 'kicked', reason: action.reason });
          session.peer?.close(CloseCode.Kicked, action.reason);
          break;
        case 'SEND_AWAY':
          session.peer?.send({ t: 'goaway' });
          session.peer?.close(CloseCode.ServiceRestart, action.reason);
          break;
        case 'CLOSE_LOGGED_OUT':
          session.peer?.close(CloseCode.Normal, 'logged out');
          break;
        case 'TERMINATE':
          session.peer?.terminate();
          break;
        case 'MARK_LOST':
          session.events.markLost();
          break;
        case 'DETACH':
          session.peer = undefined;
          break;
      }
    }
    return undefined;
  }
}
