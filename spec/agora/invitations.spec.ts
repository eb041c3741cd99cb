/**
 * rx-rtm/agora's call invitations (BEHAVIOUR §7.5, §8.1) on virtual time against the fake server: the SDK's states
 * and events on both sides, with their positional arguments, for an accept, a refusal, a cancel, an expiry, a callee
 * not logged in and a caller not logged in; a bad callee id throws 1. Latency is 10 ms each way: alice is CONNECTED
 * at 30 ms, bob at 40 ms; a request made at t is answered at t + 20.
 */
import { expect } from 'chai';
import type { TestScheduler } from 'rxjs/testing';
import AgoraRTM, { AgoraRtmError, type LocalInvitation, type RtmClient, type RtmEvents } from '../../lib/agora/node.js';
import type { InvitationTimes } from '../../lib/server/invitation-desk.js';
import { FakeRtmServer } from '../../lib/testing/fake-rtm-server.js';
import { advanceTo, at, testScheduler } from '../support/marbles.js';

/** `time event args…` lines, as heard. */
type Heard = string[];

function facade(scheduler: TestScheduler, invitationTimes?: InvitationTimes) {
  const server = new FakeRtmServer(scheduler, { latencyMs: 10, ...(invitationTimes ? { invitationTimes } : {}) });
  const make = (): RtmClient =>
    AgoraRTM.createInstance('app', { url: 'ws://rtm.test/', WebSocket: server.WebSocket, scheduler, random: () => 0 });
  const alice = make();
  const bob = make();
  at(scheduler, 10, () => void alice.login({ uid: 'alice', token: 't' }));
  at(scheduler, 20, () => void bob.login({ uid: 'bob', token: 't' }));
  const heard: Heard = [];
  const note = (what: string) => heard.push(`${scheduler.now()} ${what}`);
  const received: RtmEvents.RemoteInvitation[] = [];
  bob.on('RemoteInvitationReceived', (invitation) => {
    received.push(invitation);
    note(`bob RemoteInvitationReceived ${invitation.callerId} ${invitation.content} ${invitation.channelId}`);
    for (const name of [
      'RemoteInvitationAccepted',
      'RemoteInvitationRefused',
      'RemoteInvitationCanceled',
      'RemoteInvitationFailure',
    ] as const)
      invitation.on(name, (...args: unknown[]) => note([`bob ${name}`, ...args].join(' ') + ` ${invitation.state}`));
  });
  /** Alice's invitation to `callee`, each of its events noted with the state after it. */
  const invite = (callee: string) => {
    const invitation = alice.createLocalInvitation(callee);
    for (const name of [
      'LocalInvitationReceivedByPeer',
      'LocalInvitationAccepted',
      'LocalInvitationRefused',
      'LocalInvitationCanceled',
      'LocalInvitationFailure',
    ] as const)
      invitation.on(name, (...args: unknown[]) => note([`alice ${name}`, ...args].join(' ') + ` ${invitation.state}`));
    return invitation;
  };
  return { alice, bob, heard, received, invite };
}

describe('rx-rtm/agora call invitations (marbles)', () => {
  it('an accept: IDLE, SENT_TO_REMOTE, RECEIVED_BY_REMOTE, ACCEPTED_BY_REMOTE with the response', async () => {
    const scheduler = testScheduler();
    const { heard, received, invite } = facade(scheduler);
    let invitation: LocalInvitation | undefined;
    const states: string[] = [];
    at(scheduler, 100, () => {
      invitation = invite('bob');
      invitation.content = 'video?';
      invitation.channelId = 'room';
      states.push(invitation.state);
      invitation.send();
      states.push(invitation.state);
    });
    at(scheduler, 200, () => {
      received[0].response = 'on my way';
      received[0].accept();
      states.push(received[0].state);
    });
    await advanceTo(scheduler, 300);
    expect(states).to.deep.equal(['IDLE', 'SENT_TO_REMOTE', 'ACCEPT_SENT_TO_LOCAL']);
    expect(heard).to.deep.equal([
      '120 bob RemoteInvitationReceived alice video? room',
      '120 alice LocalInvitationReceivedByPeer RECEIVED_BY_REMOTE',
      '220 alice LocalInvitationAccepted on my way ACCEPTED_BY_REMOTE',
      '220 bob RemoteInvitationAccepted ACCEPTED',
    ]);
    expect(invitation!.response).to.equal('on my way');
  });

  it('a refusal and a cancel, each heard by both sides', async () => {
    const scheduler = testScheduler();
    const { heard, received, invite } = facade(scheduler);
    let second: LocalInvitation | undefined;
    at(scheduler, 100, () => invite('bob').send());
    at(scheduler, 200, () => {
      received[0].response = 'busy';
      received[0].refuse();
    });
    at(scheduler, 300, () => {
      second = invite('bob');
      second.content = 'again';
      second.send();
    });
    at(scheduler, 400, () => second!.cancel());
    await advanceTo(scheduler, 500);
    expect(heard).to.deep.equal([
      '120 bob RemoteInvitationReceived alice  ',
      '120 alice LocalInvitationReceivedByPeer RECEIVED_BY_REMOTE',
      '220 alice LocalInvitationRefused busy REFUSED_BY_REMOTE',
      '220 bob RemoteInvitationRefused REFUSED',
      '320 bob RemoteInvitationReceived alice again ',
      '320 alice LocalInvitationReceivedByPeer RECEIVED_BY_REMOTE',
      '420 bob RemoteInvitationCanceled again CANCELED',
      '420 alice LocalInvitationCanceled CANCELED',
    ]);
  });

  it('fails PEER_OFFLINE, INVITATION_EXPIRE and NOT_LOGGEDIN as they happen', async () => {
    const scheduler = testScheduler();
    const { alice, heard, invite } = facade(scheduler, { ackMs: 1000, expireMs: 3000 });
    at(scheduler, 100, () => invite('carol').send());
    at(scheduler, 200, () => invite('bob').send());
    at(scheduler, 4000, () => void alice.logout());
    at(scheduler, 4100, () => invite('bob').send());
    await advanceTo(scheduler, 4200);
    expect(heard).to.deep.equal([
      '120 alice LocalInvitationFailure PEER_OFFLINE FAILURE',
      '220 bob RemoteInvitationReceived alice  ',
      '220 alice LocalInvitationReceivedByPeer RECEIVED_BY_REMOTE',
      '3220 alice LocalInvitationFailure INVITATION_EXPIRE FAILURE',
      '3220 bob RemoteInvitationFailure INVITATION_EXPIRE FAILURE',
      '4100 alice LocalInvitationFailure NOT_LOGGEDIN FAILURE',
    ]);
  });

  it('throws INVALID_ARGUMENT (1) for a bad callee id', () => {
    const { alice } = facade(testScheduler());
    expect(() => alice.createLocalInvitation(''))
      .to.throw(AgoraRtmError)
      .with.property('code', 1);
  });
});
