/**
 * The link: one login's stream of sockets. It opens a socket, logs in (or
 * resumes), keeps the socket honest with heartbeats, and when the socket
 * dies or goes silent opens another, for as long as it is subscribed. It
 * reports what happened as {@link LinkEvent}s and decides nothing about the
 * connection state: the transition function does.
 *
 * Silence is judged by elapsed time against pings actually sent, never by
 * counting timer ticks: a throttled background tab that sent no ping for a
 * minute has learned nothing about the link, so it pings and starts the
 * clock then, instead of declaring a link dead that it never tested.
 */
import { defer, interval, Observable, race, retry, tap, timer, type SchedulerLike } from 'rxjs';
import { makeWebSocketObservable, type WebSocketLike } from './web-socket-observable.js';
import { encodeFrame } from '../protocol/encode.js';
import { ErrorCode } from '../protocol/error-code.js';
import type { ClientFrame, ServerFrame } from '../protocol/frames.js';
import { readServerFrame } from '../protocol/read-server-frame.js';
import { PROTOCOL, type KickReason } from '../protocol/vocabulary.js';
import { backoffDelay, type BackoffBounds, type RandomSource } from './backoff.js';

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
export type LinkFrame = Exclude<ServerFrame, { t: 'welcome' | 'refused' | 'pong' | 'kicked' | 'goaway' }>;

/** Sends a frame on one logged-in socket; once that socket is gone, it drops what it is given. */
export type Writer = (frame: ClientFrame) => void;

export type LinkEvent =
  /**
   * Logged in on a new socket; `write` sends on it. `resumed`: the server
   * still had the session; `gap`: it had, but lost some of its events.
   */
  | { type: 'UP'; session: string; resumed: boolean; gap: boolean; tokenExpiresAt: number; write: Writer }
  | { type: 'DOWN'; since: number }
  | { type: 'RESTORED' }
  | { type: 'REFUSED'; code: ErrorCode }
  | { type: 'KICKED'; reason: KickReason }
  | { type: 'FRAME'; frame: LinkFrame };

/** Why an attempt ended; steers the wait before the next one. */
class AttemptEnded extends Error {
  constructor(
    readonly kind: 'closed' | 'silent' | 'login-timeout' | 'refused' | 'goaway',
    readonly code?: ErrorCode,
  ) {
    super(`link attempt ended: ${kind}`);
  }
}

/** Shortest time a pong may take before the link is suspected, ms. */
const MIN_PONG_ALLOWANCE_MS = 100;

/**
 * One socket's life. Emits UP once logged in; DOWN once it stops hearing
 * the server (with the latest moment the link can have gone down) or loses
 * the socket; errors with {@link AttemptEnded} when the socket is gone or
 * has been silent for the interruption threshold; completes when kicked.
 */
