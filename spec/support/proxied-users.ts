/**
 * The users of an integration suite: real clients logged in to the suite's server, straight or through its
 * fault proxy (`cut`), each with its state recorder, destroyed after every test. Call it before the suite's
 * own `afterEach` that closes the proxy and the server, so that the clients go first.
 */
import { createClient, type RtmClient, type RtmClientOptions } from '../../lib/node.js';
import type { RtmServer } from '../../lib/server/index.js';
import type { FaultProxy } from './fault-proxy.js';
import { StateRecorder } from './state-recorder.js';

export interface ProxiedUsersSettings {
  /** The server and the proxy in front of it, as the running test has them. */
  readonly rig: () => { server: RtmServer; proxy: FaultProxy };
  readonly appId: string;
  readonly token: (uid: string) => string;
  /** Options every client gets, under the ones a call gives. */
  readonly defaults?: Partial<RtmClientOptions>;
}

export function proxiedUsers({ rig, appId, token, defaults = {} }: ProxiedUsersSettings) {
  const clients: RtmClient[] = [];
  afterEach(() => Promise.all(clients.splice(0).map((client) => client.destroy())));
  /** `setUp` runs on the client before it logs in (a part the test needs from the first event on). */
  async function user(
    uid: string,
    cut: boolean,
    options: Partial<RtmClientOptions> = {},
    setUp?: (client: RtmClient) => void,
  ) {
    const { server, proxy } = rig();
    const url = cut ? `ws://127.0.0.1:${proxy.port}/` : server.url;
    const client = createClient({ url, appId, ...defaults, ...options });
    clients.push(client);
    const states = new StateRecorder(client);
    setUp?.(client);
    await client.login({ uid, token: token(uid) });
    return { client, states };
  }
  return { user, clients };
}
