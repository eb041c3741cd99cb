/**
 * The demo page (served by `npm start`, lib/server/demo.ts): one rx-rtm
 * client, every connection state on a timeline, channels with live
 * members, attributes, peers' online status, messages, and the clocks of
 * an outage.
 *
 * Plain DOM: the markup is demo/index.html, this fills it in. Elements the
 * browser tests read carry `data-testid`.
 */
import type { Subscription } from 'rxjs';
import { installTimerThrottle } from './throttled-timers.js';
import {
  ConnectionChangeReason,
  ConnectionState,
  createClient,
  PeerStatus,
  RtmError,
  type AttributesMap,
  type ConnectionStatePair,
  type RtmChannel,
  type RtmClient,
  type RtmMessage,
} from '../lib/index.js';

/** Installed before anything of the page sets a timer: "hide this tab" throttles every timer the page runs. */
const timerThrottle = installTimerThrottle(window);
/** How long "hide this tab" lasts, and how often a hidden tab's timers wake (Chrome's intensive throttling). */
const HIDDEN_FOR_MS = 180_000;
const HIDDEN_WAKEUP_MS = 60_000;

/** The client's interruption threshold (its default, stated here so the clock and the client agree). */
const THRESHOLD_MS = 4000;
/** How long after a cut heals the page still waits before calling it a blip nobody saw. */
const QUIET_MARGIN_MS = 1500;

// ---------------------------------------------------------------- DOM helpers

function byTestId<T extends HTMLElement = HTMLElement>(id: string, root: ParentNode = document): T {
  const found = root.querySelector<T>(`[data-testid="${id}"]`);
  if (!found) throw new Error(`the page has no [data-testid="${id}"]`);
  return found;
}

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

/** An element with attributes (`class`, `data-*`, …) and children. */
function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `HH:MM:SS.mmm` of a `performance.now()` time. */
function clockTime(at: number): string {
  const date = new Date(performance.timeOrigin + at);
  const seconds = `${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${seconds}`;
}

/** Seconds with two decimals: `4.37`. */
const seconds = (ms: number) => (ms / 1000).toFixed(2);

