import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { createToken, verifyToken } from '../../lib/server/token.js';

const NOW = 1_700_000_000_000;
const base = { appId: 'app1', appSecret: 'secret1', uid: 'alice', expiresInSeconds: 60, now: NOW };
const invalid = { ok: false, code: 'INVALID_TOKEN' };

function b64(text: string): string {
  return Buffer.from(text).toString('base64url');
}

describe('token', () => {
  describe('round trip', () => {
    it('a fresh token verifies for its app and uid, with its exact expiry', () => {
      const token = createToken(base);
      expect(token.split('.')).to.have.length(3);
      expect(token.startsWith('rtm1.')).to.equal(true);
      expect(verifyToken(token, 'app1', 'alice', 'secret1', NOW)).to.deep.equal({ ok: true, expiresAt: NOW + 60_000 });
      expect(verifyToken(token, 'app1', 'alice', 'secret1', NOW + 59_999)).to.deep.equal({ ok: true, expiresAt: NOW + 60_000 });
    });

    it('the payload is {a, u, e} in base64url and the signature is HMAC-SHA256 of "rtm1.<payload>"', () => {
      const token = createToken(base);
      const [version, payload, signature] = token.split('.');
      expect(version).to.equal('rtm1');
      expect(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))).to.deep.equal({ a: 'app1', u: 'alice', e: NOW + 60_000 });
      expect(signature).to.equal(createHmac('sha256', 'secret1').update(`rtm1.${payload}`).digest('base64url'));
    });

    it('defaults `now` to Date.now() on both sides', () => {
      const before = Date.now();
      const token = createToken({ appId: 'app1', appSecret: 'secret1', uid: 'alice', expiresInSeconds: 30 });
      const check = verifyToken(token, 'app1', 'alice', 'secret1');
      expect(check.ok).to.equal(true);
      const expiresAt = (check as { expiresAt: number }).expiresAt;
      expect(expiresAt).to.be.within(before + 30_000, Date.now() + 30_000);
    });

    it('refuses a non-finite lifetime at minting', () => {
      expect(() => createToken({ ...base, expiresInSeconds: Number.NaN })).to.throw(RangeError);
      expect(() => createToken({ ...base, expiresInSeconds: Number.POSITIVE_INFINITY })).to.throw(RangeError);
    });
  });

  describe('refusals', () => {
    const token = createToken(base);

    it('another secret → INVALID_TOKEN', () => {
      expect(verifyToken(token, 'app1', 'alice', 'secret2', NOW)).to.deep.equal(invalid);
      expect(verifyToken(createToken({ ...base, appSecret: 'secret2' }), 'app1', 'alice', 'secret1', NOW)).to.deep.equal(invalid);
    });

    it('another app → INVALID_TOKEN, even when both apps share the secret', () => {
      expect(verifyToken(token, 'app2', 'alice', 'secret1', NOW)).to.deep.equal(invalid);
    });

    it('another uid → INVALID_TOKEN', () => {
      expect(verifyToken(token, 'app1', 'bob', 'secret1', NOW)).to.deep.equal(invalid);
      expect(verifyToken(token, 'app1', 'Alice', 'secret1', NOW)).to.deep.equal(invalid);
    });

    it('a payload re-encoded with another uid but the old signature → INVALID_TOKEN', () => {
      const [, , signature] = token.split('.');
      const forged = `rtm1.${b64(JSON.stringify({ a: 'app1', u: 'mallory', e: NOW + 60_000 }))}.${signature}`;
      expect(verifyToken(forged, 'app1', 'mallory', 'secret1', NOW)).to.deep.equal(invalid);
      const longer = `rtm1.${b64(JSON.stringify({ a: 'app1', u: 'alice', e: NOW + 3_600_000 }))}.${signature}`;
      expect(verifyToken(longer, 'app1', 'alice', 'secret1', NOW)).to.deep.equal(invalid);
    });

    it('a signature spelled differently → INVALID_TOKEN, even where it decodes to the same bytes', () => {
      // 32 bytes take 43 base64url characters; the last one carries 2 spare
      // bits, so 3 other characters decode to the very same signature.
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const index = alphabet.indexOf(token.at(-1)!);
      const variants = [0, 1, 2, 3].map((spare) => alphabet[(index & ~3) | spare]).filter((c) => c !== token.at(-1));
      expect(variants).to.have.length(3);
      for (const c of [...variants, alphabet[(index + 4) % 64]]) {
        expect(verifyToken(token.slice(0, -1) + c, 'app1', 'alice', 'secret1', NOW), c).to.deep.equal(invalid);
      }
    });

    it('a signature with non-base64 characters appended → INVALID_TOKEN', () => {
      for (const suffix of ['!!', '=', '==', ' ', '\n', '*']) {
        expect(verifyToken(token + suffix, 'app1', 'alice', 'secret1', NOW), JSON.stringify(suffix)).to.deep.equal(invalid);
      }
    });

    it('truncated or garbage tokens → INVALID_TOKEN', () => {
      const [, payload, signature] = token.split('.');
      const garbage = [
        '',
        'a',
        'a.b',
        'a.b.c',
        'rtm1..',
        'rtm1...',
        'rtm1',
        `rtm1.${payload}`,
        `rtm1.${payload}.`,
        `rtm1.${payload}.${signature}.extra`,
        `rtm1.${payload}.${signature}.`,
        `.rtm1.${payload}.${signature}`,
        `rtm2.${payload}.${signature}`,
        `RTM1.${payload}.${signature}`,
        `rtm1.${payload}.${signature.slice(0, -2)}`,
        `rtm1.${payload.slice(0, -1)}.${signature}`,
        'rtm1.@@@@.####',
        'rtm1.%%%.%%%',
        token.slice(0, -1),
        token.slice(1),
        token.toUpperCase(),
      ];
      for (const bad of garbage) {
        expect(verifyToken(bad, 'app1', 'alice', 'secret1', NOW), JSON.stringify(bad)).to.deep.equal(invalid);
      }
    });

    it('a correctly signed payload that is not {a, u, e: number} → INVALID_TOKEN', () => {
      const signed = (json: string) => {
        const body = `rtm1.${b64(json)}`;
        return `${body}.${createHmac('sha256', 'secret1').update(body).digest('base64url')}`;
      };
      // The control: the same helper does produce a good token.
      expect(verifyToken(signed(JSON.stringify({ a: 'app1', u: 'alice', e: NOW + 1 })), 'app1', 'alice', 'secret1', NOW)).to.deep.equal({
        ok: true,
        expiresAt: NOW + 1,
      });
      for (const json of [
        'not json',
        'null',
        '42',
        '"text"',
        JSON.stringify({ a: 'app1', u: 'alice' }),
        JSON.stringify({ a: 'app1', u: 'alice', e: String(NOW + 60_000) }),
        JSON.stringify({ a: 'app1', e: NOW + 60_000 }),
        JSON.stringify({ u: 'alice', e: NOW + 60_000 }),
      ]) {
        expect(verifyToken(signed(json), 'app1', 'alice', 'secret1', NOW), json).to.deep.equal(invalid);
      }
    });
  });

  describe('expiry', () => {
    it('at or after its expiry time → TOKEN_EXPIRED', () => {
      const token = createToken(base);
      const expired = { ok: false, code: 'TOKEN_EXPIRED' };
      expect(verifyToken(token, 'app1', 'alice', 'secret1', NOW + 60_000)).to.deep.equal(expired);
      expect(verifyToken(token, 'app1', 'alice', 'secret1', NOW + 60_001)).to.deep.equal(expired);
      expect(verifyToken(token, 'app1', 'alice', 'secret1', NOW + 86_400_000)).to.deep.equal(expired);
    });

    it('a token minted already expired (zero or negative lifetime) → TOKEN_EXPIRED', () => {
      const expired = { ok: false, code: 'TOKEN_EXPIRED' };
      expect(verifyToken(createToken({ ...base, expiresInSeconds: 0 }), 'app1', 'alice', 'secret1', NOW)).to.deep.equal(expired);
      expect(verifyToken(createToken({ ...base, expiresInSeconds: -5 }), 'app1', 'alice', 'secret1', NOW)).to.deep.equal(expired);
    });

    it('a wrong signature is INVALID_TOKEN even when also expired (signature first)', () => {
      const token = createToken(base);
      expect(verifyToken(token, 'app1', 'alice', 'secret2', NOW + 120_000)).to.deep.equal(invalid);
      expect(verifyToken(token, 'app1', 'bob', 'secret1', NOW + 120_000)).to.deep.equal(invalid);
    });

    it('fractional seconds are kept to the millisecond', () => {
      const token = createToken({ ...base, expiresInSeconds: 1.5 });
      expect(verifyToken(token, 'app1', 'alice', 'secret1', NOW + 1499)).to.deep.equal({ ok: true, expiresAt: NOW + 1500 });
      expect(verifyToken(token, 'app1', 'alice', 'secret1', NOW + 1500)).to.deep.equal({ ok: false, code: 'TOKEN_EXPIRED' });

      const short = createToken({ ...base, expiresInSeconds: 0.001 });
      expect(verifyToken(short, 'app1', 'alice', 'secret1', NOW)).to.deep.equal({ ok: true, expiresAt: NOW + 1 });
      expect(verifyToken(short, 'app1', 'alice', 'secret1', NOW + 1)).to.deep.equal({ ok: false, code: 'TOKEN_EXPIRED' });

      // Sub-millisecond parts are rounded to the nearest millisecond.
      const rounded = createToken({ ...base, expiresInSeconds: 2.0006 });
      expect(verifyToken(rounded, 'app1', 'alice', 'secret1', NOW)).to.deep.equal({ ok: true, expiresAt: NOW + 2001 });
      const down = createToken({ ...base, expiresInSeconds: 2.0004 });
      expect(verifyToken(down, 'app1', 'alice', 'secret1', NOW)).to.deep.equal({ ok: true, expiresAt: NOW + 2000 });
    });
  });
});
