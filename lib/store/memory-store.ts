/**
 * The store of a single server: plain maps, events delivered to listeners
 * synchronously, so a change and the events it causes are never
 * interleaved with another request. One node only: nothing is shared, so
 * sessions never move and refreshes are not needed.
 * (Over 300 lines: one class is the whole store interface, kept in one place to compare with the Redis store.)
 */
import { randomBytes } from 'node:crypto';
import { AttributeOp, KickReason, PeerStatus } from '../protocol/frames.js';
import { attributeBytes, Limits } from '../protocol/limits.js';
import { applyAttributeOp } from '../protocol/attribute-op.js';
import { pickChannelAttributes, type ChannelAttributeWrite } from '../protocol/channel-attribute-op.js';
import type { WireChannelAttribute } from '../protocol/frames.js';
import { MemoryChannelAttributes } from './memory-channel-attributes.js';
import {
  OfflineMessages,
  REMEMBERED_SENDS,
  StoreRefusals,
  type MessageSend,
  type SendOutcome,
  type SentMessage,
  type ClaimResult,
  type EndReason,
  type Handoff,
  type Heard,
  type Lease,
  type PresenceStore,
  type StoreEvent,
  type StoreResult,
} from './presence-store.js';

/**
 * The shared state of one online user: its live session and what belongs to it. Its collections are made on
 * first use: most users never join, set attributes or send, and every login keeps a record for its whole grace.
 */
class UserRecord {
  status: typeof PeerStatus.Online | typeof PeerStatus.Unreachable = PeerStatus.Online;
  private channelSet: Set<string> | undefined;
  private attributeMap: Map<string, string> | undefined;
  private sentMap: Map<number, boolean> | undefined;

  constructor(
    readonly session: string,
    /** Sessions this one replaced, newest first, so their instances can be told (bounded). */
    readonly replaced: readonly string[],
  ) {}

  get channels(): Set<string> {
    return (this.channelSet ??= new Set());
  }

  get attributes(): Map<string, string> {
    return (this.attributeMap ??= new Map());
  }

  set attributes(value: Map<string, string>) {
    this.attributeMap = value;
  }

  /** The answers to its latest message sends by id (`received`), oldest first. */
  get sent(): Map<number, boolean> {
    return (this.sentMap ??= new Map());
  }
}

const NONE_REPLACED: readonly string[] = [];

const REPLACED_KEPT = 8;

class AppState {
  constructor(readonly channelAttributes: MemoryChannelAttributes) {}
  readonly users = new Map<string, UserRecord>();
  readonly channels = new Map<string, Set<string>>();
  readonly banned = new Set<string>();
  /** Offline messages by receiver, oldest first. */
  readonly offline = new Map<string, SentMessage[]>();
}

export class MemoryStore implements PresenceStore {
  readonly node = `memory-${randomBytes(4).toString('hex')}`;
  readonly shared = false;
  private readonly apps = new Map<string, AppState>();
  private readonly listeners = new Set<(event: StoreEvent) => void>();

  /** `now`: the wall clock (ms) that ages the attributes of empty channels (BEHAVIOUR §5.6). */
  constructor(private readonly now: () => number = Date.now) {}

  async claim(
    appId: string,
    uid: string,
    session: string,
    resume: string | undefined,
    _lease?: Lease,
  ): Promise<ClaimResult> {
    const app = this.app(appId);
    if (app.banned.has(uid)) return { outcome: 'banned' };
    const current = app.users.get(uid);
    if (current && current.session === resume) {
      this.changeStatus(appId, current, uid, PeerStatus.Online);
      return { outcome: 'resumed', moved: false };
    }
    if (current && resume !== undefined && current.replaced.includes(resume)) return { outcome: 'superseded' };
    if (current) {
      this.leaveAll(appId, uid, current);
      this.emit({ type: 'kick', appId, uid, session: current.session, reason: KickReason.RemoteLogin });
    }
    app.users.set(
      uid,
      new UserRecord(session, current ? [current.session, ...current.replaced].slice(0, REPLACED_KEPT) : NONE_REPLACED),
    );
    if (!current || current.status !== PeerStatus.Online)
      this.emit({ type: 'status', appId, uid, status: PeerStatus.Online });
    return { outcome: 'created', replaced: current?.session };
  }

  async handOver(_appId: string, _claim: string, _handoff: Handoff | undefined): Promise<void> {
    // Sessions never move from this node: nobody to hand over to.
  }

  async takeHandoff(_appId: string, _claim: string, _waitMs: number): Promise<Handoff | undefined> {
    return undefined; // Nor to it.
  }

