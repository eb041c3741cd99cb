/**
 * The BEHAVIOUR §7 guarantees across nodes that cluster.spec.ts and handoff.spec.ts leave open: two
 * real nodes on a real redis-server, real clients through the fault proxies. A sender and its
 * receiver moving to the other node at the same moment, while a peer there sends too; a send
 * repeated on the resumed session on the other node, delivered once (Redis remembers its id); and offline
 * messages kept in Redis (once, at the next login on any node, in order, flagged, with their
 * acceptance time; never kept for a peer inside its grace).
 */
import { RawClient } from '../server/raw-client.js';
import { MessageInbox } from '../support/message-inbox.js';
import { APP, Cluster, clusterFor, expect, redisForSuite, sleep, token } from './cluster-harness.js';

const GRACE_MS = 3000;

describe('cluster: message guarantees across nodes', function () {
  this.timeout(60_000);
  const redis = redisForSuite();

  // In a block of its own, so that its nodes stop before Redis does.
  describe('two nodes', () => {
    const cluster = clusterFor(redis, { nodes: 2, presenceGraceMs: GRACE_MS, unreachableMs: 1000 });
    afterEach(() => {
      cluster().proxies[0].retarget({ port: cluster().nodes[0].port });
      RawClient.terminateAll();
    });

    it('a send repeated under its id on its session resumed on the other node: answered alike, sent once', async () => {
      // The raw protocol, so that the answer is surely lost and the repeat surely reaches the server.
      const receiver = await cluster().user('mr-receiver', 1);
      const inbox = new MessageInbox(receiver.client, ['mr-room']);
      await Cluster.join(receiver, 'mr-room');
      const login = async (index: number, session?: string) => {
        const client = await RawClient.connect(`ws://127.0.0.1:${cluster().proxies[index].port}/`);
        const resume = session === undefined ? {} : { session, seq: 0 };
        const welcome = await client.request({
          t: 'login',
          app: APP,
          uid: 'mr-sender',
          token: token('mr-sender'),
          ...resume,
        });
        return { client, welcome };
      };
      const data = (text: string) => ({ type: 'TEXT', data: Buffer.from(text).toString('base64') });
      const sends = [
        { t: 'sendPeer', id: 2, to: 'mr-receiver', ...data('peer') },
        { t: 'sendChannel', id: 3, channel: 'mr-room', ...data('room') },
      ];
      const first = await login(0);
      expect((await first.client.request({ t: 'join', id: 1, channel: 'mr-room' })).t).to.equal('joined');
      const answers = [];
      for (const send of sends) answers.push(await first.client.request(send));
      first.client.terminate();
      const again = await login(1, first.welcome.session as string);
      expect(again.welcome).to.deep.include({ t: 'welcome', session: first.welcome.session, resumed: true });
      for (const send of sends) answers.push(await again.client.request(send));
      answers.push(await again.client.request({ t: 'sendPeer', id: 4, to: 'mr-receiver', ...data('after') }));
      expect(answers).to.deep.equal([
        { t: 'sent', id: 2, received: true },
        { t: 'done', id: 3 },
        { t: 'sent', id: 2, received: true },
        { t: 'done', id: 3 },
        { t: 'sent', id: 4, received: true },
      ]);
      await inbox.count(3, 3000);
      expect(inbox.texts).to.deep.equal(['mr-sender:peer', 'mr-room/mr-sender:room', 'mr-sender:after']);
    });

    it(
      'a sender and its receiver move to the other node at once, mid-stream, while a member there sends too: ' +
        'peer and channel messages arrive once each, in order per sender, and no one changes state',
      async () => {
        const sender = await cluster().user('mg-sender', 0);
        const receiver = await cluster().user('mg-receiver', 0);
        const other = await cluster().user('mg-other', 1);
        const inbox = new MessageInbox(receiver.client, ['mg-room']);
        const otherInbox = new MessageInbox(other.client, ['mg-room']);
        const rooms = await Promise.all([sender, receiver, other].map((user) => Cluster.join(user, 'mg-room')));
        const sends: Array<Promise<unknown>> = [];
        for (let i = 0; i < 40; i++) {
          sends.push(sender.client.sendMessageToPeer({ text: `s${i}` }, 'mg-receiver'));
          sends.push(other.client.sendMessageToPeer({ text: `o${i}` }, 'mg-receiver'));
          if (i % 4 === 0) sends.push(rooms[0].channel.sendMessage({ text: `c${i}` }));
          if (i === 20) {
            // The load balancer now sends both to node 2, and their links break with sends and events in flight.
            cluster().proxies[0].retarget({ port: cluster().nodes[1].port });
            cluster().proxies[0].reset();
          }
          await sleep(10);
        }
        const answers = await Promise.all(sends);
        expect(answers.filter((answer) => answer !== undefined)).to.deep.equal(
          Array(80).fill({ hasPeerReceived: true }),
        );
        await inbox.count(90, 8000);
        const from = (prefix: string) => inbox.texts.filter((text) => text.startsWith(prefix));
        const numbered = (prefix: string, step = 1) =>
          Array.from({ length: 40 / step }, (_, i) => `${prefix}${i * step}`);
        expect(from('mg-sender:')).to.deep.equal(numbered('mg-sender:s'));
        expect(from('mg-other:')).to.deep.equal(numbered('mg-other:o'));
        expect(from('mg-room/')).to.deep.equal(numbered('mg-room/mg-sender:c', 4));
        expect(inbox.texts.length).to.equal(90);
        expect(otherInbox.texts).to.deep.equal(numbered('mg-room/mg-sender:c', 4));
        for (const { states } of [sender, receiver])
          expect(states.pairs).to.deep.equal(['DISCONNECTED/LOGOUT', 'CONNECTING/LOGIN', 'CONNECTED/LOGIN_SUCCESS']);
      },
    );

    it(
      'offline messages kept in Redis: once, at the next login (on the other node), in order, flagged, with ' +
        'their acceptance time; a send to a peer inside its grace is delivered live and not kept',
      async () => {
        const sender = await cluster().user('mo-sender', 0);
        const offline = { enableOfflineMessaging: true };
        const sentAt: number[] = [];
        for (const [i, options] of [offline, undefined, offline].entries()) {
          sentAt.push(Date.now());
          const answer = await sender.client.sendMessageToPeer({ text: `kept${i}` }, 'mo-receiver', options);
          expect(answer).to.deep.equal({ hasPeerReceived: false });
        }
        await sleep(1000);
        const client = cluster().client(1, { interruptionThresholdMs: 1500 }); // on node 2
        const inbox = new MessageInbox(client);
        const loginAt = Date.now();
        await client.login({ uid: 'mo-receiver', token: token('mo-receiver') });
        await inbox.count(2, 3000);

        // Inside its grace (its link dark long enough to be RECONNECTING): true, and live on its return.
        cluster().proxies[1].blackhole();
        await sleep(2000);
        const answer = await sender.client.sendMessageToPeer({ text: 'live' }, 'mo-receiver', offline);
        expect(answer).to.deep.equal({ hasPeerReceived: true });
        await cluster().proxies[1].pass();
        await inbox.count(3, 12_000);
        // Taken once, and the live one was not kept as well: the next login, on node 1, gets nothing.
        await client.logout();
        await sleep(600); // BEHAVIOUR §5.4: at most 2 logins of a uid a second
        const again = cluster().client(0);
        const later = new MessageInbox(again);
        await again.login({ uid: 'mo-receiver', token: token('mo-receiver') });
        await sleep(500);
        expect(later.got).to.deep.equal([]);
        expect(inbox.got.map(({ from, offline, message }) => ({ from, offline, message }))).to.deep.equal([
          { from: 'mo-sender', offline: true, message: { messageType: 'TEXT', text: 'kept0' } },
          { from: 'mo-sender', offline: true, message: { messageType: 'TEXT', text: 'kept2' } },
          { from: 'mo-sender', offline: false, message: { messageType: 'TEXT', text: 'live' } },
        ]);
        expect(inbox.got[0].ts).to.be.within(sentAt[0], sentAt[1]);
        expect(inbox.got[1].ts).to.be.within(sentAt[2], loginAt - 900);
      },
    );
  });
});
