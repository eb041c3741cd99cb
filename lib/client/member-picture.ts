/**
 * A channel as the app was shown it: the other members and the count.
 *
 * Member events are compared with the picture, never passed straight
 * through: a join of a uid already in it, or a leave of one not in it,
 * emits nothing. So `MemberJoined` and `MemberLeft` of one uid always
 * alternate, whatever the network repeats. The picture outlives the
 * channel's joins (BEHAVIOUR §4.4): not joined, the app sees no members,
 * but the picture it was last shown is kept, and the next member list
 * (a rejoin after a lost session, or a join after the app's own leave or
 * logout) emits exactly the difference from it.
 */
import type { Observable } from 'rxjs';
import { BehaviorSubject, distinctUntilChanged, map, merge, startWith, Subject } from './rx.js';

export class MemberPicture {
  readonly #joined = new Subject<string>();
  readonly #left = new Subject<string>();
  readonly #count = new BehaviorSubject(0);
  readonly memberJoined$: Observable<string> = this.#joined.asObservable();
  readonly memberLeft$: Observable<string> = this.#left.asObservable();
  /** The current count, replayed to each new subscriber; emits when it changes. */
  readonly memberCount$: Observable<number> = this.#count.asObservable();

  /**
   * The other members, sorted, replayed to each new subscriber and emitted
   * after every change the events above announce; empty while not joined.
   */
  readonly others$: Observable<readonly string[]> = merge(this.#joined, this.#left, this.#count).pipe(
    startWith(undefined),
    map(() => (this.#showing ? [...this.#others].sort() : [])),
    distinctUntilChanged((a, b) => JSON.stringify(a) === JSON.stringify(b)),
  );

  /** The others as announced so far: each uid is added or removed just before its event goes out. */
  #others = new Set<string>();
  /** Joined: {@link others$} shows the picture. */
  #showing = false;
  /** A member list came once: later ones are compared with the picture instead of taken silently. */
  #listed = false;
  /** Bumped whenever the picture is listed anew or hidden, so announcements of the one before stop. */
  #generation = 0;

  /**
   * The server's member list on a join (`self` among them), the truth. The
   * channel's first list is taken as it is, announcing nobody; every later
   * one emits exactly the events that turn the picture the app was last
   * shown into it: a member who left and came back meanwhile emits nothing.
   */
  list(members: readonly string[], self: string): void {
    const current = new Set(members.filter((uid) => uid !== self));
    const generation = ++this.#generation;
    this.#showing = true;
    if (!this.#listed) this.#others = current;
    this.#listed = true;
    const gone = [...this.#others].filter((uid) => !current.has(uid));
    const arrived = [...current].filter((uid) => !this.#others.has(uid));
    this.#announce(generation, [
      ...gone.map((uid) => () => this.#change(uid, false)),
      ...arrived.map((uid) => () => this.#change(uid, true)),
      () => this.#setCount(members.length),
    ]);
  }

  /** A member event; `count` is the channel's count after it. */
  apply(uid: string, joined: boolean, count: number): void {
    this.#announce(this.#generation, [() => this.#change(uid, joined), () => this.#setCount(count)]);
  }

  /**
   * Not joined any more: no members and count 0, with no `MemberLeft` for
   * the members (they did not leave, this client did). The picture is
   * kept for the next list.
   */
  hide(): void {
    this.#generation++;
    this.#showing = false;
    this.#setCount(0);
  }

  complete(): void {
    for (const subject of [this.#joined, this.#left, this.#count]) subject.complete();
  }

  /** Puts `uid` in the picture or takes it out, announcing it only if that changed the picture. */
  #change(uid: string, joined: boolean): void {
    if (joined === this.#others.has(uid)) return;
    this.#others[joined ? 'add' : 'delete'](uid);
    (joined ? this.#joined : this.#left).next(uid);
  }

  /**
   * Emits in order; stops if a handler listed or hid the picture meanwhile
   * (an app that leaves when someone joins), since the rest would describe
   * a channel it is no longer in. What was not announced stays out of the
   * picture, so the next list announces it.
   */
  #announce(generation: number, emissions: ReadonlyArray<() => void>): void {
    for (const emit of emissions) {
      if (generation !== this.#generation) return;
      emit();
    }
  }

  #setCount(count: number): void {
    if (count !== this.#count.value) this.#count.next(count);
  }
}