  async end(appId: string, uid: string, session: string, reason: EndReason): Promise<void> {
    const app = this.apps.get(appId);
    const user = this.owned(appId, uid, session);
    if (!app || !user) return;
    this.leaveAll(appId, uid, user);
    app.users.delete(uid);
    if (reason === 'banned') this.emit({ type: 'kick', appId, uid, session, reason: KickReason.BannedByServer });
    this.emit({ type: 'ended', appId, uid, session, reason });
    this.emit({ type: 'status', appId, uid, status: PeerStatus.Offline });
  }

  async setStatus(
    appId: string,
    uid: string,
    session: string,
    status: typeof PeerStatus.Online | typeof PeerStatus.Unreachable,
  ): Promise<void> {
    const user = this.owned(appId, uid, session);
    if (user) this.changeStatus(appId, user, uid, status);
  }

  async refresh(_heard: readonly Heard[]): Promise<void> {
    // Nobody else could act for this node: nothing to tell.
  }

  async join(appId: string, uid: string, session: string, channel: string): Promise<StoreResult<string[]>> {
    const user = this.owned(appId, uid, session);
    if (!user) return StoreRefusals.sessionOver;
    const app = this.app(appId);
    let members = app.channels.get(channel);
    if (!user.channels.has(channel)) {
      if (user.channels.size >= Limits.joinedChannels) {
        return StoreRefusals.tooManyChannels;
      }
      if (!members) app.channels.set(channel, (members = new Set()));
      if (members.size === 0) app.channelAttributes.joined(channel);
      members.add(uid);
      user.channels.add(channel);
      this.emit({ type: 'member', appId, channel, uid, joined: true, count: members.size });
    }
    return { ok: true, value: [...members!] };
  }

  async leave(appId: string, uid: string, session: string, channel: string): Promise<void> {
    const user = this.owned(appId, uid, session);
    if (user?.channels.has(channel)) this.leaveOne(appId, uid, user, channel);
  }

  async members(appId: string, channel: string): Promise<string[]> {
    return [...(this.apps.get(appId)?.channels.get(channel) ?? [])];
  }

  async channelsOf(appId: string, uid: string, session: string): Promise<string[]> {
    return [...(this.owned(appId, uid, session)?.channels ?? [])];
  }

  async writeAttributes(
    appId: string,
    uid: string,
    session: string,
    op: AttributeOp,
    attributes: Readonly<Record<string, string>>,
    keys: readonly string[],
  ): Promise<StoreResult> {
    const user = this.owned(appId, uid, session);
    if (!user) return StoreRefusals.sessionOver;
    const next = applyAttributeOp(user.attributes, op, attributes, keys);
    if (next.size > Limits.attributes) return StoreRefusals.tooManyAttributes;
    if (attributeBytes(next) > Limits.attributeTotalBytes) return StoreRefusals.attributesTooLarge;
    user.attributes = next;
    return { ok: true };
  }

  async readAttributes(
    appId: string,
    uid: string,
    keys: readonly string[] | undefined,
  ): Promise<Record<string, string>> {
    const attributes = this.apps.get(appId)?.users.get(uid)?.attributes;
    if (!attributes) return {};
    const wanted = keys ?? [...attributes.keys()];
    return Object.fromEntries(wanted.filter((key) => attributes.has(key)).map((key) => [key, attributes.get(key)!]));
  }

  async writeChannelAttributes(
    appId: string,
    session: string,
    channel: string,
    write: ChannelAttributeWrite,
    notify: boolean,
  ): Promise<StoreResult> {
    if (!this.owned(appId, write.by, session)) return StoreRefusals.sessionOver;
    const app = this.app(appId);
    const next = app.channelAttributes.write(channel, write, app.channels.has(channel));
    if (!(next instanceof Map)) return next;
    if (notify)
      this.emit({ type: 'channelAttributes', appId, channel, attributes: pickChannelAttributes(next, undefined) });
    return { ok: true };
  }

  async readChannelAttributes(
    appId: string,
    channel: string,
    keys: readonly string[] | undefined,
  ): Promise<Record<string, WireChannelAttribute>> {
    const attributes = this.apps.get(appId)?.channelAttributes.read(channel);
    return attributes ? pickChannelAttributes(attributes, keys) : {};
  }

  async memberCounts(appId: string, channels: readonly string[]): Promise<Record<string, number>> {
    const app = this.apps.get(appId);
    return Object.fromEntries(channels.map((channel) => [channel, app?.channels.get(channel)?.size ?? 0]));
  }

