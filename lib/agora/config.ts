/**
 * What `createInstance(appId, config)` takes: the original SDK's options, which mean nothing here and are ignored,
 * and rx-rtm's client options, `url` first. Without a `url` a page connects to its own origin (BEHAVIOUR §8).
 */
import type { RtmClientOptions } from '../client/options.js';
import { agoraError } from './agora-error.js';

/** The original SDK's log levels; taken and ignored (rx-rtm logs nothing by itself). */
export interface LogFilterType {
  error: boolean;
  warn: boolean;
  info: boolean;
  track: boolean;
  debug: boolean;
}

/** The second argument of `createInstance`, and what `updateConfig` takes. */
export interface RtmConfig extends Partial<Omit<RtmClientOptions, 'appId'>> {
  /** Ignored: there is no vendor to upload logs to. */
  enableLogUpload?: boolean;
  /** Ignored: rx-rtm logs nothing by itself. */
  logFilter?: LogFilterType;
  /** Ignored: the app's server is reached directly (put a proxy in `url` if there is one). */
  enableCloudProxy?: boolean;
}

/** Where a page's client connects when given no `url`: its own origin, `wss:` for `https:` pages, else `ws:`. */
export function serverUrl(config: RtmConfig): string {
  if (config.url !== undefined) return config.url;
  const page = (globalThis as { location?: { protocol: string; host: string } }).location;
  if (!page?.host) {
    throw agoraError(
      'createInstance',
      'INVALID_ARGUMENT',
      'no server URL: outside a browser page there is no origin to connect to; pass createInstance(appId, { url })',
    );
  }
  return `${page.protocol === 'https:' ? 'wss:' : 'ws:'}//${page.host}/`;
}
