/**
 * Serves examples/agora-app/ (a page written against agora-rtm-sdk 1.x's API) from an rx-rtm server: the page, its
 * script bundled with 'agora-rtm-sdk' aliased to rx-rtm/agora (the whole migration), and a `/token` route playing
 * the app's own backend. The page connects to the origin that served it. `tsx scripts/serve-agora-app.ts [port]`
 * runs it; spec/examples/agora-app.spec.ts drives it in Chromium.
 */
import { build } from 'esbuild';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { nameProblem } from '../lib/protocol/names.js';
import { sendBody, sendJson } from '../lib/server/http-reply.js';
import { createToken, startServer, type MediaOptions, type RtmServer } from '../lib/server/index.js';

const APP = new URL('../examples/agora-app/', import.meta.url);

/** The page's app id, as written in app.ts. */
export const AGORA_APP_ID = 'agora-app';

/**
 * The page's script, its SDK import mapped to the facade. An app maps it to 'rx-rtm/agora'; here, inside rx-rtm
 * itself, to the facade's source, so that no build is needed.
 */
export async function bundleAgoraApp(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('app.ts', APP))],
    alias: { 'agora-rtm-sdk': fileURLToPath(new URL('../lib/agora/index.ts', import.meta.url)) },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

/** The running app: its server and the page's address. */
export interface AgoraApp {
  readonly server: RtmServer;
  readonly url: string;
}

export interface AgoraAppOptions {
  /** Default 0: a free one. */
  readonly port?: number;
  /** As `startServer`'s; default a directory under the system's temp directory. Tests pass a store they watch. */
  readonly media?: MediaOptions;
}

/** Starts the server with the page on `/`; `url` is the page's address. */
export async function startAgoraApp({ port = 0, media }: AgoraAppOptions = {}): Promise<AgoraApp> {
  const [html, script] = await Promise.all([readFile(new URL('index.html', APP), 'utf8'), bundleAgoraApp()]);
  const appSecret = randomBytes(32).toString('base64url');
  const server = await startServer({
    port,
    apps: { [AGORA_APP_ID]: appSecret },
    media,
    routes: {
      '/': (request, response) => sendBody(request, response, 200, 'text/html; charset=utf-8', html),
      '/app.js': (request, response) => sendBody(request, response, 200, 'text/javascript; charset=utf-8', script),
      '/token': (request, response) => {
        const uid = new URL(request.url ?? '/', 'http://app').searchParams.get('uid');
        const problem = nameProblem(uid);
        if (problem) return sendJson(request, response, 400, { error: `uid ${problem}` });
        const token = createToken({ appId: AGORA_APP_ID, appSecret, uid: uid!, expiresInSeconds: 3600 });
        sendJson(request, response, 200, { token });
      },
    },
  });
  return { server, url: `http://127.0.0.1:${server.port}/` };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { url } = await startAgoraApp({ port: Number(process.argv[2] ?? 8090) });
  console.log(`agora-app on ${url} (open it in two tabs)`);
}
