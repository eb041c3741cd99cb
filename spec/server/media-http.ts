/** Media requests for the server's media specs: a logged-in user, its headers, an upload, a cut one. */
import { expect } from 'chai';
import { request as httpRequest } from 'node:http';
import { createToken, type RtmServer } from '../../lib/server/index.js';
import { RawClient } from './raw-client.js';

export const secrets = { app1: 'secret1', app2: 'secret2' };
export const MB = 1024 * 1024;

export const tokenOf = (appId: keyof typeof secrets, uid: string) =>
  createToken({ appId, appSecret: secrets[appId], uid, expiresInSeconds: 60 });

export async function login(server: RtmServer, appId: keyof typeof secrets, uid: string): Promise<RawClient> {
  const client = await RawClient.connect(server.url);
  const welcome = await client.request({ t: 'login', app: appId, uid, token: tokenOf(appId, uid) });
  expect(welcome.t).to.equal('welcome');
  return client;
}

export const mediaUrl = (server: RtmServer, id = '') => `http://127.0.0.1:${server.port}/media${id ? `/${id}` : ''}`;
export const headersOf = (appId: keyof typeof secrets, uid: string, token = tokenOf(appId, uid)) => ({
  'x-rtm-app-id': appId,
  'x-rtm-uid': uid,
  authorization: `Bearer ${token}`,
});

export async function upload(
  server: RtmServer,
  body: Buffer,
  type = 'application/octet-stream',
  as = headersOf('app1', 'alice'),
) {
  const response = await fetch(mediaUrl(server), {
    method: 'POST',
    headers: { ...as, 'content-type': type },
    body: new Uint8Array(body),
  });
  return {
    status: response.status,
    body: response.status === 201 ? ((await response.json()) as { mediaId: string; size: number }) : undefined,
  };
}

/** Sends `total` bytes' worth of headers and `sent` bytes of body, then cuts the connection. */
export function cutUpload(server: RtmServer, total: number, sent: number): Promise<void> {
  return new Promise((resolve) => {
    const request = httpRequest(mediaUrl(server), {
      method: 'POST',
      headers: { ...headersOf('app1', 'alice'), 'content-length': total },
    });
    request.on('error', () => resolve());
    request.write(Buffer.alloc(sent, 7), () => setTimeout(() => request.destroy(), 50));
    request.on('close', () => resolve());
  });
}

/** Uploads `megabytes` MB without a Content-Length (a streamed body), so only a running count can refuse it. */
export async function chunkedUpload(server: RtmServer, megabytes: number): Promise<number> {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < megabytes; i++) controller.enqueue(new Uint8Array(MB));
      controller.close();
    },
  });
  const init = { method: 'POST', headers: headersOf('app1', 'alice'), body, duplex: 'half' };
  return (await fetch(mediaUrl(server), init)).status;
}