function describe(error: unknown): string {
  if (error instanceof RtmError) return error.message === error.code ? error.code : `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** Runs an action of a card, showing its failure in the card's error line. */
async function attempt(errorLine: HTMLElement, action: () => Promise<void>): Promise<void> {
  errorLine.textContent = '';
  try {
    await action();
  } catch (error) {
    errorLine.textContent = describe(error);
  }
}

// ---------------------------------------------------------------- the page's elements

const ui = {
  state: byTestId('state'),
  stateName: byTestId('state-name'),
  stateReason: byTestId('state-reason'),
  uidShown: byTestId('self'),
  since: byTestId('since'),
  loginForm: byId<HTMLFormElement>('login-form'),
  uid: byTestId<HTMLInputElement>('uid-input'),
  login: byTestId<HTMLButtonElement>('login-button'),
  logout: byTestId<HTMLButtonElement>('logout-button'),
  loginNote: byTestId('login-note'),
  loginError: byTestId('login-error'),
  icon: document.querySelector<HTMLLinkElement>('link[rel="icon"]'),
  cutButtons: [...document.querySelectorAll<HTMLButtonElement>('button[data-cut]')],
  secondPage: byTestId<HTMLButtonElement>('second-page'),
  hideTab: byTestId<HTMLButtonElement>('hide-tab'),
  showTab: byTestId<HTMLButtonElement>('show-tab'),
  linkStatus: byTestId('link-status'),
  joinForm: byId<HTMLFormElement>('join-form'),
  channel: byTestId<HTMLInputElement>('channel-input'),
  join: byTestId<HTMLButtonElement>('join-button'),
  channelError: byTestId('channel-error'),
  channelList: byTestId('channel-list'),
  attrForm: byId<HTMLFormElement>('attr-form'),
  attrKey: byTestId<HTMLInputElement>('attr-key'),
  attrValue: byTestId<HTMLInputElement>('attr-value'),
  attrSet: byTestId<HTMLButtonElement>('attr-set'),
  attrClear: byTestId<HTMLButtonElement>('attr-clear'),
  attrReadForm: byId<HTMLFormElement>('attr-read-form'),
  attrReadUid: byTestId<HTMLInputElement>('attr-read-uid'),
  attrRead: byTestId<HTMLButtonElement>('attr-read'),
  attrError: byTestId('attr-error'),
  attrResult: byTestId<HTMLTableElement>('attr-result'),
  peerForm: byId<HTMLFormElement>('peer-form'),
  peer: byTestId<HTMLInputElement>('peer-input'),
  subscribe: byTestId<HTMLButtonElement>('subscribe-button'),
  peerError: byTestId('peer-error'),
  peerList: byTestId('peer-list'),
  messageForm: byId<HTMLFormElement>('message-form'),
  messageTo: byTestId<HTMLInputElement>('message-to'),
  messageText: byTestId<HTMLInputElement>('message-text'),
  messageOffline: byTestId<HTMLInputElement>('message-offline'),
  messageSend: byTestId<HTMLButtonElement>('message-send'),
  messages: byTestId<HTMLOListElement>('messages'),
  timeline: byTestId<HTMLOListElement>('timeline'),
  timelineClear: byId<HTMLButtonElement>('timeline-clear'),
};

// ---------------------------------------------------------------- timeline

let lastEntryAt: number | undefined;

/** Appends a timeline row, stamped with its time and the time since the previous row. */
function addToTimeline(row: HTMLLIElement, at: number): void {
  row.dataset.t = String(Math.round(at));
  const delta = lastEntryAt === undefined ? '' : `+${seconds(at - lastEntryAt)} s`;
  lastEntryAt = at;
  row.prepend(
    h('time', { datetime: new Date(performance.timeOrigin + at).toISOString() }, clockTime(at)),
    h('span', { class: 'delta' }, delta),
  );
  const follow = ui.timeline.scrollTop + ui.timeline.clientHeight >= ui.timeline.scrollHeight - 8;
  ui.timeline.append(row);
  if (follow) ui.timeline.scrollTop = ui.timeline.scrollHeight;
}

function timelinePair({ state, reason }: ConnectionStatePair, at: number): void {
  const row = h(
    'li',
    { 'data-testid': 'timeline-entry', 'data-state': state, 'data-reason': reason },
    h(
      'span',
      { class: 'pair' },
      h('span', { class: 'pill', 'data-state': state }, state),
      h('span', { class: 'reason' }, reason),
    ),
  );
  addToTimeline(row, at);
}

function timelineNote(text: string, kind: string, at: number): void {
  addToTimeline(
    h(
      'li',
      { class: `note ${kind}`, 'data-testid': 'timeline-note', 'data-kind': kind },
      h('span', { class: 'what' }, text),
    ),
    at,
  );
}

ui.timelineClear.addEventListener('click', () => {
  ui.timeline.replaceChildren();
  lastEntryAt = undefined;
});

// ---------------------------------------------------------------- outage clocks

/** An outage of this page's link: cut from here, or noticed by the client (RECONNECTING). */
interface Outage {
  /** When the link went dark; for an outage the client noticed by itself, at least the threshold before it did. */
  since: number;
  /** True when the page did not cut the link itself, so `since` is an estimate. */
  estimated: boolean;
  /** When the cut heals. */
  healAt?: number;
  reconnectingAt?: number;
  backAt?: number;
  /** Logged out or ABORTED before it was over. */
  endedBy?: string;
}

let outage: Outage | undefined;
let presenceGraceMs = 30_000;
let ticker: ReturnType<typeof setInterval> | undefined;

interface Clock {
  root: HTMLElement;
  value: HTMLElement;
  fill: HTMLElement;
}

function clock(id: string): Clock {
  const root = byTestId(id);
  return { root, value: byTestId(`${id}-value`, root), fill: root.querySelector<HTMLElement>('.fill')! };
}

const clocks = { cut: clock('clock-cut'), threshold: clock('clock-threshold'), grace: clock('clock-grace') };

/** Shows one clock: its text, how full its bar is (0 to 1), whether it still runs, and how the outcome reads. */
function showClock(
  target: Clock,
  text: string,
  fraction: number,
  running: boolean,
  verdict: 'good' | 'warn' | 'bad' | '' = '',
): void {
  target.value.textContent = text;
  target.fill.style.width = `${Math.round(Math.min(1, Math.max(0, fraction)) * 1000) / 10}%`;
  target.root.dataset.running = String(running);
  target.root.dataset.verdict = verdict;
}

function showBanner(phase: string, text: string): void {
  if (ui.linkStatus.dataset.phase === phase && ui.linkStatus.textContent === text) return;
  ui.linkStatus.dataset.phase = phase;
  ui.linkStatus.textContent = text;
}

/** A cut that healed before the threshold: the client never saw it. */
function quietBlip(o: Outage, now: number): boolean {
  return (
    o.healAt !== undefined && o.reconnectingAt === undefined && o.healAt - o.since < THRESHOLD_MS && now >= o.healAt
  );
}

/** Draws the clocks for `now`; false once nothing about the outage can change any more. */
function renderOutage(now: number): boolean {
  const o = outage;
  if (!o) return false;
  const elapsed = now - o.since;
  let running = false;

  // The cut itself.
  if (o.healAt === undefined) showClock(clocks.cut, 'no cut from this page', 0, false);
  else if (now < o.healAt) {
    showClock(clocks.cut, `${seconds(o.healAt - now)} s`, elapsed / (o.healAt - o.since), true);
    running = true;
  } else showClock(clocks.cut, `healed after ${seconds(o.healAt - o.since)} s`, 1, false, 'good');

  // The client's 4 s threshold.
  if (o.reconnectingAt !== undefined) {
    const text = o.estimated
      ? 'RECONNECTING (link down ≥ 4 s)'
      : `RECONNECTING after ${seconds(o.reconnectingAt - o.since)} s`;
    showClock(clocks.threshold, text, 1, false, 'warn');
  } else if (o.endedBy) showClock(clocks.threshold, o.endedBy, 0, false);
  else if (quietBlip(o, now))
    showClock(clocks.threshold, 'under 4 s: nothing announced', (o.healAt! - o.since) / THRESHOLD_MS, false, 'good');
  else if (elapsed < THRESHOLD_MS) {
    showClock(clocks.threshold, `${seconds(THRESHOLD_MS - elapsed)} s`, elapsed / THRESHOLD_MS, true);
    running = true;
  } else {
    showClock(clocks.threshold, `due: next heartbeat (+${seconds(elapsed - THRESHOLD_MS)} s)`, 1, true, 'warn');
    running = true;
  }

  // The server's presence grace, counted from the last frame it heard.
  const graceText = (ms: number) => `${seconds(ms)} s`;
  if (o.backAt !== undefined) {
    const away = o.backAt - o.since;
    if (away < presenceGraceMs)
      showClock(clocks.grace, `back after ${graceText(away)}: inside the grace`, away / presenceGraceMs, false, 'good');
    else showClock(clocks.grace, `back after ${graceText(away)}: past it, new session`, 1, false, 'bad');
  } else if (o.endedBy) showClock(clocks.grace, o.endedBy, 0, false);
  else if (quietBlip(o, now))
    showClock(clocks.grace, `not needed: heard again after ${seconds(o.healAt! - o.since)} s`, 0, false, 'good');
  else if (elapsed < presenceGraceMs) {
    showClock(
      clocks.grace,
      `${o.estimated ? '≤ ' : ''}${graceText(presenceGraceMs - elapsed)}`,
      elapsed / presenceGraceMs,
      true,
    );
    running = true;
  } else {
    showClock(clocks.grace, 'over: the server ended the session (peers saw MemberLeft)', 1, true, 'bad');
    running = true;
  }

  // The banner: what a person should take from it.
  if (o.endedBy) showBanner('lost', `Outage ended by ${o.endedBy}.`);
  else if (o.backAt !== undefined)
    showBanner('back', `back: CONNECTED again ${seconds(o.backAt - o.since)} s after the link went dark.`);
  else if (o.reconnectingAt !== undefined)
    showBanner('reconnecting', 'RECONNECTING: the link was silent past the 4 s threshold; retrying.');
  else if (quietBlip(o, now))
    showBanner('quiet', `Healed after ${seconds(o.healAt! - o.since)} s: under 4 s, so no state change.`);
  else showBanner('cut', "Link cut: frames are held both ways; the client hasn't said anything yet.");

  const settled =
    o.endedBy !== undefined || o.backAt !== undefined || (quietBlip(o, now) && now >= o.healAt! + QUIET_MARGIN_MS);
  return running || !settled;
}

function tick(): void {
  if (renderOutage(performance.now())) return;
  clearInterval(ticker);
  ticker = undefined;
}

function startTicking(): void {
  tick();
  ticker ??= setInterval(tick, 100);
}

function outageOngoing(): boolean {
  return (
    outage !== undefined &&
    outage.backAt === undefined &&
    outage.endedBy === undefined &&
    !quietBlip(outage, performance.now())
  );
}

/** The page cut its link at `at` for `ms`. */
function linkCut(at: number, ms: number): void {
  if (outage && outageOngoing()) outage.healAt = Math.max(outage.healAt ?? 0, at + ms);
  else outage = { since: at, estimated: false, healAt: at + ms };
  startTicking();
}

/** The outage clocks follow the client's own state. */
function outageState({ state, reason }: ConnectionStatePair, at: number): void {
  if (state === ConnectionState.Reconnecting) {
    if (!outage || !outageOngoing()) outage = { since: at - THRESHOLD_MS, estimated: true };
    outage.reconnectingAt = at;
    startTicking();
  } else if (
    state === ConnectionState.Connected &&
    outage?.reconnectingAt !== undefined &&
    outage.backAt === undefined
  ) {
    outage.backAt = at;
    startTicking();
  } else if (
    (state === ConnectionState.Disconnected || state === ConnectionState.Aborted) &&
    outage &&
    outageOngoing()
  ) {
    outage.endedBy = `${state} / ${reason}`;
    startTicking();
  }
}

// ---------------------------------------------------------------- channels

interface ChannelView {
  channel: RtmChannel;
  card: HTMLElement;
  members: Set<string>;
  subscriptions: Subscription[];
}

const channelViews = new Map<string, ChannelView>();

function renderChannelList(): void {
  if (channelViews.size === 0) ui.channelList.replaceChildren(h('p', { class: 'empty' }, 'Not in any channel.'));
  else ui.channelList.replaceChildren(...[...channelViews.values()].map((view) => view.card));
}

function renderMembers(view: ChannelView): void {
  const list = byTestId('members', view.card);
  const sorted = [...view.members].sort((a, b) => a.localeCompare(b));
  list.replaceChildren(
    ...sorted.map((uid) => h('li', { 'data-testid': 'member', class: uid === me ? 'self' : '' }, uid)),
  );
}

function memberEvent(view: ChannelView, uid: string, kind: 'joined' | 'left'): void {
  const log = byTestId('member-events', view.card);
  const at = performance.now();
  log.append(
    h(
      'li',
      { class: kind },
      h('time', {}, clockTime(at)),
      ' ',
      h('span', { 'data-testid': 'member-event' }, `${uid} ${kind}`),
    ),
  );
  log.scrollTop = log.scrollHeight;
}

function dropChannelView(id: string): void {
  const view = channelViews.get(id);
  if (!view) return;
  for (const subscription of view.subscriptions) subscription.unsubscribe();
  channelViews.delete(id);
  renderChannelList();
}

async function joinChannel(id: string): Promise<void> {
  if (channelViews.has(id)) throw new Error(`already in ${id}`);
  const channel = client.createChannel(id);
  const leave = h('button', { type: 'button', class: 'small', 'data-testid': 'leave-button' }, 'Leave');
  const count = h('span', { class: 'count', 'data-testid': 'member-count', 'aria-label': 'members' }, '0');
  const card = h(
    'article',
    { class: 'channel', 'data-testid': 'channel', 'data-channel': id, 'aria-label': `channel ${id}` },
    h(
      'div',
      { class: 'channel-head' },
      h('span', { class: 'channel-name' }, `# ${id}`),
      count,
      h('span', { class: 'muted' }, 'members'),
      leave,
    ),
    h('ul', { class: 'members', 'data-testid': 'members', 'aria-label': 'members' }),
    h('ol', { class: 'member-events', 'data-testid': 'member-events', 'aria-label': 'member events' }),
  );
  const view: ChannelView = { channel, card, members: new Set(), subscriptions: [] };
  view.subscriptions.push(
    channel.memberJoined$.subscribe((uid) => {
      view.members.add(uid);
      renderMembers(view);
      memberEvent(view, uid, 'joined');
    }),
    channel.memberLeft$.subscribe((uid) => {
      view.members.delete(uid);
      renderMembers(view);
      memberEvent(view, uid, 'left');
    }),
    channel.memberCount$.subscribe((n) => {
      count.textContent = String(n);
    }),
    channel.message$.subscribe(({ message, memberId }) => showReceived(`${memberId} #${id}`, message, false)),
  );
  leave.addEventListener(
    'click',
    () =>
      void attempt(ui.channelError, async () => {
        dropChannelView(id);
        await channel.leave();
      }),
  );
  channelViews.set(id, view);
  renderChannelList();
  try {
    await channel.join();
    // Events that come before the list are in it already; those after it change it.
    view.members = new Set(await channel.getMembers());
    renderMembers(view);
  } catch (error) {
    dropChannelView(id);
    throw error;
  }
}

