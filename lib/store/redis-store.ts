/**
 * The store of a cluster: several server nodes share presence through one
 * Redis, or a Redis Cluster (see docs/CLUSTER.md for the design and the reasons). This file is
 * the store's operations; its parts are in ./redis/. (Over 300 lines: it
 * implements the whole PresenceStore interface, a short method per operation.)
 *
 *
 * - State lives in keys, one hash tag per app (`rtm:{app}:…`, served-app.ts);
 *   every change is one Lua script (scripts/), atomic across nodes, whose
 *   reply a decoder beside it checks.
 * - Events go to a stream per app, written by the same script as the
 *   change. Each node reads every stream from its own offset
 *   (stream-reader.ts), so a node that was cut off from Redis for a moment
 *   reads on where it stopped and misses nothing; one that fell behind the
 *   stream's bounded length makes its clients reconcile (a `resync` event).
 * - A node that finds the data lost (Redis restarted empty) restores what
 *   it holds (recovery.ts, through the epoch every script checks:
 *   script-runner.ts); so does every node when one finds that Redis lost
 *   events it had read (a failover to a replica that had not received them).
 * - Nodes tell Redis which of their sessions were heard, in one script call
 *   per app and refresh interval, and every node sweeps the deadlines
 *   (sweeper.ts) so a dead node's sessions end on time, exactly once.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { AttributeOp, PeerStatus, type WireChannelAttribute } from '../protocol/frames.js';
import type { ChannelAttributeWrite } from '../protocol/channel-attribute-op.js';
import { Limits } from '../protocol/limits.js';
import { applyAttributeOp } from '../protocol/attribute-op.js';
import {
  StoreRefusals,
  type ClaimResult,
  type EndReason,
  type Handoff,
  type Heard,
  type Lease,
  type MessageSend,
  type PresenceStore,
  type SendOutcome,
  type SentMessage,
  type StoreEvent,
  type StoreResult,
} from './presence-store.js';
import {
  commandConnection,
  StoreUnavailableError,
  withTimeout,
  type RedisClient,
  type RedisStoreOptions,
} from './redis/connection.js';
import type { CallStore } from './call-store.js';
import { Handoffs } from './redis/handoffs.js';
import { HeldSessions } from './redis/held-sessions.js';
import { describeRedis } from './redis/redis-config.js';
import { RedisCalls } from './redis/redis-calls.js';
import { RedisMessages } from './redis/redis-messages.js';
import { RedisChannelAttributes } from './redis/redis-channel-attributes.js';
import { NodeEvents } from './redis/node-events.js';
import { Recovery } from './redis/recovery.js';
import { ScriptRunner } from './redis/script-runner.js';
import { attributesScript } from './redis/scripts/attributes-script.js';
import { banScript, unbanScript } from './redis/scripts/ban-scripts.js';
import { channelsScript, joinScript, leaveScript } from './redis/scripts/channel-scripts.js';
import {
  claimScript,
  endScript,
  refreshScript,
  statusesScript,
  statusScript,
  type LiveStatus,
} from './redis/scripts/session-scripts.js';
import { servedApp, type ServedApp } from './redis/served-app.js';
import type { RedisScript } from './redis/scripts/script.js';
import type { StreamHandlers } from './redis/stream-reader.js';
import { StreamReaders } from './redis/stream-readers.js';
import { Sweeper } from './redis/sweeper.js';

export { redactRedisUrl, StoreUnavailableError, type RedisStoreOptions } from './redis/connection.js';

/** The clock sessions' `heardAt` is read on. */
const clock = () => performance.now();
/** Replaced session ids a uid's record keeps, so a resume of any of them is refused as superseded. */
const REPLACED_KEPT = 8;

