/**
 * The package as users get it: `npm pack` (which builds through `prepack`),
 * then the tarball installed with rxjs into a fresh project outside this
 * repository, where nothing of the checkout can be reached by accident.
 * Everything below runs against that installed copy.
 */
import { expect } from 'chai';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../..');
const tsc = join(repo, 'node_modules/typescript/bin/tsc');

/** What a consumer's TypeScript sees of every entry point; every import is used so nothing is elided. */
const CONSUMER_TS = `
import { createClient, ConnectionState, type ConnectionStatePair, type RtmClient } from 'rx-rtm';
import { startServer, createToken, type RtmServer } from 'rx-rtm/server';
import { FakeRtmServer } from 'rx-rtm/testing';
import AgoraRTM, { type RtmClient as AgoraClient } from 'rx-rtm/agora';
import { invitations, type OutgoingCall } from 'rx-rtm/invitations';
import { channelAttributes, type ChannelAttributes } from 'rx-rtm/channel-attributes';

const client: RtmClient = createClient({ url: 'ws://127.0.0.1:1/', appId: 'app' });
const pair: ConnectionStatePair = client.connectionState;
const connected: boolean = pair.state === ConnectionState.Connected;
const token: string = createToken({ appId: 'app', uid: 'u', appSecret: 's', expiresInSeconds: 60 });
const serve: (options: Parameters<typeof startServer>[0]) => Promise<RtmServer> = startServer;
const agora = (appId: string): AgoraClient => AgoraRTM.createInstance(appId, { url: 'ws://127.0.0.1:1/' });
const call = (peer: string): OutgoingCall => invitations(client).invite(peer);
const topics = (): Promise<ChannelAttributes> => channelAttributes(client).get('room');
export { connected, token, serve, FakeRtmServer, agora, call, topics };
`;

/** The browser's view: only the client entry. */
const BROWSER_TS = `
import { createClient } from 'rx-rtm';
createClient({ url: 'ws://127.0.0.1:1/', appId: 'app' }).connectionState$.subscribe((pair) => console.log(pair));
`;

const PROBE = `
const names = (m) => Object.keys(m).sort().join(',');
const client = await load('rx-rtm');
const server = await load('rx-rtm/server');
const testing = await load('rx-rtm/testing');
const agora = await load('rx-rtm/agora');
const attributes = await load('rx-rtm/channel-attributes');
const token = server.createToken({ appId: 'app', uid: 'u', appSecret: 's', expiresInSeconds: 60 });
console.log(JSON.stringify({
  createClient: typeof client.createClient,
  startServer: typeof server.startServer,
  FakeRtmServer: typeof testing.FakeRtmServer,
  createInstance: typeof agora.default.createInstance,
  channelAttributes: typeof attributes.channelAttributes,
  verified: server.verifyToken(token, 'app', 'u', 's').ok,
  exported: [names(client).length > 0, names(server).length > 0, names(testing).length > 0],
}));
`;

const EXPECTED_PROBE = {
  createClient: 'function',
  startServer: 'function',
  FakeRtmServer: 'function',
  createInstance: 'function',
  channelAttributes: 'function',
  verified: true,
  exported: [true, true, true],
};