ui.joinForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void attempt(ui.channelError, () => joinChannel(ui.channel.value.trim()));
});

// ---------------------------------------------------------------- attributes

function showAttributes(uid: string, attributes: AttributesMap): void {
  const caption = ui.attrResult.querySelector('caption')!;
  const keys = Object.keys(attributes).sort();
  const count = keys.length === 0 ? 'no attributes' : `${keys.length} attribute${keys.length === 1 ? '' : 's'}`;
  caption.textContent = `${uid}: ${count} (read ${clockTime(performance.now())})`;
  ui.attrResult.tBodies[0].replaceChildren(
    ...keys.map((key) =>
      h(
        'tr',
        { 'data-testid': 'attr-row', 'data-key': key },
        h('th', { scope: 'row' }, key),
        h('td', {}, attributes[key]),
      ),
    ),
  );
}

async function readAttributes(uid: string): Promise<void> {
  showAttributes(uid, await client.getUserAttributes(uid));
}

ui.attrForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void attempt(ui.attrError, async () => {
    await client.addOrUpdateLocalUserAttributes({ [ui.attrKey.value]: ui.attrValue.value });
    if (me) await readAttributes(me);
  });
});

ui.attrClear.addEventListener(
  'click',
  () =>
    void attempt(ui.attrError, async () => {
      await client.clearLocalUserAttributes();
      if (me) await readAttributes(me);
    }),
);

