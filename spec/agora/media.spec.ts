/**
 * The SDK 1.4's media calls through rx-rtm/agora against the real server (BEHAVIOUR §7.6): upload with progress
 * into an IMAGE message, sent to a peer, received with its Blob thumbnail, downloaded; by id; cancel; not logged in.
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AgoraRTM, { type AgoraRtmError, type RtmClient, type RtmMessage } from '../../lib/agora/node.js';
import { createToken, startServer, type RtmServer } from '../../lib/server/index.js';

const APP = 'agora';
const SECRET = 'agora-secret';
const token = (uid: string) => createToken({ appId: APP, appSecret: SECRET, uid, expiresInSeconds: 3600 });
const MB = 1024 * 1024;

describe('rx-rtm/agora media against the real server', function () {
  this.timeout(15_000);
  let server: RtmServer;
  let dir: string;
  const clients: RtmClient[] = [];
  const loggedIn = async (uid: string) => {
    const client = AgoraRTM.createInstance(APP, { url: server.url });
    clients.push(client);
    await client.login({ uid, token: token(uid) });
    return client;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rx-rtm-agora-media-'));
    server = await startServer({ port: 0, apps: { [APP]: SECRET }, media: { dir } });
  });
  after(async () => {
    await Promise.all(clients.map((client) => client.logout()));
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('uploads with progress, sends the IMAGE message to a peer, which gets the thumbnail, downloads it', async () => {
    const [alice, bob] = [await loggedIn('alice'), await loggedIn('bob')];
    const bytes = new Uint8Array(2 * MB).map((_, i) => i % 7);
    const progress: Array<{ currentSize: number; totalSize: number }> = [];
    const message = await alice.createMediaMessageByUploading(
      new Blob([bytes], { type: 'image/png' }),
      { messageType: 'IMAGE', fileName: 'a.png', thumbnail: new Blob([new Uint8Array([9, 8])]), width: 4, height: 3 },
      { onOperationProgress: (step) => progress.push(step) },
    );
    expect(progress.at(-1)).to.deep.equal({ currentSize: 2 * MB, totalSize: 2 * MB });
    expect(progress.length).to.be.greaterThan(1);
    expect(message).to.include({ messageType: 'IMAGE', size: 2 * MB, fileName: 'a.png', width: 4, height: 3 });
    const got = new Promise<RtmMessage>((resolve) => bob.once('MessageFromPeer', (received) => resolve(received)));
    expect(await alice.sendMessageToPeer(message, 'bob')).to.deep.equal({ hasPeerReceived: true });
    const received = await got;
    if (received.messageType !== 'IMAGE') throw new Error(`got ${received.messageType}`);
    expect(received.mediaId).to.equal(message.mediaId);
    expect([...new Uint8Array(await received.thumbnail!.arrayBuffer())]).to.deep.equal([9, 8]);
    const blob = await bob.downloadMedia(received.mediaId);
    expect(new Uint8Array(await blob.arrayBuffer())).to.deep.equal(bytes);
    expect(await bob.createMediaMessageByMediaId(received.mediaId)).to.include({ messageType: 'FILE', size: 2 * MB });
    // A refused second login leaves the session's own user and token to prove media requests.
    expect(
      await bob.login({ uid: 'mallory', token: token('mallory') }).catch((error: AgoraRtmError) => error.code),
    ).to.equal(8);
    expect((await bob.downloadMedia(received.mediaId)).size).to.equal(2 * MB);
  });

  it('rejects CANCELED when its signal aborts, INVALID_ARGUMENT for a bad type, 102 when not logged in', async () => {
    const alice = await loggedIn('carol');
    const abort = new AbortController();
    const upload = alice.createMediaMessageByUploading(new Blob([new Uint8Array(20 * MB)]), undefined, {
      cancelSignal: abort.signal,
      onOperationProgress: () => abort.abort(),
    });
    expect(await upload.catch((error: AgoraRtmError) => error.reason)).to.equal('CANCELED');
    const bad = alice.createMediaMessageByUploading(new Blob(['x']), { messageType: 'TEXT' as 'FILE' });
    expect(await bad.catch((error: AgoraRtmError) => error.reason)).to.equal('INVALID_ARGUMENT');
    const outside = AgoraRTM.createInstance(APP, { url: server.url });
    const refused = await outside.downloadMedia('0'.repeat(32)).catch((error: AgoraRtmError) => error);
    expect(refused).to.include({ code: 102, reason: 'NOT_LOGGED_IN' });
  });
});
