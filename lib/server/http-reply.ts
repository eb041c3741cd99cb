/**
 * The few HTTP answers the server's own routes give (`/healthz`, `/metrics`,
 * the demo's page and token): one way to send a body, one way to refuse a
 * method, so every route sends the same headers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpRoute } from './http-front.js';

/** Sends `body` (nothing for HEAD), never cached, never sniffed into another type. */
export function sendBody(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string,
): void {
  response.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}

/** Sends `body` as JSON. */
export function sendJson(request: IncomingMessage, response: ServerResponse, status: number, body: unknown): void {
  sendBody(request, response, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

/** `route` for `methods` only; 405 with an `Allow` header for the others. */
export function onlyMethods(methods: readonly string[], route: HttpRoute): HttpRoute {
  return (request, response) => {
    if (methods.includes(request.method ?? '')) return route(request, response);
    response.writeHead(405, { allow: methods.join(', '), 'content-type': 'text/plain' }).end('method not allowed\n');
  };
}
