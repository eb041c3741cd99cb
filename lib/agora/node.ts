/** `rx-rtm/agora` in Node: the browser entry's API with `ws`, because Node 20 has no global WebSocket. */
import { WebSocket } from 'ws';
import { agoraRtm } from './agora-rtm.js';

export * from './public-api.js';

const AgoraRTM = agoraRtm(WebSocket);
export default AgoraRTM;
