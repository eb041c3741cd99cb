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
client.on('MessageFromPeer', (message, peerId) =>
  log(`${peerId} (private): ${message.text ?? `[${(message.messageType ?? 'RAW').toLowerCase()}]`}`),
);
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

// ---- Image messages: the SDK 1.4's media calls (upload with progress, send to a peer, download, show) ----

/** The SDK 1.4's image messages and media calls, as its typings declared them (those of 1.5 left them out). */
interface RtmImageMessage {
  messageType: 'IMAGE';
  mediaId: string;
  size: number;
  fileName: string;
  width: number;
  height: number;
}
interface MediaTransferHandler {
  cancelSignal?: AbortSignal;
  onOperationProgress?: (progress: { currentSize: number; totalSize: number }) => void;
}
interface MediaClient {
  createMediaMessageByUploading(
    payload: Blob,
    params: { messageType: 'IMAGE'; fileName: string; width: number; height: number },
    transParams?: MediaTransferHandler,
  ): Promise<RtmImageMessage>;
  downloadMedia(mediaId: string, transParams?: MediaTransferHandler): Promise<Blob>;
  sendMessageToPeer(message: RtmImageMessage, peerId: string): Promise<{ hasPeerReceived: boolean }>;
  on(event: 'MessageFromPeer', listener: (message: { messageType?: string }, peerId: string) => void): void;
}
const media = client as unknown as MediaClient;

/** The picked image, or one drawn here when none is picked. */
async function imageToSend(): Promise<File> {
  const picked = (document.getElementById('image-file') as HTMLInputElement).files?.[0];
  if (picked) return picked;
  const canvas = Object.assign(document.createElement('canvas'), { width: 64, height: 64 });
  const context = canvas.getContext('2d')!;
  context.fillStyle = `hsl(${Math.floor(Math.random() * 360)} 70% 50%)`;
  context.fillRect(0, 0, 64, 64);
  const blob = await new Promise<Blob>((resolve) => canvas.toBlob((made) => resolve(made!), 'image/png'));
  return new File([blob], 'drawn.png', { type: 'image/png' });
}

/** An image's width and height, as the message announces them; 0 × 0 for a file no browser can draw. */
async function sizeOf(image: Blob): Promise<{ width: number; height: number }> {
  const bitmap = await createImageBitmap(image).catch(() => undefined);
  const size = { width: bitmap?.width ?? 0, height: bitmap?.height ?? 0 };
  bitmap?.close();
  return size;
}

/** Aborts the last upload started, at the press of Cancel: the SDK 1.4's `cancelSignal`. */
let cancelUpload = new AbortController();

onClick('send-image', async () => {
  // Made before anything is awaited, so that a Cancel pressed at once stops the upload before it starts.
  const cancel = (cancelUpload = new AbortController());
  const image = await imageToSend();
  let progressEvents = 0;
  const message = await media.createMediaMessageByUploading(
    image,
    { messageType: 'IMAGE', fileName: image.name, ...(await sizeOf(image)) },
    {
      cancelSignal: cancel.signal,
      onOperationProgress: ({ currentSize, totalSize }) => {
        progressEvents += 1;
        show('upload-progress', `${currentSize} / ${totalSize}`);
      },
    },
  );
  const { hasPeerReceived } = await media.sendMessageToPeer(message, field('peer').value);
  log(`image ${message.fileName} (${message.size} B) sent after ${progressEvents} progress events`);
  log(hasPeerReceived ? 'image delivered' : 'image not delivered: offline');
});

onClick('cancel-image', () => Promise.resolve().then(() => cancelUpload.abort()));

media.on('MessageFromPeer', (message, peerId) => {
  if (message.messageType !== 'IMAGE') return;
  const image = message as RtmImageMessage;
  media
    .downloadMedia(image.mediaId)
    .then((blob) => {
      const shown = document.getElementById('received-image') as HTMLImageElement;
      URL.revokeObjectURL(shown.src);
      shown.src = URL.createObjectURL(blob);
      log(`${peerId} sent image ${image.fileName}: ${image.width}×${image.height}, ${blob.size} B downloaded`);
    })
    .catch((error: { code?: number; message?: string }) => log(`error ${error.code}: ${error.message}`));
});
