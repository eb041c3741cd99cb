/**
 * `/healthz` and `/metrics`, as routes for `startServer`'s `routes` option:
 * served by the same HTTP server as the WebSockets.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpRoute } from './http-front.js';

export interface OperationsRoutesOptions {
  /** Sessions alive now (the server's `sessionCount`). */
  sessions(): number;
  /** True once shutdown has begun: `/healthz` answers 503 from then on. */
  shuttingDown(): boolean;
  /** The metrics text and its content type; no `/metrics` route when absent. */
  metrics?: { metrics(): Promise<string>; readonly contentType: string };
}

/** Answers 405 to anything but GET and HEAD; true when it did. */
function refuseMethod(request: IncomingMessage, response: ServerResponse): boolean {
  if (request.method === 'GET' || request.method === 'HEAD') return false;
  response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
  return true;
}

function send(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string,
): void {
  response.writeHead(status, {
    'content-type': contentType,
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body),
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}

/**
 * `/healthz`: 200 `{"status":"ok","sessions":N}`, or 503
 * `{"status":"shutting down","sessions":N}` once shutdown has begun.
 * `/metrics`: the Prometheus text exposition.
 */
export function operationsRoutes(options: OperationsRoutesOptions): Record<string, HttpRoute> {
  const routes: Record<string, HttpRoute> = {
    '/healthz': (request, response) => {
      if (refuseMethod(request, response)) return;
      const down = options.shuttingDown();
      const body = JSON.stringify({ status: down ? 'shutting down' : 'ok', sessions: options.sessions() });
      send(request, response, down ? 503 : 200, 'application/json', body);
    },
  };
  const { metrics } = options;
  if (metrics) {
    routes['/metrics'] = async (request, response) => {
      if (refuseMethod(request, response)) return;
      send(request, response, 200, metrics.contentType, await metrics.metrics());
    };
  }
  return routes;
}
