/**
 * The soak: clients through fault proxies under seeded random faults, all
 * sending peer and channel messages and writing attributes; then calm, and
 * every invariant of BEHAVIOUR §2, §4 and §7 checked, each broken one a line
 * with the uid, the watcher and its history. `npm test` runs it small
 * (integration/continuity.spec.ts), `npm run soak` at 1,000 clients with the
 * server in its own process (scripts/soak/).
 */
import { performance } from 'node:perf_hooks';
import { seededRandom } from '../../lib/client/backoff.js';
import { createClient, type RtmClientOptions } from '../../lib/node.js';
import { createToken } from '../../lib/server/token.js';
import { secondsSince } from './channel-witness.js';
import { startFaultProxy, type FaultProxyTarget } from './fault-proxy.js';
import { pathProblems } from './legal-paths.js';
import { MessageLedger } from './message-ledger.js';
import { SoakMember } from './soak-member.js';
import { sleep, StateRecorder } from './state-recorder.js';

/** The faults the soak injects (BEHAVIOUR §4.3's situations). */
export const SoakFault = {
  /** A silent link, back within the grace. */
  DarkShort: 'dark-short',
  /** A silent link past the grace: a new session. */
  DarkPastGrace: 'dark-past-grace',
  /** Both sockets reset. */
  Reset: 'reset',
  /** Reset, then reconnects refused for a while. */
  Refused: 'refused',
  /** The app logs out and in again and rejoins. */
  Relogin: 'relogin',
  /** The server restarts (one node, in-memory store). */
  ServerRestart: 'server-restart',
  /** A node of a cluster is killed (its clients go to another), then started again. */
  NodeKill: 'node-kill',
} as const;
export type SoakFault = (typeof SoakFault)[keyof typeof SoakFault];

const CLIENT_FAULTS = [
  SoakFault.DarkShort,
  SoakFault.DarkPastGrace,
  SoakFault.Reset,
  SoakFault.Refused,
  SoakFault.Relogin,
] as const;

/** What a soak does; ranges are `[low, high)` in ms, drawn from the seed. */
export interface SoakPlan {
  seed: number;
  app: string;
  secret: string;
  clients: number;
  /** Channels `c0…`; each client is in `channelsPerClient` of them. */
  channels: number;
  channelsPerClient: readonly [number, number];
  /** Peers each client subscribes to for online status. */
  peersPerClient: number;
  faultMs: number;
  /** Between two faults of one client. */
  faultEveryMs: readonly [number, number];
  /**
   * Server restarts (node kills in a cluster), each at a random moment of the first 70 % of the
   * faults, or of their first half when `hooks.midCalm` is given.
   */
  serverRestarts: number;
  /** Between two sends of one client. */
  sendEveryMs: readonly [number, number];
  /** The share of sends that go to a channel (the rest to a peer). */
  channelShare: number;
  /** Between two attribute writes of one client. */
  attributeEveryMs: readonly [number, number];
  /** The server's presence grace, so that "past the grace" is. */
  graceMs: number;
  /** How long after a fault a receiver is still excused a message (the rejoin under load). */
  excuseAfterMs: number;
  /** Everyone must be CONNECTED within this of calm. */
  connectWithinMs: number;
  /** Then quiet for this before checking. */
  quietMs: number;
  /** Logins, joins and checks in flight at once. */
  concurrency: number;
  client: Partial<RtmClientOptions>;
}

export interface SoakHooks {
  /** The server, or each node of a cluster; clients are spread over them, each through its proxy. */
  targets: readonly FaultProxyTarget[];
  /**
   * Stops the server (kills the node) and starts it again on the same port; needed when
   * `serverRestarts` > 0. In a cluster its clients' proxies are pointed at another node first.
   */
  restartServer?: (node: number) => Promise<void>;
  /**
   * With server restarts, the faults pause halfway: everyone back and quiet, then this is called
   * (the restarted server's memory is measured at full strength) before the second half.
   */
  midCalm?: () => Promise<void>;
  log?: (line: string) => void;
}

/** Invariants, each with its broken instances as lines. */
export type SoakViolations = Record<string, string[]>;

export interface SoakResult {
  faults: Record<string, number>;
  messages: ReturnType<MessageLedger['summary']>;
  /** ms from calm until every client was CONNECTED (undefined: not all within the limit). */
  connectedAfterMs: number | undefined;
  violations: SoakViolations;
}

/** Runs `work` on every item, `concurrency` at a time. */
async function inBatches<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

