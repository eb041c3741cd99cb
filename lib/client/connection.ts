/**
 * The connection running: the app's commands, the link's events and the
 * snapshot's deadlines merged, one at a time, through the pure
 * {@link transition} into a `BehaviorSubject` of snapshots, whose (state,
 * reason) pairs are what apps observe; the actions of each step are
 * carried out here, before the new snapshot is published.
 *
 * Timers are derived from the snapshot ({@link deadlines}) rather than
 * started by hand: a timer that is no longer wanted is cancelled by the same
 * `switchMap` that would start the next one, so no timer can outlive the
 * state that asked for it. The link, likewise, runs while the snapshot says
 * a login is live, one per login.
 */
import {
  BehaviorSubject,
  distinctUntilChanged,
  EMPTY,
  map,
  merge,
  observeOn,
  queueScheduler,
  scan,
  Subject,
  switchMap,
  timer,
} from './rx.js';
import type { Observable, ObservableInput, Subscription } from 'rxjs';
import { RtmError } from '../protocol/rtm-error.js';
import type { ConnectionAction, ConnectionEvent } from './connection-event.js';
import { ConnectionState, type ConnectionStatePair } from './connection-state.js';
import { link, type LinkLogin } from './link.js';
import { LONGEST_WAIT_MS, type ClientSettings } from './options.js';
import type { Session } from './session.js';
import {
  deadlines,
  initialSnapshot,
  transition,
  type ConnectionSnapshot,
  type Deadline,
  type Step,
} from './transition.js';

interface Pending {
  resolve(): void;
  reject(error: RtmError): void;
}

export class Connection {
  /** Every snapshot, the current one first. */
  readonly snapshot$ = new BehaviorSubject<ConnectionSnapshot>(initialSnapshot);
  /** The (state, reason) pair, on every change of state. */
  readonly pair$ = new BehaviorSubject<ConnectionStatePair>({
    state: initialSnapshot.state,
    reason: initialSnapshot.reason,
  });
  readonly tokenExpired = new Subject<void>();
  readonly tokenWillExpire = new Subject<void>();
  readonly #commands = new Subject<ConnectionEvent>();
  readonly #pending = new Map<number, Pending>();
  readonly #running: Subscription;
  readonly #settings: ClientSettings;
  readonly #session: Session;
  readonly #nextId: () => number;

  /**
   * `wake$` (a renewed token, the network back, the page shown again) cuts
   * a reconnect's wait short and has the heartbeat judge the link at once.
   */
  constructor(settings: ClientSettings, session: Session, nextId: () => number, wake$: Observable<unknown>) {
    this.#settings = settings;
    this.#session = session;
    this.#nextId = nextId;
    const login: LinkLogin = {
      credentials: () => this.#linkCredentials(),
      lastSeq: () => session.lastSeq,
      received: (frame) => session.received(frame),
    };
    // What the link says goes to the transition, stamped with its login; frames go to the session.
    const fromLink$ = this.snapshot$.pipe(
      // A login's link runs from CONNECTING until DISCONNECTED or ABORTED.
      map((s) => (s.state === ConnectionState.Disconnected || s.state === ConnectionState.Aborted ? 0 : s.epoch)),
      distinctUntilChanged(),
      switchMap((epoch) =>
        epoch === 0 ? EMPTY : link(settings, login, wake$).pipe(map((event): ConnectionEvent => ({ ...event, epoch }))),
      ),
    );
    const plans = (s: ConnectionSnapshot) => deadlines(s, settings);
    const timers$ = merge(
      this.#timer((s) => plans(s).login),
      this.#timer((s) => plans(s).interruption),
      this.#timer((s) => plans(s).tokenWarning),
    );

    this.#running = merge(this.#commands, fromLink$, timers$)
      .pipe(
        // Trampoline: an event raised while another is being handled waits its turn.
        observeOn(queueScheduler),
        scan((step: Step, event: ConnectionEvent) => transition(step.snapshot, event), {
          snapshot: initialSnapshot,
          actions: [],
        }),
      )
      .subscribe((step) => {
        for (const action of step.actions) this.#run(action);
        const { state, reason } = step.snapshot;
        this.snapshot$.next(step.snapshot);
        if (state !== this.pair$.value.state) this.pair$.next({ state, reason });
      });
  }

  /** Hands `event` to the transition; for commands without a promise. */
  dispatch(event: ConnectionEvent): void {
    this.#commands.next(event);
  }

  /** Hands the command to the transition; the promise settles when a step settles its request. */
  call(command: (request: number) => ConnectionEvent): Promise<void> {
    const request = this.#nextId();
    const settled = new Promise<void>((resolve, reject) => this.#pending.set(request, { resolve, reject }));
    this.#commands.next(command(request));
    return settled;
  }

  /** Stops for good: no more events; every stream completes. */
  stop(): void {
    this.#running.unsubscribe();
    for (const subject of [this.pair$, this.tokenExpired, this.tokenWillExpire, this.snapshot$]) subject.complete();
  }

  /**
   * Emits the planned event when its time comes; a new plan (or none)
   * cancels the old one. A time already passed (a link found down long ago
   * by a check that ran late) emits at once, not at a timer a throttled
   * page may run a minute later.
   */
  #timer(plan: (s: ConnectionSnapshot) => Deadline | undefined): Observable<ConnectionEvent> {
    const { scheduler } = this.#settings;
    // Judged again when the timer fires: a wait longer than a platform timer takes (a token valid for weeks) is
    // waited in steps of the longest it takes, and a timer that fires early emits nothing early.
    const due = (d: Deadline): ObservableInput<ConnectionEvent> => {
      const wait = d.at - scheduler.now();
      return wait <= 0 ? [d.event] : timer(Math.min(wait, LONGEST_WAIT_MS), scheduler).pipe(switchMap(() => due(d)));
    };
    return this.snapshot$.pipe(
      map(plan),
      distinctUntilChanged((a, b) => a?.at === b?.at && a?.event.type === b?.event.type),
      switchMap((d) => (d ? due(d) : EMPTY)),
    );
  }

  #linkCredentials() {
    const { credentials, session } = this.snapshot$.value;
    return { uid: '', token: '', ...credentials, session };
  }

  #run(action: ConnectionAction): void {
    switch (action.type) {
      case 'SETTLE': {
        const pending = this.#pending.get(action.request);
        this.#pending.delete(action.request);
        if (action.error) pending?.reject(new RtmError(action.error));
        else pending?.resolve();
        return;
      }
      case 'SEND_LOGOUT':
        return this.#session.sendLogout();
      case 'RESUME_SESSION':
        return this.#session.resume(action);
      case 'FORGET_SESSION':
        return this.#session.forget();
      case 'EMIT_TOKEN_EXPIRED':
        return this.tokenExpired.next();
      case 'EMIT_TOKEN_WILL_EXPIRE':
        return this.tokenWillExpire.next();
    }
  }
}