ui.attrReadForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void attempt(ui.attrError, () => readAttributes(ui.attrReadUid.value.trim()));
});

// ---------------------------------------------------------------- peers' online status

const peerRows = new Map<string, HTMLLIElement>();

function showPeerStatus(uid: string, status: PeerStatus | undefined): void {
  const row = peerRows.get(uid);
  if (!row) return;
  row.dataset.status = status ?? 'PENDING';
  byTestId('peer-status', row).textContent = status ?? '…';
  byTestId('peer-status', row).className = `pill ${(status ?? '').toLowerCase()}`;
  row.querySelector('.since')!.textContent = status ? `since ${clockTime(performance.now())}` : '';
}

async function subscribePeer(uid: string): Promise<void> {
  if (peerRows.has(uid)) throw new Error(`already watching ${uid}`);
  const unsubscribe = h('button', { type: 'button', class: 'small' }, 'Unsubscribe');
  const row = h(
    'li',
    { 'data-testid': 'peer', 'data-uid': uid },
    h('span', {}, uid),
    h('span', { class: 'pill', 'data-testid': 'peer-status' }, '…'),
    h('span', { class: 'since' }),
    unsubscribe,
  );
  unsubscribe.addEventListener(
    'click',
    () =>
      void attempt(ui.peerError, async () => {
        peerRows.delete(uid);
        row.remove();
        await client.unsubscribePeersOnlineStatus([uid]);
      }),
  );
  peerRows.set(uid, row);
  ui.peerList.append(row);
  try {
    await client.subscribePeersOnlineStatus([uid]);
  } catch (error) {
    peerRows.delete(uid);
    row.remove();
    throw error;
  }
}

