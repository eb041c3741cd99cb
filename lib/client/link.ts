/**
 * The link: one login's stream of sockets. It opens a socket, logs in (or
 * resumes), keeps the socket honest with heartbeats, and when the socket
 * dies or goes silent opens another, for as long as it is subscribed. It
 * reports how it is as {@link LinkStatusEvent}s, passes every other frame to its
 * login, and decides nothing about the
 * connection state: the transition function does.
 *
 * The server pings; the link answers each ping with a pong in the same turn
 * as the message arrives, so a background tab whose timers a browser
 * throttles to once a minute still answers every ping and stays present.
 * Silence is judged by elapsed time since the last frame (heartbeat.ts),
 * and a page waking up (`wake$`) is judged at once.
 */
import { defer, Observable, race, retry, Subject, tap, timer } from './rx.js';
import type { SchedulerLike } from 'rxjs';
import { encodeFrame } from '../protocol/encode.js';
import { ErrorCode } from '../protocol/error-code.js';
import type { ClientFrame, ServerFrame } from '../protocol/frames.js';
import { readServerFrame } from '../protocol/read-server-frame.js';
import { PROTOCOL } from '../protocol/vocabulary.js';
import { backoffDelay, type BackoffBounds, type RandomSource } from './backoff.js';
import type { LinkStatusEvent } from './connection-event.js';
import type { HeartbeatVerdict } from './heartbeat.js';
import { runHeartbeat } from './run-heartbeat.js';

/**
 * What the client uses of a WebSocket: the browser's, `ws`'s, or a test double. The client sets the handlers and
 * the platform calls them with its own event types, of which the client reads only a message's `data`; `never`
 * lets every platform's handler types fit without `any`.
 */
export interface WebSocketLike {
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  send(data: string): void;
  close(): void;
}

/** A WebSocket class: the browser's, `ws`'s, or a test double. */
export type WebSocketConstructor = new (url: string, protocols: string | string[]) => WebSocketLike;

export interface LinkSettings {
  readonly url: string;
  readonly appId: string;
  readonly WebSocket: WebSocketConstructor;
  readonly scheduler: SchedulerLike;
  readonly random: RandomSource;
  readonly heartbeatIntervalMs: number;
  readonly interruptionThresholdMs: number;
  readonly loginTimeoutMs: number;
  readonly reconnect: BackoffBounds;
}

/** What an attempt logs in with; read afresh for every attempt (the token may have been renewed). */
export interface LinkCredentials {
  readonly uid: string;
  readonly token: string;
  readonly session: string | undefined;
}

/** Frames the link passes on as they are: replies, events and errors. */
export type LinkFrame = Exclude<ServerFrame, { t: 'welcome' | 'refused' | 'ping' | 'pong' | 'kicked' | 'goaway' }>;

/**
 * Sends a frame on one logged-in socket; once that socket is gone, it drops
 * what it is given. True when the frame was written to the socket (it left
 * the client, BEHAVIOUR §7), false when dropped.
 */
export type Writer = (frame: ClientFrame) => boolean;

/** The login a link serves: what it logs in with, and where its frames go. */
export interface LinkLogin {
  /** Read afresh for every attempt (the token may have been renewed). */
  credentials(): LinkCredentials;
  /**
   * The last event the client saw: a login that offers the session asks
   * for what came after it, and a pong acknowledges it, so the server can
   * let go of what it held for a replay.
   */
  lastSeq(): number;
  /** A reply, event or error frame, as it comes. */
  received(frame: LinkFrame): void;
}

/**
 * Why an attempt ended; steers the wait before the next one. A plain value, not an Error: `link` retries
 * every one, and an object literal is the smaller in the browser bundle.
 */
interface AttemptEnded {
  readonly kind: 'closed' | 'silent' | 'asleep' | 'login-timeout' | 'refused' | 'goaway';
  readonly code?: ErrorCode;
}

/**
 * One socket's life. Emits UP once logged in; DOWN once its heartbeat
 * stops hearing the server (with the latest moment the link can have gone
 * down) or it loses the socket; errors with {@link AttemptEnded} when the
 * socket is gone or has been down for the interruption threshold; completes
 * when kicked.
 */
