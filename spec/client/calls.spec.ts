/**
 * Call invitations (BEHAVIOUR §7.5) against the fake server on virtual time,
 * which decides them with the real server's desk: what goes on the wire, each
 * side's status timeline, a crossing accept and cancel decided once, expiry,
 * a caller's dark link, a logout, and bad arguments refused with nothing sent.
 * Latency is 10 ms each way; alice is CONNECTED at 30 ms, bob at 40 ms.
 */
import { expect } from 'chai';
import type { TestScheduler } from 'rxjs/testing';
import { invitations, type CallStatus, type IncomingCall, type OutgoingCall } from '../../lib/client/calls.js';
import { RtmClient } from '../../lib/client/rtm-client.js';
import type { InvitationTimes } from '../../lib/server/invitation-desk.js';
import type { ServerFrame } from '../../lib/protocol/frames.js';
import { FakeRtmServer } from '../../lib/testing/fake-rtm-server.js';
import { advanceTo, alice, at, testScheduler } from '../support/marbles.js';

/** A status as `time STATE[/reason][:response]`. */
type Timeline = string[];

function record(scheduler: TestScheduler, call: OutgoingCall | IncomingCall): Timeline {
  const seen: Timeline = [];
  call.status$.subscribe(({ state, reason, response }: CallStatus) =>
    seen.push(
      `${scheduler.now()} ${state}${reason ? `/${reason}` : ''}${response === undefined ? '' : `:${response}`}`,
    ),
  );
  return seen;
}

function aliceAndBob(scheduler: TestScheduler, invitationTimes?: InvitationTimes) {
  const server = new FakeRtmServer(scheduler, { latencyMs: 10, ...(invitationTimes ? { invitationTimes } : {}) });
  const client = () =>
    new RtmClient({ url: 'ws://rtm.test/', appId: 'app', WebSocket: server.WebSocket, scheduler, random: () => 0 });
  const a = client();
  const b = client();
  at(scheduler, 10, () => void a.login(alice));
  at(scheduler, 20, () => void b.login({ uid: 'bob', token: 'token-b' }));
  const rings: Array<{ call: IncomingCall; timeline: Timeline }> = [];
  invitations(b).incoming$.subscribe((call) => rings.push({ call, timeline: record(scheduler, call) }));
  return { server, a, b, rings };
}

/** Alice invites bob at 100 ms; her call and its timeline. */
function inviteAt100(scheduler: TestScheduler, a: RtmClient) {
  const made: { call?: OutgoingCall; timeline: Timeline } = { timeline: [] };
  at(scheduler, 100, () => {
    made.call = invitations(a).invite('bob', { content: 'video?', channelId: 'room' });
    made.timeline = record(scheduler, made.call);
  });
  return made;
}

