/**
 * The demo behind `npm start`: the reference server with one development
 * app, serving from the same port a page (demo/) that logs in, joins
 * channels, reads attributes and presence, and shows every connection
 * state as it happens.
 *
 * The page's script is bundled from `demo/demo.ts` and `lib/` with esbuild
 * when the demo starts, in memory: nothing to build first, nothing written.
 *
 * Demo-only HTTP routes, beside the WebSockets:
 *
 * - `GET /demo/config`: `{"appId","presenceGraceMs"}`.
 * - `GET /demo/token?uid=…`: `{"appId","uid","token","expiresInSeconds"}`,
 *   a token minted here with the app secret (what a real app's backend
 *   does; a browser never holds the secret).
 * - `POST /demo/cut?uid=…&ms=…`: cuts that uid's link for `ms`
 *   ({@link DemoServer.cutLink}), answering `{"uid","ms"}`.
 *
 * Development only: anyone who can reach the port gets tokens for any uid.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { nameProblem } from '../../protocol/names.js';
import { LinkControl, MAX_CUT_MS } from './link-control.js';
import { operationsRoutes } from '../operations.js';
import { onlyMethods, sendBody, sendJson } from '../http-reply.js';
import { ServerDefaults } from '../server-defaults.js';
import { startServerWith, type HttpRoute, type RtmServer } from '../start-server.js';
import { createToken } from '../token.js';

export interface DemoOptions {
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default `demo`. */
  appId?: string;
  /** Default: made up now. */
  appSecret?: string;
  /** How long a session outlives its last frame; default 30 000 ms (the page's clock shows it). */
  presenceGraceMs?: number;
  /** Lifetime of the tokens the page gets; default 3600 s. */
  tokenLifetimeSeconds?: number;
  /** Failures no client caused; default `console.error`. */
  onError?: (error: unknown) => void;
}

export interface DemoServer {
  readonly server: RtmServer;
  /** The page: `http://host:port/`. */
  readonly pageUrl: string;
  readonly appId: string;
  readonly appSecret: string;
  /**
   * For `ms`, nothing passes between the server and the uid's sockets, both
   * ways, and nothing is closed; then the held frames go through, in order.
   */
  cutLink(uid: string, ms: number): void;
  /** Stops the server (clients are told to reconnect elsewhere, as by `RtmServer.close`). */
  close(): Promise<void>;
}

/** The page's sources, in a checkout. */
const DEMO_SOURCES = new URL('../../../demo/', import.meta.url);
/** The page built at pack time (scripts/build-demo.ts), beside the compiled server in an installed package. */
const DEMO_BUILT = new URL('../../demo/', import.meta.url);

/** What the demo serves: the page, its style, its script and (from sources) the script's source map. */
export interface DemoPage {
  readonly html: string;
  readonly css: string;
  readonly script: string;
  readonly sourceMap?: string;
}

/**
 * Bundles the page from its sources (demo/demo.ts and the client it
 * imports) with esbuild, a dev dependency: in a checkout at every start,
 * and once at pack time for the package.
 */
export async function bundleDemoPage({ sourceMap }: { sourceMap: boolean }): Promise<DemoPage> {
  const esbuild = await import('esbuild').catch((error: unknown) => {
    throw new Error('the demo bundles its page with esbuild, a dev dependency: run `npm install` first', {
      cause: error,
    });
  });
  const [html, css, result] = await Promise.all([
    readFile(new URL('index.html', DEMO_SOURCES), 'utf8'),
    readFile(new URL('style.css', DEMO_SOURCES), 'utf8'),
    esbuild.build({
      entryPoints: [fileURLToPath(new URL('demo.ts', DEMO_SOURCES))],
      // Names the output (and its map, demo.js.map beside it); nothing is written.
      outfile: fileURLToPath(new URL('demo.js', DEMO_SOURCES)),
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: !sourceMap,
      sourcemap: sourceMap ? 'linked' : false,
      logLevel: 'silent',
    }),
  ]);
  const output = (extension: string) => result.outputFiles.find((file) => file.path.endsWith(extension))?.text;
  return { html, css, script: output('.js')!, ...(sourceMap ? { sourceMap: output('.js.map')! } : {}) };
}

