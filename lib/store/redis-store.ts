/**
 * The store of a cluster: several server nodes share presence through one
 * Redis (see docs/CLUSTER.md for the design and the reasons).
 *
 * - State lives in keys, one hash tag per app (`rtm:{app}:…`); every change
 *   is one Lua script (redis-scripts.ts), atomic across nodes.
 * - Events go to a stream per app, written by the same script as the
 *   change. Each node reads every stream from its own offset, so a node
 *   that was cut off from Redis for a moment reads on where it stopped and
 *   misses nothing; one that fell behind the stream's bounded length, or
 *   that finds the data lost (Redis restarted empty), restores what it
 *   holds and makes its clients reconcile (a `resync` event).
 * - Nodes tell Redis which of their sessions were heard, in one script call
 *   per app and refresh interval, and every node sweeps the deadlines so a
 *   dead node's sessions end on time, exactly once.
 *
 * ioredis reconnects by itself and queues commands meanwhile; this store
 * re-reads the epoch on every reconnect and in every script.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Redis, type RedisOptions } from 'ioredis';
import { AttributeOp, KickReason, PeerStatus } from '../protocol/frames.js';
import { Limits } from '../protocol/limits.js';
import { applyAttributeOp, Refusal, type ClaimResult, type EndReason, type Heard, type Lease, type PresenceStore, type StoreEvent, type StoreResult } from './presence-store.js';
import { SCRIPTS, type ScriptName } from './redis-scripts.js';

export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…`. */
  url?: string;
  /** ioredis options (sentinels, TLS, …), merged over the store's defaults and the URL. */
  redis?: RedisOptions;
  /** The app ids this node serves: the streams it reads and the deadlines it sweeps. */
  apps: readonly string[];
  /** First part of every key; default `rtm`. */
  keyPrefix?: string;
  /** This node's id; default host name, process id and a random suffix. */
  node?: string;
  /** How often this node sweeps every app's deadlines; default 250 ms. */
  sweepIntervalMs?: number;
  /** Events kept per app's stream for nodes that fall behind; default 20 000. */
  streamMaxLength?: number;
  /**
   * After the data was lost, how long nodes have to restore their sessions
   * before clients reconcile; default 1 500 ms. A node restoring later
   * announces what it restores as events.
   */
  restoreSettleMs?: number;
  /** How long {@link RedisStore.connect} waits for Redis; default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Failures no client caused (Redis unreachable, a script error); default `console.error`. */
  onError?: (error: unknown) => void;
}

/** Redis could not be reached at start. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

/** A session this node holds, as it would have to write it back if Redis lost it. */
interface Held {
  appId: string;
  uid: string;
  session: string;
  token: string;
  replaced: string;
  status: typeof PeerStatus.Online | typeof PeerStatus.Unreachable;
  channels: string[];
  attributes: Map<string, string>;
  lease: Lease;
  /** `performance.now()` when last heard. */
  heardAt: number;
}

interface App {
  readonly id: string;
  readonly epochKey: string;
  readonly streamKey: string;
  readonly prefix: string;
  epoch: string | undefined;
  /** A running epoch check (and restore); scripts wait for it. */
  epochTask: Promise<void> | undefined;
  /** The last stream entry this node delivered. */
  lastId: string;
  waiters: Array<{ id: string; resolve: () => void }>;
  /** Banned uids, as the stream told them (to write back after a loss). */
  readonly bans: Set<string>;
  resyncTimer: ReturnType<typeof setTimeout> | undefined;
}

type Reply = [string, ...unknown[]];
type Command = (...args: Array<string | number>) => Promise<Reply>;
type StreamReply = Array<[string, Array<[string, string[]]>]> | null;

/** Events the stream carries that nodes consume themselves. */
type WithoutApp<E> = E extends unknown ? Omit<E, 'appId'> : never;
type WireEvent = WithoutApp<Exclude<StoreEvent, { type: 'resync' }>> | { type: 'ban'; uid: string; banned: boolean };

