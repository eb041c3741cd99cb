/**
 * `/healthz` and `/metrics`, as routes for `startServer`'s `routes` option:
 * served by the same HTTP server as the WebSockets.
 */
import type { HttpRoute } from './http-front.js';
import { onlyMethods, sendBody } from './http-reply.js';

const READ = ['GET', 'HEAD'];

export interface OperationsRoutesOptions {
  /** Sessions alive now (the server's `sessionCount`). */
  sessions(): number;
  /** True once shutdown has begun: `/healthz` answers 503 from then on. */
  shuttingDown(): boolean;
  /** The metrics text and its content type; no `/metrics` route when absent. */
  metrics?: { metrics(): Promise<string>; readonly contentType: string };
}

/**
 * `/healthz`: 200 `{"status":"ok","sessions":N}`, or 503
 * `{"status":"shutting down","sessions":N}` once shutdown has begun.
 * `/metrics`: the Prometheus text exposition.
 */
export function operationsRoutes(options: OperationsRoutesOptions): Record<string, HttpRoute> {
  const routes: Record<string, HttpRoute> = {
    '/healthz': onlyMethods(READ, (request, response) => {
      const down = options.shuttingDown();
      const body = JSON.stringify({ status: down ? 'shutting down' : 'ok', sessions: options.sessions() });
      sendBody(request, response, down ? 503 : 200, 'application/json', body);
    }),
  };
  const { metrics } = options;
  if (metrics) {
    routes['/metrics'] = onlyMethods(READ, async (request, response) => {
      sendBody(request, response, 200, metrics.contentType, await metrics.metrics());
    });
  }
  return routes;
}
