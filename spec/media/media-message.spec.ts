/**
 * Media messages on the real server (BEHAVIOUR §7.6): an image uploaded by
 * one client, sent to a peer and to a channel, arrives with its id, size,
 * name, description, dimensions and thumbnail, and downloads whole; a
 * message naming a stored file by id; bad media messages refused with
 * nothing sent.
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import {
  downloadMedia$,
  mediaMessageById,
  uploadMediaMessage$,
  type MediaServer,
  type MediaTransfer,
} from '../../lib/media/index.js';
import { createClient, type RtmClient } from '../../lib/node.js';
import { enableMediaMessages } from '../../lib/media/index.js';
import { createToken, startServer, type RtmServer } from '../../lib/server/index.js';

const secrets = { app1: 'secret1' };
const token = (uid: string) => createToken({ appId: 'app1', appSecret: secrets.app1, uid, expiresInSeconds: 600 });
const value = <T>(event: MediaTransfer<T>) => {
  if (event.type !== 'done') throw new Error('not done');
  return event.value;
};

describe('media messages (real server)', function () {
  this.timeout(15_000);
  before(() => enableMediaMessages());
  let dir: string;
  let server: RtmServer;
  const clients: RtmClient[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rx-rtm-media-message-'));
    server = await startServer({ port: 0, apps: secrets, media: { dir } });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.logout()));
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function user(uid: string): Promise<{ client: RtmClient; media: MediaServer }> {
    const client = createClient({ url: server.url, appId: 'app1' });
    clients.push(client);
    await client.login({ uid, token: token(uid) });
    return { client, media: { url: server.url, appId: 'app1', uid, token: token(uid) } };
  }

  it('sends an uploaded image to a peer and to a channel; it arrives whole and downloads', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const picture = new Uint8Array(5000).map((_, i) => i % 256);
    const thumbnail = new Uint8Array([1, 2, 3]);
    const params = {
      messageType: 'IMAGE',
      fileName: 'cat.jpg',
      description: 'a cat',
      thumbnail,
      width: 640,
      height: 480,
      thumbnailWidth: 32,
      thumbnailHeight: 24,
    } as const;
    const image = new Blob([picture], { type: 'image/jpeg' });
    const message = value(await lastValueFrom(uploadMediaMessage$(alice.media, image, params)));
    expect(message).to.deep.equal({ ...params, mediaId: message.mediaId, size: 5000 });
    const fromPeer = firstValueFrom(bob.client.messageFromPeer$);
    expect(await alice.client.sendMessageToPeer(message, 'bob')).to.deep.equal({ hasPeerReceived: true });
    expect((await fromPeer).message).to.deep.equal(message);

    const [aliceIn, bobIn] = [alice.client.createChannel('room'), bob.client.createChannel('room')];
    await aliceIn.join();
    await bobIn.join();
    const inChannel = firstValueFrom(bobIn.message$);
    const file = { ...message, messageType: 'FILE' as const, thumbnail: undefined };
    await aliceIn.sendMessage(file);
    const { thumbnail: _none, ...withoutThumbnail } = file;
    expect((await inChannel).message).to.deep.equal(withoutThumbnail);

    const blob = value(await lastValueFrom(downloadMedia$(bob.media, message.mediaId)));
    expect(new Uint8Array(await blob.arrayBuffer())).to.deep.equal(picture);
  });

  it('names a stored file by id with its size; an unknown id rejects INVALID_ARGUMENT', async () => {
    const alice = await user('alice');
    const { mediaId } = value(
      await lastValueFrom(uploadMediaMessage$(alice.media, new Blob(['12345']), { messageType: 'FILE' })),
    );
    expect(await mediaMessageById(alice.media, mediaId, { messageType: 'FILE', fileName: 'n.txt' })).to.deep.equal({
      messageType: 'FILE',
      mediaId,
      size: 5,
      fileName: 'n.txt',
      description: '',
      width: 0,
      height: 0,
      thumbnailWidth: 0,
      thumbnailHeight: 0,
    });
    const unknown = await mediaMessageById(alice.media, 'f'.repeat(32), { messageType: 'FILE' }).catch(
      (error: { code: string }) => error.code,
    );
    expect(unknown).to.equal('INVALID_ARGUMENT');
  });

  it('refuses bad media messages INVALID_ARGUMENT and one over 32 KB LIMIT_EXCEEDED, sending nothing', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const received: unknown[] = [];
    bob.client.messageFromPeer$.subscribe((message) => received.push(message));
    const good = { messageType: 'IMAGE', mediaId: 'a'.repeat(32), size: 1 };
    const code = (message: unknown) =>
      alice.client.sendMessageToPeer(message as never, 'bob').then(
        () => 'sent',
        (error: { code: string }) => error.code,
      );
    expect(await code({ ...good, mediaId: '' })).to.equal('INVALID_ARGUMENT');
    expect(await code({ ...good, size: -1 })).to.equal('INVALID_ARGUMENT');
    expect(await code({ ...good, width: 1.5 })).to.equal('INVALID_ARGUMENT');
    expect(await code({ ...good, fileName: 7 })).to.equal('INVALID_ARGUMENT');
    expect(await code({ ...good, thumbnail: 'x' })).to.equal('INVALID_ARGUMENT');
    expect(await code({ ...good, thumbnail: new Uint8Array(32 * 1024) })).to.equal('LIMIT_EXCEEDED');
    expect(await code(good)).to.equal('sent');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received).to.have.length(1);
  });
});
