/** An app this node serves: where its data lives in Redis, and what the node knows of that data. */

/** Ids that may stand in keys as they are; others are encoded, so no app can reach into another's keys. */
const SAFE_TAG = /^[A-Za-z0-9_.-]+$/;

/** The app id as it appears in keys: itself if plain, else base64url after `~`. */
export function appTag(appId: string): string {
  return SAFE_TAG.test(appId) ? appId : `~${Buffer.from(appId).toString('base64url')}`;
}

/**
 * An app's keys: `<prefix>:{<tag>}:…`, the braces a Redis Cluster hash tag,
 * so all of them share one slot (the full layout is in scripts/prelude.ts).
 */
export interface AppKeys {
  /** What every key of the app starts with. */
  readonly prefix: string;
  readonly epoch: string;
  readonly events: string;
  readonly banned: string;
  members(channel: string): string;
  attributes(uid: string): string;
  channelAttributes(channel: string): string;
}

export function appKeys(keyPrefix: string, appId: string): AppKeys {
  const prefix = `${keyPrefix}:{${appTag(appId)}}:`;
  return {
    prefix,
    epoch: `${prefix}epoch`,
    events: `${prefix}events`,
    banned: `${prefix}banned`,
    members: (channel) => `${prefix}c:${channel}`,
    attributes: (uid) => `${prefix}ua:${uid}`,
    channelAttributes: (channel) => `${prefix}ca:${channel}`,
  };
}

export interface ServedApp {
  readonly id: string;
  readonly keys: AppKeys;
  /** The epoch of the app's data this node knows (undefined until first read). */
  epoch: string | undefined;
  /** A running epoch check (and restore); scripts wait for it. */
  epochTask: Promise<void> | undefined;
  /** Banned uids, as the stream told them (to write back after a loss). */
  readonly bans: Set<string>;
  /** The reconciliation due after a loss, once every node had time to restore. */
  resyncTimer: ReturnType<typeof setTimeout> | undefined;
}

export function servedApp(keyPrefix: string, id: string): ServedApp {
  return {
    id,
    keys: appKeys(keyPrefix, id),
    epoch: undefined,
    epochTask: undefined,
    bans: new Set(),
    resyncTimer: undefined,
  };
}
