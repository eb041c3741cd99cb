/**
 * A small chat page written against agora-rtm-sdk 1.x's API only, as apps for it are written: plain DOM, events by
 * name, `createInstance(appId)` with no server URL. The one change for rx-rtm is not in this file: the bundler maps
 * 'agora-rtm-sdk' to 'rx-rtm/agora' (scripts/serve-agora-app.ts), and the page's own server is the RTM server.
 */
import AgoraRTM from 'agora-rtm-sdk';
import type { LocalInvitation, RemoteInvitation, RtmChannel } from 'agora-rtm-sdk';

const APP_ID = 'agora-app';

const client = AgoraRTM.createInstance(APP_ID, { enableLogUpload: false, logFilter: AgoraRTM.LOG_FILTER_WARNING });
let channel: RtmChannel | undefined;

const field = (id: string) => document.getElementById(id) as HTMLInputElement;
const show = (id: string, text: string) => ((document.getElementById(id) as HTMLOutputElement).value = text);
const onClick = (id: string, handler: () => Promise<void>) =>
  document.getElementById(id)?.addEventListener('click', () => {
    handler().catch((error: { code?: number | string; message?: string }) =>
      log(`error ${error.code}: ${error.message}`),
    );
  });

function log(line: string): void {
  const item = document.createElement('li');
  item.textContent = line;
  document.getElementById('log')?.append(item);
}

client.on('ConnectionStateChanged', (state, reason) => show('state', `${state} / ${reason}`));
client.on('MessageFromPeer', (message, peerId) => log(`${peerId} (private): ${message.text ?? '[raw]'}`));
client.on('TokenPrivilegeWillExpire', async () => client.renewToken(await tokenFor(field('uid').value)));

async function tokenFor(uid: string): Promise<string> {
  const answer = await fetch(`/token?uid=${encodeURIComponent(uid)}`);
  return ((await answer.json()) as { token: string }).token;
}

onClick('login', async () => {
  const uid = field('uid').value;
  await client.login({ uid, token: await tokenFor(uid) });
  log(`logged in as ${uid}`);
});

onClick('logout', () => client.logout());

onClick('join', async () => {
  const joining = client.createChannel(field('channel').value);
  joining.on('ChannelMessage', (message, memberId) => log(`${memberId}: ${message.text ?? '[raw]'}`));
  joining.on('MemberJoined', (memberId) => log(`${memberId} joined`));
  joining.on('MemberLeft', (memberId) => log(`${memberId} left`));
  joining.on('MemberCountUpdated', (count) => show('count', String(count)));
  await joining.join();
  channel = joining;
  log(`joined ${joining.channelId} with ${(await joining.getMembers()).sort().join(', ')}`);
});

onClick('leave', async () => {
  await channel?.leave();
  channel = undefined;
  show('count', '0');
});

onClick('send-channel', async () => {
  const text = field('channel-text').value;
  await channel?.sendMessage({ text });
  log(`me: ${text}`);
});

onClick('send-peer', async () => {
  const { hasPeerReceived } = await client.sendMessageToPeer({ text: field('peer-text').value }, field('peer').value);
  log(hasPeerReceived ? 'delivered' : 'not delivered: offline');
});

onClick('query', async () => {
  const peers = field('peer')
    .value.split(',')
    .map((peer) => peer.trim());
  const online = await client.queryPeersOnlineStatus(peers);
  show('online', peers.map((peer) => `${peer}: ${online[peer] ? 'online' : 'offline'}`).join(', '));
});

// Call invitations: ringing someone, and answering who rings.

/** The call this page placed, while it may still be cancelled. */
let outgoing: LocalInvitation | undefined;
/** The call ringing this page, until answered. */
let ringing: RemoteInvitation | undefined;

function placeCall(): void {
  const invitation = client.createLocalInvitation(field('peer').value);
  invitation.content = 'call me';
  invitation.on('LocalInvitationReceivedByPeer', () => log(`ringing ${invitation.calleeId}`));
  invitation.on('LocalInvitationAccepted', (response) => log(`${invitation.calleeId} accepted: ${response}`));
  invitation.on('LocalInvitationRefused', (response) => log(`${invitation.calleeId} refused: ${response}`));
  invitation.on('LocalInvitationCanceled', () => log('call cancelled'));
  invitation.on('LocalInvitationFailure', (reason) => log(`call failed: ${reason}`));
  invitation.send();
  outgoing = invitation;
}

function answerCalls(): void {
  client.on('RemoteInvitationReceived', (invitation) => {
    ringing = invitation;
    show('caller', `${invitation.callerId} calls: ${invitation.content}`);
    const over = (what: string) => {
      log(what);
      show('caller', '');
      ringing = undefined;
    };
    invitation.on('RemoteInvitationAccepted', () => over(`in a call with ${invitation.callerId}`));
    invitation.on('RemoteInvitationRefused', () => over(`refused ${invitation.callerId}`));
    invitation.on('RemoteInvitationCanceled', () => over(`${invitation.callerId} hung up`));
    invitation.on('RemoteInvitationFailure', (reason) => over(`missed call: ${reason}`));
  });
  const answer = (accept: boolean) => {
    if (!ringing) return;
    ringing.response = accept ? 'on my way' : 'busy';
    if (accept) ringing.accept();
    else ringing.refuse();
  };
  // Through a promise, so that a throw (a bad name) is logged as every failure is.
  onClick('accept', () => Promise.resolve().then(() => answer(true)));
  onClick('refuse', () => Promise.resolve().then(() => answer(false)));
  onClick('call', () => Promise.resolve().then(placeCall));
  onClick('hang-up', () => Promise.resolve().then(() => outgoing?.cancel()));
}

answerCalls();
