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
 *   out), which excuses that receiver for that message until it is back.
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
  /** The channel it went to; undefined for a peer message. */
  readonly channel: string | undefined;
  /** Receivers it reached so far (kept per send, not per arrival, so a long soak stays small). */
  readonly reached: Set<string>;
}

/** How long before a fault a receiver may miss a message (heartbeat), and after its end (reconnect, rejoin). */
const BEFORE_MS = 500;
const AFTER_MS = 4000;

export class MessageLedger {
  private readonly sends = new Map<string, Send>();
  /** Arrival problems found as they happen: twice, never sent, not for this receiver, out of order. */
  private readonly problems: string[] = [];
  /** Per `sender>receiver`, the highest send number that arrived. */
  private readonly last = new Map<string, number>();
  private readonly windows = new Map<string, Array<[number, number]>>();
  private readonly counts = new Map<string, number>();
  /** Per `receiver channel`, when its channel messages arrived, in order. */
  private readonly arrivalTimes = new Map<string, number[]>();

  /**
   * `afterMs`: how long after a fault ends its receiver is still excused (longer under heavy load);
   * `origin`: the performance.now() that times in the lines count from.
   */
  constructor(
    private readonly afterMs = AFTER_MS,
    private readonly origin = performance.now(),
  ) {}

  /** Records a send of `from` to `to` (receivers; in `channel` if one), and its outcome when the promise settles. */
  track(
    from: string,
    to: readonly string[],
    send: (text: string) => Promise<{ hasPeerReceived: boolean } | void>,
    channel?: string,
  ) {
    const n = (this.counts.get(from) ?? 0) + 1;
    this.counts.set(from, n);
    const text = `${from}#${n}`;
    const record: Send = {
      text,
      from,
      n,
      to,
      sentAt: performance.now(),
      outcome: 'pending',
      settledAt: 0,
      channel,
      reached: new Set(),
    };
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
    const send = this.sends.get(text);
    const key = `${receiver} ${text}`;
    if (!send) {
      this.problems.push(`${key}: never sent`);
      return;
    }
    if (send.reached.has(receiver)) this.problems.push(`${key}: arrived twice`);
    send.reached.add(receiver);
    if (send.channel !== undefined) {
      const times = this.arrivalTimes.get(`${receiver} ${send.channel}`) ?? [];
      times.push(performance.now());
      this.arrivalTimes.set(`${receiver} ${send.channel}`, times);
    }
    if (!send.to.includes(receiver)) this.problems.push(`${key}: not for this receiver`);
    const pair = `${send.from}>${receiver}`;
    const last = this.last.get(pair) ?? 0;
    if (last > send.n) this.problems.push(`${key}: out of order after #${last}`);
    else this.last.set(pair, send.n);
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

  /** Each broken rule a line; `history(uid, at)` adds what the receiver went through around `at`. */
  violations(history: (uid: string, at: number) => string = () => ''): string[] {
    const problems = [...this.problems];
    for (const send of this.sends.values()) {
      if (send.outcome === 'pending') problems.push(`${send.text}: never settled`);
      if (send.outcome !== 'resolved' && send.outcome !== 'in doubt')
        for (const receiver of send.reached)
          problems.push(`${receiver} ${send.text}: arrived, but its send was ${send.outcome} (${send.code ?? ''})`);
      if (send.outcome !== 'resolved') continue;
      for (const receiver of send.to) {
        if (send.reached.has(receiver) || this.excused(receiver, send)) continue;
        const t = (at: number) => ((at - this.origin) / 1000).toFixed(1);
        const windows = (this.windows.get(receiver) ?? []).map(([a, b]) => `${t(a)}–${t(b)}`).join(' ');
        problems.push(
          `${receiver} ${send.text} (${send.channel ?? 'peer'}, sent @${t(send.sentAt)}, resolved ` +
            `@${t(send.settledAt)}): resolved but never arrived; ${receiver}'s windows: ${windows || 'none'}; ` +
            history(receiver, send.sentAt),
        );
      }
    }
    return problems;
  }

  /**
   * Whether `receiver` may have missed `send`: it settled after a window began and was sent before
   * the receiver was back, which is `afterMs` after the window's end, or for a channel message
   * the first message of that channel to reach it since, if later (under load a rejoin may
   * take longer than any fixed margin).
   */
  private excused(receiver: string, send: Send): boolean {
    const times = send.channel === undefined ? [] : (this.arrivalTimes.get(`${receiver} ${send.channel}`) ?? []);
    return (this.windows.get(receiver) ?? []).some(([start, end]) => {
      const rejoined = times.find((at) => at > start) ?? 0;
      return start - BEFORE_MS <= send.settledAt && send.sentAt <= Math.max(end + this.afterMs, rejoined);
    });
  }
}