ui.peerForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void attempt(ui.peerError, () => subscribePeer(ui.peer.value.trim()));
});

// ---------------------------------------------------------------- messages

/** A row of the message list, newest last, kept in view. */
function messageRow(direction: 'in' | 'out', who: string, text: string, outcome: string): HTMLLIElement {
  const row = h(
    'li',
    { 'data-testid': 'message', 'data-direction': direction },
    h('span', { class: 'muted' }, direction === 'in' ? `← ${who}` : `→ ${who}`),
    h('span', { 'data-testid': 'message-body' }, text),
    h('span', { class: 'outcome', 'data-testid': 'message-outcome' }, outcome),
  );
  ui.messages.append(row);
  row.scrollIntoView({ block: 'nearest' });
  return row;
}

function showReceived(from: string, message: RtmMessage, offline: boolean): void {
  const text =
    message.messageType === 'TEXT'
      ? message.text
      : message.messageType === 'RAW'
        ? `${message.rawMessage.length} raw bytes`
        : `${message.messageType} ${message.fileName} (${message.size} bytes)`;
  messageRow('in', from, text, offline ? 'kept while offline' : '').dataset.status = 'received';
}

/**
 * Sends to a peer, or to a joined channel (`#name`); the row shows waiting,
 * then delivered or refused with its code.
 */
