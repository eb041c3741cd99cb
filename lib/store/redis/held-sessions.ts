/**
 * The sessions this node holds, as it would have to write them back if
 * Redis lost them, and those that recently left it, so a late answer
 * cannot bring one back.
 */
import type { LiveStatus } from './scripts/session-scripts.js';
import type { Lease } from '../presence-store.js';
import { compareStreamIds } from './stream-id.js';

export interface Held {
  appId: string;
  uid: string;
  session: string;
  /** The claim that holds it: this node's writes for it are fenced by it. */
  token: string;
  replaced: string;
  status: LiveStatus;
  channels: string[];
  attributes: Map<string, string>;
  lease: Lease;
  /** By the injected clock, when last heard. */
  heardAt: number;
}

/** How long a session that left this node is remembered. */
const GONE_KEPT_MS = 60_000;

const keyOf = (appId: string, session: string) => `${appId}\n${session}`;

export class HeldSessions {
  private readonly held = new Map<string, Held>();
  /** Sessions gone from this node: the stream id that took them (undefined: ended here), and when; oldest first. */
  private readonly gone = new Map<string, { id: string | undefined; at: number }>();

  /** `now`: the clock `heardAt` is read on. */
  constructor(private readonly now: () => number) {}

  get size(): number {
    return this.held.size;
  }

  get(appId: string, session: string): Held | undefined {
    return this.held.get(keyOf(appId, session));
  }

  ofApp(appId: string): Held[] {
    return [...this.held.values()].filter((held) => held.appId === appId);
  }

  /**
   * Records a session this node now holds (claimed at stream `position`),
   * unless a later event already took it away.
   */
  hold(position: string, held: Held): void {
    const key = keyOf(held.appId, held.session);
    const gone = this.gone.get(key);
    if (gone && (gone.id === undefined || compareStreamIds(gone.id, position) > 0)) return;
    this.gone.delete(key);
    this.held.set(key, held);
  }

  /**
   * The session is no longer this node's (ended, kicked, moved);
   * `id` is the stream entry that said so (undefined: ended here).
   */
  letGo(appId: string, session: string, id: string | undefined): void {
    const key = keyOf(appId, session);
    this.held.delete(key);
    // Re-inserted, so the map stays oldest first for pruning.
    this.gone.delete(key);
    this.gone.set(key, { id, at: this.now() });
  }

  /** Forgets sessions that left long enough ago. */
  pruneGone(): void {
    const now = this.now();
    for (const [key, { at }] of this.gone) {
      if (now - at < GONE_KEPT_MS) break;
      this.gone.delete(key);
    }
  }
}