const REPLACED_KEPT = 8;
const SWEEP_LIMIT = 200;
/** No sweep of an app for four sweep intervals (at least a second) means Redis, or every node, stalled… */
const STALL_SWEEPS = 4;
/** …and then nothing expires for this long, so refreshes held up meanwhile land first (nodes refresh at least once a second). */
const STALL_HOLD_MS = 2500;
const RESTORE_BATCH = 100;
const READ_BLOCK_MS = 1000;
const READ_COUNT = 1000;
/** Longest an operation waits for the stream to deliver its own events. */
const CATCH_UP_LIMIT_MS = 2000;
/** How long a session that left this node is remembered, so a late answer cannot bring it back. */
const GONE_KEPT_MS = 60_000;
const SAFE_TAG = /^[A-Za-z0-9_.-]+$/;

/** Orders stream ids (`ms-seq`). */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-');
  const [bm, bs] = b.split('-');
  return Number(am) - Number(bm) || Number(as ?? 0) - Number(bs ?? 0);
}

/** The app id as it appears in keys: itself if plain, else base64url after `~`, so no app can reach into another's keys. */
function appTag(appId: string): string {
  return SAFE_TAG.test(appId) ? appId : `~${Buffer.from(appId).toString('base64url')}`;
}

const heldKey = (appId: string, session: string) => `${appId}\n${session}`;

