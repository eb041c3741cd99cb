/**
 * Micro-benchmark: token verifications per second, by verifyToken
 * (node:crypto, synchronous) and by jose's jwtVerify (WebCrypto, async), one
 * at a time as a login awaits its check, and jose also with 64 in flight,
 * its best case. Not part of `npm run bench`; run by hand:
 *   npx tsx bench/token-verify.ts [verifications, default 100000]
 */
import { jwtVerify } from 'jose';
import { performance } from 'node:perf_hooks';
import { createToken, verifyToken } from '../lib/server/token.js';

const APP = 'bench';
const SECRET = 'bench-secret-of-32-characters-ab';
const KEY = new TextEncoder().encode(SECRET);
const count = Number(process.argv[2] ?? 100_000);
// Distinct users, so that nothing is verified twice in a row.
const uids = Array.from({ length: 1000 }, (_, i) => `user-${i}`);
const tokens = uids.map((uid) => createToken({ appId: APP, appSecret: SECRET, uid, expiresInSeconds: 3600 }));

function nodeCrypto(i: number): void {
  if (!verifyToken(tokens[i % 1000], APP, uids[i % 1000], SECRET).ok) throw new Error('refused');
}

async function jose(i: number): Promise<void> {
  await jwtVerify(tokens[i % 1000], KEY, { algorithms: ['HS256'], audience: APP, subject: uids[i % 1000] });
}

async function rate(name: string, run: (n: number) => void | Promise<void>): Promise<void> {
  const started = performance.now();
  await run(count);
  const ms = performance.now() - started;
  console.log(
    `${name.padEnd(34)} ${String(Math.round((count / ms) * 1000)).padStart(9)} /s  ` +
      `(${((ms * 1000) / count).toFixed(2)} µs each)`,
  );
}

const runs = {
  'verifyToken (node:crypto, sync)': (n: number) => {
    for (let i = 0; i < n; i++) nodeCrypto(i);
  },
  'jose jwtVerify, one at a time': async (n: number) => {
    for (let i = 0; i < n; i++) await jose(i);
  },
  'jose jwtVerify, 64 in flight': async (n: number) => {
    for (let i = 0; i < n; i += 64)
      await Promise.all(Array.from({ length: Math.min(64, n - i) }, (_, j) => jose(i + j)));
  },
};

for (const run of Object.values(runs)) await run(5000); // warm-up
for (const round of [1, 2]) {
  console.log(`round ${round}, ${count} verifications each`);
  for (const [name, run] of Object.entries(runs)) await rate(name, run);
}
