/**
 * rx-rtm in an Angular app: one client for the whole app, owned by a
 * root service.
 *
 * - Configured through {@link RTM_CLIENT_OPTIONS} (or {@link provideRtm}).
 * - The connection state as an Observable ({@link RtmService.connectionState$})
 *   and as signals ({@link RtmService.connectionState}, {@link RtmService.state}).
 * - The client is created, and the commands it wraps are run, outside the Angular
 *   zone, so its sockets, heartbeats (one ping a second) and timers never
 *   trigger change detection. What the app sees comes back in: the
 *   Observable emits inside the zone, and the signals need no zone (Angular
 *   refreshes the views that read a signal when it changes, with or
 *   without zone.js).
 * - The client is destroyed (logged out, streams completed) with the
 *   injector that made the service.
 * - {@link RtmService.channel} gives a channel with its members and count
 *   as signals.
 *
 * Works unchanged in zoneless apps (`provideZonelessChangeDetection()`, the
 * default since Angular 21), where `NgZone` runs everything as it comes.
 */
import {
  computed,
  DestroyRef,
  inject,
  Injectable,
  InjectionToken,
  Injector,
  makeEnvironmentProviders,
  NgZone,
  untracked,
  type EnvironmentProviders,
  type Signal,
} from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { Observable, type MonoTypeOperatorFunction } from 'rxjs';
// In an app: `from 'rx-rtm'`. The example imports the library's source
// so that it type-checks and runs in this repository.
import {
  ConnectionState,
  createClient,
  type ConnectionStatePair,
  type RtmChannel,
  type RtmClient,
  type RtmClientOptions,
} from '../../lib/index.js';

/** The options {@link RtmService} creates its client with. */
export const RTM_CLIENT_OPTIONS = new InjectionToken<RtmClientOptions>('RTM_CLIENT_OPTIONS');

/** `providers: [provideRtm({ url, appId })]` in the app's config. */
export function provideRtm(options: RtmClientOptions): EnvironmentProviders {
  return makeEnvironmentProviders([{ provide: RTM_CLIENT_OPTIONS, useValue: options }]);
}

/** Delivers every notification inside the Angular zone (for `async` pipes and subscribers in zone-based apps). */
export function enterZone<T>(zone: NgZone): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) =>
      source.subscribe({
        next: (value) => zone.run(() => subscriber.next(value)),
        error: (error: unknown) => zone.run(() => subscriber.error(error)),
        complete: () => zone.run(() => subscriber.complete()),
      }),
    );
}

@Injectable({ providedIn: 'root' })
export class RtmService {
  /**
   * The client, for everything this service does not wrap (attributes,
   * online status, `tokenPrivilegeWillExpire$`, …). Call it through
   * {@link outside} to keep its timers out of the zone.
   */
  readonly client: RtmClient;
  /** The current (state, reason), then every change; emits inside the Angular zone. */
  readonly connectionState$: Observable<ConnectionStatePair>;
  /** The current (state, reason), as a signal. */
  readonly connectionState: Signal<ConnectionStatePair>;
  readonly state: Signal<ConnectionState> = computed(() => this.connectionState().state);
  readonly connected: Signal<boolean> = computed(() => this.state() === ConnectionState.Connected);

  private readonly zone = inject(NgZone);
  private readonly injector = inject(Injector);
  private readonly channels = new Map<string, RtmChannelRef>();

  constructor() {
    const options = inject(RTM_CLIENT_OPTIONS);
    this.client = this.outside(() => createClient(options));
    this.connectionState$ = this.client.connectionState$.pipe(enterZone(this.zone));
    this.connectionState = toSignal(this.client.connectionState$, { requireSync: true });
    inject(DestroyRef).onDestroy(() => void this.client.destroy());
  }

  /** Logs in; see `RtmClient.login`. */
  login(uid: string, token: string): Promise<void> {
    return this.outside(() => this.client.login({ uid, token }));
  }

  logout(): Promise<void> {
    return this.outside(() => this.client.logout());
  }

  renewToken(token: string): Promise<void> {
    return this.outside(() => this.client.renewToken(token));
  }

  /**
   * The channel of that id (the same object for the same id), its members
   * and count as signals. Callable from anywhere, a template included.
   */
  channel(channelId: string): RtmChannelRef {
    let ref = this.channels.get(channelId);
    if (!ref) {
      // untracked: toSignal refuses to start inside a reactive context (a template, a computed),
      // where this may be called.
      ref = untracked(() => new RtmChannelRef(this.client.createChannel(channelId), this.zone, this.injector));
      this.channels.set(channelId, ref);
    }
    return ref;
  }

  /** Runs client work outside the Angular zone, so the timers it starts do not trigger change detection. */
  outside<T>(work: () => T): T {
    return this.zone.runOutsideAngular(work);
  }
}

/**
 * A channel for templates: its members and count as signals, `join` and
 * `leave` run outside the Angular zone. Made by {@link RtmService.channel}.
 */
export class RtmChannelRef {
  /**
   * The other members, sorted, as the channel's events describe them
   * (`RtmChannel.members$`): the join's member list, then every
   * `MemberJoined` and `MemberLeft`, across reconnects too. Empty unless
   * joined.
   */
  readonly members: Signal<readonly string[]>;
  /** The member count, this user included; 0 while not joined. */
  readonly count: Signal<number>;
  readonly joined: Signal<boolean>;

  constructor(
    readonly channel: RtmChannel,
    private readonly zone: NgZone,
    injector: Injector,
  ) {
    this.members = toSignal(channel.members$, { requireSync: true, injector });
    this.count = toSignal(channel.memberCount$, { requireSync: true, injector });
    this.joined = computed(() => this.count() > 0);
  }

  get channelId(): string {
    return this.channel.channelId;
  }

  /**
   * Joins; resolves once the server listed the members (then `members()` has them).
   * Rejects as `RtmChannel.join` does.
   */
  join(): Promise<void> {
    return this.zone.runOutsideAngular(() => this.channel.join());
  }

  leave(): Promise<void> {
    return this.zone.runOutsideAngular(() => this.channel.leave());
  }
}