async function sendMessage(to: string, text: string, offline: boolean): Promise<void> {
  const row = messageRow('out', to, text, '… waiting');
  row.dataset.status = 'waiting';
  const outcome = byTestId('message-outcome', row);
  try {
    if (to.startsWith('#')) {
      await client.createChannel(to.slice(1)).sendMessage({ text });
      outcome.textContent = '✓ delivered to the channel';
    } else {
      const { hasPeerReceived } = await client.sendMessageToPeer({ text }, to, { enableOfflineMessaging: offline });
      outcome.textContent = hasPeerReceived ? '✓ delivered' : offline ? '✓ kept for its next login' : '✓ peer offline';
    }
    row.dataset.status = 'delivered';
  } catch (error) {
    row.dataset.status = 'refused';
    row.dataset.code = error instanceof RtmError ? error.code : 'ERROR';
    outcome.textContent = `✗ ${describe(error)}`;
  }
}

ui.messageForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void sendMessage(ui.messageTo.value.trim(), ui.messageText.value, ui.messageOffline.checked);
});

// ---------------------------------------------------------------- login, state and the link

let client: RtmClient;
/** The uid of the current login, from the login call until DISCONNECTED or ABORTED. */
let me: string | undefined;
let stateSince = performance.now();

async function fetchJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  const body = (await response.json()) as T & { error?: string };
  if (!response.ok) throw new Error(body.error ?? `${url}: HTTP ${response.status}`);
  return body;
}

