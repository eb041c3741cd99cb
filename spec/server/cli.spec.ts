import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  main,
  parseCommandLine,
  serverSettings,
  SHUTDOWN_MARGIN_MS,
  UsageError,
  type CliIo,
  type CliOutcome,
  type RunningServer,
} from '../../lib/server/cli.js';
import { PROTOCOL } from '../../lib/protocol/frames.js';
import { ServerDefaults } from '../../lib/server/server-defaults.js';
import agoraToken from 'agora-token';
import { createToken, verifyToken } from '../../lib/server/index.js';
import { verifyAgoraToken } from '../../lib/server/token-agora.js';
import { RawClient } from './raw-client.js';
import { freePort, RedisProcess, requireRedis } from '../support/redis-process.js';

const SECRET = 'cli-spec-secret-0123456789';
const OTHER_SECRET = 'cli-spec-other-secret-xyz';
const APPS = JSON.stringify({ demo: SECRET, other: OTHER_SECRET });
/** An app that takes the vendor's AccessToken2 tokens (BEHAVIOUR §9.1), beside a JWT app. */
const AGORA_APP = '0123456789abcdef0123456789abcdef';
const AGORA_CERT = 'fedcba9876543210fedcba9876543210';
const MIXED_APPS = JSON.stringify({ demo: SECRET, [AGORA_APP]: { agoraAppCertificate: AGORA_CERT } });
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'lib/server/cli.ts');

interface Captured {
  write(text: string): void;
  readonly text: string;
}

function capture(): Captured {
  let text = '';
  return {
    write(chunk: string) {
      text += chunk;
    },
    get text() {
      return text;
    },
  };
}

function io(argv: string[], env: Record<string, string> = {}) {
  const stdout = capture();
  const stderr = capture();
  return { io: { argv, env, stdout, stderr } satisfies CliIo, stdout, stderr };
}

/** Runs `main` and expects exit 2 with exactly `message` on stderr (one line) and nothing on stdout. */
async function expectUsageError(argv: string[], env: Record<string, string>, message: string): Promise<void> {
  const run = io(argv, env);
  const outcome = await main(run.io);
  expect(outcome, `${argv.join(' ')} ${JSON.stringify(env)}`).to.deep.equal({ kind: 'exited', exitCode: 2 });
  expect(run.stderr.text).to.equal(`rx-rtm-server: ${message}\n`);
  expect(run.stdout.text).to.equal('');
  expect(run.stderr.text).not.to.include(SECRET);
}

