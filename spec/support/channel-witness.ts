/**
 * What one client's app saw of one channel, checked as it happens against
 * BEHAVIOUR §4.3–§4.4: each MemberJoined must be of a uid not in the picture,
 * each MemberLeft of one in it. The picture starts from the member list of
 * the channel's first join and is kept across the app's own leave, logout
 * and login, as the channel object keeps it. A broken rule is one line with
 * the watcher, the uid and the history that led to it.
 */
import { performance } from 'node:perf_hooks';
import type { RtmChannel } from '../../lib/client/rtm-channel.js';

/** Seconds since `origin` (performance.now() ms), to one decimal, for histories. */
export const secondsSince = (origin: number) => () => ((performance.now() - origin) / 1000).toFixed(1);

const current = <T>(channel: RtmChannel, pick: (c: RtmChannel) => { subscribe(f: (v: T) => void): unknown }) =>
  new Promise<T>((resolve) => {
    const subscription = pick(channel).subscribe(resolve) as { unsubscribe(): void };
    subscription.unsubscribe();
  });

export class ChannelWitness {
  readonly picture = new Set<string>();
  /** `+uid` / `-uid`, in the order seen. */
  readonly seen: string[] = [];
  readonly violations: string[] = [];
  /** Member events and the watcher's own markers (`logout`, `join`…), each `what@seconds`. */
  private readonly history: Array<{ uid: string | undefined; text: string }> = [];
  private started = false;

  constructor(
    readonly channel: RtmChannel,
    /** The watcher's uid, for the lines. */
    readonly watcher = '?',
    private readonly clock: () => string = secondsSince(performance.now()),
  ) {
    channel.memberJoined$.subscribe((uid) => this.event(uid, true));
    channel.memberLeft$.subscribe((uid) => this.event(uid, false));
  }

  /**
   * Joins. The first join's member list is the picture (it announces
   * nobody); a later one's net difference arrives as events (§4.4).
   */
  async joined(): Promise<void> {
    this.mark('join');
    await this.channel.join();
    if (this.started) return;
    this.started = true;
    this.picture.clear();
    for (const uid of await current<readonly string[]>(this.channel, (c) => c.members$)) this.picture.add(uid);
  }

  /** Notes something the watcher itself did (logout, login, leave), for the history. */
  mark(what: string): void {
    this.history.push({ uid: undefined, text: `${this.watcher} ${what}@${this.clock()}` });
  }

  /** Where the picture, `members$` and `memberCount$` disagree with the server's list (once quiet). */
  async disagreements(): Promise<string[]> {
    const all = await this.channel.getMembers();
    const server = all.filter((uid) => uid !== this.watcher).sort();
    const own = [...(await current<readonly string[]>(this.channel, (c) => c.members$))].sort();
    const count = await current<number>(this.channel, (c) => c.memberCount$);
    const problems: string[] = [];
    const where = `${this.watcher} in ${this.channel.channelId}`;
    const differ = (a: readonly string[], b: readonly string[]) => a.join() !== b.join();
    const picture = [...this.picture].sort();
    if (differ(picture, server))
      problems.push(`${where}: events' picture [${picture.join()}] ≠ server's [${server.join()}]`);
    if (differ(own, server)) problems.push(`${where}: members$ [${own.join()}] ≠ server's [${server.join()}]`);
    if (count !== all.length) problems.push(`${where}: memberCount$ ${count} ≠ server's ${all.length}`);
    return problems;
  }

  private event(uid: string, joined: boolean): void {
    const sign = joined ? '+' : '-';
    this.seen.push(`${sign}${uid}`);
    this.history.push({ uid, text: `${sign}${uid}@${this.clock()}` });
    if (joined === this.picture.has(uid)) {
      const history = this.history.filter((h) => h.uid === uid || h.uid === undefined).map((h) => h.text);
      this.violations.push(
        `${this.watcher} in ${this.channel.channelId}: Member${joined ? 'Joined' : 'Left'}(${uid}) while ` +
          `${joined ? 'present' : 'absent'}; history: ${history.join(' ')}`,
      );
    }
    if (joined) this.picture.add(uid);
    else this.picture.delete(uid);
  }
}
