/**
 * examples/agora-app, a page written against agora-rtm-sdk 1.x's API only, bundled with the SDK aliased to
 * rx-rtm/agora and served by the rx-rtm server it connects to (its own origin, no URL configured), in Chromium:
 * two users log in, join a channel, see each other, exchange channel and peer messages, ask who is online; one
 * leaves; a third page logs in as the first user, whose page then shows ABORTED / REMOTE_LOGIN. And a call
 * invitation: one calls the other, whose page shows the call (RemoteInvitationReceived) and accepts it.
 * And an image message: picked on one page, uploaded through the browser's XHR with progress, sent to a peer,
 * downloaded and shown by the other, byte for byte.
 */
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import type { RtmServer } from '../../lib/server/index.js';
import { startAgoraApp } from '../../scripts/serve-agora-app.js';
import { launchChromium, skipWithoutChromium } from '../browser/harness.js';

describe('examples/agora-app in Chromium', function () {
  this.timeout(60_000);
  let server: RtmServer;
  let url: string;
  let browser: Browser;

  before(async function () {
    skipWithoutChromium(this);
    ({ server, url } = await startAgoraApp());
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await server?.close();
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
});
