/**
 * The BEHAVIOUR §7 guarantees across nodes that cluster.spec.ts and handoff.spec.ts leave open: two
 * real nodes on a real redis-server, real clients through the fault proxies. A sender and its
 * receiver moving to the other node at the same moment, while a peer there sends too; and offline
 * messages kept in Redis (once, at the next login on any node, in order, flagged, with their
 * acceptance time; never kept for a peer inside its grace).
 */
import { MessageInbox } from '../support/message-inbox.js';
import { Cluster, clusterFor, expect, redisForSuite, sleep, token } from './cluster-harness.js';

const GRACE_MS = 3000;

describe('cluster: message guarantees across nodes', function () {
  this.timeout(60_000);
  const redis = redisForSuite();

  // In a block of its own, so that its nodes stop before Redis does.
  describe('two nodes', () => {
    const cluster = clusterFor(redis, { nodes: 2, presenceGraceMs: GRACE_MS, unreachableMs: 1000 });
    afterEach(() => cluster().proxies[0].retarget({ port: cluster().nodes[0].port }));

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
        await inbox.count(3, 8000);
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
