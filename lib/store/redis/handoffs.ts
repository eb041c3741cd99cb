/**
 * Sessions moving between nodes (PresenceStore's `handOver` and
 * `takeHandoff`; docs/CLUSTER.md, "Sessions that move between nodes"): the
 * old node keeps its handoff in a short-lived key and says so in the stream;
 * the new node, waiting for that word, takes the key. One key and one small
 * stream entry per move, nothing per event delivered.
 */
import type { RedisClient } from './connection.js';
import * as v from 'valibot';
import type { Handoff } from '../presence-store.js';
import type { ScriptRunner } from './script-runner.js';
import { handoffScript } from './scripts/handoff-script.js';
import type { ServedApp } from './served-app.js';

const HandoffSchema = v.object({
  seq: v.number(),
  events: v.array(v.string()),
  subscriptions: v.array(v.string()),
});

/** How long a handoff nobody took stays in Redis (its new node gave up waiting long before). */
const HANDOFF_TTL_MS = 60_000;

const keyOf = (app: ServedApp, claim: string) => `${app.id}\n${claim}`;

export class Handoffs {
  /** The claims this node waits for a handoff to, and how to end each wait. */
  private readonly waiting = new Map<string, (handoff: Handoff | undefined) => void>();

  constructor(
    private readonly redis: RedisClient,
    private readonly runner: ScriptRunner,
    private readonly onError: (error: unknown) => void,
  ) {}

  async give(app: ServedApp, claim: string, handoff: Handoff | undefined): Promise<void> {
    const json = handoff ? JSON.stringify(handoff) : '';
    await this.runner.run(app, handoffScript, { claim, handoff: json, ttlMs: HANDOFF_TTL_MS });
  }

  /** The handoff to `claim` once its `handoff` event came; undefined if it was none, or after `waitMs`. */
  take(app: ServedApp, claim: string, waitMs: number): Promise<Handoff | undefined> {
    const key = keyOf(app, claim);
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(undefined), waitMs);
      const done = (handoff: Handoff | undefined) => {
        clearTimeout(timer);
        this.waiting.delete(key);
        resolve(handoff);
      };
      this.waiting.set(key, done);
    });
  }

  /** The stream's `handoff` event: the old node gave claim `claim` its handoff (`kept`: in a key). */
  arrived(app: ServedApp, claim: string, kept: boolean): void {
    const done = this.waiting.get(keyOf(app, claim));
    if (!done) return; // Another node's, or this node stopped waiting: the key expires.
    if (!kept) return done(undefined);
    this.redis
      .getdel(`${app.keys.prefix}ho:${claim}`)
      .then((json) => (json === null ? undefined : v.parse(HandoffSchema, JSON.parse(json))))
      .then(done, (error: unknown) => {
        this.onError(error);
        done(undefined);
      });
  }

  /** Ends every wait: the store closes. */
  clear(): void {
    for (const done of [...this.waiting.values()]) done(undefined);
  }
}
