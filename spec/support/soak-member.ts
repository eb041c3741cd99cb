/**
 * One client of the soak: its fault proxy, its state path, the witnesses of
 * its channels and peers, and what the server should hold of its attributes.
 */
import type { RtmClient } from '../../lib/client/rtm-client.js';
import { ChannelWitness } from './channel-witness.js';
import type { FaultProxy } from './fault-proxy.js';
import type { StateRecorder } from './state-recorder.js';
import { StatusWitness } from './status-witness.js';

/**
 * The value of the attribute `n` the server may hold for a user: the last
 * write it confirmed, or any write since that timed out in doubt.
 */
export class AttributeTruth {
  private confirmed: string | undefined;
  private readonly inDoubt = new Set<string>();
  private written = 0;

  /** Writes the next value through `write`, and records what the answer says. */
  async write(write: (value: string) => Promise<void>): Promise<void> {
    const value = String(++this.written);
    try {
      await write(value);
      this.confirmed = value;
      this.inDoubt.clear();
    } catch (error) {
      if ((error as { code?: string }).code === 'TIMEOUT') this.inDoubt.add(value);
    }
  }

  /** The app logged out: the server dropped the attributes with the session (BEHAVIOUR §4.1). */
  loggedOut(): void {
    this.confirmed = undefined;
    this.inDoubt.clear();
  }

  /** Whether `held` (undefined: no `n`) is a value the server may hold. */
  allows(held: string | undefined): boolean {
    return held === this.confirmed || (held !== undefined && this.inDoubt.has(held));
  }

  describe(): string {
    const doubt = this.inDoubt.size ? `, in doubt ${[...this.inDoubt].join('/')}` : '';
    return `confirmed ${this.confirmed ?? 'none'}${doubt}`;
  }
}

export class SoakMember {
  readonly witnesses: ChannelWitness[];
  readonly status: StatusWitness;
  readonly attributes = new AttributeTruth();

  constructor(
    readonly uid: string,
    readonly client: RtmClient,
    readonly proxy: FaultProxy,
    readonly states: StateRecorder,
    channels: readonly string[],
    /** Peers whose online status it subscribes to. */
    readonly peers: readonly string[],
    clock: () => string,
  ) {
    this.witnesses = channels.map((name) => new ChannelWitness(client.createChannel(name), uid, clock));
    this.status = new StatusWitness(client, uid, clock);
  }

  /** Joins its channels, subscribes to its peers, writes its attributes (after a login). */
  async settle(): Promise<void> {
    for (const witness of this.witnesses) await witness.joined();
    if (this.peers.length) await this.client.subscribePeersOnlineStatus([...this.peers]);
    await this.writeAttributes();
  }

  writeAttributes(): Promise<void> {
    return this.attributes.write((n) => this.client.addOrUpdateLocalUserAttributes({ n }));
  }

  /** The app's own logout: recorded by every witness before the client forgets its session. */
  async logout(): Promise<void> {
    for (const witness of this.witnesses) witness.mark('logout');
    this.status.loggedOut();
    this.attributes.loggedOut();
    await this.client.logout();
  }

  /** Its path of (state, reason) pairs with their seconds since `origin` (performance.now() ms), for a line. */
  path(origin: number): string {
    return this.states.seen.map((s) => `${s.state}/${s.reason}@${((s.at - origin) / 1000).toFixed(1)}`).join(' ');
  }
}