/** The page built at pack time when there is one (an installed package), else bundled from the sources. */
async function loadDemoPage(): Promise<DemoPage> {
  const built = (name: string) => readFile(new URL(name, DEMO_BUILT), 'utf8');
  const script = await built('demo.js').catch(() => undefined);
  if (script === undefined) return bundleDemoPage({ sourceMap: true });
  const [html, css] = await Promise.all([built('index.html'), built('style.css')]);
  return { html, css, script };
}

/** The `uid` query parameter if it is a valid uid; otherwise answers 400 and returns undefined. */
function uidParameter(request: IncomingMessage, response: ServerResponse, query: URLSearchParams): string | undefined {
  const uid = query.get('uid');
  const problem = nameProblem(uid);
  if (problem === undefined) return uid!;
  sendJson(request, response, 400, { error: `uid ${problem}` });
  return undefined;
}

const queryOf = (request: IncomingMessage) => new URL(request.url ?? '/', 'http://demo').searchParams;

/** Starts the server with the demo page and its routes; resolves once it listens. */
export async function startDemo(options: DemoOptions): Promise<DemoServer> {
  const {
    port,
    host = '127.0.0.1',
    appId = 'demo',
    presenceGraceMs = ServerDefaults.presenceGraceMs,
    tokenLifetimeSeconds = 3600,
    onError,
  } = options;
  const appSecret = options.appSecret ?? randomBytes(18).toString('base64url');
  const { html, css, script, sourceMap } = await loadDemoPage();
  const page = onlyMethods(['GET', 'HEAD'], (request, response) =>
    sendBody(request, response, 200, 'text/html; charset=utf-8', html),
  );
  let server: RtmServer | undefined;
  let closing = false;
  // Holds a cut user's frames both ways, around every socket of the server.
  const links = new LinkControl();

  const routes: Record<string, HttpRoute> = {
    ...operationsRoutes({ sessions: () => server?.sessionCount ?? 0, shuttingDown: () => closing }),
    '/': page,
    '/index.html': page,
    '/demo/style.css': onlyMethods(['GET', 'HEAD'], (request, response) =>
      sendBody(request, response, 200, 'text/css; charset=utf-8', css),
    ),
    '/demo/demo.js': onlyMethods(['GET', 'HEAD'], (request, response) =>
      sendBody(request, response, 200, 'text/javascript; charset=utf-8', script),
    ),
    ...(sourceMap === undefined
      ? {}
      : {
          '/demo/demo.js.map': onlyMethods(['GET', 'HEAD'], (request, response) =>
            sendBody(request, response, 200, 'application/json; charset=utf-8', sourceMap),
          ),
        }),
    '/demo/config': onlyMethods(['GET', 'HEAD'], (request, response) =>
      sendJson(request, response, 200, { appId, presenceGraceMs }),
    ),
    '/demo/token': onlyMethods(['GET'], (request, response) => {
      const uid = uidParameter(request, response, queryOf(request));
      if (uid === undefined) return;
      const token = createToken({ appId, appSecret, uid, expiresInSeconds: tokenLifetimeSeconds });
      sendJson(request, response, 200, { appId, uid, token, expiresInSeconds: tokenLifetimeSeconds });
    }),
    '/demo/cut': onlyMethods(['POST'], (request, response) => {
      // Another site's page may not cut links: a browser names the page's origin on a POST.
      const origin = request.headers.origin;
      if (origin !== undefined && origin !== `http://${request.headers.host}`) {
        sendJson(request, response, 403, { error: 'origin not allowed' });
        return;
      }
      const query = queryOf(request);
      const uid = uidParameter(request, response, query);
      if (uid === undefined) return;
      const ms = Number(query.get('ms'));
      if (!(Number.isInteger(ms) && ms > 0 && ms <= MAX_CUT_MS)) {
        sendJson(request, response, 400, { error: `ms must be an integer from 1 to ${MAX_CUT_MS}` });
        return;
      }
      links.cut(appId, uid, ms);
      sendJson(request, response, 200, { uid, ms });
    }),
  };

  server = await startServerWith(
    {
      port,
      host,
      apps: { [appId]: appSecret },
      presenceGraceMs,
      routes,
      ...(onError ? { onError } : {}),
    },
    links,
  );
  const started = server;
  const address = host.includes(':') ? `[${host}]` : host;
  return {
    server: started,
    pageUrl: `http://${address}:${started.port}/`,
    appId,
    appSecret,
    cutLink: (uid, ms) => links.cut(appId, uid, ms),
    close: () => {
      closing = true;
      return started.close();
    },
  };
}
