/**
 * Who on this node hears what: the sessions in each channel, the
 * subscribers of each uid's status. Store events (from this node or any
 * other) are turned into frames here, encoded once and numbered per
 * recipient, so an event to 10 000 members costs one encode and 10 000
 * sends, never a scan of all sessions.
 */
import { encodeEventBody } from '../protocol/codec.js';
import type { StoreEvent } from '../store/presence-store.js';
import type { ServerSession } from './server-session.js';

const key = (appId: string, name: string) => `${appId}\n${name}`;

function add(index: Map<string, Set<ServerSession>>, k: string, session: ServerSession): void {
  let sessions = index.get(k);
  if (!sessions) index.set(k, (sessions = new Set()));
  sessions.add(session);
}

function remove(index: Map<string, Set<ServerSession>>, k: string, session: ServerSession): void {
  const sessions = index.get(k);
  if (!sessions) return;
  sessions.delete(session);
  if (sessions.size === 0) index.delete(k);
}

export class Fanout {
  private readonly channels = new Map<string, Set<ServerSession>>();
  private readonly subscribers = new Map<string, Set<ServerSession>>();

  joined(session: ServerSession, channel: string): void {
    session.channels.add(channel);
    add(this.channels, key(session.appId, channel), session);
  }

  left(session: ServerSession, channel: string): void {
    session.channels.delete(channel);
    remove(this.channels, key(session.appId, channel), session);
  }

  subscribe(session: ServerSession, uid: string): void {
    session.subscriptions.add(uid);
    add(this.subscribers, key(session.appId, uid), session);
  }

  unsubscribe(session: ServerSession, uid: string): void {
    session.subscriptions.delete(uid);
    remove(this.subscribers, key(session.appId, uid), session);
  }

  /** Forgets everything the session was indexed under. */
  drop(session: ServerSession): void {
    for (const channel of [...session.channels]) this.left(session, channel);
    for (const uid of [...session.subscriptions]) this.unsubscribe(session, uid);
  }

  /** Delivers a channel message to the local sessions in its channel, but the sender's. */
  deliverMessage({ appId, channel, from, message, ts }: Extract<StoreEvent, { type: 'channelMessage' }>): void {
    const members = this.channels.get(key(appId, channel));
    if (!members) return;
    const body = encodeEventBody({ t: 'channelMessage', channel, from, ...message, ts });
    for (const session of members) if (session.uid !== from) session.deliver(body);
  }

  /** Delivers a channel's attributes, changed with notification, to every local session in it (BEHAVIOUR §5.6). */
  deliverAttributes({ appId, channel, attributes }: Extract<StoreEvent, { type: 'channelAttributes' }>): void {
    const members = this.channels.get(key(appId, channel));
    if (!members) return;
    const body = encodeEventBody({ t: 'chanAttrsUpdated', channel, attributes });
    for (const session of members) session.deliver(body);
  }

  /** Delivers a member or status event to the local sessions that should hear it. */
  deliver(event: Extract<StoreEvent, { type: 'member' | 'status' }>): void {
    if (event.type === 'member') {
      const members = this.channels.get(key(event.appId, event.channel));
      if (!members) return;
      const { channel, uid, joined, count } = event;
      const body = encodeEventBody({ t: 'member', channel, uid, joined, count });
      // The subject's own session does not hear of itself.
      for (const session of members) if (session.uid !== uid) session.deliver(body);
      return;
    }
    const subscribers = this.subscribers.get(key(event.appId, event.uid));
    if (!subscribers) return;
    const body = encodeEventBody({ t: 'status', statuses: { [event.uid]: event.status } });
    for (const session of subscribers) session.deliver(body);
  }
}
