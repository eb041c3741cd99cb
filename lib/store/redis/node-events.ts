/**
 * This node's listeners and what they hear: the events the stream
 * reader delivers, after this node took from them what concerns it (the
 * sessions it lets go, the bans it keeps a copy of, the handoffs it waits
 * for), and the events only this node produces (resync, a kick after a
 * restore conflict).
 */
import type { StoreEvent } from '../presence-store.js';
import type { HeldSessions } from './held-sessions.js';
import type { ServedApp } from './served-app.js';
import { readStreamEntry } from './stream-event.js';

export class NodeEvents {
  private readonly listeners = new Set<(event: StoreEvent) => void>();

  constructor(
    private readonly node: string,
    private readonly held: HeldSessions,
    private readonly onError: (error: unknown) => void,
    /** A `handoff` event: claim `claim` of `app` got its handoff (`kept`: in a key). */
    private readonly handoff: (app: ServedApp, claim: string, kept: boolean) => void,
  ) {}

  listen(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops telling anyone anything. */
  clear(): void {
    this.listeners.clear();
  }

  /** Stream entry `id` of `app`, in stream order. */
  deliver(app: ServedApp, id: string, fields: string[]): void {
    const entry = readStreamEntry(fields);
    if (!entry.ok) {
      this.onError(new Error(`app ${app.id}: unreadable stream entry ${id}: ${entry.problem}`));
      return;
    }
    const { event } = entry;
    switch (event.type) {
      case 'ban':
        if (event.banned) app.bans.add(event.uid);
        else app.bans.delete(event.uid);
        return;
      case 'handoff':
        return this.handoff(app, event.claim, event.kept);
      case 'kick':
      case 'ended':
        this.held.letGo(app.id, event.session, id);
        break;
      case 'moved':
        if (event.node !== this.node) this.held.letGo(app.id, event.session, id);
        break;
    }
    this.emit({ ...event, appId: app.id });
  }

  emit(event: StoreEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.onError(error);
      }
    }
  }
}
