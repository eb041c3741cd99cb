/**
 * The plain HTTP side of the server's port: routes by exact path or by a
 * prefix (a key ending in `/*`, for media ids), 426 for anything else, and
 * the HTTP answer that refuses a WebSocket upgrade.
 */
import { STATUS_CODES, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Answers one plain HTTP request (not a WebSocket upgrade). A rejection or
 * throw goes to `onError` and the client gets a 500.
 */
export type HttpRoute = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

/** The route of `path`: an exact key, else the `<prefix>/*` key of a `<prefix>` or `<prefix>/…` path. */
function routeOf(routes: ReadonlyMap<string, HttpRoute>, path: string): HttpRoute | undefined {
  const exact = routes.get(path);
  if (exact) return exact;
  const slash = path.indexOf('/', 1);
  return routes.get(`${slash === -1 ? path : path.slice(0, slash)}/*`);
}

/** Answers plain requests from `routes` (the query ignored); a WebSocket server's 426 otherwise. */
export function routeRequests(
  routes: Readonly<Record<string, HttpRoute>>,
  onError: (error: unknown) => void,
): RequestListener {
  const byPath = new Map(Object.entries(routes));
  return (request, response) => {
    const route = routeOf(byPath, (request.url ?? '/').split('?', 1)[0]);
    if (!route) {
      response.writeHead(426, { 'content-type': 'text/plain' }).end('rx-rtm speaks WebSocket here\n');
      return;
    }
    new Promise<void>((resolve) => resolve(route(request, response))).catch((error: unknown) => {
      onError(error);
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' }).end('internal error\n');
      else response.destroy();
    });
  };
}

/** Answers an upgrade request with an HTTP error and closes the socket. */
export function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  socket.on('error', () => undefined);
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
  );
}
