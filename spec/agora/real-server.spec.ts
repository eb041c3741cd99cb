/**
 * rx-rtm/agora's Node entry (over `ws`) against the real server: a refused login rejects with the SDK's number and
 * leaves the instance, and a fresh one, ready to log in; two instances exchange a message.
 */
import { expect } from 'chai';
import AgoraRTM, { type AgoraRtmError, type RtmClient } from '../../lib/agora/node.js';
import { createToken, startServer, type RtmServer } from '../../lib/server/index.js';

const APP = 'agora';
const SECRET = 'agora-secret';
const token = (uid: string) => createToken({ appId: APP, appSecret: SECRET, uid, expiresInSeconds: 3600 });

describe('rx-rtm/agora against the real server', function () {
  this.timeout(10_000);
  let server: RtmServer;
  const clients: RtmClient[] = [];
  const instance = () => {
    const client = AgoraRTM.createInstance(APP, { url: server.url });
    clients.push(client);
    return client;
  };

  before(async () => {
    server = await startServer({ port: 0, apps: { [APP]: SECRET } });
  });
  after(async () => {
    await Promise.all(clients.map((client) => client.logout()));
    await server.close();
  });

  it('rejects a bad token with 5 INVALID_TOKEN, then logs in on the same instance and on a new one', async () => {
    const first = instance();
    const states: string[] = [];
    first.on('ConnectionStateChanged', (state, reason) => states.push(`${state} ${reason}`));
    const refused = await first.login({ uid: 'alice', token: token('bob') }).catch((error: AgoraRtmError) => error);
    expect(refused).to.include({ code: 5, reason: 'INVALID_TOKEN' });
    await first.login({ uid: 'alice', token: token('alice') });
    await instance().login({ uid: 'carol', token: token('carol') });
    expect(states).to.deep.equal([
      'CONNECTING LOGIN',
      'DISCONNECTED LOGIN_FAILURE',
      'CONNECTING LOGIN',
      'CONNECTED LOGIN_SUCCESS',
    ]);
  });

  it('carries a peer message between two instances', async () => {
    const [dave, erin] = [instance(), instance()];
    await Promise.all([
      dave.login({ uid: 'dave', token: token('dave') }),
      erin.login({ uid: 'erin', token: token('erin') }),
    ]);
    const received = new Promise<unknown[]>((resolve) =>
      erin.once('MessageFromPeer', (message, peerId) => resolve([message, peerId])),
    );
    expect(await dave.sendMessageToPeer({ text: 'hi erin' }, 'erin')).to.deep.equal({ hasPeerReceived: true });
    expect(await received).to.deep.equal([{ messageType: 'TEXT', text: 'hi erin' }, 'dave']);
  });
});
