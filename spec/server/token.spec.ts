import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { Limits } from '../../lib/protocol/limits.js';
import { createToken, NOT_BEFORE_LEEWAY_MS, verifyToken } from '../../lib/server/token.js';

const NOW = 1_700_000_000_000;
const SECONDS = NOW / 1000;
const base = { appId: 'app1', appSecret: 'secret1', uid: 'alice', expiresInSeconds: 60, now: NOW };
const header = { alg: 'HS256', typ: 'JWT' };
const claims = { sub: 'alice', aud: 'app1', exp: SECONDS + 60 };
const invalid = { ok: false, code: 'INVALID_TOKEN' };
const expired = { ok: false, code: 'TOKEN_EXPIRED' };

/** base64url of a JSON value, or of a string as it is. */
function part(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/** `<header>.<payload>` signed as a JWT library would, by default with the right secret and HS256. */
function signBody(body: string, secret = 'secret1', digest = 'sha256'): string {
  return `${body}.${createHmac(digest, secret).update(body).digest('base64url')}`;
}

function jwt(head: unknown, payload: unknown, secret?: string, digest?: string): string {
  return signBody(`${part(head)}.${part(payload)}`, secret, digest);
}

const check = (token: string, now = NOW) => verifyToken(token, 'app1', 'alice', 'secret1', now);

describe('token', () => {
  describe('createToken', () => {
    it('mints a JWT: header {alg: HS256, typ: JWT}, claims {sub, aud, iat, exp} in seconds', () => {
      // Signed with HMAC-SHA256 over "<header>.<payload>".
      const [head, payload, signature] = createToken(base).split('.');
      expect(JSON.parse(Buffer.from(head, 'base64url').toString('utf8'))).to.deep.equal(header);
      expect(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))).to.deep.equal({
        sub: 'alice',
        aud: 'app1',
        iat: SECONDS,
        exp: SECONDS + 60,
      });
      expect(signature).to.equal(createHmac('sha256', 'secret1').update(`${head}.${payload}`).digest('base64url'));
    });

    it('a fresh token verifies for its app and uid, with its exact expiry', () => {
      const token = createToken(base);
      expect(check(token)).to.deep.equal({ ok: true, expiresAt: NOW + 60_000 });
      expect(check(token, NOW + 59_999)).to.deep.equal({ ok: true, expiresAt: NOW + 60_000 });
    });

    it('rounds iat and exp down to whole seconds', () => {
      const token = createToken({ ...base, now: NOW + 999, expiresInSeconds: 1.5 });
      const payload: unknown = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
      expect(payload).to.deep.equal({ sub: 'alice', aud: 'app1', iat: SECONDS, exp: SECONDS + 2 });
      expect(check(token, NOW + 999)).to.deep.equal({ ok: true, expiresAt: NOW + 2000 });
    });

    it('defaults `now` to Date.now() on both sides', () => {
      const before = Date.now();
      const result = verifyToken(
        createToken({ appId: 'app1', appSecret: 'secret1', uid: 'alice', expiresInSeconds: 30 }),
        'app1',
        'alice',
        'secret1',
      );
      expect(result.ok).to.equal(true);
      expect((result as { expiresAt: number }).expiresAt).to.be.within(before + 29_000, Date.now() + 30_000);
    });

    it('refuses a non-finite lifetime', () => {
      expect(() => createToken({ ...base, expiresInSeconds: Number.NaN })).to.throw(RangeError);
      expect(() => createToken({ ...base, expiresInSeconds: Number.POSITIVE_INFINITY })).to.throw(RangeError);
    });
  });

  describe('accepts what any JWT library mints', () => {
    it('a header without typ (jose writes only alg unless asked), or spelled another way', () => {
      expect(check(jwt({ alg: 'HS256' }, claims))).to.deep.equal({ ok: true, expiresAt: NOW + 60_000 });
      expect(check(jwt({ typ: 'JWT', alg: 'HS256' }, claims))).to.deep.equal({ ok: true, expiresAt: NOW + 60_000 });
      expect(check(jwt('{ "alg": "HS256",\n  "typ": "JWT" }', claims))).to.deep.equal({
        ok: true,
        expiresAt: NOW + 60_000,
      });
    });

    it('aud as an array holding the app id (golang-jwt writes one)', () => {
      expect(check(jwt(header, { ...claims, aud: ['app1'] }))).to.deep.equal({ ok: true, expiresAt: NOW + 60_000 });
      expect(check(jwt(header, { ...claims, aud: ['other', 'app1'] }))).to.deep.equal({
        ok: true,
        expiresAt: NOW + 60_000,
      });
    });

    it('claims we do not use (iss, jti, the app’s own), and iat anywhere', () => {
      const extra = { ...claims, iss: 'backend', jti: 'x1', role: 'admin', iat: SECONDS + 3600 };
      expect(check(jwt(header, extra))).to.deep.equal({ ok: true, expiresAt: NOW + 60_000 });
    });

    it('a fractional exp (a NumericDate may have one), to the millisecond', () => {
      expect(check(jwt(header, { ...claims, exp: SECONDS + 1.2345 }))).to.deep.equal({
        ok: true,
        expiresAt: NOW + 1235,
      });
    });

    it(`nbf passed, or at most ${NOT_BEFORE_LEEWAY_MS} ms ahead of the server's clock`, () => {
      expect(NOT_BEFORE_LEEWAY_MS).to.equal(5000);
      for (const nbf of [SECONDS - 10, SECONDS, SECONDS + 5]) {
        expect(check(jwt(header, { ...claims, nbf })), String(nbf)).to.deep.equal({
          ok: true,
          expiresAt: NOW + 60_000,
        });
      }
    });

    it(`a token of exactly ${Limits.tokenChars} characters`, () => {
      const token = sized(Limits.tokenChars);
      expect(token).to.have.length(2048);
      expect(check(token)).to.deep.equal({ ok: true, expiresAt: NOW + 60_000 });
    });
  });

  describe('refusals: INVALID_TOKEN', () => {
    const token = createToken(base);

    it('another secret', () => {
      expect(verifyToken(token, 'app1', 'alice', 'secret2', NOW)).to.deep.equal(invalid);
      expect(check(createToken({ ...base, appSecret: 'secret2' }))).to.deep.equal(invalid);
    });

    it('alg none, with no signature or with a valid HS256 one', () => {
      for (const alg of ['none', 'None', 'NONE']) {
        expect(check(`${part({ alg, typ: 'JWT' })}.${part(claims)}.`), alg).to.deep.equal(invalid);
        expect(check(jwt({ alg, typ: 'JWT' }, claims)), alg).to.deep.equal(invalid);
      }
    });

    it('any other alg: HS384/HS512 signed as they say, or that name over a valid HS256 signature', () => {
      expect(check(jwt({ alg: 'HS384', typ: 'JWT' }, claims, 'secret1', 'sha384'))).to.deep.equal(invalid);
      expect(check(jwt({ alg: 'HS512', typ: 'JWT' }, claims, 'secret1', 'sha512'))).to.deep.equal(invalid);
      for (const alg of ['HS384', 'HS512', 'RS256', 'ES256', 'hs256', 'HS256 ', ['HS256'], null, 256]) {
        expect(check(jwt({ alg, typ: 'JWT' }, claims)), JSON.stringify(alg)).to.deep.equal(invalid);
      }
      expect(check(jwt({ typ: 'JWT' }, claims))).to.deep.equal(invalid);
    });

    it('a key id or any header member we did not ask for, or a typ other than JWT', () => {
      for (const extra of [
        { kid: 'k1' },
        { jku: 'https://evil.example/keys' },
        { jwk: {} },
        { x5u: 'https://evil.example' },
        { crit: ['exp'] },
        { cty: 'JWT' },
        { b64: false },
        { typ: 'at+jwt' },
        { typ: 'jwt' },
        { typ: null },
      ]) {
        expect(check(jwt({ ...header, ...extra }, claims)), JSON.stringify(extra)).to.deep.equal(invalid);
      }
    });

    it('another app (even when both apps share the secret) or another uid', () => {
      expect(verifyToken(token, 'app2', 'alice', 'secret1', NOW)).to.deep.equal(invalid);
      expect(verifyToken(token, 'app1', 'bob', 'secret1', NOW)).to.deep.equal(invalid);
      expect(verifyToken(token, 'app1', 'Alice', 'secret1', NOW)).to.deep.equal(invalid);
      for (const aud of [['app2'], [], 'App1', { app1: true }]) {
        expect(check(jwt(header, { ...claims, aud })), JSON.stringify(aud)).to.deep.equal(invalid);
      }
    });

    it('a tampered header, payload or signature', () => {
      const [head, payload, signature] = token.split('.');
      const respelled = part('{"alg":"HS256", "typ":"JWT"}');
      expect(check(`${respelled}.${payload}.${signature}`)).to.deep.equal(invalid);
      expect(check(`${part({ alg: 'HS256' })}.${payload}.${signature}`)).to.deep.equal(invalid);
      expect(check(`${head}.${part({ ...claims, sub: 'mallory' })}.${signature}`)).to.deep.equal(invalid);
      expect(
        check(`${head}.${part({ sub: 'alice', aud: 'app1', iat: SECONDS, exp: SECONDS + 3600 })}.${signature}`),
      ).to.deep.equal(invalid);
      const flipped = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
      expect(check(`${head}.${payload}.${flipped}`)).to.deep.equal(invalid);
    });

    it('a signature spelled differently, even where it decodes to the same bytes', () => {
      // 32 bytes take 43 base64url characters; the last one carries 2 spare
      // bits, so 3 other characters decode to the very same signature.
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const index = alphabet.indexOf(token.at(-1)!);
      const variants = [0, 1, 2, 3].map((spare) => alphabet[(index & ~3) | spare]).filter((c) => c !== token.at(-1));
      expect(variants).to.have.length(3);
      for (const c of variants) expect(check(token.slice(0, -1) + c), c).to.deep.equal(invalid);
      for (const suffix of ['=', '==', '!!', ' ', '\n', '*'])
        expect(check(token + suffix), JSON.stringify(suffix)).to.deep.equal(invalid);
      const standard = Buffer.from(token.split('.')[2], 'base64url').toString('base64');
      expect(check(`${token.slice(0, token.lastIndexOf('.'))}.${standard}`)).to.deep.equal(invalid);
    });

    it('a header or payload in non-canonical base64url, even when signed as it is', () => {
      const head = part(header);
      // A payload whose encoding has "-" and "_" and ends on a character with spare bits.
      const payload = part({ ...claims, jti: '?>?>?' });
      expect(payload).to.match(/-.*_/);
      expect(payload.length % 4).to.equal(3);
      // The control: the same body spelled canonically is accepted.
      expect(check(signBody(`${head}.${payload}`))).to.deep.equal({ ok: true, expiresAt: NOW + 60_000 });
      const last = payload.at(-1)!.charCodeAt(0);
      const spareBits = payload.slice(0, -1) + String.fromCharCode(last + 1);
      expect(Buffer.from(spareBits, 'base64url')).to.deep.equal(Buffer.from(payload, 'base64url'));
      for (const body of [
        `${head}.${spareBits}`,
        `${head}.${payload.replace('-', '+').replace('_', '/')}`,
        `${head}.${payload}=`,
        `${head}=.${payload}`,
        `${head}====.${payload}`,
        ` ${head}.${payload}`,
        `${head.slice(0, 10)}\n${head.slice(10)}.${payload}`,
        `${head}.${payload.slice(0, 10)} ${payload.slice(10)}`,
      ]) {
        expect(check(signBody(body)), JSON.stringify(body)).to.deep.equal(invalid);
      }
    });

    it(`a token over ${Limits.tokenChars} characters, even when correctly signed`, () => {
      const token = sized(Limits.tokenChars + 1);
      expect(token).to.have.length(2049);
      expect(check(token)).to.deep.equal(invalid);
    });

    it('a missing claim, or one of the wrong type', () => {
      for (const missing of ['sub', 'aud', 'exp'] as const) {
        const { [missing]: _gone, ...rest } = claims;
        expect(check(jwt(header, rest)), missing).to.deep.equal(invalid);
      }
      for (const wrong of [
        { exp: String(SECONDS + 60) },
        { exp: null },
        { exp: [SECONDS + 60] },
        { sub: ['alice'] },
        { sub: null },
        { iat: 'yesterday' },
        { nbf: String(SECONDS) },
        { nbf: null },
      ]) {
        expect(check(jwt(header, { ...claims, ...wrong })), JSON.stringify(wrong)).to.deep.equal(invalid);
      }
      // JSON.parse reads 1e999 as Infinity: not a NumericDate.
      expect(check(jwt(header, `{"sub":"alice","aud":"app1","exp":1e999}`))).to.deep.equal(invalid);
    });

    it('a header or payload that is not a JSON object, even when signed', () => {
      for (const text of ['not json', 'null', '42', '"text"', '[]', '']) {
        expect(check(jwt(header, text)), `payload ${text}`).to.deep.equal(invalid);
        expect(check(jwt(text, claims)), `header ${text}`).to.deep.equal(invalid);
      }
    });

    it(`nbf more than ${NOT_BEFORE_LEEWAY_MS} ms ahead (INVALID_TOKEN)`, () => {
      // The token is not good yet, which renewing would not mend.
      expect(check(jwt(header, { ...claims, nbf: SECONDS + 5.001 }))).to.deep.equal(invalid);
      expect(check(jwt(header, { ...claims, nbf: SECONDS + 30 }))).to.deep.equal(invalid);
      expect(check(jwt(header, { ...claims, nbf: SECONDS + 30 }), NOW + 25_000)).to.deep.equal({
        ok: true,
        expiresAt: NOW + 60_000,
      });
    });

    it('truncated or garbage tokens', () => {
      const [head, payload, signature] = token.split('.');
      const garbage = [
        '',
        'a',
        '.',
        '..',
        '...',
        'a.b',
        'a.b.c',
        `${head}`,
        `${head}.${payload}`,
        `${head}.${payload}.`,
        `${head}..${signature}`,
        `.${payload}.${signature}`,
        `${head}.${payload}.${signature}.`,
        `${head}.${payload}.${signature}.${signature}`,
        `${head}.${payload}.${payload}.${signature}`,
        `.${head}.${payload}.${signature}`,
        `rtm1.${payload}.${signature}`,
        `${head}.${payload}.${signature.slice(0, -2)}`,
        `${head}.${payload.slice(0, -1)}.${signature}`,
        '@@@@.%%%%.####',
        token.slice(0, -1),
        token.slice(1),
        token.toUpperCase(),
      ];
      for (const bad of garbage) expect(check(bad), JSON.stringify(bad)).to.deep.equal(invalid);
    });
  });

  describe('expiry: TOKEN_EXPIRED', () => {
    const token = createToken(base);

    it('at or after exp', () => {
      expect(check(token, NOW + 60_000)).to.deep.equal(expired);
      expect(check(token, NOW + 60_001)).to.deep.equal(expired);
      expect(check(token, NOW + 86_400_000)).to.deep.equal(expired);
      expect(check(jwt(header, { ...claims, exp: 0 }))).to.deep.equal(expired);
      expect(check(jwt(header, { ...claims, exp: -1 }))).to.deep.equal(expired);
    });

    it('a token minted already expired (zero or negative lifetime)', () => {
      expect(check(createToken({ ...base, expiresInSeconds: 0 }))).to.deep.equal(expired);
      expect(check(createToken({ ...base, expiresInSeconds: -5 }))).to.deep.equal(expired);
      expect(check(createToken({ ...base, expiresInSeconds: 0, now: NOW + 999 }), NOW + 999)).to.deep.equal(expired);
    });

    it('only for an otherwise good token: a bad signature, app, uid or header stays INVALID_TOKEN', () => {
      // The signature is checked first.
      const later = NOW + 120_000;
      expect(verifyToken(token, 'app1', 'alice', 'secret2', later)).to.deep.equal(invalid);
      expect(verifyToken(token, 'app1', 'bob', 'secret1', later)).to.deep.equal(invalid);
      expect(verifyToken(token, 'app2', 'alice', 'secret1', later)).to.deep.equal(invalid);
      expect(check(jwt({ alg: 'none' }, claims), later)).to.deep.equal(invalid);
    });
  });
});

/** A correctly signed token of exactly `length` characters, padded with a claim of the app's own. */
function sized(length: number): string {
  for (let pad = 0; pad < length; pad++) {
    const token = jwt(header, { ...claims, pad: 'x'.repeat(pad) });
    if (token.length === length) return token;
  }
  throw new Error(`no token of ${length} characters`);
}
