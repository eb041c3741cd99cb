/**
 * The member events of one channel as one real client saw them, with their
 * times, for tests on the real clock.
 */
import { performance } from 'node:perf_hooks';
import type { RtmChannel } from '../../lib/client/rtm-channel.js';
import { sleep } from './state-recorder.js';

export class MemberLog {
  readonly events: Array<{ kind: 'joined' | 'left'; uid: string; at: number }> = [];
  constructor(channel: RtmChannel) {
    channel.memberJoined$.subscribe((uid) => this.events.push({ kind: 'joined', uid, at: performance.now() }));
    channel.memberLeft$.subscribe((uid) => this.events.push({ kind: 'left', uid, at: performance.now() }));
  }
  of(uid: string): string[] {
    return this.events.filter((e) => e.uid === uid).map((e) => e.kind);
  }
  async next(kind: 'joined' | 'left', uid: string, timeoutMs: number, after = 0): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      const found = this.events.find((e) => e.kind === kind && e.uid === uid && e.at > after);
      if (found) return found.at;
      await sleep(10);
    }
    throw new Error(`no ${kind}(${uid}) within ${timeoutMs} ms; saw ${JSON.stringify(this.events)}`);
  }
}
