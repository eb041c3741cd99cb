/**
 * Drives the demo page (demo/, served by lib/server/demo/demo-server.ts) in a real
 * Chromium through playwright-core: one server and one browser per test,
 * both closed after it.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startDemo, type DemoServer } from '../../lib/server/demo/demo-server.js';

/** The Chromium to drive: `$CHROMIUM_PATH`, else Debian's. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const SCREENSHOTS = new URL('../../artifacts/screenshots/', import.meta.url);

/**
 * For a suite's `before`: skips the whole suite, loudly, when there is no
 * Chromium. Never a failure, never a silent pass.
 */
export function skipWithoutChromium(context: Mocha.Context): void {
  if (existsSync(CHROMIUM_PATH)) return;
  const line = '!'.repeat(78);
  console.warn(
    `\n${line}\n!! browser tests SKIPPED: no Chromium at ${CHROMIUM_PATH} (set CHROMIUM_PATH to one)\n${line}\n`,
  );
  context.skip();
}

/** A headless Chromium with a fresh profile, quiet: no network of its own, no QUIC. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A demo server on a free port and a fresh browser (its own profile) to look at it. */
export class DemoLab {
  private constructor(
    readonly demo: DemoServer,
    readonly browser: Browser,
    readonly context: BrowserContext,
  ) {}

  static async start(): Promise<DemoLab> {
    const demo = await startDemo({ port: 0 });
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const context = await browser.newContext({ viewport: { width: 1440, height: 960 } });
      return new DemoLab(demo, browser, context);
    } catch (error) {
      await browser?.close();
      await demo.close();
      throw error;
    }
  }

  /** Opens the page (`query` like `?uid=alice`) and waits for its first timeline row. */
  async open(query = ''): Promise<Page> {
    const page = await this.context.newPage();
    await page.goto(`${this.demo.pageUrl}${query}`);
    await page.getByTestId('timeline-entry').first().waitFor();
    return page;
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    await this.demo.close();
  }
}

/** Saves `artifacts/screenshots/<name>.png`; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = fileURLToPath(new URL(`${name}.png`, SCREENSHOTS));
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** A timeline row as the page shows it: `STATE/REASON` from its texts, and its time (page clock, ms). */
export interface TimelineRow {
  pair: string;
  t: number;
}

export async function timeline(page: Page): Promise<TimelineRow[]> {
  return page.getByTestId('timeline-entry').evaluateAll((rows) =>
    rows.map((row) => ({
      pair: `${row.querySelector('.pill')?.textContent}/${row.querySelector('.reason')?.textContent}`,
      t: Number((row as HTMLElement).dataset.t),
    })),
  );
}

/** Waits for the timeline row `pair` (`STATE/REASON`), the `nth` such row (from 0), and returns it. */
export async function waitForRow(page: Page, pair: string, timeoutMs: number, nth = 0): Promise<TimelineRow> {
  const [state, reason] = pair.split('/');
  const row = page.locator(`[data-testid="timeline-entry"][data-state="${state}"][data-reason="${reason}"]`).nth(nth);
  await row.waitFor({ timeout: timeoutMs });
  return { pair, t: Number(await row.getAttribute('data-t')) };
}

/** The page's current state as its header shows it: `STATE/REASON`. */
export async function headerState(page: Page): Promise<string> {
  const state = await page.getByTestId('state-name').textContent();
  const reason = await page.getByTestId('state-reason').textContent();
  return `${state}/${reason}`;
}

/** Logs in as `uid` and waits for CONNECTED. */
export async function logIn(page: Page, uid: string): Promise<void> {
  await page.getByTestId('uid-input').fill(uid);
  await page.getByTestId('login-button').click();
  await page.locator('[data-testid="state"][data-state="CONNECTED"]').waitFor({ timeout: 5000 });
}

/** Joins `channel` and waits until its card lists the members. */
export async function join(page: Page, channel: string): Promise<void> {
  await page.getByTestId('channel-input').fill(channel);
  await page.getByTestId('join-button').click();
  await channelCard(page, channel).getByTestId('member').first().waitFor({ timeout: 5000 });
}

export function channelCard(page: Page, channel: string) {
  return page.locator(`[data-testid="channel"][data-channel="${channel}"]`);
}

/** A channel card's count and members, read from the DOM. */
export async function channelShows(
  page: Page,
  channel: string,
): Promise<{ count: string | null; members: string[]; events: string[] }> {
  const card = channelCard(page, channel);
  return {
    count: await card.getByTestId('member-count').textContent(),
    members: await card.getByTestId('member').allTextContents(),
    events: await card.getByTestId('member-event').allTextContents(),
  };
}

/** Waits until `read` gives `expected` (compared as JSON), polling; fails with the last value seen. */
export async function eventually<T>(read: () => Promise<T>, expected: T, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (JSON.stringify(last) === JSON.stringify(expected)) return;
    if (Date.now() > deadline)
      throw new Error(`expected ${JSON.stringify(expected)}, still ${JSON.stringify(last)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
