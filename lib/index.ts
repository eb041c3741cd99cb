/**
 * `rx-rtm`: the client, for browsers (the platform's `WebSocket`). Node
 * resolves the package to `node.js`, which is the same API with `ws`.
 *
 * @module rx-rtm
 */
import type { RtmClientOptions } from './client/options.js';
import { RtmClient } from './client/rtm-client.js';
import type { WebSocketConstructor } from './client/link.js';

export * from './public-api.js';

/** Creates a client; nothing connects until `login`. */
export function createClient(options: RtmClientOptions): RtmClient {
  const platform = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  return new RtmClient(options, platform);
}
