/**
 * WebSocket close codes the server uses. A frame saying why (`refused`,
 * `kicked`, `goaway`) always comes first, because browsers and most client
 * libraries do not reliably surface close codes; the codes serve logs,
 * proxies and clients in other languages.
 */
export const CloseCode = {
  /** Logout acknowledged, or the client closed. */
  Normal: 1000,
  /** The server is restarting: reconnect at once (after a `goaway` frame). */
  ServiceRestart: 1012,
  /** A frame was larger than the server accepts. */
  MessageTooBig: 1009,
  /** The client offered no subprotocol the server speaks. */
  PolicyViolation: 1008,
  /** Login refused (after a `refused` frame). */
  LoginRefused: 4001,
  /** Session taken over or banned (after a `kicked` frame). */
  Kicked: 4002,
  /** No login frame arrived in time after the socket opened. */
  LoginWait: 4003,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
