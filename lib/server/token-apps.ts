/**
 * The apps a server serves and which kind of token each takes: rx-rtm's
 * JWTs, signed with the app's secret (BEHAVIOUR §6), or the vendor's
 * AccessToken2, signed with its app certificate (BEHAVIOUR §9.1). The
 * configuration is checked once, at start; {@link verifyAppToken} is the one
 * place that picks a verifier.
 */
import type { TokenCheck } from './token.js';
import { AGORA_ID, verifyAgoraToken } from './token-agora.js';
import { verifyToken } from './token.js';

/** An app whose users log in with the vendor's AccessToken2 RTM tokens. */
export interface AgoraAppConfig {
  /** The app certificate from the vendor's console: 32 hex digits, as the backend's token builder is given it. */
  agoraAppCertificate: string;
}

/** One app's entry in `startServer({ apps })`: its secret (rx-rtm's JWTs), or an {@link AgoraAppConfig}. */
export type AppConfig = string | AgoraAppConfig;

/** The kinds of token an app may take. */
export const TokenKind = {
  /** rx-rtm's JWT (HS256) with the app's secret. */
  Jwt: 'JWT',
  /** The vendor's AccessToken2 with the app's certificate. */
  AccessToken2: 'ACCESS_TOKEN2',
} as const;
export type TokenKind = (typeof TokenKind)[keyof typeof TokenKind];

/** An app's configuration once checked, by the kind of token it takes. */
export type AppCredential =
  { kind: typeof TokenKind.Jwt; secret: string } | { kind: typeof TokenKind.AccessToken2; certificate: string };

/**
 * What is wrong with `config` as the entry of app `appId`, if anything,
 * phrased to follow the app's name. Never quotes a secret or certificate.
 */
export function appConfigProblem(appId: string, config: unknown): string | undefined {
  if (typeof config === 'string') return undefined;
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    return 'must be a secret (a string) or { agoraAppCertificate }';
  }
  const unknownKey = Object.keys(config).find((key) => key !== 'agoraAppCertificate');
  if (unknownKey !== undefined) return `has ${JSON.stringify(unknownKey)}: only agoraAppCertificate is known`;
  const { agoraAppCertificate } = config as Partial<AgoraAppConfig>;
  if (typeof agoraAppCertificate !== 'string' || !AGORA_ID.test(agoraAppCertificate)) {
    return 'must have an agoraAppCertificate of 32 hex digits';
  }
  if (!AGORA_ID.test(appId))
    return 'must have an id of 32 hex digits to take AccessToken2 tokens (agoraAppCertificate)';
  return undefined;
}

/** The credential of an entry that {@link appConfigProblem} passed. */
export function appCredential(config: AppConfig): AppCredential {
  return typeof config === 'string'
    ? { kind: TokenKind.Jwt, secret: config }
    : { kind: TokenKind.AccessToken2, certificate: config.agoraAppCertificate };
}

/** The apps option, checked: a clear error naming the app for an entry that could never verify a token. */
export function appCredentials(
  apps: Readonly<Record<string, AppConfig>> | ReadonlyMap<string, AppConfig>,
): ReadonlyMap<string, AppCredential> {
  const credentials = new Map<string, AppCredential>();
  for (const [appId, config] of Symbol.iterator in apps ? apps : Object.entries(apps)) {
    const problem = appConfigProblem(appId, config);
    if (problem) throw new TypeError(`apps: app ${JSON.stringify(appId)} ${problem}`);
    credentials.set(appId, appCredential(config));
  }
  return credentials;
}

/** Checks `token` for `uid` of `appId` with the verifier of the app's kind. */
export function verifyAppToken(app: AppCredential, token: string, appId: string, uid: string, now: number): TokenCheck {
  switch (app.kind) {
    case TokenKind.Jwt:
      return verifyToken(token, appId, uid, app.secret, now);
    case TokenKind.AccessToken2:
      return verifyAgoraToken(token, appId, uid, app.certificate, now);
  }
}
