/**
 * The Redis store's channel attributes and member counts (BEHAVIOUR §5.6):
 * a write is one script (the limits, the change and its event together);
 * reads go to the hash and the member sets directly.
 */
import type { RedisClient } from './connection.js';
import * as v from 'valibot';
import type { ChannelAttributeWrite } from '../../protocol/channel-attribute-op.js';
import { ChannelAttributeSchema, type WireChannelAttribute } from '../../protocol/frames.js';
import { ChannelAttributeLimits } from '../../protocol/channel-attribute-limits.js';
import { refusal } from '../../protocol/refusal.js';
import { ErrorCode } from '../../protocol/error-code.js';
import { StoreRefusals, type StoreResult } from '../presence-store.js';
import type { ScriptRunner } from './script-runner.js';
import { channelAttributesScript } from './scripts/channel-attributes-script.js';
import type { ServedApp } from './served-app.js';

const tooMany = refusal(ErrorCode.LimitExceeded, `more than ${ChannelAttributeLimits.count} channel attributes`);
const tooLarge = refusal(
  ErrorCode.LimitExceeded,
  `more than ${ChannelAttributeLimits.totalBytes} bytes of channel attributes`,
);

export class RedisChannelAttributes {
  constructor(
    private readonly redis: RedisClient,
    private readonly runner: ScriptRunner,
    /** Resolves once this node's listeners heard the app's events up to `position`. */
    private readonly caughtUp: (app: ServedApp, position: string | undefined) => Promise<void>,
  ) {}

  async write(
    app: ServedApp,
    session: string,
    channel: string,
    { op, attributes, keys, by, ts }: ChannelAttributeWrite,
    notify: boolean,
  ): Promise<StoreResult> {
    const { outcome, position } = await this.runner.run(app, channelAttributesScript, {
      uid: by,
      session,
      channel,
      op,
      ts,
      attributes,
      keys,
      mostAttributes: ChannelAttributeLimits.count,
      mostBytes: ChannelAttributeLimits.totalBytes,
      notify,
    });
    if (outcome === 'gone') return StoreRefusals.sessionOver;
    if (outcome === 'limit') return tooMany;
    if (outcome === 'bytes') return tooLarge;
    await this.caughtUp(app, position);
    return { ok: true };
  }

  async read(
    app: ServedApp,
    channel: string,
    keys: readonly string[] | undefined,
  ): Promise<Record<string, WireChannelAttribute>> {
    const key = app.keys.channelAttributes(channel);
    // Names first (HGETALL's object would take a key `__proto__` for the prototype).
    const names = keys ?? (await this.redis.hkeys(key));
    if (names.length === 0) return {};
    const values = await this.redis.hmget(key, ...names);
    const entries = names.map((name, i) => [name, values[i]] as const);
    // Built as entries, not by assignment, which would take a key `__proto__` for the prototype.
    return Object.fromEntries(
      entries.flatMap(([name, json]) =>
        json === null ? [] : [[name, v.parse(ChannelAttributeSchema, JSON.parse(json))] as const],
      ),
    );
  }

  async counts(app: ServedApp, channels: readonly string[]): Promise<Record<string, number>> {
    if (channels.length === 0) return {};
    const pipeline = this.redis.pipeline();
    for (const channel of channels) pipeline.zcard(app.keys.members(channel));
    const replies = (await pipeline.exec()) ?? [];
    return Object.fromEntries(
      channels.map((channel, i) => {
        const [error, count] = replies[i] ?? [new Error('no reply')];
        if (error) throw error;
        return [channel, v.parse(v.number(), count)];
      }),
    );
  }
}
