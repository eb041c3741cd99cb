/**
 * A session that moved to this node from another one (BEHAVIOUR §7): the
 * events the old node held for it come first, then those this node heard
 * for it meanwhile, as one sequence; its status subscriptions, which only
 * the old node knew, carry on here.
 */
import { encodeEventBody } from '../protocol/encode.js';
import type { PresenceStore } from '../store/presence-store.js';
import type { Fanout } from './fanout.js';
import type { ServerSession } from './server-session.js';

/**
 * Waits (at most `waitMs`) for the old node's handoff to claim `claim` and
 * merges it into the session's events, which `awaitHandoff` held back.
 */
export async function takeOver(
  session: ServerSession,
  store: PresenceStore,
  fanout: Fanout,
  claim: string,
  waitMs: number,
): Promise<void> {
  const handoff = await store.takeHandoff(session.appId, claim, waitMs);
  session.events.handedOver(handoff);
  const subscriptions = handoff?.subscriptions ?? [];
  if (subscriptions.length === 0 || !session.live) return;
  for (const uid of subscriptions) fanout.subscribe(session, uid);
  // A status change between the move and now reached neither node's copy: the statuses now,
  // delivered after every event they reflect (the client reports only what differs).
  const statuses = await store.statuses(session.appId, subscriptions);
  session.deliver(encodeEventBody({ t: 'status', statuses }));
}
