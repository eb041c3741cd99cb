/**
 * Media over HTTP on the server's own port (BEHAVIOUR §7.6): `POST /media`
 * stores the body and answers its id, `GET /media/<id>` serves it back.
 * Every request proves its user: the app id, the uid and the login token of
 * a user who is logged in now (its presence in the store). The token rather
 * than a per-session media secret because any node can check it alone
 * against its apps and the shared store: no new frame, nothing to share
 * between nodes, valid across reconnects and node changes as the login is.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PeerStatus } from '../../protocol/vocabulary.js';
import type { PresenceStore } from '../../store/presence-store.js';
import type { HttpRoute } from '../http-front.js';
import { sendJson } from '../http-reply.js';
import type { ServerClock } from '../server-clock.js';
import { verifyAppToken, type AppCredential } from '../token-apps.js';
import { MediaPutFailure, type MediaStore } from './media-store.js';

/** The path prefix of media requests. */
export const MEDIA_PATH = '/media';

/** Request headers naming the user; the token comes as `Authorization: Bearer <token>`. */
export const MediaHeader = { AppId: 'x-rtm-app-id', Uid: 'x-rtm-uid' } as const;

/** The defaults of `startServer({ media })`: the SDK's 30 MB a file, kept 7 days. */
export const MediaDefaults = { maxBytes: 30 * 1024 * 1024, ttlMs: 7 * 24 * 3600 * 1000 } as const;

/**
 * Types served as declared: images a browser shows but never runs. Anything
 * else (HTML, SVG, scripts) is served as application/octet-stream.
 */
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/bmp', 'image/avif']);

export interface MediaRouteOptions {
  readonly store: MediaStore;
  readonly maxBytes: number;
  readonly apps: ReadonlyMap<string, AppCredential>;
  readonly presence: PresenceStore;
  readonly clock: ServerClock;
}

function sendText(response: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'text/plain', 'x-content-type-options': 'nosniff', ...extra });
  response.end(`${text}\n`);
}

/** The type a file is served with: its declared type when that is a harmless image type. */
function servedType(declared: string | undefined): string {
  const type = (declared ?? '').split(';', 1)[0].trim().toLowerCase();
  return IMAGE_TYPES.has(type) ? type : 'application/octet-stream';
}

export function mediaRoute({ store, maxBytes, apps, presence, clock }: MediaRouteOptions): HttpRoute {
  /** The app id of the user the request proves, or the status that refuses it. */
  async function user(request: IncomingMessage): Promise<string | number> {
    const appId = request.headers[MediaHeader.AppId];
    const uid = request.headers[MediaHeader.Uid];
    const bearer = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '');
    const app = typeof appId === 'string' ? apps.get(appId) : undefined;
    if (!app || typeof appId !== 'string' || typeof uid !== 'string' || !bearer) return 401;
    if (!verifyAppToken(app, bearer[1], appId, uid, clock.wall()).ok) return 401;
    const status = (await presence.statuses(appId, [uid]))[uid];
    return status === PeerStatus.Offline ? 403 : appId;
  }

  async function upload(request: IncomingMessage, response: ServerResponse, appId: string): Promise<void> {
    const declared = Number(request.headers['content-length']);
    if (declared > maxBytes) {
      // Refused before a byte is read; the connection closes rather than drain up to 30 MB.
      request.resume();
      return sendText(response, 413, `over ${maxBytes} bytes`, { connection: 'close' });
    }
    const put = await store
      .put(appId, request, servedType(request.headers['content-type']), maxBytes, clock.wall())
      .catch(() => undefined);
    // A cut upload: there is nobody left to answer.
    if (!put) return void response.destroy();
    if (!put.ok && put.reason === MediaPutFailure.TooLarge)
      return sendText(response, 413, `over ${maxBytes} bytes`, { connection: 'close' });
    if (put.ok) sendJson(request, response, 201, { mediaId: put.mediaId, size: put.record.size });
  }

  async function download(request: IncomingMessage, response: ServerResponse, appId: string, mediaId: string) {
    const file = await store.open(appId, mediaId, clock.wall());
    if (!file) return sendText(response, 404, 'no such media');
    response.writeHead(200, {
      'content-type': file.record.contentType,
      'content-length': file.record.size,
      'content-disposition': 'attachment',
      'x-content-type-options': 'nosniff',
      'cache-control': 'private, no-store',
    });
    if (request.method === 'HEAD') {
      file.body.destroy();
      return void response.end();
    }
    file.body.on('error', () => response.destroy());
    file.body.pipe(response);
  }

  return async (request, response) => {
    const path = (request.url ?? '/').split('?', 1)[0];
    const mediaId = path.startsWith(`${MEDIA_PATH}/`) ? path.slice(MEDIA_PATH.length + 1) : undefined;
    const method = request.method ?? '';
    const allowed = mediaId === undefined ? ['POST'] : ['GET', 'HEAD'];
    if (!allowed.includes(method)) return sendText(response, 405, 'method not allowed', { allow: allowed.join(', ') });
    const appId = await user(request);
    if (typeof appId === 'number') {
      request.resume();
      return sendText(response, appId, appId === 401 ? 'unauthorized' : 'not logged in', { connection: 'close' });
    }
    return mediaId === undefined ? upload(request, response, appId) : download(request, response, appId, mediaId);
  };
}
