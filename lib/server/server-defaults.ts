/**
 * The server's defaults, in one place for `startServer`, the
 * `rx-rtm-server` command and the demo, so that they can never disagree.
 */
export const ServerDefaults = {
  /** Address to listen on: loopback, so nothing is exposed by accident. */
  host: '127.0.0.1',
  /** The command's and `npm start`'s port (`startServer` has no default: it takes one). */
  port: 7600,
  /** How long a session outlives its last frame (BEHAVIOUR §4). */
  presenceGraceMs: 30_000,
  /** Silence after which subscribers see a user UNREACHABLE (BEHAVIOUR §4). */
  unreachableMs: 6_000,
  /** How long a new socket may wait before its login frame. */
  loginWaitMs: 10_000,
  /** How long a session resumed from another node waits for that node's handoff (BEHAVIOUR §7). */
  handoffWaitMs: 1_000,
  /** How long `close()` waits for clients to go before dropping them. */
  shutdownGraceMs: 2_000,
} as const;

/** How often the node's one ticker runs: the presence clock and the heartbeat move by it. */
export const TICK_MS = 100;
