/**
 * The soak's account of messages (BEHAVIOUR §7): every send with its outcome,
 * every arrival, and the windows in which a receiver may have lost its
 * session; then what must hold, as a list of violations:
 *
 * - nothing arrives twice at one receiver, and nothing arrives that was not
 *   sent and resolved or left in doubt (TIMEOUT after it left); a send
 *   refused, one that timed out before it left, or a peer message answered
 *   `hasPeerReceived: false` never arrives;
 * - from each sender, each receiver gets messages in the order they were
 *   sent;
 * - a resolved send reaches each intended receiver (the peer; the other
 *   members of the channel) exactly once, unless that receiver was in a
 *   window where its session could have ended (away past its grace, logged
 *   out), which excuses that receiver for that message.
 */
import { performance } from 'node:perf_hooks';

type Outcome = 'pending' | 'resolved' | 'peer offline' | 'in doubt' | 'never left' | 'refused';

interface Send {
  readonly text: string;
  readonly from: string;
  /** The sender's n-th send. */
  readonly n: number;
  /** The peer, or every other member of the channel as the soak configured them. */
  readonly to: readonly string[];
  readonly sentAt: number;
  outcome: Outcome;
  settledAt: number;
  code?: string;
}

/** How long before a fault and after its end a receiver may miss a message (heartbeat, reconnect, rejoin). */
const BEFORE_MS = 500;
const AFTER_MS = 4000;

export class MessageLedger {
  private readonly sends = new Map<string, Send>();
  private readonly arrivals: Array<{ receiver: string; text: string }> = [];
  private readonly windows = new Map<string, Array<[number, number]>>();
  private readonly counts = new Map<string, number>();

  /** Records a send of `from` to `to` (receivers), and its outcome when the promise settles. */
  track(from: string, to: readonly string[], send: (text: string) => Promise<{ hasPeerReceived: boolean } | void>) {
    const n = (this.counts.get(from) ?? 0) + 1;
    this.counts.set(from, n);
    const text = `${from}#${n}`;
    const record: Send = { text, from, n, to, sentAt: performance.now(), outcome: 'pending', settledAt: 0 };
    this.sends.set(text, record);
    const settle = (outcome: Outcome, code?: string) => {
      record.outcome = outcome;
      record.settledAt = performance.now();
      record.code = code;
    };
    return send(text).then(
      (answer) => settle(answer && !answer.hasPeerReceived ? 'peer offline' : 'resolved'),
      (error: { code: string; message: string }) =>
        settle(
          error.code !== 'TIMEOUT' ? 'refused' : error.message.includes('in doubt') ? 'in doubt' : 'never left',
          error.code,
        ),
    );
  }

  arrived(receiver: string, text: string): void {
    this.arrivals.push({ receiver, text });
  }

  /** `uid` may have lost its session between `start` and `end`. */
  mayHaveLostSession(uid: string, start: number, end: number): void {
    this.windows.set(uid, [...(this.windows.get(uid) ?? []), [start, end]]);
  }

  /** Sends by outcome, for the report. */
  summary(): Record<Outcome, number> {
    const summary: Record<Outcome, number> = {
      pending: 0,
      resolved: 0,
      'peer offline': 0,
      'in doubt': 0,
      'never left': 0,
      refused: 0,
    };
    for (const send of this.sends.values()) summary[send.outcome]++;
    return summary;
  }

  violations(): string[] {
    const problems: string[] = [];
    const seen = new Set<string>();
    const last = new Map<string, number>();
    for (const { receiver, text } of this.arrivals) {
      const send = this.sends.get(text);
      const key = `${receiver} ${text}`;
      if (seen.has(key)) problems.push(`${key}: arrived twice`);
      seen.add(key);
      if (!send) {
        problems.push(`${key}: never sent`);
        continue;
      }
      if (!send.to.includes(receiver)) problems.push(`${key}: not for this receiver`);
      if (send.outcome !== 'resolved' && send.outcome !== 'in doubt')
        problems.push(`${key}: arrived, but its send was ${send.outcome} (${send.code ?? ''})`);
      const pair = `${send.from}>${receiver}`;
      if ((last.get(pair) ?? 0) > send.n) problems.push(`${key}: out of order after #${last.get(pair)}`);
      last.set(pair, Math.max(last.get(pair) ?? 0, send.n));
    }
    for (const send of this.sends.values()) {
      if (send.outcome === 'pending') problems.push(`${send.text}: never settled`);
      if (send.outcome !== 'resolved') continue;
      for (const receiver of send.to) {
        if (seen.has(`${receiver} ${send.text}`) || this.excused(receiver, send)) continue;
        problems.push(`${receiver} ${send.text}: resolved but never arrived`);
      }
    }
    return problems;
  }

  private excused(receiver: string, send: Send): boolean {
    return (this.windows.get(receiver) ?? []).some(
      ([start, end]) => start - BEFORE_MS <= send.settledAt && send.sentAt <= end + AFTER_MS,
    );
  }
}
