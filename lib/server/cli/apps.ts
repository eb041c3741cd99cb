/** The apps (id → secret or `{ agoraAppCertificate }`) the command serves or mints tokens for. */
import { readFileSync } from 'node:fs';
import { nameProblem } from '../../protocol/names.js';
import { appConfigProblem, type AppConfig } from '../token-apps.js';
import { UsageError, type CliIo } from './io.js';
import { envValue, setting } from './settings.js';

/** Shortest app secret accepted: a short HMAC key can be guessed from one token. */
export const MIN_SECRET_LENGTH = 16;

/**
 * The apps from `--apps-file` / `RTM_APPS_FILE` or from `RTM_APPS`. No
 * message quotes the JSON or a secret.
 */
export function loadApps(flagPath: string | undefined, env: CliIo['env']): ReadonlyMap<string, AppConfig> {
  const file = setting(flagPath, '--apps-file', env, 'RTM_APPS_FILE');
  const inline = envValue(env, 'RTM_APPS');
  if (file !== undefined && inline !== undefined) {
    throw new UsageError(`give the apps either in a file (${file.source}) or in RTM_APPS, not both`);
  }
  let text: string;
  let where: string;
  if (file !== undefined) {
    where = `the apps file ${JSON.stringify(file.raw)}`;
    try {
      text = readFileSync(file.raw, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new UsageError(`cannot read ${where} (${file.source}): ${code}`);
    }
  } else if (inline !== undefined) {
    where = 'RTM_APPS';
    text = inline;
  } else {
    throw new UsageError(
      'no apps: give a JSON file of app id → secret with --apps-file or RTM_APPS_FILE, or that JSON in RTM_APPS',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text, secrets included: never show it.
    throw new UsageError(`${where} is not valid JSON`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new UsageError(`${where} must hold a JSON object of app id → secret`);
  }
  const entries = Object.entries(json as Record<string, unknown>);
  if (entries.length === 0) throw new UsageError(`${where} holds no app`);
  const apps = new Map<string, AppConfig>();
  for (const [appId, config] of entries) {
    const problem = nameProblem(appId);
    if (problem) throw new UsageError(`${where}: app id ${JSON.stringify(appId)} ${problem}`);
    if (typeof config === 'object' && config !== null && !Array.isArray(config)) {
      // { agoraAppCertificate } (BEHAVIOUR §9.1), checked as startServer checks it.
      const agoraProblem = appConfigProblem(appId, config);
      if (agoraProblem) throw new UsageError(`${where}: app ${JSON.stringify(appId)} ${agoraProblem}`);
    } else if (typeof config !== 'string' || config.length < MIN_SECRET_LENGTH) {
      throw new UsageError(
        `${where}: the secret of app ${JSON.stringify(appId)} ` +
          `must be a string of at least ${MIN_SECRET_LENGTH} characters`,
      );
    }
    apps.set(appId, config as AppConfig);
  }
  return apps;
}
