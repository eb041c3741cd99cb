/**
 * The demo's server side without a browser: its HTTP routes, and the link
 * control (`DemoServer.cutLink`) seen by the Node client. Runs with or without Chromium.
 */
import { expect } from 'chai';
import { performance } from 'node:perf_hooks';
import { createClient, type RtmClient } from '../../lib/node.js';
import { startDemo, type DemoServer } from '../../lib/server/demo/demo-server.js';
import { startServer, verifyToken } from '../../lib/server/index.js';
import { sleep, StateRecorder } from '../support/state-recorder.js';

describe('the demo server', function () {
  this.timeout(15_000);
  let demo: DemoServer;
  const clients: RtmClient[] = [];
  const http = (path: string, init?: RequestInit) => fetch(new URL(path, demo.pageUrl), init);

  async function loggedIn(uid: string): Promise<{ client: RtmClient; states: StateRecorder }> {
    const { token } = (await (await http(`/demo/token?uid=${uid}`)).json()) as { token: string };
    const client = createClient({ url: demo.server.url, appId: demo.appId });
    clients.push(client);
    const states = new StateRecorder(client);
    await client.login({ uid, token });
    return { client, states };
  }

  before(async () => {
    demo = await startDemo({ port: 0 });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.destroy()));
  });
  after(async () => {
    await demo.close();
  });

  it('serves the page, its bundled script and its style', async () => {
    const page = await http('/');
    expect(page.headers.get('content-type')).to.equal('text/html; charset=utf-8');
    expect(await page.text()).to.contain('<script type="module" src="/demo/demo.js"></script>');
    const script = await http('/demo/demo.js');
    expect(script.headers.get('content-type')).to.equal('text/javascript; charset=utf-8');
    expect(await script.text())
      .to.contain('connectionState$')
      .and.to.contain('//# sourceMappingURL=demo.js.map');
    expect((await http('/demo/style.css')).status).to.equal(200);
    expect(await (await http('/demo/config')).json()).to.deep.equal({ appId: 'demo', presenceGraceMs: 30_000 });
  });

  it('mints a token for a valid uid, signed with the app secret, and refuses an invalid one', async () => {
    const answer = (await (await http('/demo/token?uid=alice')).json()) as {
      appId: string;
      uid: string;
      token: string;
    };
    expect([answer.appId, answer.uid]).to.deep.equal(['demo', 'alice']);
    expect(verifyToken(answer.token, 'demo', 'alice', demo.appSecret, Date.now()).ok).to.equal(true);
    const refused = await http('/demo/token?uid=null');
    expect(refused.status).to.equal(400);
    expect(await refused.json()).to.deep.equal({ error: 'uid must not be the string "null"' });
  });

  it('cuts links only on a POST with a valid uid and duration, from no other origin', async () => {
    expect((await http('/demo/cut?uid=alice&ms=1000')).status).to.equal(405);
    expect((await http('/demo/cut?uid=alice&ms=0', { method: 'POST' })).status).to.equal(400);
    expect((await http('/demo/cut?ms=1000', { method: 'POST' })).status).to.equal(400);
    const foreign = await http('/demo/cut?uid=alice&ms=1000', {
      method: 'POST',
      headers: { origin: 'http://evil.example' },
    });
    expect(foreign.status).to.equal(403);
    const own = await http('/demo/cut?uid=nobody&ms=10', {
      method: 'POST',
      headers: { origin: new URL(demo.pageUrl).origin },
    });
    expect(await own.json()).to.deep.equal({ uid: 'nobody', ms: 10 });
  });

  it('holds a cut link both ways without closing it', async () => {
    // A 1.5 s cut shows no state change, and delays what a peer did.
    const alice = await loggedIn('alice');
    const bob = await loggedIn('bob');
    const aliceRoom = alice.client.createChannel('room');
    await aliceRoom.join();
    await bob.client.createChannel('room').join();
    const left: number[] = [];
    aliceRoom.memberLeft$.subscribe(() => left.push(performance.now()));

    const cutAt = performance.now();
    demo.cutLink('alice', 1500);
    await bob.client.createChannel('room').leave();
    await sleep(1000);
    expect(left, 'bob left while the link was cut').to.deep.equal([]);
    await sleep(1500);
    expect(left).to.have.length(1);
    expect(left[0] - cutAt).to.be.within(1450, 2000);
    expect(alice.states.pairs).to.deep.equal(['DISCONNECTED/LOGOUT', 'CONNECTING/LOGIN', 'CONNECTED/LOGIN_SUCCESS']);
  });

  it('leaves the production server without link control: no option for it, no cutLink', async () => {
    // @ts-expect-error: link control is the demo's, composed around the server, never a server option.
    const plain = await startServer({ port: 0, apps: { demo: 'a-secret-of-some-length' }, linkControl: true });
    try {
      expect(plain).not.to.have.property('cutLink');
      expect(demo.server).not.to.have.property('cutLink');
    } finally {
      await plain.close();
    }
  });
});
