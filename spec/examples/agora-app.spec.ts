/**
 * examples/agora-app, a page written against agora-rtm-sdk 1.x's API only, bundled with the SDK aliased to
 * rx-rtm/agora and served by the rx-rtm server it connects to (its own origin, no URL configured), in Chromium:
 * two users log in, join a channel, see each other, exchange channel and peer messages, ask who is online; one
 * leaves; a third page logs in as the first user, whose page then shows ABORTED / REMOTE_LOGIN. And a call
 * invitation: one calls the other, whose page shows the call (RemoteInvitationReceived) and accepts it.
 * And an image message: picked on one page, uploaded through the browser's XHR with progress, sent to a peer,
 * downloaded and shown by the other, byte for byte. And cancelling an upload (the SDK 1.4's `cancelSignal`): midway,
 * the XHR cut and nothing kept on the server; before it starts, nothing sent; either way the same file then goes.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import type { Browser, Page } from 'playwright-core';
import type { RtmServer } from '../../lib/server/index.js';
import { AGORA_APP_ID, startAgoraApp } from '../../scripts/serve-agora-app.js';
import { eventually, launchChromium, skipWithoutChromium } from '../browser/harness.js';
import { WatchedMediaStore } from './watched-media-store.js';

describe('examples/agora-app in Chromium', function () {
  this.timeout(60_000);
  let server: RtmServer;
  let url: string;
  let browser: Browser;
  let dir: string;
  let store: WatchedMediaStore;

  before(async function () {
    skipWithoutChromium(this);
    dir = await mkdtemp(join(tmpdir(), 'rx-rtm-agora-app-'));
    store = new WatchedMediaStore(dir);
    ({ server, url } = await startAgoraApp({ media: { store } }));
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A page of its own (its own storage), logged in as `uid`. */
  async function loggedIn(uid: string): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(url);
    await page.fill('#uid', uid);
    await page.click('#login');
    await expectText(page, '#state', 'CONNECTED / LOGIN_SUCCESS');
    expect(errors).to.deep.equal([]);
    return page;
  }

  const expectText = (page: Page, selector: string, text: string) =>
    page.locator(selector, { hasText: text }).first().waitFor({ timeout: 10_000 });
  const logged = (page: Page, line: string) => expectText(page, '#log li', line);

  it('runs the SDK app on rx-rtm: channel, peer messages, online status, and REMOTE_LOGIN', async () => {
    const alice = await loggedIn('alice');
    const bob = await loggedIn('bob');

    await alice.click('#join');
    await logged(alice, 'joined lobby with alice');
    await bob.click('#join');
    await logged(bob, 'joined lobby with alice, bob');
    await logged(alice, 'bob joined');
    await expectText(alice, '#count', '2');

    await alice.fill('#channel-text', 'hello, lobby');
    await alice.click('#send-channel');
    await logged(bob, 'alice: hello, lobby');

    await bob.fill('#peer', 'alice');
    await bob.fill('#peer-text', 'just you');
    await bob.click('#send-peer');
    await logged(bob, 'delivered');
    await logged(alice, 'bob (private): just you');

    await alice.fill('#peer', 'bob, carol');
    await alice.click('#query');
    await expectText(alice, '#online', 'bob: online, carol: offline');

    await bob.click('#leave');
    await logged(alice, 'bob left');
    await expectText(alice, '#count', '1');

    const aliceAgain = await loggedIn('alice');
    await expectText(alice, '#state', 'ABORTED / REMOTE_LOGIN');
    await expectText(aliceAgain, '#state', 'CONNECTED / LOGIN_SUCCESS');
  });

  it('rings a call: RemoteInvitationReceived on the callee, who accepts; LocalInvitationAccepted', async () => {
    const carol = await loggedIn('carol');
    const dave = await loggedIn('dave');
    await carol.fill('#peer', 'dave');
    await carol.click('#call');
    await logged(carol, 'ringing dave');
    await expectText(dave, '#caller', 'carol calls: call me');
    await dave.click('#accept');
    await logged(dave, 'in a call with carol');
    await logged(carol, 'dave accepted: on my way');
  });

  // ---- Image messages ----

  /** A PNG of random pixels made by Chromium (so it does not compress: `side`² × 4 bytes and more). */
  async function noisePng(page: Page, side: number): Promise<Buffer> {
    const bytes = await page.evaluate(async (side) => {
      const canvas = Object.assign(document.createElement('canvas'), { width: side, height: side });
      const context = canvas.getContext('2d')!;
      const pixels = context.createImageData(side, side);
      // (getRandomValues fills 64 KB at most per call.)
      for (let i = 0; i < pixels.data.length; i += 65_536) crypto.getRandomValues(pixels.data.subarray(i, i + 65_536));
      for (let i = 3; i < pixels.data.length; i += 4) pixels.data[i] = 255;
      context.putImageData(pixels, 0, 0);
      const blob = await new Promise<Blob>((resolve) => canvas.toBlob((made) => resolve(made!), 'image/png'));
      return new Promise<string>((resolve) => {
        const reader = new FileReader();
        reader.addEventListener('load', () => resolve(reader.result as string));
        reader.readAsDataURL(blob);
      });
    }, side);
    return Buffer.from(bytes.split(',')[1], 'base64');
  }

  it('sends an image: picked, uploaded with progress, received as IMAGE, downloaded, shown byte for byte', async () => {
    const carol = await loggedIn('carol');
    const dave = await loggedIn('dave');
    const png = await noisePng(carol, 400);
    expect(png.length).to.be.greaterThan(400 * 400 * 3);
    await carol.setInputFiles('#image-file', { name: 'noise.png', mimeType: 'image/png', buffer: png });
    await carol.fill('#peer', 'dave');
    await carol.click('#send-image');

    await logged(carol, 'image delivered');
    const sent = await carol.locator('#log li', { hasText: 'image noise.png' }).first().textContent();
    const events = Number(/after (\d+) progress events/.exec(sent ?? '')?.[1]);
    expect(sent).to.include(`image noise.png (${png.length} B) sent after `);
    expect(events).to.be.at.least(1);
    await expectText(carol, '#upload-progress', `${png.length} / ${png.length}`);

    await logged(dave, 'carol (private): [image]');
    await logged(dave, `carol sent image noise.png: 400×400, ${png.length} B downloaded`);
    const shown = await dave.evaluate(async () => {
      const image = document.getElementById('received-image') as HTMLImageElement;
      await image.decode();
      const blob = await (await fetch(image.src)).blob();
      const dataUrl = await new Promise<string>((resolve) => {
        const reader = new FileReader();
        reader.addEventListener('load', () => resolve(reader.result as string));
        reader.readAsDataURL(blob);
      });
      return { width: image.naturalWidth, height: image.naturalHeight, base64: dataUrl.split(',')[1] };
    });
    expect({ width: shown.width, height: shown.height }).to.deep.equal({ width: 400, height: 400 });
    expect(Buffer.from(shown.base64, 'base64').equals(png)).to.equal(true);
  });

  // ---- Cancelling an upload ----

  const MB = 1024 * 1024;
  const CANCELED = 'error 1: createMediaMessageByUploading failed: CANCELED (media transfer canceled)';
  /** Picks a file of `size` random bytes on the page, big.bin, made there rather than sent through the driver. */
  async function pickFile(page: Page, size: number): Promise<string> {
    return page.evaluate(async (size) => {
      const bytes = new Uint8Array(size);
      // (getRandomValues fills 64 KB at most per call.)
      for (let i = 0; i < size; i += 65_536) crypto.getRandomValues(bytes.subarray(i, i + 65_536));
      const picked = new DataTransfer();
      picked.items.add(new File([bytes], 'big.bin', { type: 'application/octet-stream' }));
      (document.getElementById('image-file') as HTMLInputElement).files = picked.files;
      return Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), (byte) =>
        byte.toString(16).padStart(2, '0'),
      ).join('');
    }, size);
  }

  /** The SHA-256 of what the store keeps as media `mediaId`, if anything. */
  async function stored(mediaId: string): Promise<string | undefined> {
    const file = await store.open(AGORA_APP_ID, mediaId, Date.now());
    if (!file) return undefined;
    return createHash('sha256')
      .update(await buffer(file.body))
      .digest('hex');
  }

  it('cancels an upload midway: rejects 1 CANCELED, the XHR cut, nothing kept; the same file then goes', async () => {
    const erin = await loggedIn('erin');
    const sha256 = await pickFile(erin, 24 * MB);
    await erin.fill('#peer', 'nobody');
    const [uploads, files] = [store.uploads.length, await store.files()];
    store.slowNext();
    await erin.click('#send-image');
    await erin.locator('#upload-progress', { hasText: ' / ' }).waitFor({ timeout: 10_000 });
    const [current, total] = (await erin.textContent('#upload-progress'))!.split(' / ').map(Number);
    expect(total).to.equal(24 * MB);
    expect(current).to.be.above(0).and.below(total);
    await erin.click('#cancel-image');
    await logged(erin, CANCELED);

    // The browser cut the connection: the upload ended unfinished, and nothing of it is left.
    const cut = WatchedMediaStore.id(uploads + 1);
    await eventually(async () => store.uploads.slice(uploads), [{ mediaId: cut, stored: false }]);
    expect(await store.files()).to.deep.equal(files);
    expect(await stored(cut)).to.equal(undefined);

    await erin.click('#send-image');
    await logged(erin, `image big.bin (${24 * MB} B) sent after `);
    await logged(erin, 'image not delivered: offline');
    const kept = WatchedMediaStore.id(uploads + 2);
    expect(store.uploads.slice(uploads)).to.deep.equal([
      { mediaId: cut, stored: false },
      { mediaId: kept, stored: true },
    ]);
    expect(await stored(kept)).to.equal(sha256);
  });

  it('cancels an upload before it starts: rejects 1 CANCELED, sends nothing; the same file then goes', async () => {
    const frank = await loggedIn('frank');
    await pickFile(frank, MB);
    await frank.fill('#peer', 'nobody');
    const posts: string[] = [];
    frank.on('request', (request) => request.method() === 'POST' && posts.push(new URL(request.url()).pathname));
    const received = store.received;
    // Both in one task: the upload's signal is aborted before the upload is asked for.
    await frank.evaluate(() => {
      document.getElementById('send-image')!.click();
      document.getElementById('cancel-image')!.click();
    });
    await logged(frank, CANCELED);
    expect(posts).to.deep.equal([]);
    expect(store.received).to.equal(received);

    await frank.click('#send-image');
    await logged(frank, `image big.bin (${MB} B) sent after `);
    expect(posts).to.deep.equal(['/media']);
    expect(store.received).to.equal(received + 1);
  });
});
