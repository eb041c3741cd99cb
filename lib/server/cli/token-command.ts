/**
 * `rx-rtm-server token`: a token for a user of an app, minted with the app's
 * secret, or with its app certificate for an app that takes the vendor's
 * AccessToken2 (BEHAVIOUR §9.1).
 */
import { nameProblem } from '../../protocol/names.js';
import { createAgoraToken } from '../token-agora.js';
import { appCredential, TokenKind, type AppCredential } from '../token-apps.js';
import { createToken } from '../token.js';
import { loadApps } from './apps.js';
import { UsageError, type CliIo } from './io.js';
import { integer } from './settings.js';

export interface TokenRequest {
  appId: string;
  uid: string;
  expiresInSeconds: number;
  app: AppCredential;
}

export interface TokenFlags {
  app: string;
  uid: string;
  expiresIn?: string;
  appsFile?: string;
}

/** The token asked for, checked; the apps file may be given before the subcommand (`programAppsFile`). */
export function tokenRequest(flags: TokenFlags, programAppsFile: string | undefined, env: CliIo['env']): TokenRequest {
  const apps = loadApps(flags.appsFile ?? programAppsFile, env);
  const app = apps.get(flags.app);
  if (app === undefined) throw new UsageError(`--app: no app ${JSON.stringify(flags.app)} among the apps given`);
  const problem = nameProblem(flags.uid);
  if (problem) throw new UsageError(`--uid ${problem}`);
  const expiresInSeconds = integer(
    flags.expiresIn === undefined ? undefined : { source: '--expires-in', raw: flags.expiresIn },
    3600,
    1,
    31_622_400,
  );
  return { appId: flags.app, uid: flags.uid, expiresInSeconds, app: appCredential(app) };
}

/** Prints the token, one line. */
export function printToken({ app, ...request }: TokenRequest, io: Pick<CliIo, 'stdout'>): void {
  const token =
    app.kind === TokenKind.Jwt
      ? createToken({ ...request, appSecret: app.secret })
      : createAgoraToken({ ...request, appCertificate: app.certificate });
  io.stdout.write(`${token}\n`);
}
