/**
 * Channels, presence, attributes, online status and the BEHAVIOUR §5 limits, over
 * real sockets in the raw protocol (lib/protocol/frames.ts). Every frame a
 * test reads is compared whole; `quiet` proves that nothing else came.
 */
import { expect } from 'chai';
import { performance } from 'node:perf_hooks';
import { createToken, type RtmServer, type ServerClock } from '../../lib/server/index.js';
import { RawClient, serverFixture, type Frame } from './raw-client.js';

const secrets: Record<string, string> = { app1: 'secret1', app2: 'secret2' };

type Fields = Record<string, unknown>;

interface User {
  client: RawClient;
  welcome: Frame;
  session: string;
}

/** A clock whose monotonic side can jump ahead, to get past the login rate limit without waiting. */
function skewableClock(): { clock: ServerClock; jump: (ms: number) => void } {
  let skew = 0;
  return {
    clock: { monotonic: () => performance.now() + skew, wall: () => Date.now() },
    jump: (ms) => {
      skew += ms;
    },
  };
}

const member = (seq: number, channel: string, uid: string, joined: boolean, count: number) => ({
  t: 'member',
  seq,
  channel,
  uid,
  joined,
  count,
});
const status = (seq: number, statuses: Record<string, string>) => ({ t: 'status', seq, statuses });
const sorted = (values: unknown) => [...(values as string[])].sort();

let lastId = 0;

/** Sends a request with a fresh id; returns the id and the next frame. */
async function ask(client: RawClient, frame: Fields): Promise<{ id: number; reply: Frame }> {
  const id = ++lastId;
  const reply = await client.request({ ...frame, id });
  return { id, reply };
}

/** Sends the requests at once (one burst), then reads one frame per request. */
async function burst(client: RawClient, frames: readonly Fields[]): Promise<Array<{ id: number; reply: Frame }>> {
  const ids = frames.map((frame) => {
    const id = ++lastId;
    client.send({ ...frame, id });
    return id;
  });
  const answers: Array<{ id: number; reply: Frame }> = [];
  for (const id of ids) answers.push({ id, reply: await client.next() });
  return answers;
}

async function expectReply(client: RawClient, frame: Fields, expected: Fields): Promise<void> {
  const { id, reply } = await ask(client, frame);
  expect(reply, JSON.stringify(frame).slice(0, 200)).to.deep.equal({ ...expected, id });
}

async function expectFail(client: RawClient, frame: Fields, code: string): Promise<void> {
  const { id, reply } = await ask(client, frame);
  expect(reply, JSON.stringify(frame).slice(0, 200)).to.deep.equal({ t: 'fail', id, code, message: reply.message });
  expect(reply.message).to.be.a('string').that.is.not.empty;
}

/** Joins and checks the `joined` answer lists exactly `members` (in any order). */
async function join(client: RawClient, channel: string, members: string[]): Promise<void> {
  const { id, reply } = await ask(client, { t: 'join', channel });
  expect(reply, `join ${channel}`).to.deep.equal({ t: 'joined', id, members: reply.members });
  expect(sorted(reply.members), `members of ${channel}`).to.deep.equal(sorted(members));
}

async function expectMembers(client: RawClient, channel: string, members: string[]): Promise<void> {
  const { id, reply } = await ask(client, { t: 'members', channel });
  expect(reply, `members ${channel}`).to.deep.equal({ t: 'members', id, members: reply.members });
  expect(sorted(reply.members), `members of ${channel}`).to.deep.equal(sorted(members));
}

async function expectAttributes(
  client: RawClient,
  uid: string,
  attributes: Record<string, string>,
  keys?: string[],
): Promise<void> {
  await expectReply(client, { t: 'getAttrs', uid, ...(keys ? { keys } : {}) }, { t: 'attributes', attributes });
}

async function expectPong(client: RawClient, ack?: number): Promise<void> {
  expect(await client.request({ t: 'ping', ...(ack === undefined ? {} : { ack }) })).to.deep.equal({ t: 'pong' });
}

/** Reads exactly these frames, in this order. */
async function expectFrames(client: RawClient, frames: readonly object[], timeoutMs = 1000): Promise<Frame[]> {
  const got: Frame[] = [];
  for (let i = 0; i < frames.length; i++) got.push(await client.next(timeoutMs));
  expect(got).to.deep.equal(frames);
  return got;
}

/** No frame reaches any of `clients` for `ms`. */
async function quiet(ms: number, ...clients: RawClient[]): Promise<void> {
  await Promise.all(clients.map((client) => client.quiet(ms)));
}

