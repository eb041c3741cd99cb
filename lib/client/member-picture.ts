/**
 * A joined channel as the app sees it: the other members and the count.
 *
 * Member events are compared with the picture, never passed straight
 * through: a join of a uid already in it, or a leave of one not in it,
 * emits nothing. So `MemberJoined` and `MemberLeft` of one uid always
 * alternate, whatever the network repeats, and a rejoin after a lost
 * session can emit exactly the difference between the old picture and the
 * server's list.
 */
import { BehaviorSubject, distinctUntilChanged, map, merge, startWith, Subject, type Observable } from 'rxjs';

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
   * after every change the events above announce.
   */
  readonly others$: Observable<readonly string[]> = merge(this.#joined, this.#left, this.#count).pipe(
    startWith(undefined),
    map(() => [...this.#others].sort()),
    distinctUntilChanged((a, b) => a.length === b.length && a.every((uid, i) => uid === b[i])),
  );

  #others = new Set<string>();
  /** Bumped whenever the picture is replaced, so announcements of the one before stop. */
  #generation = 0;

  /** A fresh join: the members as the server listed them (`self` among them); none is announced. */
  start(members: readonly string[], self: string): void {
    this.#replace(new Set(members.filter((uid) => uid !== self)), members.length);
  }

  /** A rejoin: the server's list is the truth; emits exactly the events that turn the picture into it. */
  reconcile(members: readonly string[], self: string): void {
    const current = new Set(members.filter((uid) => uid !== self));
    const gone = [...this.#others].filter((uid) => !current.has(uid));
    const arrived = [...current].filter((uid) => !this.#others.has(uid));
    this.#others = current;
    this.#announce([
      ...gone.map((uid) => () => this.#left.next(uid)),
      ...arrived.map((uid) => () => this.#joined.next(uid)),
      () => this.#setCount(members.length),
    ]);
  }

  /** A member event; `count` is the channel's count after it. */
  apply(uid: string, joined: boolean, count: number): void {
    const changed = joined !== this.#others.has(uid);
    if (joined) this.#others.add(uid);
    else this.#others.delete(uid);
    const announceMember = () => {
      if (changed) (joined ? this.#joined : this.#left).next(uid);
    };
    this.#announce([announceMember, () => this.#setCount(count)]);
  }

  /** Not joined any more: empty and count 0, with no `MemberLeft` for the members (they did not leave). */
  clear(): void {
    this.#replace(new Set(), 0);
  }

  complete(): void {
    for (const subject of [this.#joined, this.#left, this.#count]) subject.complete();
  }

  #replace(others: Set<string>, count: number): void {
    this.#generation++;
    this.#others = others;
    this.#setCount(count);
  }

  /**
   * Emits in order, the picture being updated already; stops if a handler
   * replaced the picture meanwhile (an app that leaves when someone joins),
   * since the rest would describe a channel it is no longer in.
   */
  #announce(emissions: ReadonlyArray<() => void>): void {
    const generation = this.#generation;
    for (const emit of emissions) {
      if (generation !== this.#generation) return;
      emit();
    }
  }

  #setCount(count: number): void {
    if (count !== this.#count.value) this.#count.next(count);
  }
}