function attempt(settings: LinkSettings, credentials: LinkCredentials, lastSeq: () => number): Observable<LinkEvent> {
  const { scheduler } = settings;
  return new Observable<LinkEvent>((subscriber) => {
    const now = () => scheduler.now();
    let up = false;
    let downSince: number | undefined;
    // Time the first ping went out after the last frame came in; undefined while answered.
    let awaitingSince: number | undefined;
    let lastPingAt = 0;
    /** The highest event seq this socket has told the server it received. */
    let acknowledged = 0;
    let smoothedRtt: number | undefined;
    let outgoing: ((data: string) => void) | undefined;

    const send: Writer = (frame) => outgoing?.(encodeFrame(frame));
    const end = (kind: AttemptEnded['kind'], code?: ErrorCode) => {
      if (up && downSince === undefined) subscriber.next({ type: 'DOWN', since: now() });
      subscriber.error(new AttemptEnded(kind, code));
    };
    const heard = () => {
      awaitingSince = undefined;
      if (downSince !== undefined) {
        downSince = undefined;
        subscriber.next({ type: 'RESTORED' });
      }
    };
    const ping = () => {
      const sentAt = now();
      lastPingAt = sentAt;
      // Acknowledge only news: a quiet session's ping stays the bare 12-byte frame.
      const seq = lastSeq();
      send(seq > acknowledged ? { t: 'ping', ack: seq } : { t: 'ping' });
      acknowledged = Math.max(acknowledged, seq);
      if (awaitingSince !== undefined) return;
      awaitingSince = sentAt;
      const allowance = Math.min(settings.heartbeatIntervalMs, Math.max(MIN_PONG_ALLOWANCE_MS, 3 * (smoothedRtt ?? 0)));
      subscriber.add(
        scheduler.schedule(() => {
          if (awaitingSince !== sentAt) return;
          // The pong may have been lost on its way back, so the link was up until now at the latest.
          downSince = now();
          subscriber.next({ type: 'DOWN', since: downSince });
          subscriber.add(
            scheduler.schedule(() => {
              if (awaitingSince === sentAt) end('silent');
            }, settings.interruptionThresholdMs),
          );
        }, allowance),
      );
    };

    const received = (data: unknown) => {
      heard();
      const frame = readServerFrame(data);
      if (!frame) return; // A peer's garbage is not worth the link.
      switch (frame.t) {
        case 'welcome':
          up = true;
          // The login's seq counts as acknowledged on a resumed session; a new one starts from nothing.
          if (!frame.resumed) acknowledged = 0;
          subscriber.next({
            type: 'UP',
            session: frame.session,
            resumed: frame.resumed,
            gap: frame.gap === true,
            tokenExpiresAt: now() + frame.tokenExpiresInMs,
            write: send,
          });
          subscriber.add(interval(settings.heartbeatIntervalMs, scheduler).subscribe(ping));
          return;
        case 'pong': {
          const sample = now() - lastPingAt;
          smoothedRtt = smoothedRtt === undefined ? sample : smoothedRtt * 0.875 + sample * 0.125;
          return;
        }
        case 'refused':
          subscriber.next({ type: 'REFUSED', code: frame.code });
          return end('refused', frame.code);
        case 'kicked':
          subscriber.next({ type: 'KICKED', reason: frame.reason });
          return subscriber.complete();
        case 'goaway':
          return end('goaway');
        default:
          subscriber.next({ type: 'FRAME', frame });
      }
    };

    const makeWebSocket = (url: string, protocols: string | string[]) => new settings.WebSocket(url, protocols);
    subscriber.add(
      makeWebSocketObservable<string>(settings.url, { protocols: PROTOCOL, makeWebSocket }).subscribe({
        next: (getResponses) => {
          const input = new Observable<string>((sink) => {
            outgoing = (data) => sink.next(data);
          });
          subscriber.add(getResponses(input).subscribe(received));
          const { uid, token, session } = credentials;
          acknowledged = session === undefined ? 0 : lastSeq();
          send({ t: 'login', app: settings.appId, uid, token, session, seq: session === undefined ? undefined : acknowledged });
        },
        error: () => end('closed'),
        complete: () => end('closed'),
      }),
    );
    subscriber.add(
      scheduler.schedule(() => {
        if (!up) end('login-timeout');
      }, settings.loginTimeoutMs),
    );
    return () => {
      outgoing = undefined;
    };
  });
}

/**
 * Attempts, one after another, without end: a failed attempt waits a
 * jittered backoff (reset by each successful login); a refused credential
 * waits the longest backoff unless `wake$` (a renewed token, the network
 * coming back) cuts the wait short; a server going away is rejoined within
 * the shortest backoff.
 *
 * `lastSeq` is the last event the client saw: a login that offers the
 * session asks for what came after it, and every ping acknowledges it, so
 * the server can let go of what it held for a replay.
 */
export function link(
  settings: LinkSettings,
  credentials: () => LinkCredentials,
  lastSeq: () => number,
  wake$: Observable<unknown>,
): Observable<LinkEvent> {
  return defer(() => {
    let failures = 0;
    return defer(() => attempt(settings, credentials(), lastSeq)).pipe(
      tap((event) => {
        if (event.type === 'UP') failures = 0;
      }),
      retry({
        delay: (error: unknown) => {
          const ended = error instanceof AttemptEnded ? error : undefined;
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