/** A Redis URL with its password hidden, for logs. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<invalid url>';
  }
}

export class RedisStore implements PresenceStore {
  readonly node: string;
  private readonly redis: Redis;
  /** A second connection for the blocking stream reads. */
  private readonly reader: Redis;
  private readonly apps = new Map<string, App>();
  private readonly byStream = new Map<string, App>();
  private readonly held = new Map<string, Held>();
  /** Sessions gone from this node: the stream id that took them (undefined: ended here), and when. */
  private readonly gone = new Map<string, { id: string | undefined; at: number }>();
  private readonly listeners = new Set<(event: StoreEvent) => void>();
  private readonly onError: (error: unknown) => void;
  private readonly maxLength: number;
  private readonly settleMs: number;
  private readonly sweepIntervalMs: number;
  private sweepTimer: ReturnType<typeof setTimeout> | undefined;
  private reading: Promise<void> | undefined;
  /** Counts the reader's lost connections, so a read that spanned one is checked for a gap first. */
  private readerDrops = 0;
  private started = false;
  private closed = false;
  private outage = false;
  /** The last connection error ioredis reported, to say why a start failed. */
  private lastConnectionError: unknown;

  /** Connects, learns every app's epoch and stream position, and starts reading and sweeping. */
  static async connect(options: RedisStoreOptions): Promise<RedisStore> {
    const store = new RedisStore(options);
    try {
      await store.start(options.connectTimeoutMs ?? 10_000);
    } catch (failure) {
      const error = store.lastConnectionError ?? failure;
      await store.close();
      const where = options.url ? redactRedisUrl(options.url) : 'the configured Redis';
      throw new StoreUnavailableError(`cannot use Redis at ${where}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    return store;
  }

  private constructor(options: RedisStoreOptions) {
    this.node = options.node ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.onError = options.onError ?? ((error: unknown) => console.error('rx-rtm redis store:', error));
    this.maxLength = options.streamMaxLength ?? 20_000;
    this.settleMs = options.restoreSettleMs ?? 1500;
    this.sweepIntervalMs = options.sweepIntervalMs ?? 250;
    const prefix = options.keyPrefix ?? 'rtm';
    for (const id of new Set(options.apps)) {
      const keys = `${prefix}:{${appTag(id)}}:`;
      const app: App = {
        id,
        prefix: keys,
        epochKey: `${keys}epoch`,
        streamKey: `${keys}events`,
        epoch: undefined,
        epochTask: undefined,
        lastId: '0-0',
        waiters: [],
        bans: new Set(),
        resyncTimer: undefined,
      };
      this.apps.set(id, app);
      this.byStream.set(app.streamKey, app);
    }
    const settings: RedisOptions = {
      // RESP2: the reply shapes below do not depend on the server's version.
      protocol: 2,
      lazyConnect: true,
      // Reconnect quickly and for ever; a command waits through about 20 failed attempts, then fails.
      retryStrategy: (times) => Math.min(100 * times, 1000),
      maxRetriesPerRequest: 20,
      connectionName: `rx-rtm:${this.node}`,
      ...options.redis,
    };
    this.redis = options.url ? new Redis(options.url, settings) : new Redis(settings);
    this.reader = this.redis.duplicate({ connectionName: `rx-rtm-reader:${this.node}` });
    for (const { name, lua } of SCRIPTS) this.redis.defineCommand(name, { numberOfKeys: 1, lua });
    this.redis.on('error', (error: unknown) => this.connectionTrouble(error));
    this.reader.on('error', (error: unknown) => this.connectionTrouble(error));
    this.redis.on('ready', () => {
      this.outage = false;
      if (this.started) this.checkEpochs();
    });
    this.reader.on('close', () => {
      this.readerDrops++;
    });
  }

  listen(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async claim(appId: string, uid: string, session: string, resume: string | undefined, lease: Lease): Promise<ClaimResult> {
    const app = this.app(appId);
    const reply = await this.run(app, 'rtmClaim', [uid, session, resume ?? '', this.node, lease.graceMs, lease.unreachableMs, REPLACED_KEPT]);
    const [outcome, position] = reply;
    if (outcome === 'banned') return { outcome: 'banned' };
    if (outcome === 'superseded') return { outcome: 'superseded' };
    await this.caughtUp(app, position as string);
    if (outcome === 'resumed') {
      const [, , replaced, channels, flat] = reply as [string, string, string, string[], string[]];
      const attributes = new Map<string, string>();
      for (let i = 0; i + 1 < flat.length; i += 2) attributes.set(flat[i], flat[i + 1]);
      this.hold(position as string, { appId, uid, session: resume!, token: session, replaced, status: PeerStatus.Online, channels, attributes, lease, heardAt: performance.now() });
      return { outcome: 'resumed' };
    }
    const [, , previous, replaced] = reply as [string, string, string, string];
    this.hold(position as string, { appId, uid, session, token: session, replaced, status: PeerStatus.Online, channels: [], attributes: new Map(), lease, heardAt: performance.now() });
    return { outcome: 'created', replaced: previous === '' ? undefined : previous };
  }

  async end(appId: string, uid: string, session: string, reason: EndReason): Promise<void> {
    const app = this.app(appId);
    const key = heldKey(appId, session);
    // A ban may end a session held anywhere; this node's own ends are fenced by its claim token.
    const token = reason === 'banned' ? '' : (this.held.get(key)?.token ?? '-');
    this.letGo(key, undefined);
    const [, position] = await this.run(app, 'rtmEnd', [uid, session, token, reason]);
    await this.caughtUp(app, position as string);
  }

  async setStatus(appId: string, uid: string, session: string, status: typeof PeerStatus.Online | typeof PeerStatus.Unreachable): Promise<void> {
    const app = this.app(appId);
    const held = this.held.get(heldKey(appId, session));
    if (!held) return;
    const [outcome, position] = await this.run(app, 'rtmStatus', [uid, session, held.token, status]);
    if (outcome === 'ok') held.status = status;
    await this.caughtUp(app, position as string);
  }

  async refresh(heard: readonly Heard[]): Promise<void> {
    const now = performance.now();
    // Kept even while Redis is away: a restore writes back when each session was really heard.
    for (const { appId, session, agoMs } of heard) {
      const held = this.held.get(heldKey(appId, session));
      if (held) held.heardAt = now - agoMs;
    }
    // Sent only on a live connection: a refresh queued through an outage would arrive stale, and the next one is due in a second.
    if (this.redis.status !== 'ready') return;
    const byApp = new Map<App, Array<string | number>>();
    for (const { appId, uid, session, agoMs } of heard) {
      const held = this.held.get(heldKey(appId, session));
      const app = this.apps.get(appId);
      if (!held || !app) continue;
      let args = byApp.get(app);
      if (!args) byApp.set(app, (args = []));
      args.push(uid, session, held.token, Math.round(agoMs));
    }
    await Promise.all([...byApp].map(([app, args]) => this.run(app, 'rtmRefresh', args)));
  }

  async join(appId: string, uid: string, session: string, channel: string): Promise<StoreResult<string[]>> {
    const app = this.app(appId);
    const reply = await this.run(app, 'rtmJoin', [uid, session, channel, Limits.joinedChannels]);
    if (reply[0] === 'gone') return Refusal.sessionOver;
    if (reply[0] === 'limit') return Refusal.tooManyChannels;
    const [, position, members] = reply as [string, string, string[]];
    await this.caughtUp(app, position);
    const held = this.held.get(heldKey(appId, session));
    if (held && !held.channels.includes(channel)) held.channels.push(channel);
    return { ok: true, value: members };
  }

  async leave(appId: string, uid: string, session: string, channel: string): Promise<void> {
    const app = this.app(appId);
    const [, position] = await this.run(app, 'rtmLeave', [uid, session, channel]);
    await this.caughtUp(app, position as string);
    const held = this.held.get(heldKey(appId, session));
    if (held) held.channels = held.channels.filter((joined) => joined !== channel);
  }

  async members(appId: string, channel: string): Promise<string[]> {
    return this.redis.zrange(`${this.app(appId).prefix}c:${channel}`, '0', '-1');
  }

  async channelsOf(appId: string, uid: string, session: string): Promise<string[]> {
    const held = this.held.get(heldKey(appId, session));
    if (held) return [...held.channels];
    const [, , channels] = await this.run(this.app(appId), 'rtmChannels', [uid, session]);
    return channels as string[];
  }

  async writeAttributes(
    appId: string,
    uid: string,
    session: string,
    op: AttributeOp,
    attributes: Readonly<Record<string, string>>,
    keys: readonly string[],
  ): Promise<StoreResult> {
    const app = this.app(appId);
    const [outcome] = await this.run(app, 'rtmAttrs', [uid, session, op, Limits.attributes, JSON.stringify(attributes), JSON.stringify(keys), Limits.attributeTotalBytes]);
    if (outcome === 'gone') return Refusal.sessionOver;
    if (outcome === 'limit') return Refusal.tooManyAttributes;
    if (outcome === 'bytes') return Refusal.attributesTooLarge;
    const held = this.held.get(heldKey(appId, session));
    if (held) held.attributes = applyAttributeOp(held.attributes, op, attributes, keys);
    return { ok: true };
  }

  async readAttributes(appId: string, uid: string, keys: readonly string[] | undefined): Promise<Record<string, string>> {
    const key = `${this.app(appId).prefix}ua:${uid}`;
    if (keys === undefined) return this.redis.hgetall(key);
    if (keys.length === 0) return {};
    const values = await this.redis.hmget(key, ...keys);
    const found: Record<string, string> = {};
    keys.forEach((name, i) => {
      const value = values[i];
      if (value !== null && value !== undefined) found[name] = value;
    });
    return found;
  }

  async statuses(appId: string, uids: readonly string[]): Promise<Record<string, PeerStatus>> {
    if (uids.length === 0) return {};
    const app = this.app(appId);
    const [, position, values] = (await this.run(app, 'rtmStatuses', [...uids])) as [string, string, Array<string | null>];
    // Events up to the moment of this reading reach this node's sessions before the answer does.
    await this.caughtUp(app, position);
    return Object.fromEntries(uids.map((uid, i) => [uid, (values[i] as PeerStatus | null) ?? PeerStatus.Offline]));
  }

  async ban(appId: string, uid: string): Promise<void> {
    const app = this.app(appId);
    const [, position] = await this.run(app, 'rtmBan', [uid]);
    await this.caughtUp(app, position as string);
  }

  async unban(appId: string, uid: string): Promise<void> {
    const app = this.app(appId);
    const [, position] = await this.run(app, 'rtmUnban', [uid]);
    await this.caughtUp(app, position as string);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.sweepTimer);
    for (const app of this.apps.values()) {
      clearTimeout(app.resyncTimer);
      for (const waiter of app.waiters.splice(0)) waiter.resolve();
    }
    this.listeners.clear();
    this.reader.disconnect();
    await this.reading;
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => undefined);
    this.redis.disconnect();
  }

  /** The sessions this node holds (for tests and metrics). */
  get heldCount(): number {
    return this.held.size;
  }

  private async start(timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([
        (async () => {
          await Promise.all([this.redis.connect(), this.reader.connect()]);
          for (const app of this.apps.values()) {
            await this.checkEpoch(app);
            const top = (await this.redis.call('XREVRANGE', app.streamKey, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
            app.lastId = top[0]?.[0] ?? '0-0';
            for (const uid of await this.redis.smembers(`${app.prefix}banned`)) app.bans.add(uid);
          }
        })(),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
    this.started = true;
    this.reading = this.readLoop();
    this.scheduleSweep();
  }

  private app(appId: string): App {
    const app = this.apps.get(appId);
    if (!app) throw new Error(`app ${JSON.stringify(appId)} is not served by this store`);
    return app;
  }

  /** Runs a script against the epoch this node knows; if the data was lost since, restores first and runs it again. */
  private async run(app: App, name: ScriptName, args: Array<string | number>): Promise<Reply> {
    for (let attempt = 0; ; attempt++) {
      if (app.epochTask) await app.epochTask;
      const reply = await this.exec(app, name, args);
      if (reply[0] !== 'epoch') return reply;
      if (attempt >= 3) throw new Error(`the presence store's data keeps changing under ${name}`);
      await this.ensureEpoch(app);
    }
  }

  private exec(app: App, name: ScriptName, args: Array<string | number>): Promise<Reply> {
    const command = (this.redis as unknown as Record<ScriptName, Command>)[name];
    return command.call(this.redis, app.epochKey, app.epoch ?? '', this.maxLength, ...args);
  }

  /** Resolves once the reader delivered stream entry `id` (and all before it) to the listeners. */
  private caughtUp(app: App, id: string | undefined): Promise<void> {
    if (!id || this.closed || compareStreamIds(id, app.lastId) <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        app.waiters = app.waiters.filter((waiter) => waiter.resolve !== done);
        resolve();
      }, CATCH_UP_LIMIT_MS);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      app.waiters.push({ id, resolve: done });
    });
  }

  /** Records a session this node now holds, unless a later event already took it away. */
  private hold(position: string, held: Held): void {
    const key = heldKey(held.appId, held.session);
    const gone = this.gone.get(key);
    if (gone && (gone.id === undefined || compareStreamIds(gone.id, position) > 0)) return;
    this.gone.delete(key);
    this.held.set(key, held);
  }

  /** The session is no longer this node's (ended, kicked, moved); `id` is the stream entry that said so (undefined: ended here). */
  private letGo(key: string, id: string | undefined): void {
    this.held.delete(key);
    // Re-inserted, so the map stays oldest first for pruning.
    this.gone.delete(key);
    this.gone.set(key, { id, at: performance.now() });
  }

  private connectionTrouble(error: unknown): void {
    this.lastConnectionError = error;
    if (this.closed || this.outage || !this.started) return;
    this.outage = true;
    this.onError(new Error(`Redis connection trouble (reconnecting): ${error instanceof Error ? error.message : String(error)}`));
  }

  private checkEpochs(): void {
    for (const app of this.apps.values()) this.ensureEpoch(app).catch(this.onError);
  }

  private ensureEpoch(app: App): Promise<void> {
    app.epochTask ??= this.checkEpoch(app).finally(() => {
      app.epochTask = undefined;
    });
    return app.epochTask;
  }

  /**
   * Reads the app's epoch (setting it if missing). A different one than
   * this node knew means Redis lost the app's data: the node writes back
   * the bans and sessions it holds, and its clients reconcile once every
   * node had time to do the same.
   */
  private async checkEpoch(app: App): Promise<void> {
    const [value, now] = (await (this.redis as unknown as Record<ScriptName, Command>).rtmEpoch(app.epochKey, randomBytes(8).toString('hex'))) as unknown as [
      string,
      string,
    ];
    if (value === app.epoch) return;
    const previous = app.epoch;
    app.epoch = value;
    if (previous === undefined) return;
    const createdAt = Number(value.split(':')[1]);
    const late = Number(now) - createdAt > this.settleMs;
    try {
      await this.restore(app, late);
    } catch (error) {
      // Try again at the next check: restoring is idempotent.
      app.epoch = previous;
      throw error;
    }
    this.onError(new Error(`app ${app.id}: Redis lost its presence data; this node restored ${this.heldOf(app).length} session(s)`));
    clearTimeout(app.resyncTimer);
    app.resyncTimer = setTimeout(
      () => this.emit({ type: 'resync', appId: app.id }),
      late ? 0 : Math.max(0, createdAt + this.settleMs - Number(now)),
    );
    app.resyncTimer.unref?.();
  }

  private heldOf(app: App): Held[] {
    return [...this.held.values()].filter((held) => held.appId === app.id);
  }

  private async restore(app: App, late: boolean): Promise<void> {
    if (app.bans.size > 0) await this.exec(app, 'rtmRestoreBans', [...app.bans]);
    const sessions = this.heldOf(app);
    const now = performance.now();
    for (let i = 0; i < sessions.length; i += RESTORE_BATCH) {
      const batch = sessions.slice(i, i + RESTORE_BATCH);
      const entries = batch.map((held) =>
        JSON.stringify({
          uid: held.uid,
          s: held.session,
          t: held.token,
          n: this.node,
          r: held.replaced,
          st: held.status,
          ago: Math.max(0, Math.round(now - held.heardAt)),
          g: held.lease.graceMs,
          w: held.lease.unreachableMs,
          ch: held.channels,
          a: Object.fromEntries(held.attributes),
        }),
      );
      const reply = await this.exec(app, 'rtmRestore', [late ? '1' : '0', ...entries]);
      if (reply[0] === 'epoch') throw new Error('the presence store lost its data again while restoring');
      const results = reply[2] as string[];
      batch.forEach((held, index) => {
        if (results[index] !== 'conflict') return;
        // A newer login of the uid got there first: this instance is replaced.
        this.letGo(heldKey(held.appId, held.session), undefined);
        this.emit({ type: 'kick', appId: held.appId, uid: held.uid, session: held.session, reason: KickReason.RemoteLogin });
      });
    }
  }

  /** Sweeps every app's deadlines now and then; whichever node gets there first ends an overdue session, once. */
  private scheduleSweep(): void {
    if (this.closed) return;
    const jitter = 0.8 + Math.random() * 0.4;
    this.sweepTimer = setTimeout(() => {
      this.sweep()
        .catch((error: unknown) => {
          if (!this.closed) this.onError(error);
        })
        .finally(() => this.scheduleSweep());
    }, this.sweepIntervalMs * jitter);
    this.sweepTimer.unref?.();
  }

  private async sweep(): Promise<void> {
    const now = performance.now();
    for (const [key, { at }] of this.gone) {
      if (now - at < GONE_KEPT_MS) break;
      this.gone.delete(key);
    }
    if (this.redis.status !== 'ready') return;
    const stallMs = Math.max(1000, STALL_SWEEPS * this.sweepIntervalMs);
    await Promise.all([...this.apps.values()].map((app) => this.run(app, 'rtmSweep', [SWEEP_LIMIT, stallMs, STALL_HOLD_MS])));
  }

  /** Reads every app's stream from where this node stopped, for as long as the store is open. */
  private async readLoop(): Promise<void> {
    const apps = [...this.apps.values()];
    let drops = this.readerDrops;
    while (!this.closed) {
      try {
        // A read cut by a lost connection is sent again once the reader is back (ioredis does it).
        const reply = (await this.reader.call(
          'XREAD',
          'COUNT',
          READ_COUNT,
          'BLOCK',
          READ_BLOCK_MS,
          'STREAMS',
          ...apps.map((app) => app.streamKey),
          ...apps.map((app) => app.lastId),
        )) as StreamReply;
        // The connection dropped since the last read: before delivering anything, see whether entries this
        // node never read were trimmed away in the meantime.
        if (this.readerDrops !== drops && !this.closed) {
          drops = this.readerDrops;
          await this.checkGaps(apps);
        }
        for (const [stream, entries] of reply ?? []) {
          const app = this.byStream.get(stream);
          if (!app) continue;
          for (const [id, fields] of entries) {
            if (this.closed) return;
            if (compareStreamIds(id, app.lastId) <= 0) continue;
            app.lastId = id;
            this.deliver(app, id, fields);
            if (this.release(app)) {
              // Let the operation that waited for this entry finish (a join adds its session to the
              // fan-out) before later entries are delivered, as on a single server.
              await new Promise((resolve) => setImmediate(resolve));
            }
          }
        }
      } catch (error) {
        if (this.closed) return;
        if (!this.outage) this.onError(error);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** Resolves the operations waiting for entries up to the app's position; true if there were any. */
  private release(app: App): boolean {
    if (app.waiters.length === 0) return false;
    const ready = app.waiters.filter((waiter) => compareStreamIds(waiter.id, app.lastId) <= 0);
    if (ready.length === 0) return false;
    app.waiters = app.waiters.filter((waiter) => compareStreamIds(waiter.id, app.lastId) > 0);
    for (const waiter of ready) waiter.resolve();
    return true;
  }

  /**
   * After the reader lost its connection: if entries this node had not read were
   * trimmed meanwhile (it fell further behind than the stream keeps), its
   * sessions of that app reconcile.
   */
  private async checkGaps(apps: readonly App[]): Promise<void> {
    for (const app of apps) {
      const info = await this.reader.call('XINFO', 'STREAM', app.streamKey).catch(() => undefined);
      if (!Array.isArray(info)) continue;
      const fields = new Map<string, unknown>();
      for (let i = 0; i + 1 < info.length; i += 2) fields.set(String(info[i]), info[i + 1]);
      const first = fields.get('first-entry') as [string, string[]] | null | undefined;
      const added = fields.get('entries-added');
      // Entries go oldest first, so some after this node's position are gone only if the oldest left is
      // past it (over-estimated by one: the entry at the position itself may be the only one trimmed).
      // Redis 7 also says whether anything was ever trimmed.
      const trimmed = added === undefined || Number(added) > Number(fields.get('length'));
      const lost = trimmed && Array.isArray(first) && compareStreamIds(first[0], app.lastId) > 0;
      if (lost) {
        this.onError(new Error(`app ${app.id}: this node fell behind the event stream; its sessions reconcile`));
        this.emit({ type: 'resync', appId: app.id });
      }
    }
  }

  private deliver(app: App, id: string, fields: string[]): void {
    let wire: WireEvent;
    try {
      wire = JSON.parse(fields[fields.indexOf('e') + 1]) as WireEvent;
    } catch (error) {
      this.onError(new Error(`app ${app.id}: unreadable stream entry ${id}: ${String(error)}`));
      return;
    }
    switch (wire.type) {
      case 'ban':
        if (wire.banned) app.bans.add(wire.uid);
        else app.bans.delete(wire.uid);
        return;
      case 'kick':
      case 'ended':
        this.letGo(heldKey(app.id, wire.session), id);
        break;
      case 'moved':
        if (wire.node !== this.node) this.letGo(heldKey(app.id, wire.session), id);
        break;
    }
    this.emit({ ...wire, appId: app.id } as StoreEvent);
  }

  private emit(event: StoreEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.onError(error);
      }
    }
  }
}
