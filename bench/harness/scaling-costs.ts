/**
 * From what one trial of the scaling benchmark measured to unit costs (see
 * the model in scaling-model.ts), and their medians over the trials: pure,
 * so the arithmetic is tested without running anything.
 */
import type { TrafficStep } from '../benchmarks/messages.js';
import {
  capacity,
  line,
  MIXES,
  plan,
  spread,
  type Capacity,
  type Plan,
  type Spread,
  type UnitCosts,
} from './scaling-model.js';

export interface ScalingTrial {
  sessions: Array<{
    sessions: number;
    held: number;
    lost: number;
    nodeCpu: number | null;
    redisCpu: number | null;
    rssPerSessionKiB: number | null;
    redisBytesPerSession: number | null;
  }>;
  logins: { count: number; failed: number; perSecond: number; nodeCpu: number; redisCpu: number; entries: number };
  /** Peer messages A ⇄ B with the observer node, then without it. */
  peers: { withObserver: Measured; withoutObserver: Measured };
  channels: Measured[];
  costs: UnitCosts;
}

/** A traffic step and the CPU each process used for it, less its idle use over as long (cores). */
export interface Measured {
  step: TrafficStep;
  /** Messages a second delivered in the window (a channel's: deliveries over its other members). */
  messagesPerSecond: number;
  /** At least 90 % of what was offered arrived: the nodes kept up with the senders. */
  keptUp: boolean;
  nodeCpu: number[];
  observerCpu: number | null;
  redisCpu: number;
  entriesPerMessage: number;
}

/** A trial's unit costs from its measurements (see the model in bench/harness/scaling-model.ts). */
export function unitCosts(t: Omit<ScalingTrial, 'costs'>): UnitCosts {
  const points = (y: (s: ScalingTrial['sessions'][number]) => number | null) =>
    t.sessions.map((s) => ({ x: s.sessions, y: y(s) ?? Number.NaN }));
  const nodeLine = line(points((s) => s.nodeCpu));
  const redisLine = line(points((s) => s.redisCpu));
  const largest = t.sessions[t.sessions.length - 1];
  const sum = (xs: number[]) => xs.reduce((x, y) => x + y, 0);
  const { withObserver: peer, withoutObserver: peer2 } = t.peers;
  // A node holding nothing wakes for each entry alone, which on a crowded machine can cost more than a busy
  // node's whole share of a message (its read included): the lesser of the two bounds the read.
  const entryRead = Math.min(
    (peer.observerCpu ?? Number.NaN) / peer.messagesPerSecond,
    sum(peer.nodeCpu) / 2 / peer.messagesPerSecond,
  );
  const redisRead = (peer.redisCpu - peer2.redisCpu) / peer.messagesPerSecond;
  // Per message on both nodes; the two sizes at the same deliveries a second part message from delivery.
  const [small, big] = t.channels;
  const perMessage = (c: Measured) => sum(c.nodeCpu) / c.messagesPerSecond;
  const perDelivery = (perMessage(big) - perMessage(small)) / (big.step.sessions - 1 - (small.step.sessions - 1));
  const messageFixed = perMessage(small) - (small.step.sessions - 1) * perDelivery;
  return {
    node: {
      cpuPerSessionSecond: nodeLine.slope,
      idleCpuPerSecond: nodeLine.intercept,
      rssBytesPerSession: (largest.rssPerSessionKiB ?? Number.NaN) * 1024,
      cpuPerLogin: t.logins.nodeCpu,
      cpuPerEntryRead: entryRead,
      cpuPerPeerMessage: sum(peer2.nodeCpu) / peer2.messagesPerSecond,
      cpuPerChannelMessagePerNode: (messageFixed - 2 * entryRead) / 2,
      cpuPerDelivery: perDelivery,
    },
    redis: {
      cpuPerSessionSecond: redisLine.slope,
      cpuPerNodeSecond: redisLine.intercept,
      bytesPerSession: largest.redisBytesPerSession ?? Number.NaN,
      cpuPerLogin: t.logins.redisCpu,
      entriesPerLogin: t.logins.entries,
      cpuPerPeerMessage: peer2.redisCpu / peer2.messagesPerSecond - 2 * redisRead,
      // Three nodes read the channel's entries: A, B and the observer.
      cpuPerChannelMessage: small.redisCpu / small.messagesPerSecond - 3 * redisRead,
      cpuPerEntryRead: redisRead,
    },
  };
}

/** The median of each unit cost over the trials (at least zero), and the spread of each (keyed `node.cpuPerLogin`). */
export function summarizeCosts(trials: readonly UnitCosts[]): { costs: UnitCosts; spread: Record<string, Spread> } {
  const all: Record<string, Spread> = {};
  const pick = <K extends 'node' | 'redis'>(side: K): UnitCosts[K] => {
    const out: Record<string, number> = {};
    for (const key of Object.keys(trials[0][side])) {
      const s = spread(trials.map((t) => (t[side] as Record<string, number>)[key]));
      all[`${side}.${key}`] = s;
      // A cost is never below zero: a negative median is a difference this machine could not resolve.
      out[key] = Math.max(0, s.median);
    }
    return out as UnitCosts[K];
  };
  return { costs: { node: pick('node'), redis: pick('redis') }, spread: all };
}

/** What the trials come to: the median costs, their spread, and the plans for each mix. */
export function scalingFromTrials(trials: ScalingTrial[]): {
  costs: UnitCosts;
  spread: Record<string, Spread>;
  plans: Plan[];
  capacities: Capacity[];
} {
  const { costs, spread: spreads } = summarizeCosts(trials.map(unitCosts));
  return {
    costs,
    spread: spreads,
    plans: MIXES.map((mix) => plan(costs, mix)),
    capacities: MIXES.map((mix) => capacity(costs, mix)),
  };
}
