/**
 * Tokens are standard JWTs: those minted by jose, by jsonwebtoken and by a
 * bash script with openssl log in to a real server with the real client,
 * and ours pass both libraries' verify. docs/TOKENS.md shows the minting
 * examples run here (spec/server/token-examples/) as they are.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { jwtVerify, SignJWT } from 'jose';
import jwt from 'jsonwebtoken';
import { createClient, type RtmClient } from '../../lib/node.js';
import { createToken, startServer, verifyToken, type RtmServer } from '../../lib/server/index.js';
import { mintToken as mintWithJose } from './token-examples/mint-with-jose.js';
import { mintToken as mintWithJsonwebtoken } from './token-examples/mint-with-jsonwebtoken.js';

const APP = 'demo';
const SECRET = 'demo-secret-of-32-characters-abc';
const HOUR_MS = 3_600_000;
const examples = new URL('./token-examples/', import.meta.url);
const script = fileURLToPath(new URL('mint-token.sh', examples));

async function mintWithShell(appId: string, uid: string, lifetimeSeconds: number, appSecret = SECRET): Promise<string> {
  const { stdout } = await promisify(execFile)('bash', [script, appId, uid, String(lifetimeSeconds)], {
    env: { ...process.env, RTM_APP_SECRET: appSecret },
  });
  expect(stdout).to.match(/^[\w-]+\.[\w-]+\.[\w-]{43}\n$/);
  return stdout.trim();
}

/** The expiry a token minted in `mint` (lasting `lifetimeMs`) must carry: whole seconds, so up to 1 s early. */
async function expectValid(mint: () => Promise<string> | string, uid: string, lifetimeMs: number): Promise<string> {
  const before = Date.now();
  const token = await mint();
  const check = verifyToken(token, APP, uid, SECRET);
  expect(check.ok, JSON.stringify(check)).to.equal(true);
  expect((check as { expiresAt: number }).expiresAt).to.be.within(
    before - (before % 1000) + lifetimeMs,
    Date.now() + lifetimeMs,
  );
  return token;
}

describe('tokens minted elsewhere (interop)', function () {
  this.timeout(20_000);
  let server: RtmServer;
  const clients: RtmClient[] = [];

  /** Logs `uid` in with `token` through the real client; resolves to the login's outcome. */
  function login(uid: string, token: string): Promise<string> {
    const client = createClient({ url: server.url, appId: APP });
    clients.push(client);
    return client.login({ uid, token }).then(
      () => 'CONNECTED',
      (error: { code: string }) => error.code,
    );
  }

  before(async () => {
    server = await startServer({ port: 0, apps: { [APP]: SECRET } });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.destroy()));
  });
  after(() => server.close());

  it('jose SignJWT (docs example): logs in', async () => {
    const token = await expectValid(() => mintWithJose(APP, SECRET, 'alice'), 'alice', HOUR_MS);
    expect(await login('alice', token)).to.equal('CONNECTED');
  });

  it('jose with only alg in the header and aud as an array: logs in', async () => {
    const token = await new SignJWT()
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('bob')
      .setAudience(['other', APP])
      .setExpirationTime('2m')
      .sign(new TextEncoder().encode(SECRET));
    expect(await login('bob', await expectValid(() => token, 'bob', 120_000))).to.equal('CONNECTED');
  });

  it('jsonwebtoken (docs example): logs in', async () => {
    const token = await expectValid(() => mintWithJsonwebtoken(APP, SECRET, 'carol'), 'carol', HOUR_MS);
    expect(await login('carol', token)).to.equal('CONNECTED');
  });

  it('the bash script (openssl, docs example): logs in, with a uid of every punctuation a uid may hold', async () => {
    expect(await login('dave', await expectValid(() => mintWithShell(APP, 'dave', 3600), 'dave', HOUR_MS))).to.equal(
      'CONNECTED',
    );
    const odd = 'a b!#$%&()+-:;<=.>?@[]^_{}|~,';
    expect(await login(odd, await expectValid(() => mintWithShell(APP, odd, 60), odd, 60_000))).to.equal('CONNECTED');
  });

  it('the same minters refuse as ours do: another secret, uid or app, expired, not yet valid, HS512', async () => {
    const key = new TextEncoder().encode(SECRET);
    // One uid per case: a uid may log in at most twice a second.
    const cases: Array<[string, string | Promise<string>, string]> = [
      ['u1', mintWithShell(APP, 'u1', 60, 'another-secret'), 'INVALID_TOKEN'],
      ['u2', mintWithJsonwebtoken(APP, SECRET, 'someone-else'), 'INVALID_TOKEN'],
      ['u3', mintWithJose('other-app', SECRET, 'u3'), 'INVALID_TOKEN'],
      ['u4', mintWithShell(APP, 'u4', -1), 'TOKEN_EXPIRED'],
      [
        'u5',
        new SignJWT()
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('u5')
          .setAudience(APP)
          .setExpirationTime('-1s')
          .sign(key),
        'TOKEN_EXPIRED',
      ],
      [
        'u6',
        jwt.sign({}, SECRET, { algorithm: 'HS256', subject: 'u6', audience: APP, expiresIn: '1h', notBefore: '1m' }),
        'INVALID_TOKEN',
      ],
      [
        'u7',
        jwt.sign({}, SECRET, { algorithm: 'HS512', subject: 'u7', audience: APP, expiresIn: '1h' }),
        'INVALID_TOKEN',
      ],
    ];
    for (const [uid, token, code] of cases) expect(await login(uid, await token), uid).to.equal(code);
  });

  it("createToken's tokens pass jose's jwtVerify and jsonwebtoken's verify", async () => {
    const token = createToken({ appId: APP, appSecret: SECRET, uid: 'alice', expiresInSeconds: 60 });
    const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode(SECRET), {
      algorithms: ['HS256'],
      audience: APP,
      subject: 'alice',
      typ: 'JWT',
    });
    expect(protectedHeader).to.deep.equal({ alg: 'HS256', typ: 'JWT' });
    expect(payload.exp! - payload.iat!).to.equal(60);
    expect(jwt.verify(token, SECRET, { algorithms: ['HS256'], audience: APP, subject: 'alice' })).to.deep.equal(
      payload,
    );
  });

  it('docs/TOKENS.md shows the examples run here, as they are', () => {
    const docs = readFileSync(new URL('../../docs/TOKENS.md', import.meta.url), 'utf8');
    for (const [file, language] of [
      ['mint-with-jose.ts', 'ts'],
      ['mint-with-jsonwebtoken.ts', 'ts'],
      ['mint-token.sh', 'bash'],
    ]) {
      expect(docs, file).to.include(`\`\`\`${language}\n${readFileSync(new URL(file, examples), 'utf8')}\`\`\`\n`);
    }
  });
});
