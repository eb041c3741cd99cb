/**
 * The demo page in a real Chromium: login, a dark link past the 4 s
 * threshold, a remote login, members, attributes, online status and
 * messages, each read from the page's DOM. Screenshots go to artifacts/screenshots/.
 */
import { expect } from 'chai';
import {
  channelCard,
  channelShows,
  DemoLab,
  eventually,
  headerState,
  join,
  logIn,
  screenshot,
  skipWithoutChromium,
  timeline,
  waitForRow,
} from './harness.js';

const pairs = async (page: Parameters<typeof timeline>[0]) => (await timeline(page)).map((row) => row.pair);

describe('the demo page in Chromium', function () {
  this.timeout(20_000);
  let lab: DemoLab | undefined;

  before(function () {
    skipWithoutChromium(this);
  });

  beforeEach(async () => {
    lab = await DemoLab.start();
  });

  afterEach(async () => {
    await lab?.close();
    lab = undefined;
  });

  /** A page logged in as alice, in the channel lobby. */
  async function aliceInLobby() {
    const page = await lab!.open();
    await logIn(page, 'alice');
    await join(page, 'lobby');
    return page;
  }

  it('logs in: DISCONNECTED/LOGOUT, CONNECTING/LOGIN, CONNECTED/LOGIN_SUCCESS on the timeline', async () => {
    const page = await lab!.open();
    expect(await pairs(page)).to.deep.equal(['DISCONNECTED/LOGOUT']);

    await logIn(page, 'alice');
    await waitForRow(page, 'CONNECTED/LOGIN_SUCCESS', 5000);
    await join(page, 'lobby');

    expect(await pairs(page)).to.deep.equal(['DISCONNECTED/LOGOUT', 'CONNECTING/LOGIN', 'CONNECTED/LOGIN_SUCCESS']);
    expect(await headerState(page)).to.equal('CONNECTED/LOGIN_SUCCESS');
    expect(await page.getByTestId('self').textContent()).to.equal('alice');
    expect(await channelShows(page, 'lobby')).to.deep.equal({ count: '1', members: ['alice'], events: [] });
    await screenshot(page, 'login');
  });

  it('shows a 6 s dark link as RECONNECTING/INTERRUPTED 4–5.7 s after the cut', async function () {
    // Then CONNECTED/LOGIN_SUCCESS once it heals.
    this.timeout(30_000);
    const page = await aliceInLobby();

    await page.getByTestId('cut-6').click();
    const cut = page.locator('[data-testid="timeline-note"][data-kind="cut"]');
    await cut.waitFor({ timeout: 2000 });
    const cutAt = Number(await cut.getAttribute('data-t'));
    expect(await cut.textContent()).to.contain('link cut for 6 s');

    const interrupted = await waitForRow(page, 'RECONNECTING/INTERRUPTED', 7000);
    expect(interrupted.t - cutAt, 'RECONNECTING after the cut, ms').to.be.within(4000, 5700);
    expect(await headerState(page)).to.equal('RECONNECTING/INTERRUPTED');
    expect(await page.getByTestId('link-status').getAttribute('data-phase')).to.equal('reconnecting');
    expect(await page.getByTestId('link-status').textContent()).to.match(/^RECONNECTING: /);
    expect(await page.getByTestId('clock-threshold-value').textContent()).to.match(/^RECONNECTING after [45]\.\d\d s$/);
    expect(await page.getByTestId('clock-grace').getAttribute('data-running')).to.equal('true');
    await screenshot(page, 'link-cut-reconnecting');

    const back = await waitForRow(page, 'CONNECTED/LOGIN_SUCCESS', 6000, 1);
    expect(back.t - cutAt, 'CONNECTED again after the cut, ms').to.be.within(6000, 9000);
    expect(await pairs(page)).to.deep.equal([
      'DISCONNECTED/LOGOUT',
      'CONNECTING/LOGIN',
      'CONNECTED/LOGIN_SUCCESS',
      'RECONNECTING/INTERRUPTED',
      'CONNECTED/LOGIN_SUCCESS',
    ]);
    expect(await headerState(page)).to.equal('CONNECTED/LOGIN_SUCCESS');
    expect(await page.getByTestId('link-status').getAttribute('data-phase')).to.equal('back');
    expect(await page.getByTestId('link-status').textContent()).to.match(
      /^back: CONNECTED again [6-9]\.\d\d s after the link went dark\.$/,
    );
    expect(await page.getByTestId('clock-grace-value').textContent()).to.match(
      /^back after [6-9]\.\d\d s: inside the grace$/,
    );
    // Back within the grace: the same session, still in the channel.
    expect(await channelShows(page, 'lobby')).to.deep.equal({ count: '1', members: ['alice'], events: [] });
    await screenshot(page, 'link-cut');
  });

  it('shows a 3 s dark link as nothing at all: no state change, the same session', async function () {
    this.timeout(20_000);
    const page = await aliceInLobby();

    await page.getByTestId('cut-3').click();
    await page.locator('[data-testid="link-status"][data-phase="cut"]').waitFor({ timeout: 2000 });
    await page.locator('[data-testid="link-status"][data-phase="quiet"]').waitFor({ timeout: 5000 });
    // Past the latest moment a 3 s outage could still be announced (3 s + one heartbeat and its allowance).
    await page.waitForTimeout(2500);

    expect(await pairs(page)).to.deep.equal(['DISCONNECTED/LOGOUT', 'CONNECTING/LOGIN', 'CONNECTED/LOGIN_SUCCESS']);
    expect(await headerState(page)).to.equal('CONNECTED/LOGIN_SUCCESS');
    expect(await page.getByTestId('link-status').textContent()).to.match(
      /^Healed after 3\.\d\d s: under 4 s, so no state change\.$/,
    );
    expect(await page.getByTestId('clock-threshold-value').textContent()).to.equal('under 4 s: nothing announced');
    expect(await channelShows(page, 'lobby')).to.deep.equal({ count: '1', members: ['alice'], events: [] });
    await screenshot(page, 'link-blip');
  });

  it('ABORTED/REMOTE_LOGIN on the first page when a second page logs in as the same uid', async () => {
    const first = await lab!.open();
    await logIn(first, 'alice');

    const opened = lab!.context.waitForEvent('page');
    await first.getByTestId('second-page').click();
    const second = await opened;
    await waitForRow(second, 'CONNECTED/LOGIN_SUCCESS', 5000);
    await waitForRow(first, 'ABORTED/REMOTE_LOGIN', 5000);

    expect(await pairs(first)).to.deep.equal([
      'DISCONNECTED/LOGOUT',
      'CONNECTING/LOGIN',
      'CONNECTED/LOGIN_SUCCESS',
      'ABORTED/REMOTE_LOGIN',
    ]);
    expect(await headerState(first)).to.equal('ABORTED/REMOTE_LOGIN');
    expect(await first.getByTestId('login-note').textContent()).to.match(
      /^Another page logged in as alice, so this one stopped/,
    );
    expect(await pairs(second)).to.deep.equal(['DISCONNECTED/LOGOUT', 'CONNECTING/LOGIN', 'CONNECTED/LOGIN_SUCCESS']);
    expect(await headerState(second)).to.equal('CONNECTED/LOGIN_SUCCESS');
    expect(await second.getByTestId('self').textContent()).to.equal('alice');
    await screenshot(first, 'remote-login');
    await screenshot(second, 'remote-login-second-page');
  });

  it('shows members coming and going between two pages, with counts', async () => {
    const bob = await lab!.open();
    await logIn(bob, 'bob');
    await join(bob, 'lobby');
    expect(await channelShows(bob, 'lobby')).to.deep.equal({ count: '1', members: ['bob'], events: [] });

    const alice = await lab!.open();
    await logIn(alice, 'alice');
    await join(alice, 'lobby');
    expect(await channelShows(alice, 'lobby')).to.deep.equal({ count: '2', members: ['alice', 'bob'], events: [] });
    await eventually(() => channelShows(bob, 'lobby'), {
      count: '2',
      members: ['alice', 'bob'],
      events: ['alice joined'],
    });

    await channelCard(alice, 'lobby').getByTestId('leave-button').click();
    await eventually(() => channelShows(bob, 'lobby'), {
      count: '1',
      members: ['bob'],
      events: ['alice joined', 'alice left'],
    });
    expect(await channelCard(alice, 'lobby').count()).to.equal(0);
    await screenshot(bob, 'members');
  });

  it('sets and reads attributes, and reports a peer ONLINE then OFFLINE', async () => {
    const alice = await lab!.open();
    await logIn(alice, 'alice');
    await alice.getByTestId('attr-key').fill('mood');
    await alice.getByTestId('attr-value').fill('curious');
    await alice.getByTestId('attr-set').click();
    await alice.locator('[data-testid="attr-row"][data-key="mood"]').waitFor({ timeout: 5000 });

    const bob = await lab!.open();
    await logIn(bob, 'bob');
    await bob.getByTestId('attr-read-uid').fill('alice');
    await bob.getByTestId('attr-read').click();
    const row = bob.locator('[data-testid="attr-row"][data-key="mood"]');
    await row.waitFor({ timeout: 5000 });
    expect([await row.locator('th').textContent(), await row.locator('td').textContent()]).to.deep.equal([
      'mood',
      'curious',
    ]);

    await bob.getByTestId('peer-input').fill('alice');
    await bob.getByTestId('subscribe-button').click();
    const peer = bob.locator('[data-testid="peer"][data-uid="alice"]');
    await eventually(() => peer.getByTestId('peer-status').textContent(), 'ONLINE');
    await alice.getByTestId('logout-button').click();
    await eventually(() => peer.getByTestId('peer-status').textContent(), 'OFFLINE');
    expect(await peer.getAttribute('data-status')).to.equal('OFFLINE');
    await screenshot(bob, 'attributes-and-peers');
  });

  it('sends messages: waiting, then delivered or refused with its code; the peer shows them', async () => {
    const bob = await lab!.open();
    await logIn(bob, 'bob');
    const alice = await lab!.open();
    await logIn(alice, 'alice');
    const rows = (page: typeof alice) =>
      page
        .getByTestId('message')
        .evaluateAll((items) =>
          items.map((item) => [
            (item as HTMLElement).dataset.direction,
            (item as HTMLElement).dataset.status,
            item.querySelector('[data-testid="message-body"]')?.textContent,
            (item as HTMLElement).dataset.code ?? '',
          ]),
        );
    const send = async (to: string, text: string) => {
      await alice.getByTestId('message-to').fill(to);
      await alice.getByTestId('message-text').fill(text);
      await alice.getByTestId('message-send').click();
    };
    await send('bob', 'hello bob');
    await send('#lobby', 'hello lobby');
    await eventually(
      () => rows(alice),
      [
        ['out', 'delivered', 'hello bob', ''],
        ['out', 'refused', 'hello lobby', 'NOT_JOINED'],
      ],
    );
    await eventually(() => rows(bob), [['in', 'received', 'hello bob', '']]);

    // Sent into a dark link: waiting until it heals, then delivered once.
    await alice.getByTestId('cut-3').click();
    await send('bob', 'through the dark');
    await eventually(() => rows(alice).then((all) => all[2]), ['out', 'waiting', 'through the dark', '']);
    await eventually(() => rows(alice).then((all) => all[2]), ['out', 'delivered', 'through the dark', ''], 6000);
    await eventually(
      () => rows(bob),
      [
        ['in', 'received', 'hello bob', ''],
        ['in', 'received', 'through the dark', ''],
      ],
    );
    await screenshot(alice, 'messages');
  });
});
