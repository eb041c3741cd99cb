/**
 * The Redis store's messages (PresenceStore's `sendToPeer`, `sendToChannel`,
 * `sentBefore`, `takeOfflineMessages`): one script per send, so the
 * repeat check, the delivery (an event in the app's stream) and the
 * offline copy happen together or not at all.
 */
import type { RedisClient } from './connection.js';
import * as v from 'valibot';
import {
  OfflineMessages,
  REMEMBERED_SENDS,
  StoreRefusals,
  type MessageSend,
  type SendOutcome,
  type SentMessage,
  type StoreResult,
} from '../presence-store.js';
import type { ScriptRunner } from './script-runner.js';
import { channelMessageScript, peerMessageScript, takeOfflineScript } from './scripts/message-scripts.js';
import type { ServedApp } from './served-app.js';
import { SentMessageSchema } from './stream-event.js';

type Reply = { outcome: 'gone' | 'notJoined' } | { outcome: 'repeated' | 'ok'; received: boolean; position?: string };

export class RedisMessages {
  constructor(
    private readonly redis: RedisClient,
    private readonly runner: ScriptRunner,
    /** Resolves once this node's listeners heard the app's events up to `position`. */
    private readonly caughtUp: (app: ServedApp, position: string | undefined) => Promise<void>,
  ) {}

  async toPeer(
    app: ServedApp,
    uid: string,
    session: string,
    { id, message, to, offline }: MessageSend & { readonly to: string; readonly offline: boolean },
  ): Promise<StoreResult<SendOutcome>> {
    const { limit: offlineLimit, ttlMs: offlineTtlMs } = OfflineMessages;
    const reply = await this.runner.run(app, peerMessageScript, {
      ...this.input(uid, session, id, message),
      to,
      offline,
      offlineLimit,
      offlineTtlMs,
    });
    return this.outcome(app, reply);
  }

  async toChannel(
    app: ServedApp,
    uid: string,
    session: string,
    { id, message, channel }: MessageSend & { readonly channel: string },
  ): Promise<StoreResult<SendOutcome>> {
    const reply = await this.runner.run(app, channelMessageScript, {
      ...this.input(uid, session, id, message),
      channel,
    });
    return this.outcome(app, reply);
  }

  async sentBefore(app: ServedApp, session: string, id: number): Promise<SendOutcome | undefined> {
    const [seen] = await this.redis.zrangebyscore(`${app.keys.prefix}ms:${session}`, id, id);
    return seen === undefined ? undefined : { received: seen.endsWith(':1'), repeated: true };
  }

  async takeOffline(app: ServedApp, uid: string, now: number): Promise<SentMessage[]> {
    const kept = await this.runner.run(app, takeOfflineScript, uid);
    return kept
      .map((json) => v.parse(SentMessageSchema, JSON.parse(json)))
      .filter((message) => message.ts > now - OfflineMessages.ttlMs);
  }

  private input(uid: string, session: string, id: number, message: SentMessage) {
    return { uid, session, id, remembered: REMEMBERED_SENDS, message: JSON.stringify(message) };
  }

  private async outcome(app: ServedApp, reply: Reply): Promise<StoreResult<SendOutcome>> {
    if (!('received' in reply)) return reply.outcome === 'gone' ? StoreRefusals.sessionOver : StoreRefusals.notJoined;
    // The receivers on this node have the message before its sender has the answer.
    await this.caughtUp(app, reply.position);
    return { ok: true, value: { received: reply.received, repeated: reply.outcome === 'repeated' } };
  }
}
