/**
 * A receiver that resumes on another node gets what its old node held
 * (BEHAVIOUR §7, docs/CLUSTER.md "Sessions that move between nodes"): two
 * real nodes on a real redis-server, links cut with the fault proxy. The
 * receivers speak the raw protocol where a test must see the welcome (`gap`
 * or not) and every frame the server sends, duplicates included; the real
 * client where the goaway path of the library itself is the point.
 */
import { performance } from 'node:perf_hooks';
import { RawClient, type Frame } from '../server/raw-client.js';
import { redisClusterForSuite } from '../support/redis-cluster.js';
import {
  APP,
  Cluster,
  clusterFor,
  eventually,
  expect,
  redisForSuite,
  sleep,
  token,
  type SharedRedis,
} from './cluster-harness.js';

const GRACE_MS = 3000;
const UNREACHABLE_MS = 1000;
/** The server's default wait for a handoff. */
const HANDOFF_WAIT_MS = 1000;

/** A text message's text (it travels as its UTF-8 in base64). */
const text = (frame: Frame) => Buffer.from(String(frame.data), 'base64').toString();

/** An event frame in a few words: what a test compares. */
function summary(frame: Frame): string {
  switch (frame.t) {
    case 'peerMessage':
      return `peer ${String(frame.from)}:${text(frame)}`;
    case 'channelMessage':
      return `channel ${String(frame.from)}:${text(frame)}`;
    case 'member':
      return `${frame.joined === true ? 'joined' : 'left'} ${String(frame.uid)}`;
    case 'status':
      return `status ${JSON.stringify(frame.statuses)}`;
    default:
      return JSON.stringify(frame);
  }
}

/** A receiver on the raw protocol, through node `index`'s proxy, keeping track of the last event it read. */
class Receiver {
  lastSeq: number;
  private nextId = 1;

  private constructor(
    readonly client: RawClient,
    readonly welcome: Frame,
    seq: number,
  ) {
    this.lastSeq = seq;
  }

  static async login(cluster: Cluster, index: number, uid: string, resume?: Receiver): Promise<Receiver> {
    const client = await RawClient.connect(`ws://127.0.0.1:${cluster.proxies[index].port}/`);
    const from = resume ? { session: resume.session, seq: resume.lastSeq } : {};
    const welcome = await client.request({ t: 'login', app: APP, uid, token: token(uid), ...from }, 5000);
    expect(welcome.t, JSON.stringify(welcome)).to.equal('welcome');
    client.keepAlive(300);
    return new Receiver(client, welcome, resume?.lastSeq ?? 0);
  }

  get session(): string {
    return this.welcome.session as string;
  }

  /** Sends a request and answers its reply (no event may come in between). */
  async request(frame: object): Promise<Frame> {
    const reply = await this.client.request({ ...frame, id: this.nextId++ });
    expect(reply.id, JSON.stringify(reply)).to.equal(this.nextId - 1);
    return reply;
  }

  /** The next `count` frames, each an event numbered right after the one before. */
  async events(count: number, timeoutMs = 3000): Promise<Frame[]> {
    const frames: Frame[] = [];
    for (let i = 0; i < count; i++) {
      const frame = await this.client.next(timeoutMs);
      expect(frame.seq, `${JSON.stringify(frame)} after seq ${this.lastSeq}`).to.equal(this.lastSeq + 1);
      this.lastSeq++;
      frames.push(frame);
    }
    return frames;
  }
}

/** The welcome of a resume, and whether it says `gap`. */
function expectResumed(receiver: Receiver, session: string, gap: boolean): void {
  const { t, resumed } = receiver.welcome;
  expect({ t, session: receiver.session, resumed, gap: receiver.welcome.gap === true }).to.deep.equal({
    t: 'welcome',
    session,
    resumed: true,
    gap,
  });
}

