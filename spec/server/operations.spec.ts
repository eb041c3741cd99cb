import { expect } from 'chai';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { WebSocket } from 'ws';
import { main, type CliOutcome, type RunningServer } from '../../lib/server/cli.js';
import { operationsRoutes } from '../../lib/server/operations.js';
import { MetricName, PrometheusTelemetry } from '../../lib/server/prometheus-telemetry.js';
import { PROTOCOL } from '../../lib/protocol/frames.js';
import { createToken, startServer, type RtmServer, type ServerOptions } from '../../lib/server/index.js';
import { RawClient } from './raw-client.js';

const SECRET = 'operations-spec-secret-0123';
const APPS = { demo: SECRET };

interface Response {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function get(url: string, path: string, method = 'GET'): Promise<Response> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ hostname, port, path, method, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

/** The value of the sample named exactly `series` (with its labels), or undefined if absent. */
function sample(metrics: string, series: string): number | undefined {
  const line = metrics.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Opens a WebSocket sending `origin` (none when undefined): 'open', or the HTTP status that refused it. */
function tryConnect(url: string, origin: string | undefined): Promise<'open' | number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, [PROTOCOL], origin === undefined ? {} : { origin });
    socket.once('open', () => {
      socket.terminate();
      resolve('open');
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      response.resume();
      socket.terminate();
    });
    socket.once('error', reject);
  });
}

const loginFrame = (
  uid: string,
  token = createToken({ appId: 'demo', appSecret: SECRET, uid, expiresInSeconds: 60 }),
) => ({
  t: 'login',
  app: 'demo',
  uid,
  token,
});