function renderState({ state, reason }: ConnectionStatePair): void {
  ui.state.dataset.state = state;
  ui.state.dataset.reason = reason;
  ui.stateName.textContent = state;
  ui.stateReason.textContent = reason;
  const linked = state === ConnectionState.Connected || state === ConnectionState.Reconnecting;
  ui.login.disabled = state !== ConnectionState.Disconnected;
  ui.uid.disabled = state !== ConnectionState.Disconnected;
  ui.logout.disabled = state === ConnectionState.Disconnected;
  const buttons = [ui.secondPage, ui.join, ui.attrSet, ui.attrClear, ui.attrRead, ui.subscribe, ui.messageSend];
  for (const button of [...ui.cutButtons, ...buttons]) button.disabled = !linked;
  document.title = `${state} · rx-rtm demo`;
}

function renderSince(): void {
  const s = Math.floor((performance.now() - stateSince) / 1000);
  ui.uidShown.textContent = me ?? '—';
  ui.since.textContent = `for ${Math.floor(s / 60)}:${pad(s % 60)}`;
}

const STATE_COLOURS: Record<ConnectionState, string> = {
  DISCONNECTED: '#a0acb8',
  CONNECTING: '#6cb6ff',
  CONNECTED: '#3fd28b',
  RECONNECTING: '#f5c04a',
  ABORTED: '#ff7b72',
};