describe('cluster: a receiver resumed on another node gets what its old node held', function () {
  this.timeout(60_000);
  const redis = redisForSuite();
  afterEach(() => {
    RawClient.terminateAll();
  });

  // In a block of its own, so that its nodes stop before Redis does.
  describe('two nodes', () => {
    const { cluster, moveLink } = twoNodes(redis);
    heldMessagesHandedOver(cluster, moveLink);

    it('presence events held for it are handed over too (no MemberLeft lost); its subscriptions go on', async () => {
      // They are the old node's alone: the new one reports the statuses now once it took the subscriptions over.
      const peer = await cluster().user('hp-peer', 1);
      await Cluster.join(peer, 'hp-room');
      const watched = await cluster().user('hp-watched', 1);
      const receiver = await Receiver.login(cluster(), 0, 'hp-receiver');
      expect((await receiver.request({ t: 'join', channel: 'hp-room' })).members).to.have.members([
        'hp-peer',
        'hp-receiver',
      ]);
      expect((await receiver.request({ t: 'subscribe', uids: ['hp-watched'] })).t).to.equal('done');
      expect((await receiver.events(1)).map(summary)).to.deep.equal(['status {"hp-watched":"ONLINE"}']);

      cluster().proxies[0].blackhole();
      const late = await cluster().user('hp-late', 1);
      await Cluster.join(late, 'hp-room');
      await peer.client.logout();
      await watched.client.logout();
      await sleep(300);
      await moveLink();

      const back = await Receiver.login(cluster(), 0, 'hp-receiver', receiver);
      expectResumed(back, receiver.session, false);
      expect((await back.events(4)).map(summary)).to.deep.equal([
        'joined hp-late',
        'left hp-peer',
        'status {"hp-watched":"OFFLINE"}',
        'status {"hp-watched":"OFFLINE"}',
      ]);
      await back.client.quiet(300);
      // The subscription lives on the new node now.
      await sleep(600); // BEHAVIOUR §5: at most 2 logins of a uid a second
      await cluster().user('hp-watched', 1);
      expect((await back.events(1)).map(summary)).to.deep.equal(['status {"hp-watched":"ONLINE"}']);
    });

    it('through a goaway: a closing node hands over each session whose client resumed elsewhere', async () => {
      // The real client: all of a sender's messages arrive once, in order, while its node shuts down.
      const receiver = await cluster().user('hg-receiver', 0);
      const sender = await cluster().user('hg-sender', 1);
      const got: string[] = [];
      receiver.client.messageFromPeer$.subscribe(({ message }) => got.push('text' in message ? message.text : ''));
      cluster().proxies[0].retarget({ port: cluster().nodes[1].port });
      const sends: Array<Promise<unknown>> = [];
      let closing: Promise<unknown> | undefined;
      for (let i = 0; i < 100; i++) {
        sends.push(sender.client.sendMessageToPeer({ text: `${i}` }, 'hg-receiver'));
        if (i === 30) closing = cluster().nodes[0].request({ cmd: 'close' });
        await sleep(10);
      }
      expect(await Promise.all(sends)).to.deep.equal(Array(100).fill({ hasPeerReceived: true }));
      await eventually(() => {
        expect(got.length).to.be.at.least(100);
      }, 5000);
      await closing;
      await sleep(300);
      expect(got).to.deep.equal(Array.from({ length: 100 }, (_, i) => `${i}`));
      expect(receiver.states.pairs).to.deep.equal([
        'DISCONNECTED/LOGOUT',
        'CONNECTING/LOGIN',
        'CONNECTED/LOGIN_SUCCESS',
      ]);
    });

    it(
      'its old node was killed: the resume says gap after the wait; what that node held is lost, nothing comes ' +
        'twice, and what was sent during the wait comes',
      async () => {
        const sender = await cluster().user('hk-sender', 1);
        const receiver = await Receiver.login(cluster(), 0, 'hk-receiver');
        await sender.client.sendMessageToPeer({ text: 'seen' }, 'hk-receiver');
        expect((await receiver.events(1)).map(summary)).to.deep.equal(['peer hk-sender:seen']);
        cluster().proxies[0].blackhole();
        for (let i = 0; i < 5; i++) await sender.client.sendMessageToPeer({ text: `held${i}` }, 'hk-receiver');
        await sleep(300);
        await cluster().nodes[0].kill();
        await moveLink();

        const startedAt = performance.now();
        const resuming = Receiver.login(cluster(), 0, 'hk-receiver', receiver);
        await sleep(HANDOFF_WAIT_MS / 2); // the new node waits for a handoff that never comes
        await sender.client.sendMessageToPeer({ text: 'during' }, 'hk-receiver');
        const back = await resuming;
        const waited = performance.now() - startedAt;
        console.log(`      welcomed with a gap ${waited.toFixed(0)} ms after the resume was sent`);
        expect(waited).to.be.within(HANDOFF_WAIT_MS, HANDOFF_WAIT_MS + 1000);
        expectResumed(back, receiver.session, true);
        expect((await back.events(1)).map(summary)).to.deep.equal(['peer hk-sender:during']);
        await back.client.quiet(300);
        await sender.client.sendMessageToPeer({ text: 'later' }, 'hk-receiver');
        expect((await back.events(1)).map(summary)).to.deep.equal(['peer hk-sender:later']);
      },
    );
  });
});