describe('the packed package, installed in a fresh project', function () {
  this.timeout(240_000);
  let dir: string;
  let consumer: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rx-rtm-pack-'));
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], {
      cwd: repo,
      maxBuffer: 1 << 24,
    });
    const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
    consumer = join(dir, 'consumer');
    await run('mkdir', ['-p', consumer]);
    await writeFile(
      join(consumer, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    const rxjs = (
      JSON.parse(await readFile(join(repo, 'node_modules/rxjs/package.json'), 'utf8')) as { version: string }
    ).version;
    const typesNode = (
      JSON.parse(await readFile(join(repo, 'node_modules/@types/node/package.json'), 'utf8')) as { version: string }
    ).version;
    // From the npm cache that `npm ci` filled; the registry only for what is missing.
    await run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        join(dir, filename),
        `rxjs@${rxjs}`,
        `@types/node@${typesNode}`,
      ],
      { cwd: consumer, maxBuffer: 1 << 24 },
    );
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('holds the built code, its types and the docs, and nothing of the sources or tests', async () => {
    const installed = join(consumer, 'node_modules/rx-rtm');
    const { stdout } = await run('find', ['.', '-type', 'f'], { cwd: installed });
    const files = stdout
      .trim()
      .split('\n')
      .map((f) => f.slice(2));
    for (const required of [
      'package.json',
      'README.md',
      'CHANGELOG.md',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/node.js',
      'dist/server/index.js',
      'dist/server/index.d.ts',
      'dist/server/cli.js',
      'dist/testing/index.js',
      'dist/testing/index.d.ts',
      'dist/agora/index.js',
      'dist/agora/index.d.ts',
      'dist/agora/node.js',
      'dist/channel-attributes.js',
      'dist/channel-attributes.d.ts',
    ]) {
      expect(files, required).to.include(required);
    }
    expect(files.filter((f) => /^(lib|spec|bench|scripts)\//.test(f) || f.endsWith('.map'))).to.deep.equal([]);
  });

  it('imports rx-rtm, rx-rtm/server, rx-rtm/testing and rx-rtm/agora from Node ESM', async () => {
    await writeFile(join(consumer, 'probe.mjs'), `const load = (name) => import(name);\n${PROBE}`);
    const { stdout } = await run('node', ['probe.mjs'], { cwd: consumer });
    expect(JSON.parse(stdout)).to.deep.equal(EXPECTED_PROBE);
  });

  it('requires them from CommonJS', async () => {
    await writeFile(
      join(consumer, 'probe.cjs'),
      `const load = async (name) => require(name);\n(async () => {${PROBE}})();`,
    );
    const { stdout } = await run('node', ['--no-warnings', 'probe.cjs'], { cwd: consumer });
    expect(JSON.parse(stdout)).to.deep.equal(EXPECTED_PROBE);
  });

  for (const [moduleResolution, module] of [
    ['bundler', 'esnext'],
    ['node16', 'node16'],
    ['nodenext', 'nodenext'],
  ] as const) {
    it(`type-checks a consumer under moduleResolution ${moduleResolution}, strict, skipLibCheck false`, async () => {
      const project = join(consumer, `ts-${moduleResolution}`);
      await run('mkdir', ['-p', project]);
      await writeFile(join(project, 'consumer.ts'), CONSUMER_TS);
      const compilerOptions = {
        strict: true,
        skipLibCheck: false,
        noEmit: true,
        target: 'es2022',
        module,
        moduleResolution,
        lib: ['es2022', 'dom'],
        types: ['node'],
        typeRoots: [join(consumer, 'node_modules/@types')],
      };
      await writeFile(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['consumer.ts'] }));
      const result = await run('node', [tsc, '-p', 'tsconfig.json'], { cwd: project }).catch(
        (error: { stdout: string }) => error,
      );
      expect(result.stdout).to.equal('');
    });
  }

  it('bundles rx-rtm for the browser without ws or any node: module', async () => {
    await writeFile(join(consumer, 'browser.ts'), BROWSER_TS);
    const result = await build({
      absWorkingDir: consumer,
      entryPoints: ['browser.ts'],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((input) => input.includes('node_modules/rx-rtm/dist/index.js'))).to.equal(true);
    expect(inputs.filter((input) => /node_modules\/ws\/|^node:/.test(input))).to.deep.equal([]);
    const code = result.outputFiles[0].text;
    expect(code).not.to.match(/from\s*["']node:|require\(["']node:/);
  });

  it('runs npx rx-rtm-server --help and npx rx-rtm-server token from the tarball', async () => {
    const help = await run('npx', ['--no-install', 'rx-rtm-server', '--help'], { cwd: consumer });
    expect(help.stdout).to.match(/^Usage: rx-rtm-server/);
    const apps = join(consumer, 'apps.json');
    await writeFile(apps, JSON.stringify({ app: 'a-secret-of-32-characters-long' }));
    const minted = await run(
      'npx',
      ['--no-install', 'rx-rtm-server', 'token', '--app', 'app', '--uid', 'alice', '--apps-file', apps],
      { cwd: consumer },
    );
    const token = minted.stdout.trim();
    await writeFile(
      join(consumer, 'verify.mjs'),
      "import { verifyToken } from 'rx-rtm/server';\n" +
        `console.log(JSON.stringify(verifyToken(${JSON.stringify(token)}, ` +
        "'app', 'alice', 'a-secret-of-32-characters-long')));",
    );
    const verified = await run('node', ['verify.mjs'], { cwd: consumer });
    expect((JSON.parse(verified.stdout) as { ok: boolean }).ok).to.equal(true);
  });

  it('serves the demo page from the installed package: rx-rtm-server demo', async () => {
    // The installed bin itself (npx would stand between the signal and the server).
    const bin = join(consumer, 'node_modules/.bin/rx-rtm-server');
    const demo = spawn(bin, ['demo', '--port', '0'], { cwd: consumer });
    try {
      let printed = '';
      demo.stdout.setEncoding('utf8');
      const pageUrl = await new Promise<string>((resolve, reject) => {
        demo.stdout.on('data', (chunk: string) => {
          printed += chunk;
          const found = /demo page: +(http:\/\/\S+)/.exec(printed);
          if (found) resolve(found[1]);
        });
        demo.once('exit', (code) => reject(new Error(`demo exited (${code}) before listening: ${printed}`)));
      });
      const page = await fetch(pageUrl);
      expect(page.status).to.equal(200);
      expect(await page.text()).to.include('/demo/demo.js');
      const script = await fetch(new URL('/demo/demo.js', pageUrl));
      expect([script.status, script.headers.get('content-type')]).to.deep.equal([
        200,
        'text/javascript; charset=utf-8',
      ]);
      // The page's client, bundled at pack time: it speaks the protocol.
      expect(await script.text()).to.include('rx-rtm.v1');
      const token = await fetch(new URL('/demo/token?uid=alice', pageUrl));
      expect(token.status).to.equal(200);
    } finally {
      demo.kill('SIGTERM');
      if (demo.exitCode === null) await once(demo, 'exit');
    }
  });
});