describe('channels, presence, attributes and status (raw protocol)', function () {
  this.timeout(8000);
  const start = serverFixture(secrets);

  /** Connects and logs in (or resumes); fails unless the answer is a welcome. */
  async function login(
    server: RtmServer,
    appId: string,
    uid: string,
    extra: { session?: string; seq?: number } = {},
  ): Promise<User> {
    const client = await RawClient.connect(server.url);
    const token = createToken({ appId, appSecret: secrets[appId], uid, expiresInSeconds: 60 });
    const welcome = await client.request({ t: 'login', app: appId, uid, token, ...extra });
    expect(welcome.t, JSON.stringify(welcome)).to.equal('welcome');
    return { client, welcome, session: welcome.session as string };
  }

  /** The exact welcome of a resume, with or without `gap`. */
  function expectResumed(user: User, session: string, gap: boolean): void {
    expect(user.welcome).to.deep.equal({
      t: 'welcome',
      session,
      resumed: true,
      tokenExpiresInMs: user.welcome.tokenExpiresInMs,
      ...(gap ? { gap: true } : {}),
    });
  }

  /** Closes the socket without logout and waits for the close. */
  async function drop(user: User): Promise<void> {
    user.client.close();
    await user.client.closed();
  }

  describe('channels', () => {
    it('join → joined with every member, the joiner included; the joiner hears nothing of itself', async () => {
      // Each other member gets exactly one member event (count, seq counting up).
      const server = await start();
      const alice = await login(server, 'app1', 'alice');
      const bob = await login(server, 'app1', 'bob');
      const carol = await login(server, 'app1', 'carol');
      const outsider = await login(server, 'app1', 'dave');
      await join(outsider.client, 'elsewhere', ['dave']);

      await join(alice.client, 'room', ['alice']);
      await quiet(50, alice.client, bob.client, carol.client, outsider.client);
      await join(bob.client, 'room', ['alice', 'bob']);
      await expectFrames(alice.client, [member(1, 'room', 'bob', true, 2)]);
      await join(carol.client, 'room', ['alice', 'bob', 'carol']);
      await expectFrames(alice.client, [member(2, 'room', 'carol', true, 3)]);
      await expectFrames(bob.client, [member(1, 'room', 'carol', true, 3)]);
      await quiet(100, alice.client, bob.client, carol.client, outsider.client);
    });

    it('leave → done and members hear member left; a repeated join or a stray leave announces nothing', async () => {
      // Joining a joined channel → joined again; leaving a channel not joined → done.
      const server = await start();
      const alice = await login(server, 'app1', 'alice');
      const bob = await login(server, 'app1', 'bob');
      await join(alice.client, 'room', ['alice']);
      await join(bob.client, 'room', ['alice', 'bob']);
      await expectFrames(alice.client, [member(1, 'room', 'bob', true, 2)]);

      await join(bob.client, 'room', ['alice', 'bob']);
      await join(alice.client, 'room', ['alice', 'bob']);
      await quiet(100, alice.client, bob.client);

      await expectReply(bob.client, { t: 'leave', channel: 'room' }, { t: 'done' });
      await expectFrames(alice.client, [member(2, 'room', 'bob', false, 1)]);
      await expectReply(bob.client, { t: 'leave', channel: 'room' }, { t: 'done' });
      await expectReply(bob.client, { t: 'leave', channel: 'never-joined' }, { t: 'done' });
      await expectReply(alice.client, { t: 'leave', channel: 'never-joined' }, { t: 'done' });
      await quiet(100, alice.client, bob.client);
      await expectMembers(alice.client, 'room', ['alice']);

      // The last member leaving empties the channel: a new joiner finds it empty.
      await expectReply(alice.client, { t: 'leave', channel: 'room' }, { t: 'done' });
      await quiet(50, alice.client, bob.client);
      await join(bob.client, 'room', ['bob']);
      await quiet(50, alice.client, bob.client);
    });

    it('members → the list of a joined channel; a channel not joined (or left) → fail NOT_JOINED', async () => {
      const server = await start();
      const alice = await login(server, 'app1', 'alice');
      const bob = await login(server, 'app1', 'bob');
      const carol = await login(server, 'app1', 'carol');
      await join(alice.client, 'room', ['alice']);
      await join(bob.client, 'room', ['alice', 'bob']);
      await expectFrames(alice.client, [member(1, 'room', 'bob', true, 2)]);

      await expectMembers(alice.client, 'room', ['alice', 'bob']);
      await expectMembers(bob.client, 'room', ['alice', 'bob']);
      await expectFail(carol.client, { t: 'members', channel: 'room' }, 'NOT_JOINED');
      await expectFail(carol.client, { t: 'members', channel: 'nowhere' }, 'NOT_JOINED');
      await expectReply(bob.client, { t: 'leave', channel: 'room' }, { t: 'done' });
      await expectFrames(alice.client, [member(2, 'room', 'bob', false, 1)]);
      await expectFail(bob.client, { t: 'members', channel: 'room' }, 'NOT_JOINED');
      await quiet(50, alice.client, bob.client, carol.client);
    });

    it('logout → every co-member hears member left at once, one per shared channel', async () => {
      // The socket closes with 1000; channels without the user are untouched.
      const server = await start({ presenceGraceMs: 10_000 });
      const alice = await login(server, 'app1', 'alice');
      const bob = await login(server, 'app1', 'bob');
      const carol = await login(server, 'app1', 'carol');
      const dave = await login(server, 'app1', 'dave');
      await join(alice.client, 'r1', ['alice']);
      await join(alice.client, 'r2', ['alice']);
      await join(bob.client, 'r1', ['alice', 'bob']);
      await join(bob.client, 'r2', ['alice', 'bob']);
      await join(carol.client, 'r2', ['alice', 'bob', 'carol']);
      await join(dave.client, 'r3', ['dave']);
      await join(carol.client, 'r3', ['dave', 'carol']);
      await expectFrames(alice.client, [
        member(1, 'r1', 'bob', true, 2),
        member(2, 'r2', 'bob', true, 2),
        member(3, 'r2', 'carol', true, 3),
      ]);
      await expectFrames(bob.client, [member(1, 'r2', 'carol', true, 3)]);
      await expectFrames(dave.client, [member(1, 'r3', 'carol', true, 2)]);

      const sent = performance.now();
      alice.client.send({ t: 'logout' });
      const [bobLeft] = await expectFrames(bob.client, [
        member(2, 'r1', 'alice', false, 1),
        member(3, 'r2', 'alice', false, 2),
      ]);
      const [carolLeft] = await expectFrames(carol.client, [member(1, 'r2', 'alice', false, 2)]);
      expect(bob.client.arrivedAt(bobLeft) - sent).to.be.below(300);
      expect(carol.client.arrivedAt(carolLeft) - sent).to.be.below(300);
      expect(await alice.client.closed()).to.deep.equal({ code: 1000, reason: 'logged out' });
      expect(alice.client.pending).to.deep.equal([]);
      await quiet(100, bob.client, carol.client, dave.client);
      await expectMembers(bob.client, 'r1', ['bob']);
      await expectMembers(carol.client, 'r2', ['bob', 'carol']);
      await expectMembers(dave.client, 'r3', ['dave', 'carol']);
    });

    it('apps are isolated: the same channel name in app1 and app2 is two channels', async () => {
      // The same uid logging out of one app leaves the other untouched.
      const server = await start({ presenceGraceMs: 10_000 });
      const alice1 = await login(server, 'app1', 'alice');
      const bob1 = await login(server, 'app1', 'bob');
      const alice2 = await login(server, 'app2', 'alice');
      const bob2 = await login(server, 'app2', 'bob');
      await join(alice1.client, 'room', ['alice']);
      await join(bob2.client, 'room', ['bob']);
      await quiet(50, alice1.client, bob1.client, alice2.client, bob2.client);
      await join(bob1.client, 'room', ['alice', 'bob']);
      await expectFrames(alice1.client, [member(1, 'room', 'bob', true, 2)]);
      await join(alice2.client, 'room', ['bob', 'alice']);
      await expectFrames(bob2.client, [member(1, 'room', 'alice', true, 2)]);
      await quiet(50, alice1.client, bob1.client, alice2.client, bob2.client);

      alice1.client.send({ t: 'logout' });
      await expectFrames(bob1.client, [member(1, 'room', 'alice', false, 1)]);
      expect((await alice1.client.closed()).code).to.equal(1000);
      await quiet(100, alice2.client, bob2.client, bob1.client);
      await expectMembers(alice2.client, 'room', ['alice', 'bob']);
      await expectMembers(bob2.client, 'room', ['alice', 'bob']);
      await expectMembers(bob1.client, 'room', ['bob']);
    });

    it('remote login: the first session is kicked (REMOTE_LOGIN, 4002)', async () => {
      // Co-members hear member left for each channel, the new session has joined nothing,
      // status subscribers hear nothing (still online).
      const server = await start({ presenceGraceMs: 10_000 });
      const first = await login(server, 'app1', 'alice');
      const bob = await login(server, 'app1', 'bob');
      const sam = await login(server, 'app1', 'sam');
      await expectReply(sam.client, { t: 'subscribe', uids: ['alice'] }, { t: 'done' });
      await expectFrames(sam.client, [status(1, { alice: 'ONLINE' })]);
      await join(first.client, 'r1', ['alice']);
      await join(first.client, 'r2', ['alice']);
      await join(bob.client, 'r1', ['alice', 'bob']);
      await join(bob.client, 'r2', ['alice', 'bob']);
      await expectFrames(first.client, [member(1, 'r1', 'bob', true, 2), member(2, 'r2', 'bob', true, 2)]);

      const second = await login(server, 'app1', 'alice');
      expect(second.welcome).to.deep.equal({
        t: 'welcome',
        session: second.session,
        resumed: false,
        tokenExpiresInMs: second.welcome.tokenExpiresInMs,
      });
      expect(second.session).not.to.equal(first.session);
      await expectFrames(first.client, [{ t: 'kicked', reason: 'REMOTE_LOGIN' }]);
      expect(await first.client.closed()).to.deep.equal({ code: 4002, reason: 'REMOTE_LOGIN' });
      await expectFrames(bob.client, [member(1, 'r1', 'alice', false, 1), member(2, 'r2', 'alice', false, 1)]);
      await quiet(150, sam.client, bob.client, second.client);

      await expectFail(second.client, { t: 'members', channel: 'r1' }, 'NOT_JOINED');
      await expectMembers(bob.client, 'r1', ['bob']);
      await expectReply(sam.client, { t: 'query', uids: ['alice'] }, { t: 'online', online: { alice: true } });
      await join(second.client, 'r1', ['bob', 'alice']);
      await expectFrames(bob.client, [member(3, 'r1', 'alice', true, 2)]);
      await quiet(100, sam.client, bob.client, second.client);
    });
  });

  describe('the presence clock', () => {
    it('a socket closed without logout: what subscribers and co-members hear, and when', async () => {
      // Subscribers see UNREACHABLE after unreachableMs and OFFLINE at the grace;
      // co-members hear nothing until the grace, then one member left per channel.
      const graceMs = 800;
      const unreachableMs = 300;
      const server = await start({ presenceGraceMs: graceMs, unreachableMs });
      const alice = await login(server, 'app1', 'alice');
      const bob = await login(server, 'app1', 'bob');
      const sam = await login(server, 'app1', 'sam');
      await join(alice.client, 'r1', ['alice']);
      await join(alice.client, 'r2', ['alice']);
      await join(bob.client, 'r1', ['alice', 'bob']);
      await join(bob.client, 'r2', ['alice', 'bob']);
      await expectFrames(alice.client, [member(1, 'r1', 'bob', true, 2), member(2, 'r2', 'bob', true, 2)]);
      await expectReply(sam.client, { t: 'subscribe', uids: ['alice'] }, { t: 'done' });
      await expectFrames(sam.client, [status(1, { alice: 'ONLINE' })]);
      bob.client.keepAlive(100);
      sam.client.keepAlive(100);

      const lastFrame = performance.now();
      await expectPong(alice.client);
      await drop(alice);

      const [unreachable, offline] = await expectFrames(
        sam.client,
        [status(2, { alice: 'UNREACHABLE' }), status(3, { alice: 'OFFLINE' })],
        2000,
      );
      const [firstLeft, secondLeft] = await expectFrames(
        bob.client,
        [member(1, 'r1', 'alice', false, 1), member(2, 'r2', 'alice', false, 1)],
        2000,
      );
      expect(sam.client.arrivedAt(unreachable) - lastFrame).to.be.within(unreachableMs, unreachableMs + 300);
      expect(sam.client.arrivedAt(offline) - lastFrame).to.be.within(graceMs, graceMs + 300);
      // Nothing reached bob before the grace: its first frame is the first member left.
      expect(bob.client.arrivedAt(firstLeft) - lastFrame).to.be.within(graceMs, graceMs + 300);
      expect(bob.client.arrivedAt(secondLeft) - lastFrame).to.be.within(graceMs, graceMs + 300);
      await quiet(200, bob.client, sam.client);
      expect(server.sessionCount).to.equal(2);
      await expectMembers(bob.client, 'r1', ['bob']);
    });

    it('resume within the grace: welcome resumed:true (no gap), and peers hear nothing', async () => {
      // The events missed are replayed after the welcome, in order, with their seqs, exactly once.
      const { clock, jump } = skewableClock();
      const server = await start({ presenceGraceMs: 10_000, unreachableMs: 10_000, clock });
      const alice = await login(server, 'app1', 'alice');
      const bob = await login(server, 'app1', 'bob');
      await join(alice.client, 'room', ['alice']);
      await join(bob.client, 'room', ['alice', 'bob']);
      await expectFrames(alice.client, [member(1, 'room', 'bob', true, 2)]);
      await drop(alice);

      const carol = await login(server, 'app1', 'carol');
      await join(carol.client, 'room', ['alice', 'bob', 'carol']);
      await expectFrames(bob.client, [member(1, 'room', 'carol', true, 3)]);
      await expectReply(carol.client, { t: 'leave', channel: 'room' }, { t: 'done' });
      await expectFrames(bob.client, [member(2, 'room', 'carol', false, 2)]);
      await join(carol.client, 'elsewhere', ['carol']);

      const back = await login(server, 'app1', 'alice', { session: alice.session, seq: 1 });
      expectResumed(back, alice.session, false);
      await expectFrames(back.client, [member(2, 'room', 'carol', true, 3), member(3, 'room', 'carol', false, 2)]);
      await quiet(150, back.client, bob.client, carol.client);
      await expectMembers(back.client, 'room', ['alice', 'bob']);
      await expectMembers(bob.client, 'room', ['alice', 'bob']);

      // Live events go on with the next seq.
      await join(carol.client, 'room', ['alice', 'bob', 'carol']);
      await expectFrames(back.client, [member(4, 'room', 'carol', true, 3)]);
      await expectFrames(bob.client, [member(3, 'room', 'carol', true, 3)]);

      // Exactly once: resuming again with the last seq seen replays nothing.
      await drop(back);
      jump(2000); // past the login rate limit
      const again = await login(server, 'app1', 'alice', { session: alice.session, seq: 4 });
      expectResumed(again, alice.session, false);
      await quiet(150, again.client, bob.client, carol.client);
      expect(server.sessionCount).to.equal(3);
    });

    it('resume with seq: only later events come', async () => {
      // Ping ack forgets events, so a resume with a seq older than the ack (or one never sent)
      // gets gap:true and no replay.
      const { clock, jump } = skewableClock();
      const server = await start({ presenceGraceMs: 30_000, unreachableMs: 30_000, clock });
      const alice = await login(server, 'app1', 'alice');
      const bob = await login(server, 'app1', 'bob');
      const carol = await login(server, 'app1', 'carol');
      const dave = await login(server, 'app1', 'dave');
      await join(alice.client, 'room', ['alice']);
      await join(bob.client, 'room', ['alice', 'bob']);
      await expectFrames(alice.client, [member(1, 'room', 'bob', true, 2)]);
      await expectPong(alice.client, 1);
      await join(carol.client, 'room', ['alice', 'bob', 'carol']);
      await expectFrames(alice.client, [member(2, 'room', 'carol', true, 3)]);
      await expectFrames(bob.client, [member(1, 'room', 'carol', true, 3)]);
      await drop(alice);
      await expectReply(carol.client, { t: 'leave', channel: 'room' }, { t: 'done' });
      await join(dave.client, 'room', ['alice', 'bob', 'dave']);
      await expectFrames(bob.client, [member(2, 'room', 'carol', false, 2), member(3, 'room', 'dave', true, 3)]);

      // Seen up to 2 (acknowledged only 1): 3 and 4 come, 2 does not come again.
      const back = await login(server, 'app1', 'alice', { session: alice.session, seq: 2 });
      expectResumed(back, alice.session, false);
      await expectFrames(back.client, [member(3, 'room', 'carol', false, 2), member(4, 'room', 'dave', true, 3)]);
      await quiet(100, back.client);
      await expectPong(back.client, 4);
      await drop(back);

      // Acknowledged 4, now claims to have seen only 3: 4 is gone, so gap.
      jump(2000);
      const older = await login(server, 'app1', 'alice', { session: alice.session, seq: 3 });
      expectResumed(older, alice.session, true);
      await quiet(100, older.client);
      await drop(older);

      // The last seq seen: nothing to replay, no gap.
      jump(2000);
      const current = await login(server, 'app1', 'alice', { session: alice.session, seq: 4 });
      expectResumed(current, alice.session, false);
      await quiet(100, current.client);
      await drop(current);

      // A seq the session never reached: gap.
      jump(2000);
      const future = await login(server, 'app1', 'alice', { session: alice.session, seq: 5 });
      expectResumed(future, alice.session, true);
      await quiet(100, future.client);

      // None of these resumes was visible to the peers, and the session kept its channel and its numbering.
      await quiet(50, bob.client, carol.client, dave.client);
      await expectMembers(future.client, 'room', ['alice', 'bob', 'dave']);
      await join(carol.client, 'room', ['alice', 'bob', 'dave', 'carol']);
      await expectFrames(future.client, [member(5, 'room', 'carol', true, 4)]);
    });

    it('1000 events while away are all replayed; 1001 overflow the buffer → gap:true and no replay', async function () {
      // Numbering goes on.
      this.timeout(15_000);
      const { clock, jump } = skewableClock();
      const eventBuffer = { maxEvents: 1000, maxBytes: 256 * 1024 };
      const server = await start({ presenceGraceMs: 30_000, unreachableMs: 30_000, clock, eventBuffer });
      const alice = await login(server, 'app1', 'alice');
      await join(alice.client, 'room', ['alice']);
      let peer = 0;
      /**
       * A new peer joins and leaves `room` `pairs` times (2 events for alice each)
       * and joins once more if `extraJoin`.
       */
      async function churn(pairs: number, extraJoin = false): Promise<Array<ReturnType<typeof member>>> {
        const uid = `peer${peer++}`;
        const { client } = await login(server, 'app1', uid);
        const frames: Fields[] = [];
        for (let i = 0; i < pairs; i++) frames.push({ t: 'join', channel: 'room' }, { t: 'leave', channel: 'room' });
        if (extraJoin) frames.push({ t: 'join', channel: 'room' });
        const answers = await burst(client, frames);
        expect(answers.map(({ reply }) => reply.t)).to.deep.equal(
          frames.map((frame) => (frame.t === 'join' ? 'joined' : 'done')),
        );
        const events: Array<ReturnType<typeof member>> = [];
        for (const frame of frames) events.push(member(0, 'room', uid, frame.t === 'join', frame.t === 'join' ? 2 : 1));
        return events;
      }

      await drop(alice);
      const missed: Array<ReturnType<typeof member>> = [];
      for (let i = 0; i < 10; i++) missed.push(...(await churn(50)));
      expect(missed).to.have.length(1000);
      const back = await login(server, 'app1', 'alice', { session: alice.session, seq: 0 });
      expectResumed(back, alice.session, false);
      await expectFrames(
        back.client,
        missed.map((event, i) => ({ ...event, seq: i + 1 })),
      );
      await quiet(100, back.client);
      await expectPong(back.client, 1000);
      await drop(back);

      for (let i = 0; i < 10; i++) await churn(50);
      await churn(0, true); // the 1001st
      jump(2000);
      const lost = await login(server, 'app1', 'alice', { session: alice.session, seq: 1000 });
      expectResumed(lost, alice.session, true);
      await quiet(100, lost.client);
      // Still in the channel, and the next event is numbered after the lost ones.
      await expectReply(lost.client, { t: 'members', channel: 'room' }, { t: 'members', members: ['alice', 'peer20'] });
      const late = await login(server, 'app1', 'latecomer');
      await join(late.client, 'room', ['alice', 'peer20', 'latecomer']);
      await expectFrames(lost.client, [member(2002, 'room', 'latecomer', true, 3)]);
    });

    it('the buffer also gives up past 256 KB: status events of 512 long uids overflow it on the 7th', async () => {
      // They are never acknowledged.
      const { clock, jump } = skewableClock();
      const eventBuffer = { maxEvents: 1000, maxBytes: 256 * 1024 };
      const server = await start({ presenceGraceMs: 30_000, unreachableMs: 30_000, clock, eventBuffer });
      const alice = await login(server, 'app1', 'alice');
      const uids = Array.from({ length: 512 }, (_, i) => `${String(i).padStart(3, '0')}${'x'.repeat(61)}`);
      const sizes: number[] = [];
      for (let i = 1; i <= 7; i++) {
        await expectReply(alice.client, { t: 'subscribe', uids }, { t: 'done' });
        const event = await alice.client.next();
        expect(event).to.deep.equal(status(i, Object.fromEntries(uids.map((uid) => [uid, 'OFFLINE']))));
        sizes.push(JSON.stringify(event).length);
      }
      const kept = sizes.slice(0, 6).reduce((a, b) => a + b);
      expect(kept, 'six events fit in 256 KB').to.be.at.most(256 * 1024);
      expect(kept + sizes[6], 'seven do not').to.be.above(256 * 1024);
      await drop(alice);

      // Seen up to 6 (the 7th too was sent live, but the client says 6): 7 is lost.
      const six = await login(server, 'app1', 'alice', { session: alice.session, seq: 6 });
      expectResumed(six, alice.session, true);
      await quiet(100, six.client);
      await drop(six);
      jump(2000);
      const seven = await login(server, 'app1', 'alice', { session: alice.session, seq: 7 });
      expectResumed(seven, alice.session, false);
      await quiet(100, seven.client);
    });

    it('after the grace: the resume gets resumed:false and a new id, the old memberships are gone', async () => {
      // Re-joining tells the peers exactly once.
      const server = await start({ presenceGraceMs: 300, unreachableMs: 300 });
      const alice = await login(server, 'app1', 'alice');
      const bob = await login(server, 'app1', 'bob');
      await join(alice.client, 'room', ['alice']);
      await join(bob.client, 'room', ['alice', 'bob']);
      await expectFrames(alice.client, [member(1, 'room', 'bob', true, 2)]);
      bob.client.keepAlive(100);
      await drop(alice);
      await expectFrames(bob.client, [member(1, 'room', 'alice', false, 1)], 1500);
      expect(server.sessionCount).to.equal(1);

      const back = await login(server, 'app1', 'alice', { session: alice.session, seq: 1 });
      expect(back.welcome).to.deep.equal({
        t: 'welcome',
        session: back.session,
        resumed: false,
        tokenExpiresInMs: back.welcome.tokenExpiresInMs,
      });
      expect(back.session).to.be.a('string').and.not.equal(alice.session);
      await expectFail(back.client, { t: 'members', channel: 'room' }, 'NOT_JOINED');
      await expectMembers(bob.client, 'room', ['bob']);
      await quiet(50, back.client, bob.client);
      await join(back.client, 'room', ['bob', 'alice']);
      await expectFrames(bob.client, [member(2, 'room', 'alice', true, 2)]);
      await quiet(150, back.client, bob.client);
    });
  });

  describe('attributes', () => {
    it('set / merge / delete / clear, then getAttrs (all or by keys) reads exactly the result', async () => {
      // For the user and for others.
      const server = await start();
      const alice = await login(server, 'app1', 'alice');
      const bob = await login(server, 'app1', 'bob');
      await expectAttributes(alice.client, 'alice', {});
      await expectReply(alice.client, { t: 'attrs', op: 'set', attributes: { a: '1', b: '2' } }, { t: 'done' });
      await expectAttributes(alice.client, 'alice', { a: '1', b: '2' });
      await expectAttributes(bob.client, 'alice', { a: '1', b: '2' });
      await expectReply(alice.client, { t: 'attrs', op: 'merge', attributes: { b: '3', c: '4' } }, { t: 'done' });
      await expectAttributes(bob.client, 'alice', { a: '1', b: '3', c: '4' });
      await expectAttributes(bob.client, 'alice', { a: '1', c: '4' }, ['a', 'c', 'missing']);
      await expectAttributes(bob.client, 'alice', {}, []);
      await expectReply(alice.client, { t: 'attrs', op: 'delete', keys: ['a', 'missing'] }, { t: 'done' });
      await expectAttributes(bob.client, 'alice', { b: '3', c: '4' });
      await expectReply(
        alice.client,
        { t: 'attrs', op: 'set', attributes: { d: '5', 'ключ é': 'значение ü', empty: '' } },
        { t: 'done' },
      );
      await expectAttributes(bob.client, 'alice', { d: '5', 'ключ é': 'значение ü', empty: '' });
      await expectReply(alice.client, { t: 'attrs', op: 'clear' }, { t: 'done' });
      await expectAttributes(bob.client, 'alice', {});
      await expectAttributes(alice.client, 'alice', {});
      // Nobody writes anyone else's attributes: bob's are his own.
      await expectReply(bob.client, { t: 'attrs', op: 'set', attributes: { mine: 'yes' } }, { t: 'done' });
      await expectAttributes(alice.client, 'bob', { mine: 'yes' });
      await expectAttributes(alice.client, 'alice', {});
      await expectAttributes(alice.client, 'nobody', {});
      await quiet(50, alice.client, bob.client);
    });

    it('keeps the keys JavaScript objects treat specially: constructor, prototype, __proto__', async () => {
      // The codec's properties found them dropped by the frame schema (valibot's record skips them), silently.
      const server = await start();
      const alice = await login(server, 'app1', 'alice');
      const bob = await login(server, 'app1', 'bob');
      const special = { constructor: 'c', prototype: 'p', ['__proto__']: 'q', toString: 't' };
      await expectReply(alice.client, { t: 'attrs', op: 'set', attributes: special }, { t: 'done' });
      await expectAttributes(bob.client, 'alice', special);
      await expectReply(alice.client, { t: 'attrs', op: 'delete', keys: ['__proto__'] }, { t: 'done' });
      await expectAttributes(bob.client, 'alice', { constructor: 'c', prototype: 'p', toString: 't' });
      await quiet(50, alice.client, bob.client);
    });

    it('are dropped on logout and on expiry (getAttrs → {}), and kept within the grace', async () => {
      // They are never readable from another app.
      const server = await start({ presenceGraceMs: 400, unreachableMs: 400 });
      const alice = await login(server, 'app1', 'alice');
      const carol = await login(server, 'app1', 'carol');
      const bob = await login(server, 'app1', 'bob');
      const eve = await login(server, 'app2', 'eve');
      const alice2 = await login(server, 'app2', 'alice');
      await expectReply(alice.client, { t: 'attrs', op: 'set', attributes: { k: 'app1 value' } }, { t: 'done' });
      await expectReply(carol.client, { t: 'attrs', op: 'set', attributes: { k: 'carol' } }, { t: 'done' });
      await expectAttributes(bob.client, 'alice', { k: 'app1 value' });
      await expectAttributes(eve.client, 'alice', {});
      await expectReply(alice2.client, { t: 'attrs', op: 'set', attributes: { k: 'app2 value' } }, { t: 'done' });
      await expectAttributes(eve.client, 'alice', { k: 'app2 value' });
      await expectAttributes(bob.client, 'alice', { k: 'app1 value' });

      alice.client.send({ t: 'logout' });
      await alice.client.closed();
      await expectAttributes(bob.client, 'alice', {});
      await expectAttributes(eve.client, 'alice', { k: 'app2 value' });

      await expectReply(bob.client, { t: 'subscribe', uids: ['carol'] }, { t: 'done' });
      await expectFrames(bob.client, [status(1, { carol: 'ONLINE' })]);
      bob.client.keepAlive(100);
      eve.client.keepAlive(100);
      alice2.client.keepAlive(100);
      await expectPong(carol.client);
      await drop(carol);
      await expectAttributes(bob.client, 'carol', { k: 'carol' });
      await expectFrames(bob.client, [status(2, { carol: 'OFFLINE' })], 1500);
      await expectAttributes(bob.client, 'carol', {});
      await expectAttributes(eve.client, 'alice', { k: 'app2 value' });
    });
  });

  describe('online status', () => {
    it('query → {uid: online} for each uid; UNREACHABLE counts as online, OFFLINE as not', async () => {
      // OFFLINE: never logged in, or past the grace.
      const server = await start({ presenceGraceMs: 700, unreachableMs: 200 });
      const alice = await login(server, 'app1', 'alice');
      await login(server, 'app1', 'bob'); // then silent
      const q = await login(server, 'app1', 'q');
      await expectReply(q.client, { t: 'subscribe', uids: ['bob'] }, { t: 'done' });
      await expectFrames(q.client, [status(1, { bob: 'ONLINE' })]);
      alice.client.keepAlive(50);
      q.client.keepAlive(50);
      await expectReply(
        q.client,
        { t: 'query', uids: ['alice', 'bob', 'zed'] },
        { t: 'online', online: { alice: true, bob: true, zed: false } },
      );
      await expectFrames(q.client, [status(2, { bob: 'UNREACHABLE' })]);
      await expectReply(q.client, { t: 'query', uids: ['bob'] }, { t: 'online', online: { bob: true } });
      await expectFrames(q.client, [status(3, { bob: 'OFFLINE' })]);
      await expectReply(
        q.client,
        { t: 'query', uids: ['alice', 'bob', 'q'] },
        { t: 'online', online: { alice: true, bob: false, q: true } },
      );
      await expectReply(q.client, { t: 'query', uids: [] }, { t: 'online', online: {} });
      // Another app's users are not this app's.
      await expectReply(q.client, { t: 'query', uids: ['alice'] }, { t: 'online', online: { alice: true } });
      const other = await login(server, 'app2', 'q2');
      await expectReply(other.client, { t: 'query', uids: ['alice'] }, { t: 'online', online: { alice: false } });
    });

    it('subscribe → done, then the current status; each change arrives once; unsubscribe stops them', async () => {
      // Changes: login, silence, a frame, logout.
      const unreachableMs = 250;
      const server = await start({ presenceGraceMs: 3000, unreachableMs });
      const sam = await login(server, 'app1', 'sam');
      await expectReply(sam.client, { t: 'subscribe', uids: ['alice', 'zed'] }, { t: 'done' });
      await expectFrames(sam.client, [status(1, { alice: 'OFFLINE', zed: 'OFFLINE' })]);

      const loginAt = performance.now();
      const alice = await login(server, 'app1', 'alice');
      await expectFrames(sam.client, [status(2, { alice: 'ONLINE' })]);
      const [unreachable] = await expectFrames(sam.client, [status(3, { alice: 'UNREACHABLE' })]);
      expect(sam.client.arrivedAt(unreachable) - loginAt).to.be.within(unreachableMs, unreachableMs + 300);
      await expectPong(alice.client);
      await expectFrames(sam.client, [status(4, { alice: 'ONLINE' })]);
      await quiet(100, sam.client);
      alice.client.send({ t: 'logout' });
      await expectFrames(sam.client, [status(5, { alice: 'OFFLINE' })]);
      await quiet(100, sam.client);

      await expectReply(sam.client, { t: 'unsubscribe', uids: ['alice'] }, { t: 'done' });
      const aliceAgain = await login(server, 'app1', 'alice');
      await quiet(100, sam.client);
      const zed = await login(server, 'app1', 'zed');
      await expectFrames(sam.client, [status(6, { zed: 'ONLINE' })]);
      // Subscribing again starts with the current status.
      await expectReply(sam.client, { t: 'subscribe', uids: ['alice'] }, { t: 'done' });
      await expectFrames(sam.client, [status(7, { alice: 'ONLINE' })]);
      await quiet(50, sam.client, aliceAgain.client, zed.client);
    });
  });

  describe('limits', () => {
    it('invalid channel id → fail INVALID_ARGUMENT on join, leave and members; nothing changes', async () => {
      // Invalid: empty, 65 characters, a bad character, "null".
      const server = await start();
      const alice = await login(server, 'app1', 'alice');
      const bob = await login(server, 'app1', 'bob');
      await join(alice.client, 'room', ['alice']);
      await join(bob.client, 'room', ['alice', 'bob']);
      await expectFrames(alice.client, [member(1, 'room', 'bob', true, 2)]);
      for (const channel of ['', 'x'.repeat(65), 'a/b', 'é', 'null']) {
        for (const t of ['join', 'leave', 'members'])
          await expectFail(alice.client, { t, channel }, 'INVALID_ARGUMENT');
      }
      await quiet(100, alice.client, bob.client);
      await expectMembers(alice.client, 'room', ['alice', 'bob']);
      await join(alice.client, 'x'.repeat(64), ['alice']);
      await join(alice.client, 'Null ok ~,', ['alice']);
    });

    it('the 21st joined channel → fail LIMIT_EXCEEDED; it is not joined; after leaving one it can be', async () => {
      const server = await start();
      const alice = await login(server, 'app1', 'alice');
      const bob = await login(server, 'app1', 'bob');
      for (let i = 1; i <= 20; i++) await join(alice.client, `c${i}`, ['alice']);
      await join(bob.client, 'c21', ['bob']);
      await expectFail(alice.client, { t: 'join', channel: 'c21' }, 'LIMIT_EXCEEDED');
      await quiet(100, bob.client, alice.client);
      await expectMembers(bob.client, 'c21', ['bob']);
      await expectFail(alice.client, { t: 'members', channel: 'c21' }, 'NOT_JOINED');
      await join(alice.client, 'c20', ['alice']); // joining a joined channel at the limit is fine
      await expectReply(alice.client, { t: 'leave', channel: 'c1' }, { t: 'done' });
      await join(alice.client, 'c21', ['bob', 'alice']);
      await expectFrames(bob.client, [member(1, 'c21', 'alice', true, 2)]);
    });

    it('the 51st join within 3 s → fail TOO_OFTEN; nothing changes; other sessions are not limited', async () => {
      const server = await start();
      const alice = await login(server, 'app1', 'alice');
      const bob = await login(server, 'app1', 'bob');
      await join(bob.client, 'other', ['bob']);
      const answers = await burst(alice.client, [
        ...Array.from({ length: 50 }, () => ({ t: 'join', channel: 'room' })),
        { t: 'join', channel: 'other' },
      ]);
      for (const { id, reply } of answers.slice(0, 50))
        expect(reply).to.deep.equal({ t: 'joined', id, members: ['alice'] });
      const { id, reply } = answers[50];
      expect(reply).to.deep.equal({ t: 'fail', id, code: 'TOO_OFTEN', message: reply.message });
      await quiet(100, alice.client, bob.client);
      await expectMembers(bob.client, 'other', ['bob']);
      await expectMembers(alice.client, 'room', ['alice']);
      await join(bob.client, 'room', ['alice', 'bob']);
      await expectFrames(alice.client, [member(1, 'room', 'bob', true, 2)]);
    });

    it('the 6th members within 2 s → fail TOO_OFTEN; other requests and sessions still work', async () => {
      const server = await start();
      const alice = await login(server, 'app1', 'alice');
      const bob = await login(server, 'app1', 'bob');
      await join(alice.client, 'room', ['alice']);
      await join(bob.client, 'room', ['alice', 'bob']);
      await expectFrames(alice.client, [member(1, 'room', 'bob', true, 2)]);
      const answers = await burst(
        alice.client,
        Array.from({ length: 6 }, () => ({ t: 'members', channel: 'room' })),
      );
      for (const { id, reply } of answers.slice(0, 5)) {
        expect(reply).to.deep.equal({ t: 'members', id, members: reply.members });
        expect(sorted(reply.members)).to.deep.equal(['alice', 'bob']);
      }
      expect(answers[5].reply).to.deep.equal({
        t: 'fail',
        id: answers[5].id,
        code: 'TOO_OFTEN',
        message: answers[5].reply.message,
      });
      await expectMembers(bob.client, 'room', ['alice', 'bob']);
      await join(alice.client, 'room', ['alice', 'bob']);
      await expectPong(alice.client);
    });

    it('the 11th query within 5 s → fail TOO_OFTEN; the session still works', async () => {
      const server = await start();
      const alice = await login(server, 'app1', 'alice');
      const bob = await login(server, 'app1', 'bob');
      const answers = await burst(
        alice.client,
        Array.from({ length: 11 }, () => ({ t: 'query', uids: ['bob', 'zed'] })),
      );
      for (const { id, reply } of answers.slice(0, 10))
        expect(reply).to.deep.equal({ t: 'online', id, online: { bob: true, zed: false } });
      expect(answers[10].reply).to.deep.equal({
        t: 'fail',
        id: answers[10].id,
        code: 'TOO_OFTEN',
        message: answers[10].reply.message,
      });
      await expectReply(bob.client, { t: 'query', uids: ['alice'] }, { t: 'online', online: { alice: true } });
      await expectReply(alice.client, { t: 'subscribe', uids: ['bob'] }, { t: 'done' });
      await expectFrames(alice.client, [status(1, { bob: 'ONLINE' })]);
    });

    it('the 11th attribute write within 5 s → fail TOO_OFTEN and the attributes are unchanged', async () => {
      const server = await start();
      const alice = await login(server, 'app1', 'alice');
      const bob = await login(server, 'app1', 'bob');
      const answers = await burst(
        alice.client,
        Array.from({ length: 11 }, (_, i) => ({ t: 'attrs', op: 'merge', attributes: { [`k${i + 1}`]: `v${i + 1}` } })),
      );
      for (const { id, reply } of answers.slice(0, 10)) expect(reply).to.deep.equal({ t: 'done', id });
      expect(answers[10].reply).to.deep.equal({
        t: 'fail',
        id: answers[10].id,
        code: 'TOO_OFTEN',
        message: answers[10].reply.message,
      });
      await expectAttributes(
        bob.client,
        'alice',
        Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i + 1}`, `v${i + 1}`])),
      );
      await expectReply(bob.client, { t: 'attrs', op: 'set', attributes: { b: '1' } }, { t: 'done' });
    });

    it('the 41st attribute read within 5 s → fail TOO_OFTEN; other sessions still read', async () => {
      const server = await start();
      const alice = await login(server, 'app1', 'alice');
      const bob = await login(server, 'app1', 'bob');
      await expectReply(bob.client, { t: 'attrs', op: 'set', attributes: { k: 'v' } }, { t: 'done' });
      const answers = await burst(
        alice.client,
        Array.from({ length: 41 }, () => ({ t: 'getAttrs', uid: 'bob' })),
      );
      for (const { id, reply } of answers.slice(0, 40))
        expect(reply).to.deep.equal({ t: 'attributes', id, attributes: { k: 'v' } });
      expect(answers[40].reply).to.deep.equal({
        t: 'fail',
        id: answers[40].id,
        code: 'TOO_OFTEN',
        message: answers[40].reply.message,
      });
      await expectAttributes(bob.client, 'bob', { k: 'v' });
      await expectReply(alice.client, { t: 'attrs', op: 'set', attributes: { a: '1' } }, { t: 'done' });
    });

    it('an attribute key of 0 or more than 32 bytes → fail INVALID_ARGUMENT; nothing changes', async () => {
      // In set, merge, delete and getAttrs.
      const server = await start();
      const alice = await login(server, 'app1', 'alice');
      const bob = await login(server, 'app1', 'bob');
      await expectReply(alice.client, { t: 'attrs', op: 'set', attributes: { k: 'v' } }, { t: 'done' });
      await expectFail(alice.client, { t: 'attrs', op: 'set', attributes: { '': 'v' } }, 'INVALID_ARGUMENT');
      await expectFail(
        alice.client,
        { t: 'attrs', op: 'set', attributes: { ok: 'v', ['x'.repeat(33)]: 'v' } },
        'INVALID_ARGUMENT',
      );
      // Bytes, not characters: 17 × 'é' is 34 bytes.
      await expectFail(
        alice.client,
        { t: 'attrs', op: 'merge', attributes: { ['é'.repeat(17)]: 'v' } },
        'INVALID_ARGUMENT',
      );
      await expectFail(alice.client, { t: 'attrs', op: 'delete', keys: ['k', ''] }, 'INVALID_ARGUMENT');
      await expectFail(alice.client, { t: 'attrs', op: 'delete', keys: ['k', 'x'.repeat(33)] }, 'INVALID_ARGUMENT');
      await expectFail(bob.client, { t: 'getAttrs', uid: 'alice', keys: [''] }, 'INVALID_ARGUMENT');
      await expectFail(bob.client, { t: 'getAttrs', uid: 'alice', keys: ['x'.repeat(33)] }, 'INVALID_ARGUMENT');
      await expectAttributes(bob.client, 'alice', { k: 'v' });
      // 32 bytes is the most.
      await expectReply(
        alice.client,
        { t: 'attrs', op: 'merge', attributes: { ['x'.repeat(32)]: '1', ['é'.repeat(16)]: '2' } },
        { t: 'done' },
      );
      await expectAttributes(bob.client, 'alice', { k: 'v', ['x'.repeat(32)]: '1', ['é'.repeat(16)]: '2' });
    });

    it('a non-string attribute value → fail INVALID_ARGUMENT for that request; nothing changes', async () => {
      const server = await start();
      const alice = await login(server, 'app1', 'alice');
      const bob = await login(server, 'app1', 'bob');
      await expectReply(alice.client, { t: 'attrs', op: 'set', attributes: { k: 'v' } }, { t: 'done' });
      for (const value of [1, null, true, { nested: 'x' }, ['x']]) {
        const answer = await alice.client.request({ t: 'attrs', id: ++lastId, op: 'set', attributes: { k: value } });
        expect(answer, JSON.stringify(value)).to.deep.equal({
          t: 'fail',
          id: lastId,
          code: 'INVALID_ARGUMENT',
          message: 'attribute k must be a string',
        });
      }
      await expectAttributes(bob.client, 'alice', { k: 'v' });
      await expectPong(alice.client);
    });

    it('an attribute pair over 8 KB (key + value, in bytes) → fail INVALID_ARGUMENT; nothing changes', async () => {
      const server = await start();
      const alice = await login(server, 'app1', 'alice');
      const bob = await login(server, 'app1', 'bob');
      await expectReply(alice.client, { t: 'attrs', op: 'set', attributes: { k: 'x'.repeat(8191) } }, { t: 'done' });
      await expectFail(
        alice.client,
        { t: 'attrs', op: 'set', attributes: { k: 'y'.repeat(8192) } },
        'INVALID_ARGUMENT',
      );
      await expectFail(
        alice.client,
        { t: 'attrs', op: 'merge', attributes: { other: 'v', k: 'é'.repeat(4096) } },
        'INVALID_ARGUMENT',
      );
      await expectAttributes(bob.client, 'alice', { k: 'x'.repeat(8191) });
      await expectReply(alice.client, { t: 'attrs', op: 'merge', attributes: { j: 'é'.repeat(4095) } }, { t: 'done' });
      await expectAttributes(bob.client, 'alice', { k: 'x'.repeat(8191), j: 'é'.repeat(4095) });
    });

    it('over 16 KB of attributes in one call → fail LIMIT_EXCEEDED; nothing changes', async () => {
      const server = await start();
      const alice = await login(server, 'app1', 'alice');
      const bob = await login(server, 'app1', 'bob');
      const full = { a: 'x'.repeat(8191), b: 'x'.repeat(8191) }; // exactly 16 384 bytes
      await expectReply(alice.client, { t: 'attrs', op: 'set', attributes: full }, { t: 'done' });
      await expectFail(alice.client, { t: 'attrs', op: 'set', attributes: { ...full, c: '' } }, 'LIMIT_EXCEEDED');
      await expectFail(
        alice.client,
        { t: 'attrs', op: 'merge', attributes: { a: 'y'.repeat(8191), b: 'y'.repeat(8191), c: 'y' } },
        'LIMIT_EXCEEDED',
      );
      await expectAttributes(bob.client, 'alice', full);
      await expectPong(alice.client);
    });

    it('33 attributes in all after a merge (or in one set) → fail LIMIT_EXCEEDED; nothing stored changes', async () => {
      const server = await start();
      const alice = await login(server, 'app1', 'alice');
      const bob = await login(server, 'app1', 'bob');
      const pairs = (from: number, to: number) =>
        Object.fromEntries(Array.from({ length: to - from + 1 }, (_, i) => [`k${from + i}`, `v${from + i}`]));
      await expectReply(alice.client, { t: 'attrs', op: 'set', attributes: pairs(1, 30) }, { t: 'done' });
      await expectFail(alice.client, { t: 'attrs', op: 'merge', attributes: pairs(31, 33) }, 'LIMIT_EXCEEDED');
      await expectAttributes(bob.client, 'alice', pairs(1, 30));
      await expectReply(alice.client, { t: 'attrs', op: 'merge', attributes: pairs(31, 32) }, { t: 'done' });
      // 32, an update
      await expectReply(alice.client, { t: 'attrs', op: 'merge', attributes: { k1: 'changed' } }, { t: 'done' });
      await expectFail(alice.client, { t: 'attrs', op: 'merge', attributes: { k33: 'v33' } }, 'LIMIT_EXCEEDED');
      await expectFail(alice.client, { t: 'attrs', op: 'set', attributes: pairs(101, 133) }, 'LIMIT_EXCEEDED');
      await expectAttributes(bob.client, 'alice', { ...pairs(1, 32), k1: 'changed' });
      await expectReply(alice.client, { t: 'attrs', op: 'set', attributes: pairs(101, 132) }, { t: 'done' });
      await expectAttributes(bob.client, 'alice', pairs(101, 132));
    });

    it('subscribing to a 513th peer → fail LIMIT_EXCEEDED; the 512 are still reported', async () => {
      // Over two calls, or 513 in one.
      const server = await start();
      const sam = await login(server, 'app1', 'sam');
      const tom = await login(server, 'app1', 'tom');
      const peers = Array.from({ length: 513 }, (_, i) => `p${i}`);
      await expectFail(tom.client, { t: 'subscribe', uids: peers }, 'LIMIT_EXCEEDED');
      await expectReply(sam.client, { t: 'subscribe', uids: peers.slice(0, 512) }, { t: 'done' });
      await expectFrames(sam.client, [
        status(1, Object.fromEntries(peers.slice(0, 512).map((uid) => [uid, 'OFFLINE']))),
      ]);
      await expectFail(sam.client, { t: 'subscribe', uids: ['p512'] }, 'LIMIT_EXCEEDED');
      await expectFail(sam.client, { t: 'subscribe', uids: ['p0', 'p512'] }, 'LIMIT_EXCEEDED');
      await quiet(50, sam.client);
      // A peer already subscribed adds nothing: allowed at the limit.
      await expectReply(sam.client, { t: 'subscribe', uids: ['p0'] }, { t: 'done' });
      await expectFrames(sam.client, [status(2, { p0: 'OFFLINE' })]);

      const p0 = await login(server, 'app1', 'p0');
      await expectFrames(sam.client, [status(3, { p0: 'ONLINE' })]);
      const p511 = await login(server, 'app1', 'p511');
      await expectFrames(sam.client, [status(4, { p511: 'ONLINE' })]);
      const p512 = await login(server, 'app1', 'p512');
      await quiet(100, sam.client, tom.client, p0.client, p511.client, p512.client);

      await expectReply(sam.client, { t: 'unsubscribe', uids: ['p1'] }, { t: 'done' });
      await expectReply(sam.client, { t: 'subscribe', uids: ['p512'] }, { t: 'done' });
      await expectFrames(sam.client, [status(5, { p512: 'ONLINE' })]);
    });

    it('an invalid uid → fail INVALID_ARGUMENT; more than 512 uids in a query → LIMIT_EXCEEDED', async () => {
      // An invalid uid in query, subscribe, unsubscribe or getAttrs; nothing is subscribed.
      const server = await start();
      const sam = await login(server, 'app1', 'sam');
      for (const bad of ['', 'x'.repeat(65), 'a/b', 'null']) {
        await expectFail(sam.client, { t: 'subscribe', uids: ['alice', bad] }, 'INVALID_ARGUMENT');
        await expectFail(sam.client, { t: 'query', uids: ['alice', bad] }, 'INVALID_ARGUMENT');
        await expectFail(sam.client, { t: 'unsubscribe', uids: [bad] }, 'INVALID_ARGUMENT');
        await expectFail(sam.client, { t: 'getAttrs', uid: bad }, 'INVALID_ARGUMENT');
      }
      await expectFail(
        sam.client,
        { t: 'query', uids: Array.from({ length: 513 }, (_, i) => `p${i}`) },
        'LIMIT_EXCEEDED',
      );
      await quiet(50, sam.client);
      const alice = await login(server, 'app1', 'alice');
      await quiet(100, sam.client);
      await expectReply(sam.client, { t: 'query', uids: ['alice'] }, { t: 'online', online: { alice: true } });
      await expectReply(alice.client, { t: 'query', uids: ['sam'] }, { t: 'online', online: { sam: true } });
    });
  });
});
