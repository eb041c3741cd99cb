import type { Observable, SchedulerLike } from 'rxjs';
import { asyncScheduler } from './rx.js';
import { ErrorCode } from '../protocol/error-code.js';
import { RtmError } from '../protocol/rtm-error.js';
import type { RandomSource } from './backoff.js';
import type { LinkSettings, WebSocketConstructor } from './link.js';

/** What `createClient` takes; only `url` and `appId` are required. */
export interface RtmClientOptions {
  /** The server's WebSocket URL, e.g. `wss://rtm.example.com/`. */
  url: string;
  /** The app the users log in to; the server knows its secret, which signed their tokens. */
  appId: string;
  /** `login` fails with TIMEOUT if not logged in this long after the call (BEHAVIOUR §3). Default 6 000 ms. */
  loginTimeoutMs?: number;
  /** How long the link may be down before RECONNECTING / INTERRUPTED (BEHAVIOUR §3). Default 4 000 ms. */
  interruptionThresholdMs?: number;
  /**
   * Ping period while connected. It is the precision of the interruption
   * threshold: RECONNECTING comes between the threshold and the threshold
   * plus this (plus a pong allowance of at least 100 ms) after the link died.
   * Default 1 000 ms.
   */
  heartbeatIntervalMs?: number;
  /** `TokenPrivilegeWillExpire` comes this long before the token expires (BEHAVIOUR §3). Default 30 000 ms. */
  tokenWarningMs?: number;
  /**
   * A request (join, attributes, online status, …) not answered this long
   * after the call rejects TIMEOUT. It waits across reconnects meanwhile.
   * Default 10 000 ms.
   */
  requestTimeoutMs?: number;
  /** Shortest wait between reconnect attempts. Default 500 ms. */
  reconnectMinDelayMs?: number;
  /** Longest wait between reconnect attempts. Default 15 000 ms. */
  reconnectMaxDelayMs?: number;
  /** WebSocket class; default the platform's (`ws` in Node). */
  WebSocket?: WebSocketConstructor;
  /** Scheduler for every timer; a `TestScheduler` makes timing exact in tests. Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
  /** Jitter source for backoff; default `Math.random`. */
  random?: RandomSource;
  /**
   * Emits when the network is probably back (e.g. the page's `online`
   * event); a waiting reconnect then tries at once, and the heartbeat
   * judges the link at once. Default: the `online` event where there is a
   * `window`. (The page's `visibilitychange` and `resume` do the same.)
   */
  networkOnline$?: Observable<unknown>;
}

export interface ClientSettings extends LinkSettings {
  readonly tokenWarningMs: number;
  readonly requestTimeoutMs: number;
}

type DurationOption =
  | 'reconnectMinDelayMs'
  | 'reconnectMaxDelayMs'
  | 'loginTimeoutMs'
  | 'interruptionThresholdMs'
  | 'heartbeatIntervalMs'
  | 'tokenWarningMs'
  | 'requestTimeoutMs';

/**
 * The longest wait, ms, a platform timer takes: `setTimeout` (browsers', Node's) fires at once past 2^31 − 1 ms,
 * about 24.8 days. Longer durations are refused; longer deadlines are waited in steps (connection.ts).
 */
export const LONGEST_WAIT_MS = 2 ** 31 - 1;

/** `options[name]`, or `fallback` when unset; a bad value is refused. */
function duration(options: RtmClientOptions, name: DurationOption, fallback: number): number {
  const ms = options[name] ?? fallback;
  // Number.isFinite is false for anything not a number.
  if (!Number.isFinite(ms) || ms <= 0 || ms > LONGEST_WAIT_MS) {
    throw new RtmError(ErrorCode.InvalidArgument, `${name} must be a positive number, at most ${LONGEST_WAIT_MS}`);
  }
  return ms;
}

/** Fills in defaults and refuses settings that could not work, before anything starts. */
export function clientSettings(
  options: RtmClientOptions,
  platformWebSocket: WebSocketConstructor | undefined,
): ClientSettings {
  if (typeof options.url !== 'string' || !/^wss?:\/\//.test(options.url)) {
    throw new RtmError(ErrorCode.InvalidArgument, 'url must be ws:// or wss://');
  }
  const WebSocket = options.WebSocket ?? platformWebSocket;
  if (!WebSocket) throw new RtmError(ErrorCode.InvalidArgument, 'no WebSocket: pass the WebSocket option');
  const minDelayMs = duration(options, 'reconnectMinDelayMs', 500);
  const maxDelayMs = duration(options, 'reconnectMaxDelayMs', 15_000);
  if (maxDelayMs < minDelayMs)
    throw new RtmError(ErrorCode.InvalidArgument, 'reconnectMaxDelayMs is below reconnectMinDelayMs');
  return {
    url: options.url,
    appId: options.appId,
    WebSocket,
    scheduler: options.scheduler ?? asyncScheduler,
    random: options.random ?? Math.random,
    loginTimeoutMs: duration(options, 'loginTimeoutMs', 6_000),
    interruptionThresholdMs: duration(options, 'interruptionThresholdMs', 4_000),
    heartbeatIntervalMs: duration(options, 'heartbeatIntervalMs', 1_000),
    tokenWarningMs: duration(options, 'tokenWarningMs', 30_000),
    requestTimeoutMs: duration(options, 'requestTimeoutMs', 10_000),
    reconnect: { minDelayMs, maxDelayMs },
  };
}
