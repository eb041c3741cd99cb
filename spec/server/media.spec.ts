/**
 * Media over HTTP on the real server (BEHAVIOUR §7.6): stored and served
 * back to logged-in users of the same app only, the size checked from
 * Content-Length and from a running count (31 MB refused, nothing left
 * behind), a cut upload leaving nothing, the headers that keep a browser from
 * running a file, the time a file is kept, and a file uploaded through one
 * node of a cluster downloaded through another.
 */
import { expect } from 'chai';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../lib/server/index.js';
import { DirectoryMediaStore } from '../../lib/server/media/directory-media-store.js';
import { RedisProcess, requireRedis } from '../support/redis-process.js';
import { chunkedUpload, cutUpload, headersOf, login, mediaUrl, MB, secrets, tokenOf, upload } from './media-http.js';
import { RawClient, serverFixture } from './raw-client.js';

/** Every file under `dir`, however deep. */
async function filesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
}

describe('server media (HTTP)', function () {
  this.timeout(20_000);
  const start = serverFixture(secrets);
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'rx-rtm-media-spec-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('stores a file and serves it back as an attachment, never sniffed, an image as its type', async () => {
    const server = await start({ media: { dir } });
    await login(server, 'app1', 'alice');
    await login(server, 'app1', 'bob');
    const page = await upload(server, Buffer.from('<script>alert(1)</script>'), 'text/html');
    const image = await upload(server, Buffer.from([0x89, 0x50, 0x4e, 0x47]), 'image/png');
    expect(page.status).to.equal(201);
    expect(page.body?.size).to.equal(25);
    expect(page.body?.mediaId).to.match(/^[0-9a-f]{32}$/);
    const got = await fetch(mediaUrl(server, page.body?.mediaId), { headers: headersOf('app1', 'bob') });
    expect(got.status).to.equal(200);
    expect(await got.text()).to.equal('<script>alert(1)</script>');
    expect({
      type: got.headers.get('content-type'),
      disposition: got.headers.get('content-disposition'),
      sniff: got.headers.get('x-content-type-options'),
      length: got.headers.get('content-length'),
    }).to.deep.equal({ type: 'application/octet-stream', disposition: 'attachment', sniff: 'nosniff', length: '25' });
    const png = await fetch(mediaUrl(server, image.body?.mediaId), { headers: headersOf('app1', 'bob') });
    expect(png.headers.get('content-type')).to.equal('image/png');
    expect([...new Uint8Array(await png.arrayBuffer())]).to.deep.equal([0x89, 0x50, 0x4e, 0x47]);
  });

  it('refuses a 31 MB upload with 413, by its Content-Length and by its running count, and keeps nothing', async () => {
    const server = await start({ media: { dir } });
    await login(server, 'app1', 'alice');
    expect((await upload(server, Buffer.alloc(31 * MB))).status).to.equal(413);
    expect(await chunkedUpload(server, 31)).to.equal(413);
    expect(await filesIn(dir)).to.deep.equal([]);
    // 30 MB exactly is allowed.
    expect((await upload(server, Buffer.alloc(30 * MB))).body?.size).to.equal(30 * MB);
  });

  it('keeps nothing of an upload cut halfway', async () => {
    const server = await start({ media: { dir } });
    await login(server, 'app1', 'alice');
    await cutUpload(server, 4 * MB, 2 * MB);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await filesIn(dir)).to.deep.equal([]);
  });

  it("refuses a wrong app, uid or token (401), a user not logged in (403), another app's file (404)", async () => {
    const server = await start({ media: { dir } });
    await login(server, 'app1', 'alice');
    await login(server, 'app2', 'carol');
    const { body } = await upload(server, Buffer.from('x'));
    const get = async (headers: Record<string, string>) =>
      (await fetch(mediaUrl(server, body?.mediaId), { headers })).status;
    expect(await get({})).to.equal(401);
    expect(await get({ ...headersOf('app1', 'alice'), 'x-rtm-uid': 'bob' })).to.equal(401);
    expect(await get({ ...headersOf('app1', 'alice'), 'x-rtm-app-id': 'app2' })).to.equal(401);
    expect(await get({ ...headersOf('app1', 'alice'), 'x-rtm-app-id': 'app9' })).to.equal(401);
    expect(await get(headersOf('app1', 'alice', tokenOf('app1', 'bob')))).to.equal(401);
    expect(await get(headersOf('app1', 'dave'))).to.equal(403);
    expect(await get(headersOf('app2', 'carol'))).to.equal(404);
    expect(await get(headersOf('app1', 'alice'))).to.equal(200);
    expect((await upload(server, Buffer.from('x'), undefined, headersOf('app1', 'dave'))).status).to.equal(403);
    expect(await filesIn(dir)).to.have.length(2);
  });

  it('serves a file for its time to keep, no longer, and the sweep deletes it', async () => {
    let wall = 1_000_000;
    const server = await start({
      media: { dir, ttlMs: 10_000 },
      clock: { monotonic: () => performance.now(), wall: () => wall },
    });
    await login(server, 'app1', 'alice');
    const { body } = await upload(server, Buffer.from('x'));
    wall += 9_999;
    expect((await fetch(mediaUrl(server, body?.mediaId), { headers: headersOf('app1', 'alice') })).status).to.equal(
      200,
    );
    wall += 1;
    expect((await fetch(mediaUrl(server, body?.mediaId), { headers: headersOf('app1', 'alice') })).status).to.equal(
      404,
    );
    expect(await filesIn(dir)).to.have.length(2);
    await new DirectoryMediaStore({ dir, ttlMs: 10_000 }).sweep(wall);
    expect(await filesIn(dir)).to.deep.equal([]);
  });

  it('answers 405 to other methods and 426 beside /media', async () => {
    const server = await start({ media: { dir } });
    expect((await fetch(mediaUrl(server))).status).to.equal(405);
    expect((await fetch(mediaUrl(server, 'abc'), { method: 'POST' })).status).to.equal(405);
    expect((await fetch(`http://127.0.0.1:${server.port}/mediax`)).status).to.equal(426);
  });

  describe('across cluster nodes (a shared directory, presence in a real redis-server)', () => {
    let redis: RedisProcess;
    before(async function () {
      requireRedis(this, 'media cluster');
      redis = await RedisProcess.start();
    });
    after(() => redis?.stop());

    it('downloads through one node a file uploaded through another', async () => {
      const nodes = await Promise.all(
        [0, 1].map(() => startServer({ port: 0, apps: secrets, redisUrl: redis.url, media: { dir } })),
      );
      try {
        await login(nodes[0], 'app1', 'alice');
        const { body } = await upload(nodes[0], Buffer.alloc(3 * MB, 9));
        const got = await fetch(mediaUrl(nodes[1], body?.mediaId), { headers: headersOf('app1', 'alice') });
        expect(got.status).to.equal(200);
        expect(Buffer.from(await got.arrayBuffer()).equals(Buffer.alloc(3 * MB, 9))).to.equal(true);
      } finally {
        RawClient.terminateAll();
        await Promise.all(nodes.map((node) => node.close()));
      }
    });
  });
});
