/**
 * Media in Redis (BEHAVIOUR §7.6), the default of nodes that run with Redis and name no directory: a file
 * uploaded through one node downloads through another, with the file's expiry set in Redis; 8 MB at most, a larger
 * one refused with 413 and a cut upload both leaving no key behind; Redis itself forgets a file on time.
 */
import { Redis } from 'ioredis';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisConfigError } from '../../lib/server/index.js';
import { startServer, type RtmServer, type ServerOptions } from '../../lib/server/start-server.js';
import { chunkedUpload, cutUpload, headersOf, login, MB, mediaUrl, secrets, upload } from '../server/media-http.js';
import { RawClient } from '../server/raw-client.js';
import { eventually, expect, redisForSuite, sleep } from './cluster-harness.js';

const WEEK_MS = 7 * 24 * 3600 * 1000;

describe('media in Redis across cluster nodes (a real redis-server)', function () {
  this.timeout(30_000);
  const redisProcess = redisForSuite();
  let redis: Redis;
  const nodes: RtmServer[] = [];
  const node = async (options: Partial<ServerOptions> = {}) => {
    const server = await startServer({ port: 0, apps: secrets, redisUrl: redisProcess().url, ...options });
    nodes.push(server);
    return server;
  };
  /** Every media key in Redis: bytes (md), records (mr), uploads on their way (mu). */
  const mediaKeys = async () => (await redis.keys('rtm:*:m[dru]:*')).sort();

  before(() => (redis = new Redis(redisProcess().url)));
  afterEach(async () => {
    RawClient.terminateAll();
    await Promise.all(nodes.splice(0).map((server) => server.close()));
    await redis.flushall();
  });
  after(() => redis?.quit());

  it('downloads through node B an image uploaded through node A, stored with its 7 days as its expiry', async () => {
    const [a, b] = [await node(), await node()];
    await login(a, 'app1', 'alice');
    const bytes = Buffer.from(Uint8Array.from({ length: 3 * MB + 5 }, (_, i) => i % 251));
    const { status, body } = await upload(a, bytes, 'image/png');
    expect(status).to.equal(201);
    expect(body?.size).to.equal(3 * MB + 5);
    const id = body!.mediaId;
    expect(await mediaKeys()).to.deep.equal([`rtm:{app1}:md:${id}`, `rtm:{app1}:mr:${id}`]);
    for (const key of await mediaKeys()) expect(await redis.pttl(key)).to.be.within(WEEK_MS - 60_000, WEEK_MS);
    const got = await fetch(mediaUrl(b, id), { headers: headersOf('app1', 'alice') });
    expect([got.status, got.headers.get('content-type'), got.headers.get('content-length')]).to.deep.equal([
      200,
      'image/png',
      String(3 * MB + 5),
    ]);
    expect(Buffer.from(await got.arrayBuffer()).equals(bytes)).to.equal(true);
    const empty = await upload(b, Buffer.alloc(0));
    const none = await fetch(mediaUrl(a, empty.body?.mediaId), { headers: headersOf('app1', 'alice') });
    expect([none.status, (await none.arrayBuffer()).byteLength]).to.deep.equal([200, 0]);
  });

  it('refuses over 8 MB with 413, by Content-Length and by count, keeping no key; 8 MB exactly is stored', async () => {
    const a = await node();
    await login(a, 'app1', 'alice');
    expect((await upload(a, Buffer.alloc(8 * MB + 1))).status).to.equal(413);
    expect(await chunkedUpload(a, 9)).to.equal(413);
    await eventually(async () => void expect(await mediaKeys()).to.deep.equal([]), 2_000);
    expect((await upload(a, Buffer.alloc(8 * MB))).body?.size).to.equal(8 * MB);
  });

  it('keeps no key of an upload cut halfway', async () => {
    const a = await node();
    await login(a, 'app1', 'alice');
    await cutUpload(a, 4 * MB, 2 * MB);
    await eventually(async () => void expect(await mediaKeys()).to.deep.equal([]), 2_000);
  });

  it('lets Redis forget a file when its time to keep is over', async () => {
    const a = await node({ media: { store: 'redis', ttlMs: 300 } });
    await login(a, 'app1', 'alice');
    const { body } = await upload(a, Buffer.from('brief'));
    expect(await mediaKeys()).to.have.length(2);
    await sleep(400);
    expect(await mediaKeys()).to.deep.equal([]);
    expect((await fetch(mediaUrl(a, body?.mediaId), { headers: headersOf('app1', 'alice') })).status).to.equal(404);
  });

  it("refuses media.store 'redis' on a node without Redis, and stores in a directory when one is named", async () => {
    const refused = await startServer({ port: 0, apps: secrets, media: { store: 'redis' } }).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(RedisConfigError);
    const dir = await mkdtemp(join(tmpdir(), 'rx-rtm-media-cluster-spec-'));
    try {
      const a = await node({ media: { dir, maxBytes: 1024 } });
      await login(a, 'app1', 'alice');
      expect((await upload(a, Buffer.alloc(2048))).status).to.equal(413);
      expect((await upload(a, Buffer.from('on disk'))).status).to.equal(201);
      expect(await mediaKeys()).to.deep.equal([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