export class Soak {
  readonly members: SoakMember[] = [];
  readonly faults: Record<string, number> = {};
  private readonly random: () => number;
  private readonly ledger: MessageLedger;
  private readonly origin = performance.now();
  private readonly clock = secondsSince(this.origin);
  private readonly byChannel = new Map<string, string[]>();
  /** The node each member's proxy forwards to. */
  private readonly nodeOf = new Map<SoakMember, number>();
  /** Sends and writes go on until then; faults until `faultsUntil`. */
  private until = 0;
  private faultsUntil = 0;

  constructor(
    readonly plan: SoakPlan,
    private readonly hooks: SoakHooks,
  ) {
    this.random = seededRandom(plan.seed);
    this.ledger = new MessageLedger(plan.excuseAfterMs, this.origin);
  }

  private between([low, high]: readonly [number, number]): number {
    return low + this.random() * (high - low);
  }
  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }
  private log(line: string): void {
    this.hooks.log?.(`[${this.clock()} s] ${line}`);
  }
  private token(uid: string): string {
    return createToken({ appId: this.plan.app, appSecret: this.plan.secret, uid, expiresInSeconds: 24 * 3600 });
  }

  /** Everyone logged in through a proxy, in its channels, subscribed, attributes written. */
  async setup(): Promise<void> {
    const { plan } = this;
    const uids = Array.from({ length: plan.clients }, (_, i) => `u${i}`);
    const names = Array.from({ length: plan.channels }, (_, i) => `c${i}`);
    for (const [i, uid] of uids.entries()) {
      const count = Math.min(
        names.length,
        Math.floor(this.between([plan.channelsPerClient[0], plan.channelsPerClient[1] + 1])),
      );
      const channels = [...names].sort(() => this.random() - 0.5).slice(0, count);
      for (const name of channels) this.byChannel.set(name, [...(this.byChannel.get(name) ?? []), uid]);
      const others = uids.filter((other) => other !== uid);
      const peers = [...new Set(Array.from({ length: plan.peersPerClient }, () => this.pick(others)))];
      const node = i % this.hooks.targets.length;
      const proxy = await startFaultProxy({ target: this.hooks.targets[node] });
      const client = createClient({
        url: `ws://127.0.0.1:${proxy.port}/`,
        appId: plan.app,
        ...plan.client,
        random: seededRandom(plan.seed ^ (i + 1)),
      });
      const member = new SoakMember(uid, client, proxy, new StateRecorder(client), channels, peers, this.clock);
      client.messageFromPeer$.subscribe(({ message }) => this.ledger.arrived(uid, textOf(message)));
      for (const witness of member.witnesses)
        witness.channel.message$.subscribe(({ message }) => this.ledger.arrived(uid, textOf(message)));
      this.members.push(member);
      this.nodeOf.set(member, node);
    }
    await inBatches(this.members, plan.concurrency, (m) => m.client.login({ uid: m.uid, token: this.token(m.uid) }));
    this.log(`${plan.clients} logged in`);
    await inBatches(this.members, plan.concurrency, (m) => this.settle(m));
    this.log(`${plan.clients} in their channels`);
  }

  /** Faults, messages and attribute writes for `faultMs`; then calm until everyone is back and quiet. */
  async run(): Promise<SoakResult> {
    const { plan, hooks } = this;
    const begun = performance.now();
    this.until = begun + plan.faultMs;
    const halves = plan.serverRestarts > 0 && hooks.midCalm ? 2 : 1;
    this.faultsUntil = begun + plan.faultMs / halves;
    const chatting = Promise.all(this.members.map((m) => this.chat(m)));
    const writing = Promise.all(this.members.map((m) => this.writeAttributes(m)));
    const progress = setInterval(
      () => this.log(`faults ${JSON.stringify(this.faults)} messages ${JSON.stringify(this.ledger.summary())}`),
      30_000,
    );
    try {
      await Promise.all([...this.members.map((m) => this.injectFaults(m)), this.restartServer(begun)]);
      if (halves === 2) {
        this.log('calm halfway');
        const paused = performance.now();
        await this.calmDown();
        await hooks.midCalm?.();
        // The second half is as long as the first: the pause does not count.
        this.until += performance.now() - paused;
        this.faultsUntil = this.until;
        await Promise.all(this.members.map((m) => this.injectFaults(m)));
      }
    } finally {
      clearInterval(progress);
    }
    this.log('calm');
    const calm = performance.now();
    const connectedAfterMs = await this.calmDown();
    await Promise.all([chatting, writing]);
    const violations = await this.check(calm);
    return { faults: { ...this.faults }, messages: this.ledger.summary(), connectedAfterMs, violations };
  }

  /** Every link up; resolves, after the quiet time, with when everyone was CONNECTED (undefined: not in time). */
  private async calmDown(): Promise<number | undefined> {
    const calm = performance.now();
    await Promise.all(this.members.map((m) => m.proxy.pass()));
    let connectedAfterMs: number | undefined;
    while (performance.now() < calm + this.plan.connectWithinMs) {
      if (this.members.every((m) => m.client.connectionState.state === 'CONNECTED')) {
        connectedAfterMs = performance.now() - calm;
        break;
      }
      await sleep(200);
    }
    this.log(`connected after ${connectedAfterMs === undefined ? '(not all)' : Math.round(connectedAfterMs)} ms`);
    await sleep(this.plan.quietMs);
    return connectedAfterMs;
  }

  /**
   * Everyone logs out at once (so the server's member events go to sockets already closing, not
   * to a thousand clients still listening), then the clients and proxies close: for the server's
   * file descriptors to go back to where they started.
   */
  async logoutAll(): Promise<void> {
    await Promise.all(this.members.map((m) => m.client.logout()));
    await Promise.all(this.members.map((m) => m.client.destroy()));
    await Promise.all(this.members.map((m) => m.proxy.close()));
  }

  private count(fault: SoakFault): void {
    this.faults[fault] = (this.faults[fault] ?? 0) + 1;
  }

  private async chat(member: SoakMember): Promise<void> {
    const sends: Array<Promise<void>> = [];
    while (performance.now() < this.until) {
      await sleep(this.between(this.plan.sendEveryMs));
      if (this.random() >= this.plan.channelShare) {
        const peer = this.pick(this.members).uid;
        if (peer === member.uid) continue;
        sends.push(this.ledger.track(member.uid, [peer], (text) => member.client.sendMessageToPeer({ text }, peer)));
      } else {
        const { channel } = this.pick(member.witnesses);
        const to = this.byChannel.get(channel.channelId)!.filter((uid) => uid !== member.uid);
        sends.push(this.ledger.track(member.uid, to, (text) => channel.sendMessage({ text }), channel.channelId));
      }
    }
    await Promise.all(sends);
  }

  private async writeAttributes(member: SoakMember): Promise<void> {
    while (performance.now() < this.until) {
      await sleep(Math.min(this.between(this.plan.attributeEveryMs), this.until - performance.now()));
      if (member.client.connectionState.state === 'DISCONNECTED') continue;
      await member.writeAttributes();
    }
  }

  private async injectFaults(member: SoakMember): Promise<void> {
    const { plan } = this;
    const lost = (start: number) => this.ledger.mayHaveLostSession(member.uid, start, performance.now());
    while (performance.now() < this.faultsUntil) {
      // Not past the end: a client's last wait (up to 3 min) would hold off the calm with no faults.
      await sleep(Math.min(this.between(plan.faultEveryMs), this.faultsUntil - performance.now()));
      if (performance.now() >= this.faultsUntil) return;
      const fault = this.pick(CLIENT_FAULTS);
      this.count(fault);
      const start = performance.now();
      switch (fault) {
        case SoakFault.DarkShort:
          member.proxy.blackhole();
          await sleep(this.between([300, Math.min(2000, plan.graceMs / 2)]));
          await member.proxy.pass();
          break;
        case SoakFault.DarkPastGrace:
          member.proxy.blackhole();
          await sleep(this.between([plan.graceMs + 500, plan.graceMs + 2000]));
          await member.proxy.pass();
          lost(start);
          break;
        case SoakFault.Reset:
          member.proxy.reset();
          break;
        case SoakFault.Refused:
          await member.proxy.refuse();
          await sleep(this.between([500, 4000]));
          await member.proxy.pass();
          lost(start);
          break;
        case SoakFault.Relogin:
          await member.logout();
          await sleep(this.between([500, 1200]));
          await this.login(member);
          lost(start);
          break;
      }
    }
  }

  /** Logs in again until it works (a login may time out while the server restarts), then settles. */
  private async login(member: SoakMember): Promise<void> {
    for (;;) {
      try {
        await member.client.login({ uid: member.uid, token: this.token(member.uid) });
        for (const witness of member.witnesses) witness.mark('login');
        break;
      } catch (error) {
        this.log(`${member.uid}: login failed (${String(error)}), again`);
        await sleep(1000);
      }
    }
    await this.settle(member);
  }

  /** Joins, subscribes and writes until it works: a request may time out under load, or be cut by a fault. */
  private async settle(member: SoakMember): Promise<void> {
    for (;;) {
      try {
        await member.settle();
        return;
      } catch (error) {
        this.log(`${member.uid}: settling failed (${String(error)}), again`);
        await sleep(1000);
      }
    }
  }

  /** The server restarts, at random moments of the first 70 % of this part of the faults. */
  private async restartServer(begun: number): Promise<void> {
    const { serverRestarts } = this.plan;
    if (serverRestarts === 0) return;
    const restart = this.hooks.restartServer;
    if (!restart) throw new Error('serverRestarts needs hooks.restartServer');
    const span = (this.faultsUntil - begun) * 0.7;
    const moments = Array.from({ length: serverRestarts }, () => this.random() * span).sort((a, b) => a - b);
    const { targets } = this.hooks;
    for (const moment of moments) {
      await sleep(Math.max(0, begun + moment - performance.now()));
      const node = Math.floor(this.random() * targets.length);
      const moved = this.members.filter((m) => this.nodeOf.get(m) === node);
      const fault = targets.length > 1 ? SoakFault.NodeKill : SoakFault.ServerRestart;
      this.count(fault);
      const start = performance.now();
      if (targets.length > 1) {
        // Like a load balancer that saw the node die: new connections go to the next one.
        const next = (node + 1) % targets.length;
        for (const member of moved) {
          member.proxy.retarget(targets[next]);
          this.nodeOf.set(member, next);
        }
      }
      this.log(`${fault} (node ${node}, ${moved.length} clients)`);
      await restart(node);
      for (const member of moved) this.ledger.mayHaveLostSession(member.uid, start, performance.now());
      this.log(`node ${node} back`);
    }
  }

  /** Every invariant, each broken instance one line. */
  private async check(calm: number): Promise<SoakViolations> {
    // A session may also end unasked for, if a starved client or server misses the grace: any
    // RECONNECTING until the next CONNECTED excuses that receiver as an injected fault does, from
    // when its link may have died (the threshold and a heartbeat before RECONNECTING, BEHAVIOUR §3.1).
    const { interruptionThresholdMs = 4000, heartbeatIntervalMs = 1000 } = this.plan.client;
    const silentBefore = interruptionThresholdMs + heartbeatIntervalMs + 1000;
    for (const m of this.members)
      m.states.seen.forEach((s, i) => {
        if (s.state !== 'RECONNECTING') return;
        const back = m.states.seen.slice(i).find((later) => later.state === 'CONNECTED');
        this.ledger.mayHaveLostSession(m.uid, s.at - silentBefore, back?.at ?? performance.now());
      });
    const byUid = new Map(this.members.map((m) => [m.uid, m]));
    const near = (uid: string, at: number) => {
      const path = byUid.get(uid)!.states.seen.filter((s) => Math.abs(s.at - at) < 60_000);
      const t = (ms: number) => ((ms - this.origin) / 1000).toFixed(1);
      return `its path within 60 s: ${path.map((s) => `${s.state}/${s.reason}@${t(s.at)}`).join(' ') || 'unchanged'}`;
    };
    const v: SoakViolations = {
      'state paths legal, no pair repeated': [],
      [`CONNECTED within ${this.plan.connectWithinMs / 1000} s of calm`]: [],
      'member events alternate': [],
      'member lists and counts converged': [],
      'status events alternate': [],
      'online status converged': [],
      'attributes converged': [],
      'messages exactly once, in order, none refused': this.ledger.violations(near),
    };
    const [paths, connected, events, lists, statusEvents, status, attributes] = Object.values(v);
    // What the clients saw, before the checks' own requests load everyone (a starved generator's
    // pongs may then be late enough for UNREACHABLE).
    for (const m of this.members) {
      const path = m.path(this.origin);
      for (const problem of pathProblems(m.states.seen)) paths.push(`${m.uid}: ${problem}; path: ${path}`);
      const back = m.states.seen.at(-1);
      if (back?.state !== 'CONNECTED' || back.at > calm + this.plan.connectWithinMs)
        connected.push(`${m.uid}: ${back?.state ?? '?'}/${back?.reason ?? '?'}; path: ${path}`);
      for (const witness of m.witnesses) events.push(...witness.violations);
      statusEvents.push(...m.status.violations);
      status.push(...m.status.disagreements(m.peers, 'ONLINE'));
    }
    const truth = new Map(this.members.map((m) => [m.uid, m.attributes]));
    await inBatches(this.members, this.plan.concurrency, async (m) => {
      for (const witness of m.witnesses) {
        try {
          lists.push(...(await witness.disagreements()));
        } catch (error) {
          lists.push(`${m.uid} in ${witness.channel.channelId}: getMembers failed: ${String(error)}`);
        }
      }
      for (const peer of m.peers) {
        try {
          const held = (await m.client.getUserAttributes(peer)).n;
          const expected = truth.get(peer)!;
          if (!expected.allows(held))
            attributes.push(`${m.uid} reads ${peer}'s n = ${held ?? 'none'}; ${peer}: ${expected.describe()}`);
        } catch (error) {
          attributes.push(`${m.uid} reads ${peer}: failed: ${String(error)}`);
        }
      }
    });
    return v;
  }
}

const textOf = (message: { messageType: string }) => ('text' in message ? String(message.text) : '<raw>');