  async statuses(appId: string, uids: readonly string[]): Promise<Record<string, PeerStatus>> {
    const users = this.apps.get(appId)?.users;
    return Object.fromEntries(uids.map((uid) => [uid, users?.get(uid)?.status ?? PeerStatus.Offline]));
  }

  async sendToPeer(
    appId: string,
    uid: string,
    session: string,
    { id, message, to, offline }: MessageSend & { readonly to: string; readonly offline: boolean },
  ): Promise<StoreResult<SendOutcome>> {
    const user = this.owned(appId, uid, session);
    if (!user) return StoreRefusals.sessionOver;
    const repeated = user.sent.get(id);
    if (repeated !== undefined) return { ok: true, value: { received: repeated, repeated: true } };
    const app = this.app(appId);
    const receiver = app.users.get(to);
    if (receiver) this.emit({ type: 'peerMessage', appId, session: receiver.session, ...message });
    else if (offline) this.keep(app, to, message);
    remember(user, id, receiver !== undefined);
    return { ok: true, value: { received: receiver !== undefined, repeated: false } };
  }

  async sendToChannel(
    appId: string,
    uid: string,
    session: string,
    { id, message, channel }: MessageSend & { readonly channel: string },
  ): Promise<StoreResult<SendOutcome>> {
    const user = this.owned(appId, uid, session);
    if (!user) return StoreRefusals.sessionOver;
    if (user.sent.has(id)) return { ok: true, value: { received: true, repeated: true } };
    if (!user.channels.has(channel)) return StoreRefusals.notJoined;
    this.emit({ type: 'channelMessage', appId, channel, ...message });
    remember(user, id, true);
    return { ok: true, value: { received: true, repeated: false } };
  }

  async sentBefore(appId: string, uid: string, session: string, id: number): Promise<SendOutcome | undefined> {
    const received = this.owned(appId, uid, session)?.sent.get(id);
    return received === undefined ? undefined : { received, repeated: true };
  }

  async takeOfflineMessages(appId: string, uid: string, now: number): Promise<SentMessage[]> {
    const app = this.apps.get(appId);
    const kept = app?.offline.get(uid) ?? [];
    app?.offline.delete(uid);
    return kept.filter((message) => message.ts > now - OfflineMessages.ttlMs);
  }

  async ban(appId: string, uid: string): Promise<void> {
    this.app(appId).banned.add(uid);
    const user = this.apps.get(appId)?.users.get(uid);
    if (user) await this.end(appId, uid, user.session, 'banned');
  }

  async unban(appId: string, uid: string): Promise<void> {
    this.apps.get(appId)?.banned.delete(uid);
  }

  listen(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }

  private owned(appId: string, uid: string, session: string): UserRecord | undefined {
    const user = this.apps.get(appId)?.users.get(uid);
    return user?.session === session ? user : undefined;
  }

  private changeStatus(appId: string, user: UserRecord, uid: string, status: UserRecord['status']): void {
    if (user.status === status) return;
    user.status = status;
    this.emit({ type: 'status', appId, uid, status });
  }

  private leaveAll(appId: string, uid: string, user: UserRecord): void {
    for (const channel of user.channels) this.leaveOne(appId, uid, user, channel);
  }

  private leaveOne(appId: string, uid: string, user: UserRecord, channel: string): void {
    const app = this.apps.get(appId)!;
    const members = app.channels.get(channel)!;
    members.delete(uid);
    user.channels.delete(channel);
    if (members.size === 0) {
      app.channels.delete(channel);
      app.channelAttributes.emptied(channel);
    }
    this.emit({ type: 'member', appId, channel, uid, joined: false, count: members.size });
  }

  /** Keeps a message for `to`'s next login: the newest 200 (those older than 7 days are dropped when taken). */
  private keep(app: AppState, to: string, message: SentMessage): void {
    app.offline.set(to, [...(app.offline.get(to) ?? []), message].slice(-OfflineMessages.limit));
  }

  private app(appId: string): AppState {
    let app = this.apps.get(appId);
    if (!app) this.apps.set(appId, (app = new AppState(new MemoryChannelAttributes(this.now))));
    return app;
  }

  private emit(event: StoreEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

/** Remembers a send's answer, forgetting the oldest past {@link REMEMBERED_SENDS}. */
function remember(user: UserRecord, id: number, received: boolean): void {
  user.sent.set(id, received);
  if (user.sent.size > REMEMBERED_SENDS) user.sent.delete(user.sent.keys().next().value!);
}