describe('call invitations (marbles)', () => {
  it('rings the callee, and both sides see its accept with the response at once', async () => {
    const scheduler = testScheduler();
    const { server, a, rings } = aliceAndBob(scheduler);
    const made = inviteAt100(scheduler, a);
    at(scheduler, 200, () => void rings[0].call.accept('on my way'));
    await advanceTo(scheduler, 300);
    expect(server.sockets[0].received.filter(({ t }) => t === 'invite')).to.deep.equal([
      { t: 'invite', id: 2, to: 'bob', content: 'video?', channel: 'room' },
    ]);
    expect(made.timeline).to.deep.equal(['100 SENT', '120 RECEIVED', '220 ACCEPTED:on my way']);
    const { call, timeline } = rings[0];
    expect([call.callerId, call.content, call.channelId]).to.deep.equal(['alice', 'video?', 'room']);
    expect(timeline).to.deep.equal(['120 RECEIVED', '220 ACCEPTED:on my way']);
  });

  it('decides a crossing cancel and accept once: both sides end in the one that arrived first', async () => {
    const scheduler = testScheduler();
    const { a, rings } = aliceAndBob(scheduler);
    const made = inviteAt100(scheduler, a);
    at(scheduler, 200, () => void made.call!.cancel());
    at(scheduler, 200, () => void rings[0].call.accept('yes'));
    await advanceTo(scheduler, 300);
    expect(made.timeline).to.deep.equal(['100 SENT', '120 RECEIVED', '220 CANCELED']);
    expect(rings[0].timeline).to.deep.equal(['120 RECEIVED', '220 CANCELED']);
  });

  it('expires both sides when nobody answers in time', async () => {
    const scheduler = testScheduler();
    const { a, rings } = aliceAndBob(scheduler, { ackMs: 1000, expireMs: 3000 });
    const made = inviteAt100(scheduler, a);
    await advanceTo(scheduler, 4000);
    expect(made.timeline).to.deep.equal(['100 SENT', '120 RECEIVED', '3120 FAILED/INVITATION_EXPIRE']);
    expect(rings[0].timeline).to.deep.equal(['120 RECEIVED', '3120 FAILED/INVITATION_EXPIRE']);
  });

  it('a caller whose link dropped learns the refusal given meanwhile when the link is back', async () => {
    const scheduler = testScheduler();
    const { server, a, rings } = aliceAndBob(scheduler);
    const made = inviteAt100(scheduler, a);
    at(scheduler, 150, () => server.sockets[0].drop());
    at(scheduler, 200, () => void rings[0].call.refuse('busy'));
    await advanceTo(scheduler, 1000);
    // Dropped at 160, back (resumed) at 670 with the event replayed.
    expect(made.timeline).to.deep.equal(['100 SENT', '120 RECEIVED', '670 REFUSED:busy']);
    expect(rings[0].timeline).to.deep.equal(['120 RECEIVED', '220 REFUSED:busy']);
  });

  it("the callee's logout fails its invitation PEER_OFFLINE on both sides", async () => {
    const scheduler = testScheduler();
    const { a, b, rings } = aliceAndBob(scheduler);
    const made = inviteAt100(scheduler, a);
    at(scheduler, 200, () => void b.logout());
    await advanceTo(scheduler, 300);
    expect(made.timeline).to.deep.equal(['100 SENT', '120 RECEIVED', '220 FAILED/PEER_OFFLINE']);
    expect(rings[0].timeline).to.deep.equal(['120 RECEIVED', '200 FAILED/PEER_OFFLINE']);
  });

  it('refuses bad arguments with INVALID_ARGUMENT, sending nothing; not logged in, fails NOT_LOGGEDIN', async () => {
    const scheduler = testScheduler();
    const { server, a } = aliceAndBob(scheduler);
    const thrown: string[] = [];
    const attempt = (make: () => unknown) => {
      try {
        make();
      } catch (error) {
        thrown.push((error as { code: string }).code);
      }
    };
    const early = invitations(a).invite('bob');
    await advanceTo(scheduler, 100);
    attempt(() => invitations(a).invite(''));
    attempt(() => invitations(a).invite('bob', { channelId: 'bad\u0000channel' }));
    attempt(() => invitations(a).invite('bob', { content: 'x'.repeat(8 * 1024 + 1) }));
    await advanceTo(scheduler, 200);
    expect(thrown).to.deep.equal(['INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'INVALID_ARGUMENT']);
    expect(early.status).to.deep.equal({ state: 'FAILED', reason: 'NOT_LOGGEDIN' });
    expect(server.sockets[0].received.filter(({ t }) => t === 'invite')).to.deep.equal([]);
  });

  describe('plugged into the session (BEHAVIOUR §8.2)', () => {
    it('a client that has not taken up invitations ignores them; taken up later, it gets the next ones', async () => {
      const scheduler = testScheduler();
      const server = new FakeRtmServer(scheduler, { latencyMs: 10 });
      const client = () =>
        new RtmClient({ url: 'ws://rtm.test/', appId: 'app', WebSocket: server.WebSocket, scheduler, random: () => 0 });
      const a = client();
      const b = client();
      at(scheduler, 10, () => void a.login(alice));
      at(scheduler, 20, () => void b.login({ uid: 'bob', token: 'token-b' }));
      at(scheduler, 100, () => void invitations(a).invite('bob', { content: 'first' }));
      const rings: string[] = [];
      at(scheduler, 200, () =>
        invitations(b).incoming$.subscribe((call) => rings.push(`${scheduler.now()} ${call.content}`)),
      );
      at(scheduler, 300, () => void invitations(a).invite('bob', { content: 'second' }));
      at(scheduler, 400, () => void b.sendMessageToPeer({ text: 'hi' }, 'alice'));
      const texts: string[] = [];
      a.messageFromPeer$.subscribe(({ message }) =>
        texts.push(`${scheduler.now()} ${'text' in message ? message.text : ''}`),
      );
      await advanceTo(scheduler, 500);
      expect(rings).to.deep.equal(['320 second']);
      // The ignored event still counted in the session's sequence: the events after it come through.
      expect(texts).to.deep.equal(['420 hi']);
    });

    it('an event replayed after a resume is seen once', async () => {
      const scheduler = testScheduler();
      const { server, a, rings } = aliceAndBob(scheduler);
      const made = inviteAt100(scheduler, a);
      const events: ServerFrame[] = [];
      at(scheduler, 50, () => {
        const socket = server.sockets[1];
        const push = socket.push.bind(socket);
        socket.push = (frame) => {
          if (frame.t === 'invitation' || frame.t === 'callState') events.push(frame);
          push(frame);
        };
      });
      at(scheduler, 200, () => void rings[0].call.refuse('busy'));
      at(scheduler, 300, () => server.sockets[1].drop());
      // Bob's link is back (resumed) by 900: a replay repeats the invitation he already saw.
      at(scheduler, 900, () => {
        for (const frame of events) server.sockets[2].push(frame);
      });
      await advanceTo(scheduler, 1000);
      expect(events.map(({ t }) => t)).to.deep.equal(['invitation']);
      expect(server.sockets[2].received[0]).to.include({ t: 'login', session: 's2' });
      expect(rings).to.have.length(1);
      expect(rings[0].timeline).to.deep.equal(['120 RECEIVED', '220 REFUSED:busy']);
      expect(made.timeline).to.deep.equal(['100 SENT', '120 RECEIVED', '220 REFUSED:busy']);
    });

    it("a new session fails the caller's live invitation NOT_LOGGEDIN; the callee hears PEER_OFFLINE", async () => {
      const scheduler = testScheduler();
      const { server, a, rings } = aliceAndBob(scheduler);
      const made = inviteAt100(scheduler, a);
      at(scheduler, 150, () => server.expire('s1'));
      await advanceTo(scheduler, 1000);
      expect(made.timeline).to.deep.equal(['100 SENT', '120 RECEIVED', '670 FAILED/NOT_LOGGEDIN']);
      expect(rings[0].timeline).to.deep.equal(['120 RECEIVED', '160 FAILED/PEER_OFFLINE']);
    });

    it("the caller's logout fails its live invitation NOT_LOGGEDIN at once", async () => {
      const scheduler = testScheduler();
      const { a, rings } = aliceAndBob(scheduler);
      const made = inviteAt100(scheduler, a);
      at(scheduler, 200, () => void a.logout());
      await advanceTo(scheduler, 300);
      expect(made.timeline).to.deep.equal(['100 SENT', '120 RECEIVED', '200 FAILED/NOT_LOGGEDIN']);
      expect(rings[0].timeline).to.deep.equal(['120 RECEIVED', '220 FAILED/PEER_OFFLINE']);
    });
  });
});