export class RedisStore implements PresenceStore {
  readonly node: string;
  readonly shared = true;
  /** Commands and scripts. */
  private readonly redis: RedisClient;
  private readonly readerHandlers: StreamHandlers;
  /** The stream readers, once connected (at start). */
  private readers: StreamReaders | undefined;
  private readonly runner: ScriptRunner;
  private readonly sweeper: Sweeper;
  private readonly apps = new Map<string, ServedApp>();
  private readonly byStream = new Map<string, ServedApp>();
  private readonly held = new HeldSessions(clock);
  private readonly events: NodeEvents;
  private readonly messages: RedisMessages;
  private readonly handoffs: Handoffs;
  /** Call invitations shared by the nodes (BEHAVIOUR §7.5). */
  readonly calls: CallStore;
  private readonly channelAttributes: RedisChannelAttributes;
  private readonly onError: (error: unknown) => void;
  private started = false;
  private closed = false;
  private outage = false;
  /** When the stream reader's connection last closed, and when each app's data was last restored (by `clock`). */
  private readerDroppedAt = -Infinity;
  private readonly restoredAt = new Map<ServedApp, number>();
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
      throw new StoreUnavailableError(
        `cannot use Redis at ${describeRedis(options)}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    return store;
  }

  private constructor(options: RedisStoreOptions) {
    this.node = options.node ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.onError = options.onError ?? ((error: unknown) => console.error('rx-rtm redis store:', error));
    this.events = new NodeEvents(this.node, this.held, this.onError, (app, claim, kept) =>
      this.handoffs.arrived(app, claim, kept),
    );
    for (const id of new Set(options.apps)) {
      const app = servedApp(options.keyPrefix ?? 'rtm', id);
      this.apps.set(id, app);
      this.byStream.set(app.keys.events, app);
    }
    this.redis = commandConnection(options, this.node);
    this.watch(this.redis);
    // A Redis Cluster stays ready through a shard's failover: a node connection made anew is when to look.
    for (const back of ['ready', '+node']) {
      this.redis.on(back, () => {
        this.outage = false;
        if (this.started) for (const app of this.apps.values()) this.runner.ensureEpoch(app).catch(this.onError);
      });
    }
    this.readerHandlers = {
      deliver: (stream, id, fields) => this.events.deliver(this.byStream.get(stream)!, id, fields),
      fellBehind: (stream) => {
        const app = this.byStream.get(stream)!;
        this.onError(new Error(`app ${app.id}: this node fell behind the event stream; its sessions reconcile`));
        this.events.emit({ type: 'resync', appId: app.id });
      },
      // Every node writes back what it holds and its clients reconcile (BEHAVIOUR §4.3, Redis failed over).
      lostEntries: (stream) => {
        const app = this.byStream.get(stream)!;
        this.onError(new Error(`app ${app.id}: Redis lost events this node had read (a failover); nodes restore`));
        // A node that saw the loss first renewed the epoch already, and this one restored since.
        if ((this.restoredAt.get(app) ?? -Infinity) > this.readerDroppedAt) return;
        this.runner.renewEpoch(app).catch(this.onError);
      },
      onError: (error) => this.onError(error),
      inOutage: () => this.outage,
      dropped: () => (this.readerDroppedAt = clock()),
    };
    const recovery = new Recovery({
      node: this.node,
      held: this.held,
      settleMs: options.restoreSettleMs ?? 1500,
      now: clock,
      emit: (event) => this.events.emit(event),
      onError: this.onError,
    });
    this.runner = new ScriptRunner(this.redis, options.streamMaxLength ?? 20_000, (app, reading) => {
      this.restoredAt.set(app, clock());
      return recovery.recover(this.runner, app, reading);
    });
    // Messages and call news change nobody's membership: they wait for their entry without holding the reader.
    const heard = (app: ServedApp, position: string | undefined) =>
      this.readers?.caughtUp(app.keys.events, position, 'unordered') ?? Promise.resolve();
    this.messages = new RedisMessages(this.redis, this.runner, heard);
    this.handoffs = new Handoffs(this.redis, this.runner, this.onError);
    this.calls = new RedisCalls(this.redis, this.runner, this.apps, (appId) => this.app(appId), heard);
    this.channelAttributes = new RedisChannelAttributes(this.redis, this.runner, heard);
    this.sweeper = new Sweeper({
      apps: [...this.apps.values()],
      runner: this.runner,
      intervalMs: options.sweepIntervalMs ?? 250,
      connected: () => this.redis.status === 'ready',
      tidy: () => this.held.pruneGone(),
      onError: this.onError,
    });
  }

  listen(listener: (event: StoreEvent) => void): () => void {
    return this.events.listen(listener);
  }

  async claim(
    appId: string,
    uid: string,
    session: string,
    resume: string | undefined,
    lease: Lease,
    seq = 0,
  ): Promise<ClaimResult> {
    const app = this.app(appId);
    const reply = await this.inOrder(app, claimScript, {
      uid,
      session,
      resume,
      node: this.node,
      lease,
      replacedKept: REPLACED_KEPT,
      seq,
    });
    if (reply.outcome === 'banned' || reply.outcome === 'superseded') return { outcome: reply.outcome };
    const held = {
      appId,
      uid,
      token: session,
      replaced: reply.replaced,
      status: PeerStatus.Online,
      lease,
      heardAt: clock(),
    };
    if (reply.outcome === 'resumed') {
      this.held.hold(reply.position, {
        ...held,
        session: resume!,
        channels: reply.channels,
        attributes: reply.attributes,
      });
      return { outcome: 'resumed', moved: reply.moved };
    }
    this.held.hold(reply.position, { ...held, session, channels: [], attributes: new Map() });
    return { outcome: 'created', replaced: reply.previous };
  }

  handOver(appId: string, claim: string, handoff: Handoff | undefined): Promise<void> {
    return this.handoffs.give(this.app(appId), claim, handoff);
  }

  takeHandoff(appId: string, claim: string, waitMs: number): Promise<Handoff | undefined> {
    return this.handoffs.take(this.app(appId), claim, waitMs);
  }

  async end(appId: string, uid: string, session: string, reason: EndReason): Promise<void> {
    const app = this.app(appId);
    // A ban may end a session held anywhere; this node's own ends are fenced by its claim token.
    const token = reason === 'banned' ? '' : (this.held.get(appId, session)?.token ?? '-');
    this.held.letGo(appId, session, undefined);
    await this.inOrder(app, endScript, { uid, session, token, reason });
  }

  async setStatus(appId: string, uid: string, session: string, status: LiveStatus): Promise<void> {
    const app = this.app(appId);
    const held = this.held.get(appId, session);
    if (!held) return;
    const { outcome } = await this.inOrder(app, statusScript, { uid, session, token: held.token, status });
    if (outcome === 'ok') held.status = status;
  }

  async refresh(heard: readonly Heard[]): Promise<void> {
    const now = clock();
    // Kept even while Redis is away: a restore writes back when each session was really heard.
    for (const { appId, session, agoMs } of heard) {
      const held = this.held.get(appId, session);
      if (held) held.heardAt = now - agoMs;
    }
    // Sent only on a live connection: a refresh queued through an outage would arrive stale,
    // and the next one is due in a second.
    if (this.redis.status !== 'ready') return;
    const byApp = new Map<ServedApp, Array<{ uid: string; session: string; token: string; agoMs: number }>>();
    for (const { appId, uid, session, agoMs } of heard) {
      const held = this.held.get(appId, session);
      const app = this.apps.get(appId);
      if (!held || !app) continue;
      let sessions = byApp.get(app);
      if (!sessions) byApp.set(app, (sessions = []));
      sessions.push({ uid, session, token: held.token, agoMs });
    }
    await Promise.all([...byApp].map(([app, sessions]) => this.runner.run(app, refreshScript, sessions)));
  }

  async join(appId: string, uid: string, session: string, channel: string): Promise<StoreResult<string[]>> {
    const app = this.app(appId);
    const reply = await this.inOrder(app, joinScript, {
      uid,
      session,
      channel,
      mostChannels: Limits.joinedChannels,
    });
    if (reply.outcome !== 'ok')
      return reply.outcome === 'gone' ? StoreRefusals.sessionOver : StoreRefusals.tooManyChannels;
    const held = this.held.get(appId, session);
    if (held && !held.channels.includes(channel)) held.channels.push(channel);
    return { ok: true, value: reply.members };
  }

  async leave(appId: string, uid: string, session: string, channel: string): Promise<void> {
    const app = this.app(appId);
    await this.inOrder(app, leaveScript, { uid, session, channel });
    const held = this.held.get(appId, session);
    if (held) held.channels = held.channels.filter((joined) => joined !== channel);
  }

  async members(appId: string, channel: string): Promise<string[]> {
    return this.redis.zrange(this.app(appId).keys.members(channel), '0', '-1');
  }

  async channelsOf(appId: string, uid: string, session: string): Promise<string[]> {
    const held = this.held.get(appId, session);
    if (held) return [...held.channels];
    return this.runner.run(this.app(appId), channelsScript, { uid, session });
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
    const limits = { mostAttributes: Limits.attributes, mostBytes: Limits.attributeTotalBytes };
    const outcome = await this.runner.run(app, attributesScript, { uid, session, op, attributes, keys, ...limits });
    if (outcome === 'gone') return StoreRefusals.sessionOver;
    if (outcome === 'limit') return StoreRefusals.tooManyAttributes;
    if (outcome === 'bytes') return StoreRefusals.attributesTooLarge;
    const held = this.held.get(appId, session);
    if (held) held.attributes = applyAttributeOp(held.attributes, op, attributes, keys);
    return { ok: true };
  }

  async readAttributes(
    appId: string,
    uid: string,
    keys: readonly string[] | undefined,
  ): Promise<Record<string, string>> {
    const key = this.app(appId).keys.attributes(uid);
    if (keys === undefined) return this.redis.hgetall(key);
    if (keys.length === 0) return {};
    const values = await this.redis.hmget(key, ...keys);
    // Built as entries, not by assignment, which would take a key `__proto__` for the prototype.
    return Object.fromEntries(keys.flatMap((name, i) => (typeof values[i] === 'string' ? [[name, values[i]]] : [])));
  }

  async statuses(appId: string, uids: readonly string[]): Promise<Record<string, PeerStatus>> {
    if (uids.length === 0) return {};
    const app = this.app(appId);
    // Events up to the moment of this reading reach this node's sessions before the answer does.
    const { statuses } = await this.inOrder(app, statusesScript, uids);
    return Object.fromEntries(uids.map((uid, i) => [uid, statuses[i] ?? PeerStatus.Offline]));
  }

  sendToPeer(
    appId: string,
    uid: string,
    session: string,
    send: MessageSend & { readonly to: string; readonly offline: boolean },
  ): Promise<StoreResult<SendOutcome>> {
    return this.messages.toPeer(this.app(appId), uid, session, send);
  }

  sendToChannel(
    appId: string,
    uid: string,
    session: string,
    send: MessageSend & { readonly channel: string },
  ): Promise<StoreResult<SendOutcome>> {
    return this.messages.toChannel(this.app(appId), uid, session, send);
  }

  writeChannelAttributes(
    appId: string,
    session: string,
    channel: string,
    write: ChannelAttributeWrite,
    notify: boolean,
  ): Promise<StoreResult> {
    return this.channelAttributes.write(this.app(appId), session, channel, write, notify);
  }

  readChannelAttributes(
    appId: string,
    channel: string,
    keys: readonly string[] | undefined,
  ): Promise<Record<string, WireChannelAttribute>> {
    return this.channelAttributes.read(this.app(appId), channel, keys);
  }

  memberCounts(appId: string, channels: readonly string[]): Promise<Record<string, number>> {
    return this.channelAttributes.counts(this.app(appId), channels);
  }

  sentBefore(appId: string, _uid: string, session: string, id: number): Promise<SendOutcome | undefined> {
    return this.messages.sentBefore(this.app(appId), session, id);
  }

  takeOfflineMessages(appId: string, uid: string, now: number): Promise<SentMessage[]> {
    return this.messages.takeOffline(this.app(appId), uid, now);
  }

  async ban(appId: string, uid: string): Promise<void> {
    const app = this.app(appId);
    await this.inOrder(app, banScript, uid);
  }

  async unban(appId: string, uid: string): Promise<void> {
    const app = this.app(appId);
    await this.inOrder(app, unbanScript, uid);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sweeper.stop();
    for (const app of this.apps.values()) clearTimeout(app.resyncTimer);
    this.events.clear();
    this.handoffs.clear();
    await this.readers?.close();
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => undefined);
    this.redis.disconnect();
  }

  /** The sessions this node holds (for tests and metrics). */
  get heldCount(): number {
    return this.held.size;
  }

  private async start(timeoutMs: number): Promise<void> {
    await withTimeout(
      (async () => {
        await this.redis.connect();
        const readers = await StreamReaders.create(
          this.redis,
          [...this.byStream.keys()],
          this.node,
          this.readerHandlers,
          (connection) => this.watch(connection),
        );
        // (Closed meanwhile, the start having timed out: these connections must not live on.)
        if (this.closed) return readers.close();
        this.readers = readers;
        await readers.connect();
        for (const app of this.apps.values()) {
          await this.runner.checkEpoch(app);
          for (const uid of await this.redis.smembers(app.keys.banned)) app.bans.add(uid);
        }
        await this.readers.seekToEnd();
      })(),
      timeoutMs,
    );
    this.started = true;
    this.readers!.start();
    this.sweeper.start();
  }

  private app(appId: string): ServedApp {
    const app = this.apps.get(appId);
    if (!app) throw new Error(`app ${JSON.stringify(appId)} is not served by this store`);
    return app;
  }

  /**
   * Runs a script whose events may change who hears the entries after them (a claim, a join, a status
   * snapshot…), and resolves once this node delivered its events and the caller went on, before any later
   * entry is delivered (docs/CLUSTER.md, "Ordering as on one server"). Until its reply says where its
   * events are, the app's entries are held back: the reader may get them first, on its own connection.
   */
  private async inOrder<Input, Result extends object>(
    app: ServedApp,
    script: RedisScript<Input, Result>,
    input: Input,
  ): Promise<Result> {
    const hold = this.readers?.hold(app.keys.events);
    try {
      const reply = await this.runner.run(app, script, input);
      const position = 'position' in reply && typeof reply.position === 'string' ? reply.position : undefined;
      await this.readers?.caughtUp(app.keys.events, position, 'ordered', hold);
      return reply;
    } finally {
      hold?.release();
    }
  }

  /** Reports a connection's trouble, and makes it again if ioredis gave it up. */
  private watch(connection: RedisClient): void {
    connection.on('error', (error: unknown) => this.connectionTrouble(error));
    // A Redis Cluster reports a lost node's connection as `node error`.
    connection.on('node error', (error: unknown) => this.connectionTrouble(error));
    // ioredis gives a connection up for good when a Sentinel failover detector's disconnect lands while it is
    // being made (seen in the failover tests): it is made again.
    connection.on('end', () => {
      if (!this.closed) connection.connect().catch(() => undefined);
    });
  }

  private connectionTrouble(error: unknown): void {
    this.lastConnectionError = error;
    if (this.closed || this.outage || !this.started) return;
    this.outage = true;
    this.onError(
      new Error(`Redis connection trouble (reconnecting): ${error instanceof Error ? error.message : String(error)}`),
    );
  }
}
