/**
 * What a node does when Redis lost an app's data (it restarted empty, or
 * failed over to a replica that had not caught up): it writes back the
 * bans and sessions it holds, and its clients reconcile (a `resync` event)
 * once every node had time to do the same. A node restoring later than
 * that announces what it restores as events instead.
 */
import { KickReason } from '../../protocol/frames.js';
import type { StoreEvent } from '../presence-store.js';
import type { HeldSessions } from './held-sessions.js';
import type { EpochReading, ScriptRunner } from './script-runner.js';
import { restoreBansScript, restoreScript } from './scripts/recovery-scripts.js';
import type { ServedApp } from './served-app.js';

/** Sessions written back per script call. */
const RESTORE_BATCH = 100;

export interface RecoveryOptions {
  node: string;
  held: HeldSessions;
  /** How long after the loss nodes have to restore before clients reconcile. */
  settleMs: number;
  emit: (event: StoreEvent) => void;
  onError(error: unknown): void;
  /** The clock the held sessions' `heardAt` is read on. */
  now: () => number;
}

export class Recovery {
  constructor(private readonly options: RecoveryOptions) {}

  /**
   * Restores what this node holds of the app, then schedules its clients' reconciliation
   * (runs inside the epoch check).
   */
  async recover(runner: ScriptRunner, app: ServedApp, { createdAt, now }: EpochReading): Promise<void> {
    const late = now - createdAt > this.options.settleMs;
    await this.restore(runner, app, late);
    this.options.onError(
      new Error(
        `app ${app.id}: Redis lost its presence data; ` +
          `this node restored ${this.options.held.ofApp(app.id).length} session(s)`,
      ),
    );
    clearTimeout(app.resyncTimer);
    app.resyncTimer = setTimeout(
      () => this.options.emit({ type: 'resync', appId: app.id }),
      late ? 0 : Math.max(0, createdAt + this.options.settleMs - now),
    );
    app.resyncTimer.unref?.();
  }

  private async restore(runner: ScriptRunner, app: ServedApp, late: boolean): Promise<void> {
    const { held, node, emit } = this.options;
    if (app.bans.size > 0) await runner.runRestoring(app, restoreBansScript, app.bans);
    const sessions = held.ofApp(app.id);
    const now = this.options.now();
    for (let i = 0; i < sessions.length; i += RESTORE_BATCH) {
      const batch = sessions.slice(i, i + RESTORE_BATCH);
      const { results } = await runner.runRestoring(app, restoreScript, {
        late,
        sessions: batch.map((session) => ({ ...session, node, agoMs: now - session.heardAt })),
      });
      batch.forEach((session, index) => {
        if (results[index] !== 'conflict') return;
        // A newer login of the uid got there first: this instance is replaced.
        held.letGo(session.appId, session.session, undefined);
        emit({
          type: 'kick',
          appId: session.appId,
          uid: session.uid,
          session: session.session,
          reason: KickReason.RemoteLogin,
        });
      });
    }
  }
}