describe('rx-rtm-server (cli.ts)', function () {
  this.timeout(10_000);
  let dir: string;
  const running: RunningServer[] = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rx-rtm-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(async () => {
    RawClient.terminateAll();
    await Promise.all(running.splice(0).map((server) => server.shutdown('test over')));
  });

  function appsFile(name: string, content: string): string {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  }

  describe('demo', () => {
    it('serves the demo on --host and --port (before or after the word), else RTM_HOST / RTM_PORT', () => {
      expect(parseCommandLine(io(['demo', '--port', '0']).io)).to.deep.equal({
        kind: 'demo',
        host: '127.0.0.1',
        port: 0,
      });
      expect(parseCommandLine(io(['--port', '7700', 'demo']).io)).to.deep.equal({
        kind: 'demo',
        host: '127.0.0.1',
        port: 7700,
      });
      expect(parseCommandLine(io(['demo'], { RTM_HOST: '::1', RTM_PORT: '7800' }).io)).to.deep.equal({
        kind: 'demo',
        host: '::1',
        port: 7800,
      });
      expect(() => parseCommandLine(io(['demo', '--port', '70000']).io)).to.throw(UsageError);
    });
  });

  describe('settings', () => {
    it('defaults: 127.0.0.1:7600, grace 30 s, info, loopback, 49 152 B frames, shutdown 2 s, handoff 1 s', () => {
      expect(parseCommandLine(io([], { RTM_APPS: APPS }).io)).to.deep.equal({
        kind: 'serve',
        config: {
          host: '127.0.0.1',
          port: 7600,
          apps: new Map([
            ['demo', SECRET],
            ['other', OTHER_SECRET],
          ]),
          presenceGraceMs: 30_000,
          logLevel: 'info',
          allowedOrigins: undefined,
          maxFrameBytes: 49_152,
          shutdownGraceMs: 2000,
          handoffWaitMs: 1000,
        },
      });
    });

    it('every setting falls back to its environment variable', () => {
      const path = appsFile('env.json', JSON.stringify({ app1: SECRET }));
      const env = {
        RTM_HOST: '0.0.0.0',
        RTM_PORT: '8123',
        RTM_APPS_FILE: path,
        RTM_PRESENCE_GRACE_MS: '45000',
        RTM_LOG_LEVEL: 'warn',
        RTM_ALLOWED_ORIGINS: 'https://app.example.com, http://localhost:5173',
        RTM_MAX_FRAME_BYTES: '65536',
        RTM_SHUTDOWN_GRACE_MS: '5000',
        RTM_HANDOFF_WAIT_MS: '2500',
      };
      expect(parseCommandLine(io([], env).io)).to.deep.equal({
        kind: 'serve',
        config: {
          host: '0.0.0.0',
          port: 8123,
          apps: new Map([['app1', SECRET]]),
          presenceGraceMs: 45_000,
          logLevel: 'warn',
          allowedOrigins: ['https://app.example.com', 'http://localhost:5173'],
          maxFrameBytes: 65_536,
          shutdownGraceMs: 5000,
          handoffWaitMs: 2500,
        },
      });
    });

    it('flags win over the environment; an empty variable counts as unset', () => {
      const path = appsFile('flag.json', JSON.stringify({ app2: OTHER_SECRET }));
      const env = {
        RTM_HOST: '0.0.0.0',
        RTM_PORT: '8123',
        RTM_APPS_FILE: '/nonexistent/apps.json',
        RTM_PRESENCE_GRACE_MS: '',
        RTM_LOG_LEVEL: 'warn',
        RTM_ALLOWED_ORIGINS: 'https://app.example.com',
        RTM_MAX_FRAME_BYTES: '',
        RTM_SHUTDOWN_GRACE_MS: '5000',
        RTM_HANDOFF_WAIT_MS: '2500',
      };
      const argv = [
        '--host',
        'rtm.internal',
        '--port',
        '0',
        '--apps-file',
        path,
        '--log-level',
        'debug',
        '--allowed-origins',
        '*',
        '--max-frame-bytes',
        '1024',
        '--shutdown-grace-ms',
        '0',
        '--handoff-wait-ms',
        '0',
      ];
      expect(parseCommandLine(io(argv, env).io)).to.deep.equal({
        kind: 'serve',
        config: {
          host: 'rtm.internal',
          port: 0,
          apps: new Map([['app2', OTHER_SECRET]]),
          presenceGraceMs: 30_000,
          logLevel: 'debug',
          allowedOrigins: ['*'],
          maxFrameBytes: 1024,
          shutdownGraceMs: 0,
          handoffWaitMs: 0,
        },
      });
    });

    it('--handoff-wait-ms (or RTM_HANDOFF_WAIT_MS) reaches startServer, beside the Redis it is for', () => {
      const settings = (argv: string[], env: Record<string, string> = {}) => {
        const invocation = parseCommandLine(io(argv, { RTM_APPS: APPS, ...env }).io);
        return invocation.kind === 'serve' ? serverSettings(invocation.config) : 'not serve';
      };
      expect(settings(['--redis-url', 'redis://h:6379', '--handoff-wait-ms', '2500'])).to.deep.include({
        redisUrl: 'redis://h:6379',
        handoffWaitMs: 2500,
      });
      expect(settings([], { RTM_HANDOFF_WAIT_MS: '0' })).to.deep.include({ handoffWaitMs: 0 });
      expect(settings([])).to.deep.include({ handoffWaitMs: ServerDefaults.handoffWaitMs });
    });

    it('--redis-url or RTM_REDIS_URL runs a cluster node; without either there is no redisUrl', () => {
      // The flag wins; an empty variable counts as unset.
      const config = (argv: string[], env: Record<string, string>) => {
        const invocation = parseCommandLine(io(argv, { RTM_APPS: APPS, ...env }).io);
        return invocation.kind === 'serve' ? invocation.config.redisUrl : 'not serve';
      };
      expect(config(['--redis-url', 'redis://redis.internal:6379/2'], {})).to.equal('redis://redis.internal:6379/2');
      expect(config([], { RTM_REDIS_URL: 'rediss://user:pw@redis.example.com:6380' })).to.equal(
        'rediss://user:pw@redis.example.com:6380',
      );
      expect(config(['--redis-url', 'redis://flag:6379'], { RTM_REDIS_URL: 'redis://env:6379' })).to.equal(
        'redis://flag:6379',
      );
      expect(config([], { RTM_REDIS_URL: '' })).to.equal(undefined);
      expect(config([], {})).to.equal(undefined);
    });

    it('--redis-sentinels and --redis-sentinel-name (or their variables) run a node on Sentinel', () => {
      // With the passwords from the environment only.
      const config = (argv: string[], env: Record<string, string>) => {
        const invocation = parseCommandLine(io(argv, { RTM_APPS: APPS, ...env }).io);
        return invocation.kind === 'serve' ? invocation.config.redisSentinel : 'not serve';
      };
      expect(
        config(
          ['--redis-sentinels', '10.0.0.1:26379, sentinel-2:26380,[::1]:26381', '--redis-sentinel-name', 'rtm'],
          {},
        ),
      ).to.deep.equal({
        sentinels: [
          { host: '10.0.0.1', port: 26379 },
          { host: 'sentinel-2', port: 26380 },
          { host: '::1', port: 26381 },
        ],
        name: 'rtm',
      });
      expect(
        config([], {
          RTM_REDIS_SENTINELS: 's1:26379',
          RTM_REDIS_SENTINEL_NAME: 'main',
          RTM_REDIS_PASSWORD: 'pw',
          RTM_REDIS_SENTINEL_PASSWORD: 'spw',
        }),
      ).to.deep.equal({
        sentinels: [{ host: 's1', port: 26379 }],
        name: 'main',
        password: 'pw',
        sentinelPassword: 'spw',
      });
      expect(config([], {})).to.equal(undefined);
    });

    it('--redis-cluster (or RTM_REDIS_CLUSTER) runs a node on a Redis Cluster, by some of its nodes', () => {
      // With the password from the environment only.
      const config = (argv: string[], env: Record<string, string>) => {
        const invocation = parseCommandLine(io(argv, { RTM_APPS: APPS, ...env }).io);
        return invocation.kind === 'serve' ? invocation.config.redisCluster : 'not serve';
      };
      expect(config(['--redis-cluster', '10.0.0.1:7000, redis-2:7001,[::1]:7002'], {})).to.deep.equal({
        cluster: [
          { host: '10.0.0.1', port: 7000 },
          { host: 'redis-2', port: 7001 },
          { host: '::1', port: 7002 },
        ],
      });
      expect(config([], { RTM_REDIS_CLUSTER: 'r1:7000', RTM_REDIS_PASSWORD: 'pw' })).to.deep.equal({
        cluster: [{ host: 'r1', port: 7000 }],
        redisOptions: { password: 'pw' },
      });
      expect(config([], {})).to.equal(undefined);
    });

    it('--media-dir or RTM_MEDIA_DIR keeps media in a directory; without either there is no mediaDir', () => {
      const config = (argv: string[], env: Record<string, string>) => {
        const invocation = parseCommandLine(io(argv, { RTM_APPS: APPS, ...env }).io);
        return invocation.kind === 'serve' ? invocation.config.mediaDir : 'not serve';
      };
      expect(config(['--media-dir', '/srv/media'], { RTM_MEDIA_DIR: '/env' })).to.equal('/srv/media');
      expect(config([], { RTM_MEDIA_DIR: '/mnt/shared' })).to.equal('/mnt/shared');
      expect(config([], {})).to.equal(undefined);
    });

    it('--help and --version print to stdout and exit 0', async () => {
      const help = io(['--help']);
      expect(await main(help.io)).to.deep.equal({ kind: 'exited', exitCode: 0 });
      expect(help.stdout.text).to.match(/^Usage: rx-rtm-server \[options\] \[command\]/);
      for (const flag of [
        '--host',
        '--port',
        '--apps-file',
        '--presence-grace-ms',
        '--log-level',
        '--allowed-origins',
        '--max-frame-bytes',
        '--shutdown-grace-ms',
        '--handoff-wait-ms',
        '--redis-url',
        '--redis-sentinels',
        '--redis-sentinel-name',
        '--redis-cluster',
        '--media-dir',
      ]) {
        expect(help.stdout.text).to.include(flag);
      }
      const version = io(['--version']);
      expect(await main(version.io)).to.deep.equal({ kind: 'exited', exitCode: 0 });
      expect(version.stdout.text).to.equal('0.1.0\n');
    });
  });

  describe('bad input: one line on stderr, exit 2', () => {
    const apps = { RTM_APPS: APPS };
    const cases: Array<[string, string[], Record<string, string>, string]> = [
      [
        'a port that is not a number',
        ['--port', 'http'],
        apps,
        '--port must be an integer from 0 to 65535, got "http"',
      ],
      [
        'a port out of range, from the environment',
        [],
        { ...apps, RTM_PORT: '65536' },
        'RTM_PORT must be an integer from 0 to 65535, got "65536"',
      ],
      ['a negative port', ['--port', '-1'], apps, '--port must be an integer from 0 to 65535, got "-1"'],
      ['a fractional port', ['--port', '80.5'], apps, '--port must be an integer from 0 to 65535, got "80.5"'],
      [
        'a host with a space',
        ['--host', 'my host'],
        apps,
        '--host must be an IP address or a host name, got "my host"',
      ],
      [
        'a bracketed IPv6 host',
        [],
        { ...apps, RTM_HOST: '[::1]' },
        'RTM_HOST must be an IP address or a host name, got "[::1]"',
      ],
      [
        'a presence grace under a second',
        ['--presence-grace-ms', '999'],
        apps,
        '--presence-grace-ms must be an integer from 1000 to 86400000, got "999"',
      ],
      [
        'a presence grace in seconds',
        [],
        { ...apps, RTM_PRESENCE_GRACE_MS: '30s' },
        'RTM_PRESENCE_GRACE_MS must be an integer from 1000 to 86400000, got "30s"',
      ],
      [
        'an unknown log level',
        ['--log-level', 'loud'],
        apps,
        '--log-level must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
      ],
      [
        'a frame limit too small',
        ['--max-frame-bytes', '100'],
        apps,
        '--max-frame-bytes must be an integer from 1024 to 16777216, got "100"',
      ],
      [
        'a negative shutdown grace',
        [],
        { ...apps, RTM_SHUTDOWN_GRACE_MS: '-5' },
        'RTM_SHUTDOWN_GRACE_MS must be an integer from 0 to 600000, got "-5"',
      ],
      [
        'a handoff wait over a minute',
        ['--handoff-wait-ms', '60001'],
        apps,
        '--handoff-wait-ms must be an integer from 0 to 60000, got "60001"',
      ],
      [
        'a handoff wait in seconds',
        [],
        { ...apps, RTM_HANDOFF_WAIT_MS: '1s' },
        'RTM_HANDOFF_WAIT_MS must be an integer from 0 to 60000, got "1s"',
      ],
      [
        'an origin with a path',
        ['--allowed-origins', 'https://app.example.com/'],
        apps,
        '--allowed-origins: "https://app.example.com/" is not an origin; ' +
          'write scheme://host[:port] with no path, like https://app.example.com, or "*"',
      ],
      [
        'an origin with no scheme',
        [],
        { ...apps, RTM_ALLOWED_ORIGINS: 'app.example.com' },
        'RTM_ALLOWED_ORIGINS: "app.example.com" is not an origin; ' +
          'write scheme://host[:port] with no path, like https://app.example.com, or "*"',
      ],
      [
        'an empty origin list',
        ['--allowed-origins', ''],
        apps,
        '--allowed-origins: "" is not an origin; ' +
          'write scheme://host[:port] with no path, like https://app.example.com, or "*"',
      ],
      [
        '"*" among origins',
        ['--allowed-origins', '*,https://app.example.com'],
        apps,
        '--allowed-origins: "*" allows every origin and must stand alone',
      ],
      [
        'no apps at all',
        [],
        {},
        'no apps: give a JSON file of app id → secret with --apps-file or RTM_APPS_FILE, or that JSON in RTM_APPS',
      ],
      [
        'apps both in a file and in RTM_APPS',
        ['--apps-file', '/x.json'],
        apps,
        'give the apps either in a file (--apps-file) or in RTM_APPS, not both',
      ],
      [
        'RTM_APPS that is not JSON (its text never shown)',
        [],
        { RTM_APPS: `{"demo": ${SECRET}}` },
        'RTM_APPS is not valid JSON',
      ],
      [
        'RTM_APPS that is an array',
        [],
        { RTM_APPS: `["${SECRET}"]` },
        'RTM_APPS must hold a JSON object of app id → secret',
      ],
      ['RTM_APPS with no app', [], { RTM_APPS: '{}' }, 'RTM_APPS holds no app'],
      [
        'an app id outside the name rule',
        [],
        { RTM_APPS: JSON.stringify({ 'my/app': SECRET }) },
        'RTM_APPS: app id "my/app" may not hold "/"',
      ],
      [
        'the app id "null"',
        [],
        { RTM_APPS: JSON.stringify({ null: SECRET }) },
        'RTM_APPS: app id "null" must not be the string "null"',
      ],
      [
        'a secret that is not a string',
        [],
        { RTM_APPS: JSON.stringify({ demo: 1234567890123456 }) },
        'RTM_APPS: the secret of app "demo" must be a string of at least 16 characters',
      ],
      [
        'a short secret',
        [],
        { RTM_APPS: JSON.stringify({ demo: 'short' }) },
        'RTM_APPS: the secret of app "demo" must be a string of at least 16 characters',
      ],
      [
        'an apps file that does not exist',
        [],
        { RTM_APPS_FILE: '/nonexistent/apps.json' },
        'cannot read the apps file "/nonexistent/apps.json" (RTM_APPS_FILE): ENOENT',
      ],
      [
        'an unknown flag (its value never shown)',
        ['--secret=hunter2hunter2hunter2'],
        apps,
        "unknown option '--secret=…'",
      ],
      ['a misspelt flag', ['--prot', '80'], apps, "unknown option '--prot' (Did you mean --port?)"],
      ['a flag with no value', ['--port'], apps, "option '--port <port>' argument missing"],
      ['a stray argument', ['serve'], apps, 'too many arguments. Expected 0 arguments but got 1.'],
      [
        'a Redis URL of another scheme (its text never shown: it may hold a password)',
        ['--redis-url', 'http://user:hunter2hunter2@redis:6379'],
        apps,
        '--redis-url must be a URL like redis://[user:password@]host:6379[/db] or rediss://…',
      ],
      [
        'a Redis URL that is not a URL',
        [],
        { ...apps, RTM_REDIS_URL: 'redis-host:6379' },
        'RTM_REDIS_URL must be a URL like redis://[user:password@]host:6379[/db] or rediss://…',
      ],
      [
        'an app certificate that is not 32 hex digits (never shown)',
        [],
        { RTM_APPS: JSON.stringify({ [AGORA_APP]: { agoraAppCertificate: `${AGORA_CERT}0` } }) },
        `RTM_APPS: app "${AGORA_APP}" must have an agoraAppCertificate of 32 hex digits`,
      ],
      [
        'an app with a certificate whose id is not 32 hex digits',
        [],
        { RTM_APPS: JSON.stringify({ demo: { agoraAppCertificate: AGORA_CERT } }) },
        'RTM_APPS: app "demo" must have an id of 32 hex digits to take AccessToken2 tokens (agoraAppCertificate)',
      ],
      [
        'an app entry with an unknown key',
        [],
        { RTM_APPS: JSON.stringify({ [AGORA_APP]: { appCertificate: AGORA_CERT } }) },
        `RTM_APPS: app "${AGORA_APP}" has "appCertificate": only agoraAppCertificate is known`,
      ],
      [
        'Sentinels without the name of their group',
        ['--redis-sentinels', 'a:26379'],
        apps,
        '--redis-sentinels needs a group name too: --redis-sentinels host:port,… and --redis-sentinel-name NAME',
      ],
      [
        'a Sentinel group name without the Sentinels',
        [],
        { ...apps, RTM_REDIS_SENTINEL_NAME: 'rtm' },
        'RTM_REDIS_SENTINEL_NAME needs the Sentinels too: --redis-sentinels host:port,… and --redis-sentinel-name NAME',
      ],
      [
        'Sentinels beside a Redis URL',
        ['--redis-sentinels', 'a:26379', '--redis-sentinel-name', 'rtm', '--redis-url', 'redis://h:6379'],
        apps,
        '--redis-sentinels and a Redis URL exclude each other: give one',
      ],
      [
        'a Sentinel without a port',
        ['--redis-sentinels', 'a:26379, b', '--redis-sentinel-name', 'rtm'],
        apps,
        '--redis-sentinels must be host:port,…, got "b"',
      ],
      [
        'a Sentinel port out of range',
        [],
        { ...apps, RTM_REDIS_SENTINELS: 'a:0', RTM_REDIS_SENTINEL_NAME: 'rtm' },
        'RTM_REDIS_SENTINELS must be an integer from 1 to 65535, got "0"',
      ],
      [
        'a Redis Cluster beside a Redis URL',
        ['--redis-cluster', 'a:7000'],
        { ...apps, RTM_REDIS_URL: 'redis://h:6379' },
        '--redis-cluster and RTM_REDIS_URL exclude each other: give one',
      ],
      [
        'a Redis Cluster beside Sentinels',
        ['--redis-cluster', 'a:7000', '--redis-sentinels', 'a:26379', '--redis-sentinel-name', 'rtm'],
        apps,
        '--redis-cluster and --redis-sentinels exclude each other: give one',
      ],
      [
        'a Redis Cluster node without a port',
        ['--redis-cluster', 'a:7000,b'],
        apps,
        '--redis-cluster must be host:port,…, got "b"',
      ],
    ];
    for (const [what, argv, env, message] of cases) {
      it(what, () => expectUsageError(argv, env, message));
    }

    it('an apps file that is not JSON: named, its text never shown', async () => {
      const path = appsFile('broken.json', `{ demo: "${SECRET}" }`);
      await expectUsageError(['--apps-file', path], {}, `the apps file ${JSON.stringify(path)} is not valid JSON`);
    });
  });

  describe('token', () => {
    it('prints a token that verifyToken accepts for that app and uid, for --expires-in seconds', async () => {
      const before = Date.now();
      const run = io(['token', '--app', 'other', '--uid', 'alice', '--expires-in', '120'], { RTM_APPS: APPS });
      expect(await main(run.io)).to.deep.equal({ kind: 'exited', exitCode: 0 });
      expect(run.stderr.text).to.equal('');
      // A JWT: the header {"alg":"HS256","typ":"JWT"}, claims, an HMAC-SHA256 signature.
      expect(run.stdout.text).to.match(/^eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9\.[\w-]+\.[\w-]{43}\n$/);
      const token = run.stdout.text.trim();
      const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as {
        exp: number;
        iat: number;
      };
      expect(claims).to.include({ sub: 'alice', aud: 'other' });
      expect(claims.exp - claims.iat).to.equal(120);
      const check = verifyToken(token, 'other', 'alice', OTHER_SECRET);
      expect(check.ok).to.equal(true);
      const expiresAt = (check as { expiresAt: number }).expiresAt;
      // exp is in whole seconds, rounded down.
      expect(expiresAt).to.be.within(before - (before % 1000) + 120_000, Date.now() + 120_000);
      expect(verifyToken(token, 'other', 'bob', OTHER_SECRET)).to.deep.equal({ ok: false, code: 'INVALID_TOKEN' });
      expect(verifyToken(token, 'demo', 'alice', SECRET)).to.deep.equal({ ok: false, code: 'INVALID_TOKEN' });
    });

    it('an agoraAppCertificate app: prints an AccessToken2 (the vendor builder) for --expires-in', async () => {
      const before = Date.now();
      const run = io(['token', '--app', AGORA_APP, '--uid', 'alice', '--expires-in', '120'], { RTM_APPS: MIXED_APPS });
      expect(await main(run.io)).to.deep.equal({ kind: 'exited', exitCode: 0 });
      expect(run.stderr.text).to.equal('');
      expect(run.stdout.text).to.match(/^007[A-Za-z0-9+/]+=*\n$/);
      const token = run.stdout.text.trim();
      const check = verifyAgoraToken(token, AGORA_APP, 'alice', AGORA_CERT);
      expect(check.ok, JSON.stringify(check)).to.equal(true);
      // The issue time is in whole seconds, rounded down.
      expect((check as { expiresAt: number }).expiresAt).to.be.within(
        before - (before % 1000) + 120_000,
        Date.now() + 120_000,
      );
      expect(verifyAgoraToken(token, AGORA_APP, 'bob', AGORA_CERT)).to.deep.equal({ ok: false, code: 'INVALID_TOKEN' });
    });

    it('lasts 1 h by default; takes the apps file before or after the subcommand, or from RTM_APPS_FILE', async () => {
      const path = appsFile('token.json', APPS);
      for (const [argv, env] of [
        [['token', '--apps-file', path, '--app', 'demo', '--uid', 'bob'], {}],
        [['--apps-file', path, 'token', '--app', 'demo', '--uid', 'bob'], {}],
        [['token', '--app', 'demo', '--uid', 'bob'], { RTM_APPS_FILE: path }],
      ] as Array<[string[], Record<string, string>]>) {
        const before = Date.now();
        const run = io(argv, env);
        expect(await main(run.io), argv.join(' ')).to.deep.equal({ kind: 'exited', exitCode: 0 });
        const check = verifyToken(run.stdout.text.trim(), 'demo', 'bob', SECRET);
        expect(check.ok, argv.join(' ')).to.equal(true);
        expect((check as { expiresAt: number }).expiresAt).to.be.within(
          before - (before % 1000) + 3_600_000,
          Date.now() + 3_600_000,
        );
      }
    });

    const env = { RTM_APPS: APPS };
    const cases: Array<[string, string[], Record<string, string>, string]> = [
      [
        'an app not among the apps',
        ['token', '--app', 'nope', '--uid', 'alice'],
        env,
        '--app: no app "nope" among the apps given',
      ],
      ['a uid outside the name rule', ['token', '--app', 'demo', '--uid', 'a/b'], env, '--uid may not hold "/"'],
      ['a uid too long', ['token', '--app', 'demo', '--uid', 'x'.repeat(65)], env, '--uid must be 1 to 64 bytes'],
      [
        'a zero lifetime',
        ['token', '--app', 'demo', '--uid', 'alice', '--expires-in', '0'],
        env,
        '--expires-in must be an integer from 1 to 31622400, got "0"',
      ],
      [
        'a lifetime that is not a number',
        ['token', '--app', 'demo', '--uid', 'alice', '--expires-in', '1h'],
        env,
        '--expires-in must be an integer from 1 to 31622400, got "1h"',
      ],
      ['no --app', ['token', '--uid', 'alice'], env, "required option '--app <id>' not specified"],
      ['no --uid', ['token', '--app', 'demo'], env, "required option '--uid <uid>' not specified"],
      [
        'a --secret flag (secrets never come from flags)',
        ['token', '--app', 'demo', '--uid', 'alice', '--secret', 'hunter2'],
        env,
        "unknown option '--secret'",
      ],
      [
        'no apps',
        ['token', '--app', 'demo', '--uid', 'alice'],
        {},
        'no apps: give a JSON file of app id → secret with --apps-file or RTM_APPS_FILE, or that JSON in RTM_APPS',
      ],
    ];
    for (const [what, argv, caseEnv, message] of cases) {
      it(`refuses ${what}: exit 2`, () => expectUsageError(argv, caseEnv, message));
    }
  });

  describe('serving in process', () => {
    it('logs one JSON startup line with the url and the number of apps, and never a secret', async () => {
      const run = io(['--port', '0'], { RTM_APPS: APPS });
      const outcome = await main(run.io);
      expect(outcome.kind).to.equal('serving');
      const server = (outcome as Extract<CliOutcome, { kind: 'serving' }>).running;
      running.push(server);
      const lines = run.stdout.text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines).to.have.length(1);
      expect(lines[0]).to.include({
        level: 30,
        name: 'rx-rtm-server',
        msg: 'listening',
        url: server.server.url,
        apps: 2,
        presenceGraceMs: 30_000,
        allowedOrigins: 'loopback',
        maxFrameBytes: 49_152,
        shutdownGraceMs: 2000,
        handoffWaitMs: 1000,
      });
      expect(server.server.url).to.match(/^ws:\/\/127\.0\.0\.1:\d+\/$/);
      expect(run.stdout.text).not.to.include(SECRET);
      expect(run.stdout.text).not.to.include(OTHER_SECRET);
      expect(run.stderr.text).to.equal('');

      await server.shutdown('test');
      const after = run.stdout.text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(after.map((line) => line.msg)).to.deep.equal(['listening', 'shutting down', 'stopped']);
      expect(after[1]).to.include({ reason: 'test', sessions: 0 });
    });

    it("an apps file with a certificate entry: its app logs in with the vendor's token, the JWT app too", async () => {
      const path = appsFile('mixed.json', MIXED_APPS);
      const run = io(['--port', '0', '--apps-file', path]);
      const outcome = await main(run.io);
      expect(outcome.kind, run.stderr.text).to.equal('serving');
      const server = (outcome as Extract<CliOutcome, { kind: 'serving' }>).running;
      running.push(server);
      expect(JSON.parse(run.stdout.text.trim()) as Record<string, unknown>).to.include({ msg: 'listening', apps: 2 });
      expect(run.stdout.text).not.to.include(AGORA_CERT);
      const vendor = await RawClient.connect(server.server.url);
      const token = agoraToken.RtmTokenBuilder.buildToken(AGORA_APP, AGORA_CERT, 'alice', 60);
      expect(await vendor.request({ t: 'login', app: AGORA_APP, uid: 'alice', token })).to.include({ t: 'welcome' });
      const jwt = await RawClient.connect(server.server.url);
      const secretToken = createToken({ appId: 'demo', appSecret: SECRET, uid: 'alice', expiresInSeconds: 60 });
      expect(await jwt.request({ t: 'login', app: 'demo', uid: 'alice', token: secretToken })).to.include({
        t: 'welcome',
      });
      expect(server.server.sessionCount).to.equal(2);
    });

    it('a port already taken: one line on stderr, exit 1', async () => {
      const blocker: Server = createServer();
      blocker.listen(0, '127.0.0.1');
      await once(blocker, 'listening');
      const { port } = blocker.address() as AddressInfo;
      try {
        const run = io(['--port', String(port), '--log-level', 'silent'], { RTM_APPS: APPS });
        expect(await main(run.io)).to.deep.equal({ kind: 'exited', exitCode: 1 });
        expect(run.stderr.text).to.equal(
          `rx-rtm-server: cannot listen on 127.0.0.1:${port}: ` +
            `listen EADDRINUSE: address already in use 127.0.0.1:${port}\n`,
        );
      } finally {
        blocker.close();
      }
    });
  });

  describe('as a cluster node (real redis-server)', function () {
    const PASSWORD = 'cli-redis-password-42';
    let redis: RedisProcess;
    before(async function () {
      requireRedis(this, 'rx-rtm-server --redis-url tests');
      redis = await RedisProcess.start(undefined, ['--requirepass', PASSWORD]);
    });
    after(async () => {
      await redis?.stop();
    });

    it('serves through Redis: the startup line names the Redis (password hidden), and a client logs in', async () => {
      const url = `redis://:${PASSWORD}@127.0.0.1:${redis.port}`;
      const run = io(['--port', '0'], { RTM_APPS: APPS, RTM_REDIS_URL: url });
      const outcome = await main(run.io);
      expect(outcome.kind, run.stderr.text).to.equal('serving');
      const server = (outcome as Extract<CliOutcome, { kind: 'serving' }>).running;
      running.push(server);
      const [line] = run.stdout.text
        .trim()
        .split('\n')
        .map((text) => JSON.parse(text) as Record<string, unknown>);
      expect(line).to.include({ msg: 'listening', redis: `redis://:***@127.0.0.1:${redis.port}` });
      expect(run.stdout.text).not.to.include(PASSWORD);

      const client = await RawClient.connect(server.server.url);
      const welcome = await client.request({
        t: 'login',
        app: 'demo',
        uid: 'alice',
        token: createToken({ appId: 'demo', appSecret: SECRET, uid: 'alice', expiresInSeconds: 60 }),
      });
      expect(welcome.t).to.equal('welcome');
      expect(await client.request({ t: 'join', id: 1, channel: 'room' })).to.deep.equal({
        t: 'joined',
        id: 1,
        members: ['alice'],
      });
      expect(server.server.sessionCount).to.equal(1);
    });

    it("an app with a certificate serves through Redis too: the vendor's token logs in", async () => {
      const url = `redis://:${PASSWORD}@127.0.0.1:${redis.port}`;
      const run = io(['--port', '0', '--log-level', 'silent'], { RTM_APPS: MIXED_APPS, RTM_REDIS_URL: url });
      const outcome = await main(run.io);
      expect(outcome.kind, run.stderr.text).to.equal('serving');
      const server = (outcome as Extract<CliOutcome, { kind: 'serving' }>).running;
      running.push(server);
      const client = await RawClient.connect(server.server.url);
      const token = agoraToken.RtmTokenBuilder.buildToken(AGORA_APP, AGORA_CERT, 'alice', 60);
      expect(await client.request({ t: 'login', app: AGORA_APP, uid: 'alice', token })).to.include({ t: 'welcome' });
      expect(await client.request({ t: 'join', id: 1, channel: 'room' })).to.deep.equal({
        t: 'joined',
        id: 1,
        members: ['alice'],
      });
    });

    it('Redis unreachable or refusing the password: one stderr line naming it (password hidden), exit 1', async () => {
      const port = await freePort();
      const unreachable = io(['--port', '0', '--log-level', 'silent', '--redis-url', `redis://127.0.0.1:${port}`], {
        RTM_APPS: APPS,
      });
      expect(await main(unreachable.io)).to.deep.equal({ kind: 'exited', exitCode: 1 });
      expect(unreachable.stderr.text).to.match(
        new RegExp(`^rx-rtm-server: cannot use Redis at redis://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED.*\\n$`),
      );

      const wrong = io(['--port', '0', '--log-level', 'silent'], {
        RTM_APPS: APPS,
        RTM_REDIS_URL: `redis://:not-the-${PASSWORD}@127.0.0.1:${redis.port}`,
      });
      expect(await main(wrong.io)).to.deep.equal({ kind: 'exited', exitCode: 1 });
      expect(wrong.stderr.text).to.match(
        /^rx-rtm-server: cannot use Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: .*\n$/,
      );
      expect(wrong.stderr.text).not.to.include(PASSWORD);
      expect(wrong.stderr.text.split('\n')).to.have.length(2);
    });
  });

  describe('as a process', () => {
    const children = new Set<ChildProcess>();
    const sockets = new Set<Socket>();
    afterEach(() => {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      children.clear();
    });

    interface Cli {
      child: ChildProcess;
      /** JSON log lines so far. */
      logs: Array<Record<string, unknown>>;
      stderr(): string;
      /** Resolves with the first log line whose msg is `msg`. */
      log(msg: string, timeoutMs?: number): Promise<Record<string, unknown>>;
      exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
    }

    function spawnCli(args: string[], env: Record<string, string> = { RTM_APPS: APPS }): Cli {
      const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.add(child);
      const logs: Array<Record<string, unknown>> = [];
      let buffered = '';
      let errors = '';
      const waiters = new Set<() => void>();
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        buffered += chunk;
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          logs.push(JSON.parse(buffered.slice(0, newline)) as Record<string, unknown>);
          buffered = buffered.slice(newline + 1);
        }
        for (const waiter of [...waiters]) waiter();
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        errors += chunk;
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
        child.once('exit', (code, signal) => {
          resolve({ code, signal, at: performance.now() });
          for (const waiter of [...waiters]) waiter();
        });
      });
      return {
        child,
        logs,
        stderr: () => errors,
        exited,
        log: (msg, timeoutMs = 8000) =>
          new Promise((resolve, reject) => {
            const check = () => {
              const line = logs.find((candidate) => candidate.msg === msg);
              if (line) {
                waiters.delete(check);
                clearTimeout(timer);
                resolve(line);
              } else if (child.exitCode !== null || child.signalCode !== null) {
                waiters.delete(check);
                clearTimeout(timer);
                reject(new Error(`exited (${child.exitCode}) without logging "${msg}"; stderr: ${errors}`));
              }
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              reject(
                new Error(`no "${msg}" log within ${timeoutMs} ms; logs ${JSON.stringify(logs)}; stderr: ${errors}`),
              );
            }, timeoutMs);
            waiters.add(check);
            check();
          }),
      };
    }

    /**
     * A client that completes the WebSocket handshake and then never reads or answers again,
     * so the server's close gets no reply.
     */
    async function deafClient(url: string): Promise<Socket> {
      const { hostname, port } = new URL(url);
      const socket = connect(Number(port), hostname);
      sockets.add(socket);
      socket.on('error', () => undefined);
      await once(socket, 'connect');
      socket.write(
        'GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n' +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: ${PROTOCOL}\r\n\r\n`,
      );
      const [head] = (await once(socket, 'data')) as [Buffer];
      expect(head.toString()).to.match(/^HTTP\/1\.1 101 /);
      socket.pause();
      return socket;
    }

    it('SIGTERM: a logged-in client gets goaway and close 1012; the process exits 0 within the grace', async () => {
      // The process logs the SIGTERM.
      const cli = spawnCli(['--port', '0', '--shutdown-grace-ms', '1000']);
      const listening = await cli.log('listening');
      const url = listening.url as string;
      const client = await RawClient.connect(url);
      const token = createToken({ appId: 'demo', appSecret: SECRET, uid: 'alice', expiresInSeconds: 60 });
      expect((await client.request({ t: 'login', app: 'demo', uid: 'alice', token })).t).to.equal('welcome');

      const signalled = performance.now();
      cli.child.kill('SIGTERM');
      expect(await client.next(2000)).to.deep.equal({ t: 'goaway' });
      expect(await client.closed(2000)).to.deep.equal({ code: 1012, reason: 'server restart' });
      const exit = await cli.exited;
      expect(exit).to.include({ code: 0, signal: null });
      expect(exit.at - signalled).to.be.below(1000 + SHUTDOWN_MARGIN_MS);
      expect(cli.logs.map((line) => line.msg)).to.deep.equal(['listening', 'shutting down', 'stopped']);
      expect(cli.logs[1]).to.include({ reason: 'SIGTERM', sessions: 1, shutdownGraceMs: 1000 });
      expect(cli.stderr()).to.equal('');
    });

    it('SIGINT with a client that never answers the close: exits 0 after the grace, within the margin', async () => {
      const cli = spawnCli(['--port', '0', '--shutdown-grace-ms', '600']);
      const url = (await cli.log('listening')).url as string;
      await deafClient(url);
      const signalled = performance.now();
      cli.child.kill('SIGINT');
      const exit = await cli.exited;
      expect(exit).to.include({ code: 0, signal: null });
      expect(exit.at - signalled).to.be.within(600, 600 + SHUTDOWN_MARGIN_MS);
      expect(cli.logs.map((line) => line.msg)).to.deep.equal(['listening', 'shutting down', 'stopped']);
      expect(cli.logs[1]).to.include({ reason: 'SIGINT' });
    });

    it('a second signal during shutdown exits 1 at once', async () => {
      const cli = spawnCli(['--port', '0', '--shutdown-grace-ms', '8000']);
      const url = (await cli.log('listening')).url as string;
      await deafClient(url);
      cli.child.kill('SIGTERM');
      await cli.log('shutting down');
      const signalled = performance.now();
      cli.child.kill('SIGINT');
      const exit = await cli.exited;
      expect(exit).to.include({ code: 1, signal: null });
      expect(exit.at - signalled).to.be.below(500);
      expect(cli.logs.map((line) => line.msg)).to.deep.equal([
        'listening',
        'shutting down',
        'second signal: exiting now',
      ]);
      expect(cli.logs[2]).to.include({ signal: 'SIGINT', level: 40 });
    });

    it('bad input exits the process with code 2 and one line on stderr', async () => {
      const cli = spawnCli(['--port', '99999']);
      expect(await cli.exited).to.include({ code: 2, signal: null });
      expect(cli.stderr()).to.equal('rx-rtm-server: --port must be an integer from 0 to 65535, got "99999"\n');
      expect(cli.logs).to.deep.equal([]);
    });
  });
});