describe('cluster: a receiver resumed on another node, on a Redis Cluster of three primaries', function () {
  this.timeout(60_000);
  const { cluster, moveLink } = twoNodes(redisClusterForSuite());
  afterEach(() => {
    RawClient.terminateAll();
  });
  heldMessagesHandedOver(cluster, moveLink);
});

/** Two nodes on `redis`, node 1 back behind its proxy after each test; `moveLink` sends node 1's clients to node 2. */
function twoNodes(redis: () => SharedRedis): { cluster: () => Cluster; moveLink: () => Promise<void> } {
  const cluster = clusterFor(redis, {
    nodes: 2,
    presenceGraceMs: GRACE_MS,
    unreachableMs: UNREACHABLE_MS,
    shutdownGraceMs: 3000,
  });

  /** Sends the receiver's link to node 2 and breaks it (what it held is lost): the client comes back there. */
  async function moveLink(): Promise<void> {
    cluster().proxies[0].retarget({ port: cluster().nodes[1].port });
    cluster().proxies[0].reset();
    await cluster().proxies[0].pass();
  }

  afterEach(async () => {
    // Node 1 back, if a test closed or killed it (restarting retargets its proxy).
    if (cluster().nodes[0].alive) cluster().proxies[0].retarget({ port: cluster().nodes[0].port });
    else await cluster().restartNode(0);
    await cluster().proxies[0].pass();
  });
  return { cluster, moveLink };
}

function heldMessagesHandedOver(cluster: () => Cluster, moveLink: () => Promise<void>): void {
  it(
    'its link died while a sender on the other node sent peer and channel messages: back through that node ' +
      'within the grace, it gets each once, in the order sent, with no gap',
    async () => {
      const sender = await cluster().user('ha-sender', 1);
      const { channel } = await Cluster.join(sender, 'ha-room');
      const receiver = await Receiver.login(cluster(), 0, 'ha-receiver');
      expect((await receiver.request({ t: 'join', channel: 'ha-room' })).t).to.equal('joined');
      // Seen before the cut: it must not come again.
      await sender.client.sendMessageToPeer({ text: 'seen' }, 'ha-receiver');
      expect((await receiver.events(1)).map(summary)).to.deep.equal(['peer ha-sender:seen']);

      cluster().proxies[0].blackhole();
      const expected: string[] = [];
      const sends: Array<Promise<unknown>> = [];
      for (let i = 0; i < 30; i++) {
        sends.push(sender.client.sendMessageToPeer({ text: `p${i}` }, 'ha-receiver'));
        expected.push(`peer ha-sender:p${i}`);
        if (i % 3 === 0) {
          sends.push(channel.sendMessage({ text: `c${i}` }));
          expected.push(`channel ha-sender:c${i}`);
        }
      }
      const answers = await Promise.all(sends);
      expect(answers.filter((answer) => answer !== undefined)).to.deep.equal(Array(30).fill({ hasPeerReceived: true }));
      await sleep(300); // node 1 has them all, for a receiver it cannot reach
      await moveLink();

      const resumedFrom = performance.now();
      const back = await Receiver.login(cluster(), 0, 'ha-receiver', receiver);
      const took = performance.now() - resumedFrom;
      console.log(`      connected and welcomed with the handoff (${expected.length} events) in ${took.toFixed(0)} ms`);
      expectResumed(back, receiver.session, false);
      expect((await back.events(expected.length)).map(summary)).to.deep.equal(expected);
      await back.client.quiet(300);
      // Later ones follow in the same sequence, from the new node.
      await sender.client.sendMessageToPeer({ text: 'later' }, 'ha-receiver');
      expect((await back.events(1)).map(summary)).to.deep.equal(['peer ha-sender:later']);
      expect(await cluster().nodes[0].sessions()).to.equal(0);
    },
  );
}
