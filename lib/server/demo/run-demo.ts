/**
 * The demo as a person starts it, from a checkout (`npm start`, main.ts) or
 * from the installed package (`rx-rtm-server demo`): the server with the
 * demo page, and what to paste into a client.
 */
import { startDemo, type DemoServer } from './demo-server.js';
import { createToken } from '../token.js';

export interface DemoRunOptions {
  port: number;
  host: string;
  appId?: string;
  appSecret?: string;
}

/** Starts the demo and prints where it listens, its app id and secret, and a token for "dev-user". */
export async function runDemo(options: DemoRunOptions, out: { write(text: string): unknown }): Promise<DemoServer> {
  const demo = await startDemo(options);
  const { server, appId, appSecret } = demo;
  const uid = 'dev-user';
  const token = createToken({ appId, appSecret, uid, expiresInSeconds: 24 * 3600 });
  out.write(
    [
      `rx-rtm development server listening on ${server.url}`,
      `  demo page:  ${demo.pageUrl}`,
      `  app id:     ${appId}`,
      `  app secret: ${appSecret}`,
      `  token for uid "${uid}" (valid 24 h):`,
      `  ${token}`,
      '',
      `  createClient({ url: '${server.url}', appId: '${appId}' }).login({ uid: '${uid}', token: '<token above>' })`,
      '',
    ].join('\n'),
  );
  return demo;
}

/** Closes the demo on SIGINT or SIGTERM, then exits. */
export function closeOnSignals(demo: DemoServer): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void demo.close().then(() => process.exit(0));
    });
  }
}
