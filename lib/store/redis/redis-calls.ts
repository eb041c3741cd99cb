/**
 * The Redis store's call invitations (CallStore, BEHAVIOUR §7.5): a record
 * per invitation in the app's keys, changed only by compare-and-set scripts
 * (scripts/call-scripts.ts), its news in the app's stream.
 */
import * as v from 'valibot';
import { CallFailure, CallState } from '../../protocol/call-vocabulary.js';
import type { CallInvite, CallInviteResult, CallRecord, CallStepResult, CallChange, CallStore } from '../call-store.js';
import type { RedisClient } from './connection.js';
import type { ScriptRunner } from './script-runner.js';
import { dueScript, inviteScript, stepScript } from './scripts/call-scripts.js';
import type { ServedApp } from './served-app.js';

/** The most due invitations one look takes, per app. */
const DUE_LIMIT = 200;

const Status = v.object({
  state: v.picklist(Object.values(CallState)),
  reason: v.optional(v.picklist(Object.values(CallFailure))),
  response: v.optional(v.string()),
});

const Record = v.object({
  id: v.string(),
  a: v.string(),
  as: v.string(),
  b: v.string(),
  bs: v.string(),
  st: v.pipe(v.string(), v.parseJson(), Status),
  v: v.pipe(v.string(), v.transform(Number), v.integer()),
  at: v.pipe(v.string(), v.transform(Number), v.number()),
});

const SENT = JSON.stringify({ state: CallState.Sent });
const OFFLINE = JSON.stringify({ state: CallState.Failed, reason: CallFailure.PeerOffline });

export class RedisCalls implements CallStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly runner: ScriptRunner,
    private readonly apps: ReadonlyMap<string, ServedApp>,
    /** The app served under `appId` (throws for another). */
    private readonly app: (appId: string) => ServedApp,
    /** Resolves once this node's listeners heard the app's events up to `position`. */
    private readonly caughtUp: (app: ServedApp, position: string | undefined) => Promise<void>,
  ) {}

  async invite(appId: string, { ackMs, keepMs, ...invite }: CallInvite): Promise<CallInviteResult> {
    const app = this.app(appId);
    const reply = await this.runner.run(app, inviteScript, { ...invite, ackMs, keepMs, sent: SENT, offline: OFFLINE });
    if (reply.outcome === 'gone') return reply;
    // Its callee's session, if held here, has it before the caller hears the answer.
    await this.caughtUp(app, reply.position);
    return { outcome: reply.outcome, record: record(reply.hash) };
  }

  async read(appId: string, call: string): Promise<CallRecord | undefined> {
    const app = this.app(appId);
    const flat = await this.redis.hgetall(`${app.keys.prefix}call:${call}`);
    return Object.keys(flat).length === 0 ? undefined : record(new Map(Object.entries(flat)));
  }

  async step(appId: string, call: string, version: number, change: CallChange): Promise<CallStepResult> {
    const app = this.app(appId);
    const reply = await this.runner.run(app, stepScript, {
      call,
      version,
      status: JSON.stringify(change.status),
      body: change.body,
      deadline: change.deadline,
      keepMs: change.keepMs,
      tell: change.tell,
    });
    if (reply.outcome === 'stale') return { ok: false, record: reply.hash.size ? record(reply.hash) : undefined };
    await this.caughtUp(app, reply.position);
    return { ok: true };
  }

  ofSession(appId: string, session: string): Promise<string[]> {
    return this.redis.smembers(`${this.app(appId).keys.prefix}sc:${session}`);
  }

  async due(): Promise<{ now: number; calls: Array<{ appId: string; call: string }> }> {
    let now = 0;
    const calls: Array<{ appId: string; call: string }> = [];
    for (const app of this.apps.values()) {
      const reply = await this.runner.run(app, dueScript, DUE_LIMIT);
      now = reply.now;
      for (const call of reply.calls) calls.push({ appId: app.id, call });
    }
    return { now, calls };
  }
}

function record(hash: ReadonlyMap<string, string>): CallRecord {
  const { id, a, as, b, bs, st, v: version, at } = v.parse(Record, Object.fromEntries(hash));
  return {
    id,
    caller: a,
    callerSession: as,
    callee: b,
    calleeSession: bs,
    status: {
      state: st.state,
      ...(st.reason === undefined ? {} : { reason: st.reason }),
      ...(st.response === undefined ? {} : { response: st.response }),
    },
    version,
    sentAt: at,
  };
}
