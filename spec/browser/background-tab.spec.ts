/**
 * A background tab in a real Chromium (issue 11): the demo page's timers
 * are throttled the way a browser throttles a hidden tab's (they fire only
 * at wake-ups aligned to the minute, demo/throttled-timers.ts) for 150 s,
 * while a watcher shares its channel and a third user keeps sending it
 * events. Nothing may change: no state change on the hidden page, no leave
 * or join and no UNREACHABLE for the watcher, and every event reaches the
 * hidden page once, in order, within moments.
 */
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { createClient, type RtmClient } from '../../lib/node.js';
import { createToken } from '../../lib/server/index.js';
import {
  channelCard,
  DemoLab,
  eventually,
  headerState,
  join,
  logIn,
  skipWithoutChromium,
  timeline,
} from './harness.js';

/** How long the page stays throttled: the 150 s, past five wake-ups and the 30 s grace many times over. */
const HIDDEN_MS = 150_000;
/** One step of the third user's activity. */
const STEP_MS = 10_000;
/** How soon an event caused by the third user must show on the hidden page. */
const PROMPT_MS = 3000;

interface PageHooks {
  client: RtmClient;
  statusLog?: string[];
  probeFiredAt?: number;
}

/** Records every peer status change the page's client reports, as `uid STATUS`. */
async function recordStatuses(page: Page): Promise<void> {
  await page.evaluate(() => {
    const hooks = window as unknown as PageHooks;
    const log: string[] = (hooks.statusLog = []);
    hooks.client.peersOnlineStatusChanged$.subscribe((statuses) => {
      for (const [uid, status] of Object.entries(statuses)) log.push(`${uid} ${status}`);
    });
  });
}

const statusLog = (page: Page) => page.evaluate(() => (window as unknown as PageHooks).statusLog ?? []);
const memberEvents = (page: Page, channel: string) =>
  channelCard(page, channel).getByTestId('member-event').allTextContents();
const members = (page: Page, channel: string) => channelCard(page, channel).getByTestId('member').allTextContents();
const pairs = async (page: Page) => (await timeline(page)).map((row) => row.pair);

async function subscribePeer(page: Page, uid: string): Promise<void> {
  await page.getByTestId('peer-input').fill(uid);
  await page.getByTestId('subscribe-button').click();
  const peer = page.locator(`[data-testid="peer"][data-uid="${uid}"]`);
  await eventually(() => peer.getByTestId('peer-status').textContent(), 'ONLINE');
}

describe('a background tab in Chromium (timers throttled to minute wake-ups)', function () {
  this.timeout(HIDDEN_MS + 60_000);
  let lab: DemoLab | undefined;
  let carol: RtmClient | undefined;

  before(function () {
    skipWithoutChromium(this);
  });

  afterEach(async () => {
    await carol?.destroy();
    carol = undefined;
    await lab?.close();
    lab = undefined;
  });

  it('keeps session, presence and every event for 150 s hidden, as a watcher and a third user look on', async () => {
    lab = await DemoLab.start();
    const { demo } = lab;
    const alice = await lab.open();
    await logIn(alice, 'alice');
    await join(alice, 'lobby');
    const bob = await lab.open();
    await logIn(bob, 'bob');
    await join(bob, 'lobby');
    await subscribePeer(bob, 'alice');
    await recordStatuses(bob);

    carol = createClient({ url: demo.server.url, appId: demo.appId });
    const carolToken = createToken({
      appId: demo.appId,
      appSecret: demo.appSecret,
      uid: 'carol',
      expiresInSeconds: 600,
    });
    await carol.login({ uid: 'carol', token: carolToken });
    const lobby = carol.createChannel('lobby');
    await subscribePeer(alice, 'carol');
    await recordStatuses(alice);

    const aliceTimeline = await pairs(alice);
    const bobTimeline = await pairs(bob);
    expect(aliceTimeline).to.deep.equal(['DISCONNECTED/LOGOUT', 'CONNECTING/LOGIN', 'CONNECTED/LOGIN_SUCCESS']);

    await alice.getByTestId('hide-tab').click();
    const hiddenAt = Date.now();
    // The throttle is on: a 10 ms timer set now fires only at the next minute-aligned wake-up.
    await alice.evaluate(() => {
      setTimeout(() => ((window as unknown as PageHooks).probeFiredAt = Date.now()), 10);
    });

    const expectedMembers = await memberEvents(alice, 'lobby');
    expect(expectedMembers).to.deep.equal(['bob joined']);
    const expectedStatuses: string[] = [];
    for (let step = 0; Date.now() - hiddenAt < HIDDEN_MS; step++) {
      const stepEnds = hiddenAt + (step + 1) * STEP_MS;
      switch (step % 4) {
        case 0:
          await lobby.join();
          expectedMembers.push('carol joined');
          break;
        case 1: {
          // An attribute the hidden page reads: its request and the answer need none of its timers.
          await carol.addOrUpdateLocalUserAttributes({ step: String(step) });
          await alice.getByTestId('attr-read-uid').fill('carol');
          await alice.getByTestId('attr-read').click();
          const row = alice.locator('[data-testid="attr-row"][data-key="step"] td');
          await eventually(() => row.textContent(), String(step), PROMPT_MS);
          break;
        }
        case 2:
          await lobby.leave();
          expectedMembers.push('carol left');
          break;
        case 3:
          await carol.logout();
          expectedStatuses.push('carol OFFLINE');
          await eventually(() => statusLog(alice), expectedStatuses, PROMPT_MS);
          await carol.login({ uid: 'carol', token: carolToken });
          expectedStatuses.push('carol ONLINE');
          break;
      }
      // MESSAGES: once messaging lands, carol sends alice a message here every step, and alice's page must
      // show each one exactly once, in order, within PROMPT_MS (and nothing else in this test may change).
      await eventually(() => memberEvents(alice, 'lobby'), expectedMembers, PROMPT_MS);
      await eventually(() => statusLog(alice), expectedStatuses, PROMPT_MS);
      // The watcher sees alice present and steady; the hidden page itself changes no state.
      expect(await members(bob, 'lobby'), `step ${step}`).to.include('alice');
      expect(await statusLog(bob), `step ${step}: bob's view of alice`).to.deep.equal([]);
      expect(await pairs(alice), `step ${step}`).to.deep.equal(aliceTimeline);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, stepEnds - Date.now())));
    }

    const probeFiredAt = await alice.evaluate(() => (window as unknown as PageHooks).probeFiredAt);
    expect(probeFiredAt, 'the throttled probe timer fired').to.be.a('number');
    expect(probeFiredAt! % 60_000, 'at a minute-aligned wake-up').to.be.below(2000);

    await alice.getByTestId('show-tab').click();
    await alice.locator('[data-testid="timeline-note"][data-kind="shown"]').waitFor({ timeout: 2000 });
    await new Promise((resolve) => setTimeout(resolve, 2000));

    expect(await pairs(alice)).to.deep.equal(aliceTimeline);
    expect(await pairs(bob)).to.deep.equal(bobTimeline);
    expect(await memberEvents(alice, 'lobby')).to.deep.equal(expectedMembers);
    expect(await statusLog(alice)).to.deep.equal(expectedStatuses);
    // Bob saw carol come and go, and alice never.
    expect((await memberEvents(bob, 'lobby')).filter((event) => event.startsWith('alice'))).to.deep.equal([]);
    expect(await statusLog(bob)).to.deep.equal([]);
    expect(await headerState(alice)).to.equal('CONNECTED/LOGIN_SUCCESS');
    expect(demo.server.sessionCount).to.equal(3);
  });
});
