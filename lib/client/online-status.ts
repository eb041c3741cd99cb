/**
 * Peers' online status: one-off queries, and subscriptions that report
 * changes.
 *
 * The client keeps the last status it reported for each subscribed uid and
 * reports only uids whose status differs from it. So the first report after
 * subscribing holds every peer, a report the server repeats (a replayed
 * event, the answer to a resubscription after a reconnect) holds only what
 * really changed, and nothing is reported when nothing did.
 */
import { firstValueFrom, map, Subject, tap } from './rx.js';
import type { Observable, Subscription } from 'rxjs';
import { ErrorCode } from '../protocol/error-code.js';
import type { PeerStatus } from '../protocol/frames.js';
import { Limits, RateLimits } from '../protocol/limits.js';
import { RtmError } from '../protocol/rtm-error.js';
import { invalidName } from './invalid-name.js';
import { rateWindow, type RateWindow } from './rate-window.js';
import type { Requests } from './requests.js';

/** Peers' statuses by uid. */
export type PeersStatus = Readonly<Record<string, PeerStatus>>;

/** INVALID_ARGUMENT unless `uids` is an array of valid uids; LIMIT_EXCEEDED past 512 of them. */
function invalidUids(uids: unknown): RtmError | undefined {
  if (!Array.isArray(uids)) return new RtmError(ErrorCode.InvalidArgument, 'uids must be an array');
  for (const uid of uids) {
    const invalid = invalidName('uid', uid);
    if (invalid) return invalid;
  }
  if (uids.length > Limits.subscribedPeers)
    return new RtmError(ErrorCode.LimitExceeded, `more than ${Limits.subscribedPeers} uids`);
  return undefined;
}

export class OnlineStatus {
  /** Statuses that changed, only those; nothing when nothing changed. */
  readonly changed$: Observable<PeersStatus>;

  /** Subscribed uids and the status last reported (`undefined` before the first report). */
  readonly #known = new Map<string, PeerStatus | undefined>();
  readonly #changed = new Subject<PeersStatus>();
  readonly #countQuery: RateWindow;
  #resubscription: Subscription | undefined;

  readonly #requests: Requests;

  constructor(requests: Requests, now: () => number) {
    this.#requests = requests;
    this.changed$ = this.#changed.asObservable();
    this.#countQuery = rateWindow(RateLimits.queryOnline, 'online status queries', now);
  }

  /** The subscribed uids, in the order they were subscribed. */
  get subscribed(): string[] {
    return [...this.#known.keys()];
  }

  async query(uids: readonly string[]): Promise<Record<string, boolean>> {
    const refused = invalidUids(uids) ?? this.#requests.refusal() ?? this.#countQuery();
    if (refused) throw refused;
    return firstValueFrom(this.#requests.request$({ t: 'query', uids: [...uids] }).pipe(map(({ online }) => online)));
  }

  async subscribe(uids: readonly string[]): Promise<void> {
    const invalid = invalidUids(uids) ?? this.#requests.refusal();
    if (invalid) throw invalid;
    const added = [...new Set(uids)].filter((uid) => !this.#known.has(uid));
    if (this.#known.size + added.length > Limits.subscribedPeers) {
      throw new RtmError(ErrorCode.LimitExceeded, `more than ${Limits.subscribedPeers} subscribed peers`);
    }
    // Known at once, so the status event that follows the answer is reported.
    for (const uid of added) this.#known.set(uid, undefined);
    return firstValueFrom(
      this.#requests.request$({ t: 'subscribe', uids: [...uids] }).pipe(
        map(() => undefined),
        tap({ error: () => added.forEach((uid) => this.#known.delete(uid)) }),
      ),
    );
  }

  /** Stops reporting `uids` at once, and forgets their status. */
  async unsubscribe(uids: readonly string[]): Promise<void> {
    const invalid = invalidUids(uids) ?? this.#requests.refusal();
    if (invalid) throw invalid;
    for (const uid of uids) this.#known.delete(uid);
    return firstValueFrom(this.#requests.request$({ t: 'unsubscribe', uids: [...uids] }).pipe(map(() => undefined)));
  }

  /** A status event from the link: reports the subscribed uids whose status changed. */
  statusEvent(statuses: PeersStatus): void {
    const changes: Array<[string, PeerStatus]> = [];
    for (const [uid, status] of Object.entries(statuses)) {
      if (!this.#known.has(uid) || this.#known.get(uid) === status) continue;
      this.#known.set(uid, status);
      changes.push([uid, status]);
    }
    // fromEntries, not assignment: a uid may be `__proto__`.
    if (changes.length > 0) this.#changed.next(Object.fromEntries(changes));
  }

  /**
   * The server lost the subscriptions or some of their events: subscribe
   * to every peer again; its answer reports what changed meanwhile.
   */
  restore(): void {
    if (this.#known.size === 0) return;
    this.#resubscription?.unsubscribe();
    this.#resubscription = this.#requests
      .request$({ t: 'subscribe', uids: [...this.#known.keys()] }, { restore: true })
      // Refused, the peers stay unreported; there is no caller to tell.
      .subscribe({ error: () => undefined });
  }

  /** The session ended: no subscriptions. */
  reset(): void {
    this.#resubscription?.unsubscribe();
    this.#known.clear();
  }

  complete(): void {
    this.#changed.complete();
  }
}
