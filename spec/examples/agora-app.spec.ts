/**
 * examples/agora-app, a page written against agora-rtm-sdk 1.x's API only, bundled with the SDK aliased to
 * rx-rtm/agora and served by the rx-rtm server it connects to (its own origin, no URL configured), in Chromium:
 * two users log in, join a channel, see each other, exchange channel and peer messages, ask who is online; one
 * leaves; a third page logs in as the first user, whose page then shows ABORTED / REMOTE_LOGIN. And a call
 * invitation: one calls the other, whose page shows the call (RemoteInvitationReceived) and accepts it.
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
});
