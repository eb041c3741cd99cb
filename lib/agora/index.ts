/**
 * `rx-rtm/agora`: the original SDK's API (`agora-rtm-sdk` 1.x) over rx-rtm's client, for browsers, so that an app
 * written for that SDK runs on an rx-rtm server by changing its import (BEHAVIOUR §8). Node resolves the entry to
 * `node.js`, the same API with `ws`.
 *
 * @module rx-rtm/agora
 */
import type { WebSocketConstructor } from '../client/link.js';
import { agoraRtm } from './agora-rtm.js';

export * from './public-api.js';

const AgoraRTM = agoraRtm((globalThis as { WebSocket?: WebSocketConstructor }).WebSocket);
export default AgoraRTM;
