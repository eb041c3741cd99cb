/**
 * `rx-rtm/media` against the real server (BEHAVIOUR §7.6): a 25 MB file up
 * and down with progress, a cancel that leaves nothing stored, and the
 * refusals as RtmError codes.
 */
import { expect } from 'chai';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { downloadMedia$, uploadMedia$, type MediaServer, type MediaTransfer } from '../../lib/media/index.js';
import { createToken } from '../../lib/server/index.js';
import { RawClient, serverFixture } from '../server/raw-client.js';
import { eventually } from '../support/eventually.js';

const MB = 1024 * 1024;
const secrets = { app1: 'secret1' };

describe('rx-rtm/media (real server)', function () {
  this.timeout(30_000);
  const start = serverFixture(secrets);
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'rx-rtm-media-client-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** A server with `uid` logged in over a raw socket, and that user's media credentials. */
  async function loggedIn(uid = 'alice', maxBytes?: number): Promise<MediaServer> {
    const server = await start({ media: { dir, maxBytes } });
    const token = createToken({ appId: 'app1', appSecret: secrets.app1, uid, expiresInSeconds: 60 });
    const client = await RawClient.connect(server.url);
    expect((await client.request({ t: 'login', app: 'app1', uid, token })).t).to.equal('welcome');
    return { url: server.url, appId: 'app1', uid, token };
  }

  const result = <T>(events: MediaTransfer<T>[]) => {
    const last = events.at(-1);
    if (last?.type !== 'done') throw new Error('no result');
    return last.value;
  };
  const progress = <T>(events: MediaTransfer<T>[]) =>
    events.flatMap((event) => (event.type === 'progress' ? [event.progress] : []));

  it('uploads and downloads 25 MB with progress rising to the whole', async () => {
    const media = await loggedIn();
    const bytes = new Uint8Array(25 * MB).map((_, i) => i % 251);
    const up = await lastValueFrom(uploadMedia$(media, new Blob([bytes], { type: 'image/png' })).pipe(toArray()));
    const uploaded = result(up);
    expect(uploaded.size).to.equal(25 * MB);
    const upProgress = progress(up);
    expect(upProgress.length).to.be.greaterThan(1);
    expect(upProgress.at(-1)).to.deep.equal({ current: 25 * MB, total: 25 * MB });
    expect(upProgress.every((p, i) => i === 0 || p.current > upProgress[i - 1].current)).to.equal(true);

    const down = await lastValueFrom(downloadMedia$(media, uploaded.mediaId).pipe(toArray()));
    const blob = result(down);
    expect(blob.type).to.equal('image/png');
    expect(Buffer.from(await blob.arrayBuffer()).equals(Buffer.from(bytes))).to.equal(true);
    const downProgress = progress(down);
    expect(downProgress.length).to.be.greaterThan(1);
    expect(downProgress.at(-1)).to.deep.equal({ current: 25 * MB, total: 25 * MB });
  });

  it('cancels an upload when unsubscribed, nothing stored', async () => {
    const media = await loggedIn();
    const subscription = uploadMedia$(media, new Blob([new Uint8Array(20 * MB)])).subscribe((event) => {
      if (event.type === 'progress' && event.progress.current >= 4 * MB) subscription.unsubscribe();
    });
    await eventually(() => {
      expect(subscription.closed).to.equal(true);
    }, 5000);
    // The server lets go of its temporary file once it notices the cut, which a loaded machine may take a while to.
    await eventually(async () => {
      const files = await readdir(dir, { recursive: true, withFileTypes: true });
      expect(files.filter((entry) => entry.isFile())).to.deep.equal([]);
    }, 5000);
  });

  it('rejects LIMIT_EXCEEDED over its limit, NOT_LOGGED_IN if not logged in, INVALID_ARGUMENT: no id', async () => {
    const media = await loggedIn('alice', MB);
    const code = (transfer: Promise<unknown>) =>
      transfer.then(
        () => 'resolved',
        (error: { code?: string }) => error.code,
      );
    expect(await code(lastValueFrom(uploadMedia$(media, new Blob([new Uint8Array(MB + 1)]))))).to.equal(
      'LIMIT_EXCEEDED',
    );
    expect(await code(lastValueFrom(uploadMedia$({ ...media, uid: 'bob' }, new Blob(['x']))))).to.equal(
      'NOT_LOGGED_IN',
    );
    expect(await code(lastValueFrom(downloadMedia$(media, '0'.repeat(32))))).to.equal('INVALID_ARGUMENT');
  });
});