/** The tab's icon: a dot in the state's colour, to watch the page from another tab. */
function renderIcon(state: ConnectionState): void {
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">' +
    `<circle cx="8" cy="8" r="6" fill="${STATE_COLOURS[state]}"/></svg>`;
  if (ui.icon) ui.icon.href = `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

/** What to do about an ABORTED page. */
function renderNote({ state, reason }: ConnectionStatePair): void {
  if (state !== ConnectionState.Aborted) ui.loginNote.textContent = '';
  else if (reason === ConnectionChangeReason.RemoteLogin) {
    ui.loginNote.textContent =
      `Another page logged in as ${me}, so this one stopped: an ABORTED client never reconnects by itself. ` +
      'Log out, then log in to take the uid back.';
  } else ui.loginNote.textContent = `The server ended this session (${reason}). Log out to start again.`;
}

/** The client forgets its channels and subscriptions when it is logged out or ABORTED: so does the page. */
function forgetSession(state: ConnectionState): void {
  for (const id of [...channelViews.keys()]) dropChannelView(id);
  peerRows.clear();
  ui.peerList.replaceChildren();
  if (state === ConnectionState.Disconnected) me = undefined;
}

function onState(pair: ConnectionStatePair): void {
  const at = performance.now();
  stateSince = at;
  timelinePair(pair, at);
  renderState(pair);
  renderIcon(pair.state);
  renderNote(pair);
  outageState(pair, at);
  if (pair.state === ConnectionState.Disconnected || pair.state === ConnectionState.Aborted) forgetSession(pair.state);
  renderSince();
}

async function login(uid: string): Promise<void> {
  const { token } = await fetchJson<{ token: string }>(`/demo/token?uid=${encodeURIComponent(uid)}`);
  me = uid;
  try {
    await client.login({ uid, token });
  } catch (error) {
    if (client.connectionState.state === ConnectionState.Disconnected) me = undefined;
    throw error;
  } finally {
    renderSince();
  }
  if (ui.attrReadUid.value === ui.attrReadUid.defaultValue) ui.attrReadUid.value = ui.attrReadUid.defaultValue = uid;
  const url = new URL(location.href);
  url.searchParams.set('uid', uid);
  url.searchParams.delete('login');
  history.replaceState(null, '', url);
}

async function cutLink(ms: number): Promise<void> {
  if (!me) throw new Error('log in first');
  const at = performance.now();
  await fetchJson(`/demo/cut?uid=${encodeURIComponent(me)}&ms=${ms}`, { method: 'POST' });
  timelineNote(`✂ link cut for ${ms / 1000} s`, 'cut', at);
  linkCut(at, ms);
  setTimeout(
    () => timelineNote('link healed: held frames delivered', 'healed', performance.now()),
    at + ms - performance.now(),
  );
}

ui.loginForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void attempt(ui.loginError, () => login(ui.uid.value.trim()));
});
ui.logout.addEventListener('click', () => void attempt(ui.loginError, () => client.logout()));
for (const button of ui.cutButtons) {
  button.addEventListener('click', () => void attempt(ui.loginError, () => cutLink(Number(button.dataset.cut))));
}
let showTimer: ReturnType<typeof setTimeout> | undefined;

/** Ends a "hidden" spell: timers run on time again, and the page wakes up as a shown tab does. */
function showTab(): void {
  clearTimeout(showTimer);
  if (timerThrottle.periodMs === undefined) return;
  timerThrottle.release();
  ui.hideTab.disabled = false;
  ui.showTab.disabled = true;
  timelineNote('tab shown again: timers on time', 'shown', performance.now());
  document.dispatchEvent(new Event('visibilitychange'));
}

ui.hideTab.addEventListener('click', () => {
  timerThrottle.throttle(HIDDEN_WAKEUP_MS);
  ui.hideTab.disabled = true;
  ui.showTab.disabled = false;
  timelineNote('tab hidden: timers wake once a minute, the socket stays live', 'hidden', performance.now());
  // Itself a throttled timer: it comes at the first wake-up after 3 min, as a real tab's would.
  showTimer = setTimeout(showTab, HIDDEN_FOR_MS);
});
ui.showTab.addEventListener('click', showTab);
ui.secondPage.addEventListener('click', () => {
  if (!me) return;
  window.open(`/?uid=${encodeURIComponent(me)}&login=1`, '_blank', 'noopener');
});

// ---------------------------------------------------------------- start

async function start(): Promise<void> {
  const config = await fetchJson<{ appId: string; presenceGraceMs: number }>('/demo/config');
  presenceGraceMs = config.presenceGraceMs;
  for (const label of document.querySelectorAll('[data-testid="clock-grace"] b'))
    label.textContent = `${presenceGraceMs / 1000} s`;
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`;
  client = createClient({ url, appId: config.appId, interruptionThresholdMs: THRESHOLD_MS });
  // For the console: try `client.connectionState` or `client.createChannel('lobby')`.
  Object.assign(window, { client });
  client.connectionState$.subscribe(onState);
  client.peersOnlineStatusChanged$.subscribe((statuses) => {
    for (const [uid, status] of Object.entries(statuses)) showPeerStatus(uid, status);
  });
  client.messageFromPeer$.subscribe(({ message, peerId, isOfflineMessage }) =>
    showReceived(peerId, message, isOfflineMessage),
  );
  setInterval(renderSince, 1000);

  const params = new URLSearchParams(location.search);
  ui.uid.value = params.get('uid') ?? `guest-${Math.floor(1000 + Math.random() * 9000)}`;
  ui.attrReadUid.value = ui.attrReadUid.defaultValue = ui.uid.value;
  if (params.get('login') === '1') await attempt(ui.loginError, () => login(ui.uid.value.trim()));
}

void start().catch((error: unknown) => {
  ui.loginError.textContent = `The demo could not start: ${describe(error)}`;
});
