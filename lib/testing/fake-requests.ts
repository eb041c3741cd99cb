/**
 * How the fake server answers requests: from its own state, through its
 * public hooks, as the real server would (limits.ts's check of what one
 * attribute write carries, and wire-message.ts's of a message, are the
 * only limits it applies).
 */
import { applyAttributeOp } from '../protocol/attribute-op.js';
import { ErrorCode } from '../protocol/error-code.js';
import { PeerStatus, type ClientFrame } from '../protocol/frames.js';
import { channelAttributesProblem } from '../protocol/channel-attribute-limits.js';
import { attributesProblem } from '../protocol/limits.js';
import { pickChannelAttributes } from '../protocol/channel-attribute-op.js';
import { wireMessage, wireMessageProblem } from '../protocol/wire-message.js';
import { callRequest } from '../server/invitation-requests.js';
import type { FakeRtmServer } from './fake-rtm-server.js';
import type { FakeSession } from './fake-session.js';
import type { FakeSocket } from './fake-socket.js';

/** Answers `frame` on `socket`, changing the server's state as the real one would. */
export function answerRequest(
  server: FakeRtmServer,
  socket: FakeSocket,
  session: FakeSession,
  frame: Extract<ClientFrame, { id: number }>,
): void {
  const { id } = frame;
  switch (frame.t) {
    case 'renew':
      return socket.push({ t: 'renewed', id, tokenExpiresInMs: 3_600_000 });
    case 'join':
      server.memberJoined(frame.channel, session.uid);
      return socket.push({ t: 'joined', id, members: server.membersOf(frame.channel) });
    case 'leave':
      server.memberLeft(frame.channel, session.uid);
      return socket.push({ t: 'done', id });
    case 'members':
      if (!server.membersOf(frame.channel).includes(session.uid)) {
        return socket.push({
          t: 'fail',
          id,
          code: ErrorCode.NotJoined,
          message: `channel ${frame.channel} is not joined`,
        });
      }
      return socket.push({ t: 'members', id, members: server.membersOf(frame.channel) });
    case 'attrs': {
      const refused = attributesProblem(frame.attributes ?? {});
      if (refused) return socket.push({ t: 'fail', id, code: refused.code, message: refused.message });
      // Checked above: an object of strings.
      const attributes = (frame.attributes ?? {}) as Record<string, string>;
      const current = new Map(Object.entries(server.attributesOf(session.uid)));
      server.setAttributes(
        session.uid,
        Object.fromEntries(applyAttributeOp(current, frame.op, attributes, frame.keys ?? [])),
      );
      return socket.push({ t: 'done', id });
    }
    case 'getAttrs': {
      const attributes = server.attributesOf(frame.uid);
      const keys = frame.keys ?? Object.keys(attributes);
      return socket.push({
        t: 'attributes',
        id,
        attributes: Object.fromEntries(keys.filter((key) => key in attributes).map((key) => [key, attributes[key]])),
      });
    }
    case 'setChanAttrs': {
      // Checked by channelAttributesProblem: an object of strings.
      const attributes = (frame.attributes ?? {}) as Record<string, string>;
      const refused =
        channelAttributesProblem(attributes) ??
        server.writeChannelAttributes(
          frame.channel,
          { op: frame.op, attributes, keys: frame.keys ?? [], by: session.uid },
          frame.notify === true,
        );
      if (refused) return socket.push({ t: 'fail', id, code: refused.code, message: refused.message });
      return socket.push({ t: 'done', id });
    }
    case 'getChanAttrs': {
      const current = new Map(Object.entries(server.channelAttributesOf(frame.channel)));
      return socket.push({ t: 'chanAttributes', id, attributes: pickChannelAttributes(current, frame.keys) });
    }
    case 'counts':
      return socket.push({
        t: 'counts',
        id,
        counts: Object.fromEntries(frame.channels.map((channel) => [channel, server.membersOf(channel).length])),
      });
    case 'query':
      return socket.push({
        t: 'online',
        id,
        online: Object.fromEntries(frame.uids.map((uid) => [uid, server.statusOf(uid) !== PeerStatus.Offline])),
      });
    case 'subscribe':
      for (const uid of frame.uids) session.subscriptions.add(uid);
      socket.push({ t: 'done', id });
      // A subscription starts with the peers' current status.
      if (frame.uids.length > 0)
        session.deliver({
          t: 'status',
          statuses: Object.fromEntries(frame.uids.map((uid) => [uid, server.statusOf(uid)])),
        });
      return;
    case 'unsubscribe':
      for (const uid of frame.uids) session.subscriptions.delete(uid);
      return socket.push({ t: 'done', id });
    case 'sendPeer':
    case 'sendChannel': {
      const repeated = session.sends.get(id);
      if (repeated !== undefined)
        return socket.push(frame.t === 'sendPeer' ? { t: 'sent', id, received: repeated } : { t: 'done', id });
      const refused =
        wireMessageProblem(frame) ??
        (frame.t === 'sendChannel' && !server.membersOf(frame.channel).includes(session.uid)
          ? { code: ErrorCode.NotJoined, message: `channel ${frame.channel} is not joined` }
          : undefined);
      if (refused) return socket.push({ t: 'fail', id, code: refused.code, message: refused.message });
      if (frame.t === 'sendChannel') {
        server.deliverChannelMessage(frame.channel, session.uid, wireMessage(frame));
        session.sends.set(id, true);
        return socket.push({ t: 'done', id });
      }
      const received = server.deliverPeerMessage(session.uid, frame.to, wireMessage(frame), frame.offline === true);
      session.sends.set(id, received);
      return socket.push({ t: 'sent', id, received });
    }
    case 'invite':
    case 'callCancel':
    case 'callAnswer': {
      const reply = callRequest(server.invitations, session, frame, (uid) => server.heldSession(uid));
      if ('ok' in reply) return socket.push({ t: 'fail', id, code: reply.code, message: reply.message });
      socket.push(reply);
      // The real server's clock ticks all the time; here, only when an invitation's time is up.
      if (frame.t === 'invite')
        for (const delay of [server.invitationTimes.ackMs, server.invitationTimes.expireMs])
          server.scheduler.schedule(() => server.invitations.tick(), delay);
      return;
    }
  }
}
