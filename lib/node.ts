/**
 * `rx-rtm` in Node: the same API as the browser entry, with `ws` as the
 * WebSocket, because Node 20 has no global one.
 */
import { WebSocket } from 'ws';
import type { RtmClientOptions } from './client/options.js';
import { RtmClient } from './client/rtm-client.js';

export * from './public-api.js';

/** Creates a client; nothing connects until `login`. */
export function createClient(options: RtmClientOptions): RtmClient {
  return new RtmClient(options, WebSocket);
}
