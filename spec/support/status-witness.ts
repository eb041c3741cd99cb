/**
 * What one client's app saw of its peers' online status (BEHAVIOUR §4.2–§4.3),
 * checked as it happens: each peer's reported status must change at every
 * report. The record restarts at the app's own logout (the subscriptions
 * end with the session). A broken rule is one line with the watcher, the
 * peer and its history.
 */
import type { RtmClient } from '../../lib/client/rtm-client.js';

export class StatusWitness {
  readonly last = new Map<string, string>();
  readonly violations: string[] = [];
  private readonly history = new Map<string, string[]>();

  constructor(
    client: RtmClient,
    readonly watcher: string,
    private readonly clock: () => string,
  ) {
    client.peersOnlineStatusChanged$.subscribe((changes) => {
      for (const [peer, status] of Object.entries(changes)) {
        const history = this.history.get(peer) ?? [];
        history.push(`${status}@${this.clock()}`);
        this.history.set(peer, history);
        if (this.last.get(peer) === status)
          this.violations.push(`${watcher} watching ${peer}: ${status} twice; history: ${history.join(' ')}`);
        this.last.set(peer, status);
      }
    });
  }

  /** The app logged out: its subscriptions ended, the next report starts afresh. */
  loggedOut(): void {
    this.last.clear();
    for (const history of this.history.values()) history.push(`(${this.watcher} logged out@${this.clock()})`);
  }

  /** Where the last status reported is not `expected` (once quiet), one line each. */
  disagreements(peers: readonly string[], expected: string): string[] {
    return peers
      .filter((peer) => this.last.get(peer) !== expected)
      .map(
        (peer) =>
          `${this.watcher} watching ${peer}: last status ${this.last.get(peer) ?? 'none'}, not ${expected}; ` +
          `history: ${(this.history.get(peer) ?? []).join(' ')}`,
      );
  }
}
