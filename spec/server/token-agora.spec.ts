/**
 * The vendor's AccessToken2 RTM tokens (BEHAVIOUR §9.1): tokens built by
 * agora-token, the vendor's own builders, log in to a real server with
 * rx-rtm's client for an app configured with its certificate; every
 * refusal has its exact code; the expiry the server reports is the token's.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { deflateSync, inflateSync } from 'node:zlib';
import builders from 'agora-token';
import accessToken2 from 'agora-token/src/AccessToken2.js';
import { createClient, type RtmClient } from '../../lib/node.js';
import { createToken, startServer, type RtmServer, type ServerClock } from '../../lib/server/index.js';
import { verifyAgoraToken } from '../../lib/server/token-agora.js';
import { RawClient } from './raw-client.js';
import { mintToken as mintWithAgoraToken } from './token-examples/mint-with-agora-token.js';

const { RtmTokenBuilder, RtcTokenBuilder, RtcRole } = builders;
const { AccessToken2, ServiceRtm } = accessToken2;

const APP = '0123456789abcdef0123456789abcdef';
const CERT = 'fedcba9876543210fedcba9876543210';
const OTHER_APP = 'abcdef0123456789abcdef0123456789';
const OTHER_CERT = '00112233445566778899aabbccddeeff';
const JWT_APP = 'demo';
const SECRET = 'demo-secret-of-32-characters-abc';
/** The server's wall clock in these tests: a whole second, so expiries are exact. */
const NOW_S = Math.floor(Date.now() / 1000);
const NOW_MS = NOW_S * 1000;

interface Minted {
  uid: string;
  /** Seconds since the epoch; default {@link NOW_S}. */
  issueTs?: number;
  /** The whole token's lifetime after issue, seconds; default 600. */
  expire?: number;
  /** The login privilege's lifetime after issue; default `expire`; null: no login privilege. */
  loginPrivilege?: number | null;
  appId?: string;
  certificate?: string;
}

/** An AccessToken2 with an RTM service, built by agora-token with a given issue time. */
function mint({
  uid,
  issueTs = NOW_S,
  expire = 600,
  loginPrivilege = expire,
  appId = APP,
  certificate = CERT,
}: Minted) {
  const token = new AccessToken2(appId, certificate, issueTs, expire);
  const rtm = new ServiceRtm(uid);
  if (loginPrivilege !== null) rtm.add_privilege(ServiceRtm.kPrivilegeLogin, loginPrivilege);
  token.add_service(rtm);
  return token.build();
}

/** `token` with its inflated byte at `index` (from the end when negative) flipped, deflated again. */
function flipSignedByte(token: string, index: number): string {
  const content = inflateSync(Buffer.from(token.slice(3), 'base64'));
  const at = index < 0 ? content.length + index : index;
  content[at] ^= 0x01;
  return `007${deflateSync(content).toString('base64')}`;
}

/** `token` with one character of its base64 changed. */
function flipChar(token: string, index: number): string {
  const replacement = token[index] === 'A' ? 'B' : 'A';
  return token.slice(0, index) + replacement + token.slice(index + 1);
}

