/**
 * `npm start`: a development server on 127.0.0.1:7600 with one app, the
 * demo page on the same port (demo.ts), and a token ready to paste into a
 * client. Not for production: the secret is made up at each start unless
 * RTM_DEV_SECRET gives one, and it is printed; the page hands out tokens
 * for any uid and can cut links. Production runs `rx-rtm-server` (cli.ts):
 * secrets from a file, JSON logs, /healthz and /metrics.
 */
import { startDemo } from './demo.js';
import { createToken } from './token.js';

const port = Number(process.env.PORT ?? 7600);
const host = process.env.HOST ?? '127.0.0.1';

const demo = await startDemo({
  port,
  host,
  appId: process.env.RTM_DEV_APP_ID ?? 'demo',
  ...(process.env.RTM_DEV_SECRET ? { appSecret: process.env.RTM_DEV_SECRET } : {}),
});
const { server, appId, appSecret } = demo;
const uid = 'dev-user';
const token = createToken({ appId, appSecret, uid, expiresInSeconds: 24 * 3600 });

process.stdout.write(
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

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void demo.close().then(() => process.exit(0));
  });
}