function attempt(settings: LinkSettings, login: LinkLogin, wake$: Observable<unknown>): Observable<LinkStatusEvent> {
  const { scheduler } = settings;
  return new Observable<LinkStatusEvent>((subscriber) => {
    const credentials = login.credentials();
    const now = () => scheduler.now();
    let up = false;
    let down = false;
    /** The highest event seq this socket has told the server it received. */
    let acknowledged = 0;
    let open = false;
    const heard$ = new Subject<void>();

    const send: Writer = (frame) => {
      if (open) socket.send(encodeFrame(frame));
      return open;
    };
    const end = (kind: AttemptEnded['kind'], code?: ErrorCode) => {
      if (up && !down) subscriber.next({ type: 'LINK_DOWN', since: now() });
      subscriber.error({ kind, code } satisfies AttemptEnded);
    };
    const pong = () => {
      // Acknowledge only news: a quiet session's pong stays the bare 12-byte frame.
      const seq = login.lastSeq();
      send({ t: 'pong', ack: seq > acknowledged ? seq : undefined });
      acknowledged = Math.max(acknowledged, seq);
    };
    const judged = (verdict: HeartbeatVerdict) => {
      if (verdict.type === 'DEAD') return end(verdict.late ? 'asleep' : 'silent');
      down = verdict.type === 'LINK_DOWN';
      subscriber.next(verdict);
    };

    const received = (data: unknown) => {
      const frame = readServerFrame(data);
      heard$.next();
      if (!frame) return; // A peer's garbage is not worth the link.
      switch (frame.t) {
        case 'welcome':
          up = true;
          // The login's seq counts as acknowledged on a resumed session; a new one starts from nothing.
          if (!frame.resumed) acknowledged = 0;
          subscriber.next({
            type: 'LINK_UP',
            session: frame.session,
            resumed: frame.resumed,
            gap: frame.gap === true,
            tokenExpiresAt: now() + frame.tokenExpiresInMs,
            write: send,
          });
          subscriber.add(
            runHeartbeat(heard$, wake$, scheduler, {
              intervalMs: frame.hb ?? settings.heartbeatIntervalMs,
              thresholdMs: settings.interruptionThresholdMs,
            }).subscribe(judged),
          );
          return;
        case 'ping':
          return pong(); // At once, in this turn: no timer of the page is involved.
        case 'pong':
          return; // Heard by the heartbeat.
        case 'refused':
          subscriber.next({ type: 'LOGIN_REFUSED', code: frame.code });
          return end('refused', frame.code);
        case 'kicked':
          subscriber.next({ type: 'KICKED', reason: frame.reason });
          return subscriber.complete();
        case 'goaway':
          return end('goaway');
        default:
          login.received(frame);
      }
    };

    // The socket directly, not through a wrapper library: the browser bundle's budget (README, "Bundle size").
    const socket = new settings.WebSocket(settings.url, PROTOCOL);
    socket.onopen = () => {
      open = true;
      const { uid, token, session } = credentials;
      acknowledged = session === undefined ? 0 : login.lastSeq();
      send({
        t: 'login',
        app: settings.appId,
        uid,
        token,
        session,
        seq: session === undefined ? undefined : acknowledged,
        hb: settings.heartbeatIntervalMs,
      });
    };
    // A frame of a socket already let go of is not this attempt's.
    socket.onmessage = (event: { data: unknown }) => subscriber.closed || received(event.data);
    // Kept after the close below: `ws` reports a socket closed while connecting as an error, which needs a listener.
    socket.onerror = socket.onclose = () => end('closed');
    subscriber.add(
      scheduler.schedule(() => {
        if (!up) end('login-timeout');
      }, settings.loginTimeoutMs),
    );
    return () => {
      open = false;
      socket.close();
    };
  });
}

/**
 * Attempts, one after another, without end: a failed attempt waits a
 * jittered backoff (reset by each successful login); a refused credential
 * waits the longest backoff unless `wake$` (a renewed token, the network
 * coming back) cuts the wait short; a server going away is rejoined within
 * the shortest backoff; a link found dead on waking up (the page slept) is
 * replaced at once. `wake$` also has the heartbeat judge the link at once.
 */
export function link(
  settings: LinkSettings,
  login: LinkLogin,
  wake$: Observable<unknown>,
): Observable<LinkStatusEvent> {
  return defer(() => {
    let failures = 0;
    return defer(() => attempt(settings, login, wake$)).pipe(
      tap((event) => {
        if (event.type === 'LINK_UP') failures = 0;
      }),
      retry({
        delay: (error: unknown) => {
          // Anything else (the WebSocket constructor throwing) has neither kind nor code: the plain backoff.
          const ended = error as Partial<AttemptEnded> | undefined;
          // At once, not at a timer: a page that just woke may be throttled still.
          if (ended?.kind === 'asleep') return [0];
          const credentialRefused = ended?.code === ErrorCode.TokenExpired || ended?.code === ErrorCode.InvalidToken;
          const wait =
            ended?.kind === 'goaway'
              ? Math.round(settings.random() * settings.reconnect.minDelayMs)
              : credentialRefused
                ? settings.reconnect.maxDelayMs
                : backoffDelay(failures, settings.reconnect, settings.random);
          failures++;
          return race(timer(wait, settings.scheduler), wake$);
        },
      }),
    );
  });
}