describe('AccessToken2 tokens (the vendor token builder)', function () {
  this.timeout(20_000);

  describe('verifyAgoraToken', () => {
    it('a token for the app and uid: ok, expiring at its issue time plus its lifetime, in ms', () => {
      expect(verifyAgoraToken(mint({ uid: 'alice' }), APP, 'alice', CERT, NOW_MS)).to.deep.equal({
        ok: true,
        expiresAt: (NOW_S + 600) * 1000,
      });
    });

    it("expires at the sooner of the token's and the login privilege's lifetimes; at that ms: TOKEN_EXPIRED", () => {
      const shortPrivilege = mint({ uid: 'alice', expire: 600, loginPrivilege: 300 });
      const shortToken = mint({ uid: 'alice', expire: 300, loginPrivilege: 600 });
      const end = (NOW_S + 300) * 1000;
      for (const token of [shortPrivilege, shortToken]) {
        expect(verifyAgoraToken(token, APP, 'alice', CERT, end - 1)).to.deep.equal({ ok: true, expiresAt: end });
        expect(verifyAgoraToken(token, APP, 'alice', CERT, end)).to.deep.equal({ ok: false, code: 'TOKEN_EXPIRED' });
      }
    });

    it('refuses with INVALID_TOKEN whatever is wrong but the expiry, never throwing', () => {
      const good = mint({ uid: 'alice' });
      const bomb = `007${deflateSync(Buffer.alloc(1_500_000)).toString('base64')}`;
      expect(bomb.length).to.be.below(2048);
      const cases: Array<[string, string]> = [
        ['another uid', mint({ uid: 'bob' })],
        ['another app id, the same certificate', mint({ uid: 'alice', appId: OTHER_APP })],
        ['another certificate', mint({ uid: 'alice', certificate: OTHER_CERT })],
        ['a signed byte changed (the lifetime)', flipSignedByte(good, 72)],
        ['a signature byte changed', flipSignedByte(good, 2)],
        ['a character changed', flipChar(good, 40)],
        ['forged and expired', mint({ uid: 'alice', issueTs: NOW_S - 900, certificate: OTHER_CERT })],
        ['no login privilege', mint({ uid: 'alice', loginPrivilege: null })],
        [
          'an RTC token without RTM',
          RtcTokenBuilder.buildTokenWithUid(APP, CERT, 'room', 7, RtcRole.PUBLISHER, 600, 600),
        ],
        ['a JWT', createToken({ appId: APP, appSecret: CERT, uid: 'alice', expiresInSeconds: 600 })],
        ['empty', ''],
        ['the version alone', '007'],
        ['another version', `006${good.slice(3)}`],
        ['not base64', '007!!!!'],
        ['base64 of nothing deflated', '007AAAAAAAA'],
        ['1.5 MB once inflated', bomb],
        ['over 2048 characters', good + 'A'.repeat(2048)],
      ];
      for (const [what, token] of cases) {
        expect(verifyAgoraToken(token, APP, 'alice', CERT, NOW_MS), what).to.deep.equal({
          ok: false,
          code: 'INVALID_TOKEN',
        });
      }
      // The uid's last byte changed, alice → alicd: refused for the uid it now names too.
      expect(verifyAgoraToken(flipSignedByte(good, -1), APP, 'alicd', CERT, NOW_MS)).to.deep.equal({
        ok: false,
        code: 'INVALID_TOKEN',
      });
    });
  });

  describe('startServer with { agoraAppCertificate }', () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      [
        'a certificate of 31 hex digits',
        { [APP]: { agoraAppCertificate: CERT.slice(1) } },
        `apps: app "${APP}" must have an agoraAppCertificate of 32 hex digits`,
      ],
      [
        'a certificate that is not hex',
        { [APP]: { agoraAppCertificate: 'g'.repeat(32) } },
        `apps: app "${APP}" must have an agoraAppCertificate of 32 hex digits`,
      ],
      ['no certificate', { [APP]: {} }, `apps: app "${APP}" must have an agoraAppCertificate of 32 hex digits`],
      [
        'a misspelt key',
        { [APP]: { agoraCertificate: CERT } },
        `apps: app "${APP}" has "agoraCertificate": only agoraAppCertificate is known`,
      ],
      [
        'an app id that is not 32 hex digits',
        { demo: { agoraAppCertificate: CERT } },
        'apps: app "demo" must have an id of 32 hex digits to take AccessToken2 tokens (agoraAppCertificate)',
      ],
      [
        'neither a secret nor an object',
        { [APP]: 42 },
        `apps: app "${APP}" must be a secret (a string) or { agoraAppCertificate }`,
      ],
    ];
    for (const [what, apps, message] of cases) {
      it(`refuses ${what}, naming the app and never the certificate`, async () => {
        const error = await startServer({ port: 0, apps: apps as Record<string, string> }).then(
          () => expect.fail('started'),
          (e: unknown) => e,
        );
        expect(error).to.be.instanceOf(TypeError).with.property('message', message);
      });
    }
  });

  describe('over real sockets', () => {
    let server: RtmServer;
    let skew = 0;
    const clients: RtmClient[] = [];
    /** Wall: {@link NOW_MS}, fixed. Monotonic: skewed ahead to pass the 2-a-second rate limits without waiting. */
    const clock: ServerClock = { wall: () => NOW_MS, monotonic: () => performance.now() + skew };

    function client(options: { tokenWarningMs?: number } = {}): RtmClient {
      const made = createClient({ url: server.url, appId: APP, ...options });
      clients.push(made);
      return made;
    }

    /** Logs `uid` in to `appId` with `token` through rx-rtm's client; the outcome, or the refusal's code. */
    function login(uid: string, token: string, appId = APP): Promise<string> {
      const made = createClient({ url: server.url, appId });
      clients.push(made);
      return made.login({ uid, token }).then(
        () => 'CONNECTED',
        (error: { code: string }) => error.code,
      );
    }

    before(async () => {
      server = await startServer({
        port: 0,
        clock,
        apps: { [APP]: { agoraAppCertificate: CERT }, [JWT_APP]: SECRET, [OTHER_APP]: { agoraAppCertificate: CERT } },
      });
    });
    afterEach(async () => {
      RawClient.terminateAll();
      await Promise.all(clients.splice(0).map((c) => c.destroy()));
    });
    after(() => server.close());

    it("RtmTokenBuilder's token logs in; so do buildTokenWithRtm's and a JWT app's beside it", async () => {
      expect(await login('alice', RtmTokenBuilder.buildToken(APP, CERT, 'alice', 600))).to.equal('CONNECTED');
      const both = RtcTokenBuilder.buildTokenWithRtm(APP, CERT, 'room', 'bob', RtcRole.PUBLISHER, 600, 600);
      expect(await login('bob', both)).to.equal('CONNECTED');
      const jwt = createToken({ appId: JWT_APP, appSecret: SECRET, uid: 'carol', expiresInSeconds: 60 });
      expect(await login('carol', jwt, JWT_APP)).to.equal('CONNECTED');
    });

    it('the docs/TOKENS.md backend example mints a token that logs in; the docs show it as it is', async () => {
      expect(await login('frank', mintWithAgoraToken(APP, CERT, 'frank'))).to.equal('CONNECTED');
      const example = new URL('./token-examples/mint-with-agora-token.ts', import.meta.url);
      const docs = readFileSync(new URL('../../docs/TOKENS.md', import.meta.url), 'utf8');
      expect(docs).to.include(`\`\`\`ts\n${readFileSync(example, 'utf8')}\`\`\`\n`);
    });

    it('refuses another uid, another app id, a tampered token and an expired one, each with its code', async () => {
      const good = (uid: string) => RtmTokenBuilder.buildToken(APP, CERT, uid, 600);
      const cases: Array<[string, string, string]> = [
        ['u1', good('someone-else'), 'INVALID_TOKEN'],
        ['u2', RtmTokenBuilder.buildToken(OTHER_APP, CERT, 'u2', 600), 'INVALID_TOKEN'],
        ['u3', flipSignedByte(good('u3'), 72), 'INVALID_TOKEN'],
        ['u4', flipChar(good('u4'), 40), 'INVALID_TOKEN'],
        ['u5', mint({ uid: 'u5', issueTs: NOW_S - 120, expire: 60 }), 'TOKEN_EXPIRED'],
        ['u6', RtmTokenBuilder.buildToken(APP, OTHER_CERT, 'u6', 600), 'INVALID_TOKEN'],
        ['u7', createToken({ appId: APP, appSecret: SECRET, uid: 'u7', expiresInSeconds: 60 }), 'INVALID_TOKEN'],
      ];
      for (const [uid, token, code] of cases) expect(await login(uid, token), uid).to.equal(code);
      // The vendor's token does not open a JWT app.
      const vendors = RtmTokenBuilder.buildToken(APP, CERT, 'u8', 600);
      expect(await login('u8', vendors, JWT_APP)).to.equal('INVALID_TOKEN');
    });

    it("welcome and renew report the token's own expiry; renew refuses with the exact codes", async () => {
      const raw = await RawClient.connect(server.url);
      const welcome = await raw.request({ t: 'login', app: APP, uid: 'dave', token: mint({ uid: 'dave' }) });
      expect(welcome).to.include({ t: 'welcome', tokenExpiresInMs: 600_000 });
      const renewed = await raw.request({ t: 'renew', id: 1, token: mint({ uid: 'dave', expire: 900 }) });
      expect(renewed).to.deep.equal({ t: 'renewed', id: 1, tokenExpiresInMs: 900_000 });
      skew += 1000;
      const expired = await raw.request({
        t: 'renew',
        id: 2,
        token: mint({ uid: 'dave', issueTs: NOW_S - 120, expire: 60 }),
      });
      expect(expired).to.deep.include({ t: 'fail', id: 2, code: 'TOKEN_EXPIRED' });
      skew += 1000;
      const forged = await raw.request({ t: 'renew', id: 3, token: mint({ uid: 'dave', certificate: OTHER_CERT }) });
      expect(forged).to.deep.include({ t: 'fail', id: 3, code: 'INVALID_TOKEN' });
    });

    it('TokenPrivilegeWillExpire comes tokenWarningMs before the expiry; renewToken takes a new one', async () => {
      const alice = client();
      let warnedAt = 0;
      alice.on('TokenPrivilegeWillExpire', () => (warnedAt = performance.now()));
      const loginAt = performance.now();
      // 32 s left by the server's clock: the warning (30 s before) is due 2 s after the welcome.
      await alice.login({ uid: 'erin', token: mint({ uid: 'erin', expire: 32 }) });
      await new Promise((resolve) => setTimeout(resolve, 2800));
      expect(warnedAt - loginAt).to.be.within(2000, 2800);
      skew += 1000;
      await alice.renewToken(mint({ uid: 'erin', expire: 3600 }));
      expect(alice.connectionState).to.deep.equal({ state: 'CONNECTED', reason: 'LOGIN_SUCCESS' });
    });
  });
});
