/**
 * `npm start`: a development server on 127.0.0.1:7600 with one app, the
 * demo page on the same port (demo.ts), and a token ready to paste into a
 * client. Not for production: the secret is made up at each start unless
 * RTM_DEV_SECRET gives one, and it is printed; the page hands out tokens
 * for any uid and can cut links. Production runs `rx-rtm-server` (cli.ts):
 * secrets from a file, JSON logs, /healthz and /metrics.
 */
import { closeOnSignals, runDemo } from './demo/run-demo.js';

const demo = await runDemo(
  {
    port: Number(process.env.PORT ?? 7600),
    host: process.env.HOST ?? '127.0.0.1',
    appId: process.env.RTM_DEV_APP_ID ?? 'demo',
    ...(process.env.RTM_DEV_SECRET ? { appSecret: process.env.RTM_DEV_SECRET } : {}),
  },
  process.stdout,
);
closeOnSignals(demo);