describe('operating the server', function () {
  this.timeout(10_000);
  const cliServers: RunningServer[] = [];
  const servers: RtmServer[] = [];

  async function startCli(argv: string[] = []): Promise<RunningServer> {
    const outcome = await main({
      argv: ['--port', '0', '--log-level', 'silent', ...argv],
      env: { RTM_APPS: JSON.stringify(APPS) },
      stdout: { write: () => true },
      stderr: { write: () => true },
    });
    expect(outcome.kind).to.equal('serving');
    const running = (outcome as Extract<CliOutcome, { kind: 'serving' }>).running;
    cliServers.push(running);
    return running;
  }

  async function start(options: Partial<ServerOptions> = {}): Promise<RtmServer> {
    const server = await startServer({ port: 0, apps: APPS, ...options });
    servers.push(server);
    return server;
  }

  afterEach(async () => {
    RawClient.terminateAll();
    await Promise.all([
      ...cliServers.splice(0).map((running) => running.shutdown('test over')),
      ...servers.splice(0).map((server) => server.close()),
    ]);
  });

  describe('/healthz', () => {
    it('answers 200 {"status":"ok","sessions":N} with the live session count', async () => {
      const { server } = await startCli();
      const empty = await get(server.url, '/healthz');
      expect(empty.status).to.equal(200);
      expect(empty.headers['content-type']).to.equal('application/json');
      expect(empty.body).to.equal('{"status":"ok","sessions":0}');

      const client = await RawClient.connect(server.url);
      expect((await client.request(loginFrame('alice'))).t).to.equal('welcome');
      expect((await get(server.url, '/healthz?probe=1')).body).to.equal('{"status":"ok","sessions":1}');
      expect(await get(server.url, '/healthz', 'HEAD')).to.include({ status: 200, body: '' });
      expect((await get(server.url, '/healthz', 'POST')).status).to.equal(405);
    });

    it('answers 503 once shutdown has begun', async () => {
      let shuttingDown = false;
      const server = await start({ routes: operationsRoutes({ sessions: () => 3, shuttingDown: () => shuttingDown }) });
      expect(await get(server.url, '/healthz')).to.include({ status: 200, body: '{"status":"ok","sessions":3}' });
      shuttingDown = true;
      expect(await get(server.url, '/healthz')).to.include({
        status: 503,
        body: '{"status":"shutting down","sessions":3}',
      });
      expect((await get(server.url, '/metrics')).status, 'no metrics route without metrics').to.equal(426);
    });

    it('the CLI handle reports shuttingDown and refuses new connections once shutdown has begun', async () => {
      const running = await startCli();
      expect(running.shuttingDown).to.equal(false);
      const stopping = running.shutdown('test');
      expect(running.shuttingDown).to.equal(true);
      await stopping;
      let refused: unknown;
      await get(running.server.url, '/healthz').catch((error: unknown) => (refused = error));
      expect(refused).to.have.property('code', 'ECONNREFUSED');
    });
  });

  describe('/metrics', () => {
    it('serves every metric in Prometheus text format, with Node default metrics', async () => {
      const { server } = await startCli();
      const response = await get(server.url, '/metrics');
      expect(response.status).to.equal(200);
      expect(response.headers['content-type']).to.equal('text/plain; version=0.0.4; charset=utf-8');
      for (const [name, type] of [
        [MetricName.sessions, 'gauge'],
        [MetricName.logins, 'counter'],
        [MetricName.kicks, 'counter'],
        [MetricName.presenceExpiries, 'counter'],
        [MetricName.framesIn, 'counter'],
        [MetricName.framesOut, 'counter'],
        [MetricName.errors, 'counter'],
      ]) {
        expect(response.body).to.include(`# TYPE ${name} ${type}\n`);
      }
      expect(Object.values(MetricName)).to.deep.equal([
        'rx_rtm_sessions',
        'rx_rtm_logins_total',
        'rx_rtm_kicks_total',
        'rx_rtm_presence_expiries_total',
        'rx_rtm_frames_in_total',
        'rx_rtm_frames_out_total',
        'rx_rtm_errors_total',
      ]);
      // Labelled series exist at zero before anything happened.
      expect(sample(response.body, 'rx_rtm_logins_total{result="created"}')).to.equal(0);
      expect(sample(response.body, 'rx_rtm_logins_total{result="INVALID_TOKEN"}')).to.equal(0);
      expect(sample(response.body, 'rx_rtm_kicks_total{reason="REMOTE_LOGIN"}')).to.equal(0);
      expect(sample(response.body, 'rx_rtm_errors_total{code="PROTOCOL_ERROR"}')).to.equal(0);
      expect(sample(response.body, 'rx_rtm_sessions')).to.equal(0);
      expect(response.body).to.include('# TYPE process_cpu_user_seconds_total counter\n');
      expect(response.body).to.include('# TYPE nodejs_eventloop_lag_seconds gauge\n');
      expect(response.body).to.include('# TYPE nodejs_heap_size_used_bytes gauge\n');
    });

    it('counts a real login, frames in and out, refusals, kicks and errors, each exactly', async () => {
      const { server } = await startCli();
      const metrics = async () => (await get(server.url, '/metrics')).body;
      const before = await metrics();
      expect(sample(before, 'rx_rtm_logins_total{result="created"}')).to.equal(0);
      expect(sample(before, 'rx_rtm_frames_in_total')).to.equal(0);
      expect(sample(before, 'rx_rtm_frames_out_total')).to.equal(0);

      const alice = await RawClient.connect(server.url);
      expect((await alice.request(loginFrame('alice'))).t).to.equal('welcome');
      let now = await metrics();
      expect(sample(now, 'rx_rtm_logins_total{result="created"}')).to.equal(1);
      expect(sample(now, 'rx_rtm_frames_in_total')).to.equal(1);
      expect(sample(now, 'rx_rtm_frames_out_total')).to.equal(1);
      expect(sample(now, 'rx_rtm_sessions')).to.equal(1);

      expect(await alice.request({ t: 'ping' })).to.deep.equal({ t: 'pong' });
      expect((await alice.request('{not json')).code).to.equal('PROTOCOL_ERROR');
      now = await metrics();
      expect(sample(now, 'rx_rtm_frames_in_total')).to.equal(3);
      expect(sample(now, 'rx_rtm_frames_out_total')).to.equal(3);
      expect(sample(now, 'rx_rtm_errors_total{code="PROTOCOL_ERROR"}')).to.equal(1);

      const forger = await RawClient.connect(server.url);
      const refused = await forger.request(
        loginFrame(
          'bob',
          createToken({ appId: 'demo', appSecret: 'not-the-secret-at-all', uid: 'bob', expiresInSeconds: 60 }),
        ),
      );
      expect(refused).to.include({ t: 'refused', code: 'INVALID_TOKEN' });
      now = await metrics();
      expect(sample(now, 'rx_rtm_logins_total{result="INVALID_TOKEN"}')).to.equal(1);
      expect(sample(now, 'rx_rtm_errors_total{code="INVALID_TOKEN"}')).to.equal(1);
      expect(sample(now, 'rx_rtm_logins_total{result="created"}')).to.equal(1);

      const aliceAgain = await RawClient.connect(server.url);
      expect((await aliceAgain.request(loginFrame('alice'))).t).to.equal('welcome');
      expect(await alice.next()).to.deep.equal({ t: 'kicked', reason: 'REMOTE_LOGIN' });
      now = await metrics();
      expect(sample(now, 'rx_rtm_kicks_total{reason="REMOTE_LOGIN"}')).to.equal(1);
      expect(sample(now, 'rx_rtm_kicks_total{reason="BANNED_BY_SERVER"}')).to.equal(0);
      expect(sample(now, 'rx_rtm_logins_total{result="created"}')).to.equal(2);
      expect(sample(now, 'rx_rtm_sessions')).to.equal(1);
      expect(sample(now, 'rx_rtm_presence_expiries_total')).to.equal(0);
    });

    it('counts a presence expiry', async () => {
      const telemetry = new PrometheusTelemetry({ defaultMetrics: false });
      const server = await start({
        telemetry,
        presenceGraceMs: 200,
        routes: operationsRoutes({ sessions: () => 0, shuttingDown: () => false, metrics: telemetry }),
      });
      telemetry.observe(server);
      const client = await RawClient.connect(server.url);
      expect((await client.request(loginFrame('carol'))).t).to.equal('welcome');
      client.terminate();
      const deadline = Date.now() + 3000;
      while (server.sessionCount > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      const body = (await get(server.url, '/metrics')).body;
      expect(sample(body, 'rx_rtm_presence_expiries_total')).to.equal(1);
      expect(sample(body, 'rx_rtm_sessions')).to.equal(0);
      expect(body).not.to.include('process_cpu_user_seconds_total');
    });

    it('a route that throws answers 500 and reports to onError', async () => {
      const errors: unknown[] = [];
      const server = await start({
        onError: (error) => errors.push(error),
        routes: {
          '/boom': () => {
            throw new Error('boom');
          },
        },
      });
      expect(await get(server.url, '/boom')).to.include({ status: 500, body: 'internal error\n' });
      expect(errors).to.have.length(1);
      expect((errors[0] as Error).message).to.equal('boom');
      expect(await get(server.url, '/')).to.include({ status: 426, body: 'rx-rtm speaks WebSocket here\n' });
    });
  });

  describe('origins', () => {
    it('by default: no Origin and loopback origins are accepted, any other gets 403 before the upgrade', async () => {
      const server = await start();
      const cases: Array<[string | undefined, 'open' | number]> = [
        [undefined, 'open'],
        ['http://localhost:5173', 'open'],
        ['https://localhost', 'open'],
        ['http://127.0.0.1:8080', 'open'],
        ['http://127.45.6.7', 'open'],
        ['http://[::1]:3000', 'open'],
        ['https://evil.example', 403],
        ['http://localhost.evil.example', 403],
        ['http://127.0.0.1.evil.example', 403],
        ['http://10.0.0.1:7600', 403],
        ['null', 403],
        ['not a url', 403],
      ];
      for (const [origin, expected] of cases) {
        expect(await tryConnect(server.url, origin), String(origin)).to.equal(expected);
      }
      expect(server.sessionCount).to.equal(0);
    });

    it('an explicit list matches scheme, host and port exactly; no Origin is still accepted', async () => {
      const server = await start({ allowedOrigins: ['https://app.example.com', 'http://localhost:5173'] });
      const cases: Array<[string | undefined, 'open' | number]> = [
        [undefined, 'open'],
        ['https://app.example.com', 'open'],
        ['https://APP.example.com', 'open'],
        ['https://app.example.com:443', 'open'],
        ['http://localhost:5173', 'open'],
        ['https://app.example.com:8443', 403],
        ['http://app.example.com', 403],
        ['https://evil.app.example.com', 403],
        ['http://localhost:3000', 403],
        ['http://127.0.0.1:5173', 403],
      ];
      for (const [origin, expected] of cases) {
        expect(await tryConnect(server.url, origin), String(origin)).to.equal(expected);
      }
    });

    it('an empty list accepts only clients that send no Origin', async () => {
      const server = await start({ allowedOrigins: [] });
      expect(await tryConnect(server.url, undefined)).to.equal('open');
      expect(await tryConnect(server.url, 'http://localhost:5173')).to.equal(403);
    });

    it('["*"] accepts every origin', async () => {
      const server = await start({ allowedOrigins: ['*'] });
      for (const origin of [undefined, 'https://evil.example', 'null', 'http://localhost:5173']) {
        expect(await tryConnect(server.url, origin), String(origin)).to.equal('open');
      }
    });

    it('an entry that is not an origin is refused by startServer', async () => {
      let error: unknown;
      await startServer({ port: 0, apps: APPS, allowedOrigins: ['app.example.com'] }).then(
        (server) => servers.push(server),
        (caught: unknown) => (error = caught),
      );
      expect(error).to.be.instanceOf(TypeError);
      expect((error as Error).message).to.equal(
        'allowedOrigins: "app.example.com" is not an origin like https://app.example.com',
      );
    });

    it('the CLI sets them with --allowed-origins', async () => {
      const { server } = await startCli(['--allowed-origins', 'https://app.example.com']);
      expect(await tryConnect(server.url, 'https://app.example.com')).to.equal('open');
      expect(await tryConnect(server.url, 'http://localhost:5173')).to.equal(403);
      expect(await tryConnect(server.url, undefined)).to.equal('open');
      const cliDefault = await startCli();
      expect(await tryConnect(cliDefault.server.url, 'http://localhost:5173')).to.equal('open');
      expect(await tryConnect(cliDefault.server.url, 'https://app.example.com')).to.equal(403);
    });

    it('a refused origin gets a plain 403 response naming why', async () => {
      const server = await start();
      const { hostname, port } = new URL(server.url);
      const response = await new Promise<Response>((resolve, reject) => {
        const request = httpRequest(
          {
            hostname,
            port,
            path: '/',
            agent: false,
            headers: {
              connection: 'Upgrade',
              upgrade: 'websocket',
              origin: 'https://evil.example',
              'sec-websocket-version': '13',
              'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
              'sec-websocket-protocol': PROTOCOL,
            },
          },
          (res) => {
            let body = '';
            res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
          },
        );
        request.on('upgrade', () => reject(new Error('upgraded')));
        request.on('error', reject);
        request.end();
      });
      expect(response).to.deep.include({ status: 403, body: 'origin not allowed\n' });
    });
  });
});
