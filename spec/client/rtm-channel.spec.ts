/**
 * Channels against the fake server on virtual time: the join reply and
 * member events turned into counts and alternating member events at exact
 * times, requests that outlive a dropped link, and every refusal with its
 * code. Latency is 10 ms each way and alice is CONNECTED at 30 ms, so a
 * request made at t is answered at t + 20.
 */
import { expect } from 'chai';
import { ErrorCode } from '../../lib/protocol/error-code.js';
import { KickReason } from '../../lib/protocol/frames.js';
import { RtmError } from '../../lib/protocol/rtm-error.js';
import type { RtmChannel } from '../../lib/client/rtm-channel.js';
import { RtmClient } from '../../lib/client/rtm-client.js';
import type { FakeRtmServer } from '../../lib/testing/fake-rtm-server.js';
import {
  advanceTo,
  alice,
  at,
  clientAndServer,
  flushMicrotasks,
  inRoom,
  loggedIn,
  marble,
  outcome,
  testScheduler,
} from '../support/marbles.js';

describe('RtmChannel (marbles)', () => {
  describe('join and member events', () => {
    it('takes the count and the picture from the joined reply, then emits each change of membership once', async () => {
      const scheduler = testScheduler();
      let join = outcome(Promise.resolve());
      let members = outcome(Promise.resolve());
      let listed: string[] = [];
      const heard: string[] = [];
      scheduler.run(({ expectObservable }) => {
        const { client, server, room } = inRoom(scheduler, ['bob', 'carol']);
        room.on('MemberJoined', (uid) => heard.push(`joined ${uid}`));
        room.on('MemberLeft', (uid) => heard.push(`left ${uid}`));
        room.on('MemberCountUpdated', (count) => heard.push(`count ${count}`));
        at(scheduler, 100, () => (join = outcome(room.join())));
        at(scheduler, 200, () => server.memberJoined('room', 'dave'));
        at(scheduler, 300, () => server.memberLeft('room', 'carol'));
        at(scheduler, 400, () => (members = outcome(room.getMembers().then((uids) => (listed = uids)))));
        at(scheduler, 500, () => void room.leave());
        at(scheduler, 600, () => server.memberJoined('room', 'erin')); // not joined any more: nothing
        at(scheduler, 800, () => void client.logout());
        // Replies at 120 (join), 420 (members); events at 210 and 310; leave empties the picture at once.
        expectObservable(room.memberCount$).toBe(
          marble([
            [0, 'z'],
            [120, 'c'],
            [210, 'd'],
            [310, 'c'],
            [500, 'z'],
          ]),
          { z: 0, c: 3, d: 4 },
        );
        expectObservable(room.memberJoined$).toBe(marble([[210, 'd']]), { d: 'dave' });
        expectObservable(room.memberLeft$).toBe(marble([[310, 'c']]), { c: 'carol' });
        at(scheduler, 700, () => {
          expect(server.framesOfType('join')).to.deep.equal([{ t: 'join', id: 2, channel: 'room' }]);
          expect(server.framesOfType('leave')).to.deep.equal([{ t: 'leave', id: 4, channel: 'room' }]);
          expect(server.membersOf('room')).to.deep.equal(['bob', 'dave', 'erin']);
        });
      });
      await flushMicrotasks();
      expect(join.value).to.equal('resolved');
      expect(members.value).to.equal('resolved');
      expect(listed).to.deep.equal(['bob', 'alice', 'dave']);
      expect(heard).to.deep.equal(['count 3', 'joined dave', 'count 4', 'left carol', 'count 3', 'count 0']);
    });

    it('acknowledges events in the next pong only: quiet pongs stay bare; the client sends no ping of its own', () => {
      const scheduler = testScheduler();
      let pongs: unknown[] = [];
      let pings: unknown[] = [];
      scheduler.run(() => {
        const { client, server, room } = inRoom(scheduler, ['bob']);
        at(scheduler, 100, () => void room.join());
        at(scheduler, 200, () => server.memberJoined('room', 'dave'));
        at(scheduler, 300, () => server.memberLeft('room', 'dave'));
        at(scheduler, 3500, () => {
          pongs = server.framesOfType('pong');
          pings = server.framesOfType('ping');
          void client.logout();
        });
      });
      // The server's pings arrive at 1030, 2030, 3030: the first pong acknowledges both events (seq 2), the others
      // have nothing new.
      expect(pongs).to.deep.equal([{ t: 'pong', ack: 2 }, { t: 'pong' }, { t: 'pong' }]);
      expect(pings).to.deep.equal([]);
    });

    it('members$ replays the picture and follows every announced change, without this client', () => {
      const scheduler = testScheduler();
      scheduler.run(({ expectObservable }) => {
        const { client, server, room } = inRoom(scheduler, ['bob', 'carol']);
        at(scheduler, 100, () => void room.join());
        at(scheduler, 200, () => server.memberJoined('room', 'dave'));
        at(scheduler, 300, () => server.memberLeft('room', 'bob'));
        at(scheduler, 400, () => void room.leave());
        at(scheduler, 500, () => void client.logout());
        expectObservable(room.members$).toBe(
          marble([
            [0, 'e'],
            [120, 'a'],
            [210, 'b'],
            [310, 'c'],
            [400, 'e'],
          ]),
          {
            e: [],
            a: ['bob', 'carol'],
            b: ['bob', 'carol', 'dave'],
            c: ['carol', 'dave'],
          },
        );
      });
    });

    it('emits nothing for an event seen twice (same seq) or for a join of a member already in the picture', () => {
      const scheduler = testScheduler();
      scheduler.run(({ expectObservable }) => {
        const { client, server, room } = inRoom(scheduler, ['bob']);
        at(scheduler, 100, () => void room.join());
        at(scheduler, 200, () => server.memberJoined('room', 'dave'));
        const session = () => server.sessions.get('s1')!;
        // The same event again, seq and all, as a replay after a lost ack would send it.
        at(scheduler, 300, () => session().socket!.push(session().unacknowledged.at(-1)!));
        // A join of bob, already in the picture, under a new seq.
        at(scheduler, 400, () =>
          session().deliver({ t: 'member', channel: 'room', uid: 'bob', joined: true, count: 3 }),
        );
        at(scheduler, 500, () =>
          session().deliver({ t: 'member', channel: 'room', uid: 'bob', joined: false, count: 2 }),
        );
        at(scheduler, 600, () =>
          session().deliver({ t: 'member', channel: 'room', uid: 'bob', joined: false, count: 2 }),
        );
        at(scheduler, 700, () => void room.leave());
        at(scheduler, 800, () => void client.logout());
        expectObservable(room.memberJoined$).toBe(marble([[210, 'd']]), { d: 'dave' });
        expectObservable(room.memberLeft$).toBe(marble([[510, 'b']]), { b: 'bob' });
        expectObservable(room.memberCount$).toBe(
          marble([
            [0, 'z'],
            [120, 'b'],
            [210, 'c'],
            [510, 'b'],
            [700, 'z'],
          ]),
          { z: 0, b: 2, c: 3 },
        );
      });
    });

    it('stays left when the app leaves from a member handler: the rest of that event is not announced', () => {
      const scheduler = testScheduler();
      scheduler.run(({ expectObservable }) => {
        const { client, server, room } = inRoom(scheduler, ['bob']);
        room.on('MemberLeft', () => void room.leave());
        at(scheduler, 100, () => void room.join());
        at(scheduler, 200, () => server.memberLeft('room', 'bob'));
        at(scheduler, 300, () => void client.logout());
        expectObservable(room.memberCount$).toBe(
          marble([
            [0, 'z'],
            [120, 't'],
            [210, 'z'],
          ]),
          { z: 0, t: 2 },
        );
      });
    });

    it('gives the same channel for the same id, and throws INVALID_ARGUMENT at once for a bad id', () => {
      const { client } = clientAndServer(testScheduler());
      expect(client.createChannel('room')).to.equal(client.createChannel('room'));
      for (const bad of ['', 'a/b', 'null', 'x'.repeat(65), 7 as unknown as string]) {
        expect(() => client.createChannel(bad))
          .to.throw(RtmError)
          .with.property('code', ErrorCode.InvalidArgument);
      }
    });

    it('answers a second join while joining as the first, and one while joined at once, sending one join', async () => {
      const scheduler = testScheduler();
      const settled: string[] = [];
      scheduler.run(() => {
        const { client, server } = loggedIn(scheduler);
        const room = client.createChannel('room');
        at(scheduler, 100, () => void room.join().then(() => settled.push('first')));
        at(scheduler, 110, () => void room.join().then(() => settled.push('second')));
        at(scheduler, 200, () => void room.join().then(() => settled.push('third')));
        at(scheduler, 300, () => expect(server.framesOfType('join')).to.have.length(1));
        at(scheduler, 400, () => void client.logout());
      });
      await flushMicrotasks();
      expect(settled).to.deep.equal(['first', 'second', 'third']);
    });
  });

  describe('requests across links', () => {
    it('sends the join again on the next link when the link drops before the reply, and settles it once', async () => {
      const scheduler = testScheduler();
      let join = outcome(Promise.resolve());
      scheduler.run(({ expectObservable }) => {
        const { client, server, room } = inRoom(scheduler, ['bob']);
        at(scheduler, 100, () => (join = outcome(room.join())));
        // The server joins at 110, but its reply finds the socket closed.
        at(scheduler, 105, () => server.dropAll());
        // Reconnect after the 500 ms floor: login at 605, welcome (resumed) at 625, join again, answered at 645.
        expectObservable(room.memberCount$).toBe(
          marble([
            [0, 'z'],
            [645, 'b'],
            [700, 'z'],
          ]),
          { z: 0, b: 2 },
        );
        at(scheduler, 700, () => {
          expect(server.framesOfType('join')).to.deep.equal([
            { t: 'join', id: 2, channel: 'room' },
            { t: 'join', id: 2, channel: 'room' },
          ]);
          expect(server.framesOfType('login').map((f) => [f.session, f.seq])).to.deep.equal([
            [undefined, undefined],
            ['s1', 0],
          ]);
          void room.leave();
          void client.logout();
        });
      });
      await flushMicrotasks();
      expect(join.value).to.equal('resolved');
    });

    it('rejects TIMEOUT exactly requestTimeoutMs after the call when no answer comes', async () => {
      const scheduler = testScheduler();
      const { client, server } = loggedIn(scheduler);
      const room = client.createChannel('room');
      let join = outcome(Promise.resolve());
      // The link goes down for good at 50; the join waits for a link that never comes.
      at(scheduler, 50, () => {
        server.refuseConnections = true;
        server.dropAll();
      });
      at(scheduler, 100, () => (join = outcome(room.join())));
      await advanceTo(scheduler, 10_099);
      expect(join.value).to.equal(undefined);
      await advanceTo(scheduler, 10_100);
      expect(join.value).to.equal('rejected TIMEOUT');
      expect(server.framesOfType('join')).to.deep.equal([]);
    });

    it('honours requestTimeoutMs', async () => {
      const scheduler = testScheduler();
      const { client, server } = loggedIn(scheduler, { requestTimeoutMs: 2000 });
      let join = outcome(Promise.resolve());
      const room = client.createChannel('room');
      // A half-open link from 50: the join is written into it and nothing comes back.
      at(scheduler, 50, () => server.blackhole());
      at(scheduler, 100, () => (join = outcome(room.join())));
      await advanceTo(scheduler, 2099);
      expect(join.value).to.equal(undefined);
      await advanceTo(scheduler, 2100);
      expect(join.value).to.equal('rejected TIMEOUT');
    });
  });

  describe('refusals', () => {
    it('rejects NOT_LOGGED_IN while DISCONNECTED and CONNECTING, sending nothing', async () => {
      const scheduler = testScheduler();
      const results: Array<{ value?: string }> = [];
      scheduler.run(() => {
        const { client, server } = clientAndServer(scheduler, {}, { latencyMs: 10 });
        const room = client.createChannel('room');
        at(scheduler, 5, () => results.push(outcome(room.join()), outcome(room.leave()), outcome(room.getMembers())));
        at(scheduler, 10, () => void client.login(alice));
        at(scheduler, 15, () => results.push(outcome(room.join())));
        at(scheduler, 100, () => {
          expect(server.framesOfType('join')).to.deep.equal([]);
          void client.logout();
        });
      });
      await flushMicrotasks();
      expect(results.map((r) => r.value)).to.deep.equal(Array<string>(4).fill('rejected NOT_LOGGED_IN'));
    });

    it('rejects CANCELED on logout before the answer, and the channel is not joined after the next login', async () => {
      const scheduler = testScheduler();
      let join = outcome(Promise.resolve());
      let members = outcome(Promise.resolve());
      scheduler.run(({ expectObservable }) => {
        const { client } = loggedIn(scheduler);
        const room = client.createChannel('room');
        at(scheduler, 100, () => (join = outcome(room.join())));
        at(scheduler, 105, () => void client.logout());
        at(scheduler, 2000, () => void client.login(alice));
        at(scheduler, 2100, () => (members = outcome(room.getMembers())));
        at(scheduler, 2200, () => void client.logout());
        expectObservable(room.memberCount$).toBe('z', { z: 0 });
      });
      await flushMicrotasks();
      expect(join.value).to.equal('rejected CANCELED');
      expect(members.value).to.equal('rejected NOT_JOINED');
    });

    it('rejects CANCELED when ABORTED before the answer, and clears the joined channels', async () => {
      const scheduler = testScheduler();
      let join = outcome(Promise.resolve());
      scheduler.run(({ expectObservable }) => {
        const { client, server, room } = inRoom(scheduler, ['bob']);
        const hall = client.createChannel('hall');
        at(scheduler, 100, () => void room.join());
        at(scheduler, 200, () => (join = outcome(hall.join())));
        at(scheduler, 205, () => server.kick(KickReason.RemoteLogin)); // kicked arrives at 215, before the answer
        at(scheduler, 300, () => void client.logout());
        expectObservable(room.memberCount$).toBe(
          marble([
            [0, 'z'],
            [120, 'b'],
            [215, 'z'],
          ]),
          { z: 0, b: 2 },
        );
      });
      await flushMicrotasks();
      expect(join.value).to.equal('rejected CANCELED');
    });

    it('clears every joined channel on logout without MemberLeft events', () => {
      const scheduler = testScheduler();
      scheduler.run(({ expectObservable }) => {
        const { client, room } = inRoom(scheduler, ['bob']);
        at(scheduler, 100, () => void room.join());
        at(scheduler, 300, () => void client.logout());
        expectObservable(room.memberCount$).toBe(
          marble([
            [0, 'z'],
            [120, 'b'],
            [300, 'z'],
          ]),
          { z: 0, b: 2 },
        );
        expectObservable(room.memberLeft$).toBe('');
      });
    });

    it('rejects a join while joining the leave cancels: CANCELED, and the late reply changes nothing', async () => {
      const scheduler = testScheduler();
      let join = outcome(Promise.resolve());
      scheduler.run(({ expectObservable }) => {
        const { client, server, room } = inRoom(scheduler, ['bob']);
        at(scheduler, 100, () => (join = outcome(room.join())));
        at(scheduler, 105, () => void room.leave());
        expectObservable(room.memberCount$).toBe('z', { z: 0 });
        at(scheduler, 200, () => {
          expect(server.membersOf('room')).to.deep.equal(['bob']);
          void client.logout();
        });
      });
      await flushMicrotasks();
      expect(join.value).to.equal('rejected CANCELED');
    });

    it('rejects getMembers NOT_JOINED unless joined, and TOO_OFTEN at the sixth call within 2 s', async () => {
      const scheduler = testScheduler();
      const calls: Array<{ value?: string }> = [];
      scheduler.run(() => {
        const { client } = loggedIn(scheduler);
        const room = client.createChannel('room');
        at(scheduler, 50, () => calls.push(outcome(room.getMembers())));
        at(scheduler, 100, () => void room.join());
        for (let i = 0; i < 6; i++) at(scheduler, 200 + i * 100, () => calls.push(outcome(room.getMembers())));
        // 2 s after the first counted call (200), one is free again.
        at(scheduler, 2200, () => calls.push(outcome(room.getMembers())));
        at(scheduler, 2300, () => void client.logout());
      });
      await flushMicrotasks();
      expect(calls.map((c) => c.value)).to.deep.equal([
        'rejected NOT_JOINED',
        ...Array<string>(5).fill('resolved'),
        'rejected TOO_OFTEN',
        'resolved',
      ]);
    });

    it('rejects the 21st channel LIMIT_EXCEEDED and the 51st join in 3 s TOO_OFTEN, sending neither', async () => {
      const scheduler = testScheduler();
      let limit = outcome(Promise.resolve());
      let rate = outcome(Promise.resolve());
      let later = outcome(Promise.resolve());
      scheduler.run(() => {
        const { client, server } = loggedIn(scheduler);
        at(scheduler, 100, () => {
          for (let i = 1; i <= 20; i++) void client.createChannel(`c${i}`).join();
          limit = outcome(client.createChannel('c21').join());
        });
        // Leaving frees slots but not the rate: 20 joins so far, 30 more pass, the 51st does not.
        at(scheduler, 200, () => {
          for (let i = 1; i <= 20; i++) void client.createChannel(`c${i}`).leave();
          for (let i = 1; i <= 20; i++) void client.createChannel(`d${i}`).join();
        });
        at(scheduler, 250, () => {
          for (let i = 1; i <= 20; i++) void client.createChannel(`d${i}`).leave();
          for (let i = 1; i <= 10; i++) void client.createChannel(`f${i}`).join();
        });
        at(scheduler, 300, () => (rate = outcome(client.createChannel('e1').join())));
        // The first 20 joins were at 100: free again at 3100.
        at(scheduler, 3099, () => expect(server.framesOfType('join')).to.have.length(50));
        at(scheduler, 3100, () => (later = outcome(client.createChannel('e1').join())));
        at(scheduler, 3200, () => void client.logout());
      });
      await flushMicrotasks();
      expect([limit.value, rate.value, later.value]).to.deep.equal([
        'rejected LIMIT_EXCEEDED',
        'rejected TOO_OFTEN',
        'resolved',
      ]);
    });
  });

  describe("member events across the app's own leave, logout and login (BEHAVIOUR §4.4)", () => {
    /** How alice is out of the room at 200, and back in it (logged in again if she had to) before joining at 1100. */
    const waysOut = {
      leave: { out: (room: RtmChannel) => void room.leave(), outAt: 200 },
      logout: { out: (_room: RtmChannel, client: RtmClient) => void client.logout(), outAt: 200 },
      'kicked (ABORTED)': {
        out: (_room: RtmChannel, _client: RtmClient, server: FakeRtmServer) => server.kick(KickReason.RemoteLogin),
        outAt: 210,
      },
    } as const;

    for (const [way, { out, outAt }] of Object.entries(waysOut)) {
      it(`${way}: the next join emits the net difference from what the app was shown, then events alternate`, () => {
        const scheduler = testScheduler();
        scheduler.run(({ expectObservable }) => {
          const { client, server, room } = inRoom(scheduler, ['bob', 'carol', 'dave']);
          at(scheduler, 100, () => void room.join());
          at(scheduler, 200, () => out(room, client, server));
          // While alice is out: bob leaves; carol leaves and comes back; erin joins.
          at(scheduler, 300, () => {
            server.memberLeft('room', 'bob');
            server.memberLeft('room', 'carol');
          });
          at(scheduler, 400, () => {
            server.memberJoined('room', 'carol');
            server.memberJoined('room', 'erin');
          });
          at(scheduler, 900, () => void client.logout());
          at(scheduler, 1000, () => void client.login(alice));
          at(scheduler, 1100, () => {
            expect(client.createChannel('room')).to.equal(room);
            void room.join();
          });
          // Back in: bob comes back, then carol leaves for real.
          at(scheduler, 1200, () => server.memberJoined('room', 'bob'));
          at(scheduler, 1300, () => server.memberLeft('room', 'carol'));
          at(scheduler, 1400, () => void client.logout());
          expectObservable(room.memberLeft$).toBe(
            marble([
              [1120, 'b'],
              [1310, 'c'],
            ]),
            { b: 'bob', c: 'carol' },
          );
          expectObservable(room.memberJoined$).toBe(
            marble([
              [1120, 'e'],
              [1210, 'b'],
            ]),
            { e: 'erin', b: 'bob' },
          );
          expectObservable(room.memberCount$).toBe(
            marble([
              [0, 'z'],
              [120, 'f'],
              [outAt, 'z'],
              [1120, 'f'],
              [1210, 'v'],
              [1310, 'f'],
              [1400, 'z'],
            ]),
            { z: 0, f: 4, v: 5 },
          );
          // Empty while out; at 1120 one step per announced event: bob out, then erin in.
          expectObservable(room.members$).toBe(
            marble([
              [0, 'e'],
              [120, 'a'],
              [outAt, 'e'],
              [1120, '(bc)'],
              [1210, 'd'],
              [1310, 'f'],
              [1400, 'e'],
            ]),
            {
              e: [],
              a: ['bob', 'carol', 'dave'],
              b: ['carol', 'dave'],
              c: ['carol', 'dave', 'erin'],
              d: ['bob', 'carol', 'dave', 'erin'],
              f: ['bob', 'dave', 'erin'],
            },
          );
        });
      });
    }

    it('a change a handler cut short by leaving is announced on the next join, not lost', () => {
      const scheduler = testScheduler();
      const heard: string[] = [];
      scheduler.run(() => {
        const { client, server, room } = inRoom(scheduler, ['bob']);
        room.on('MemberJoined', (uid) => heard.push(`joined ${uid}`));
        room.on('MemberLeft', (uid) => {
          heard.push(`left ${uid}`);
          if (heard.length === 1) void room.leave();
        });
        at(scheduler, 100, () => void room.join());
        at(scheduler, 200, () => void room.leave());
        at(scheduler, 300, () => {
          server.memberLeft('room', 'bob');
          server.memberJoined('room', 'erin');
        });
        // The list at 420 announces bob's leave; the handler leaves, so erin is not announced then, but at 520.
        at(scheduler, 400, () => void room.join());
        at(scheduler, 500, () => void room.join());
        at(scheduler, 600, () => void client.logout());
      });
      expect(heard).to.deep.equal(['left bob', 'joined erin']);
    });

    it('logged in again as another uid: the picture of the others is compared as it is', () => {
      const scheduler = testScheduler();
      scheduler.run(({ expectObservable }) => {
        const { client, room } = inRoom(scheduler, ['bob', 'carol']);
        at(scheduler, 100, () => void room.join());
        at(scheduler, 200, () => void client.logout());
        at(scheduler, 1000, () => void client.login({ uid: 'bob', token: 'token-2' }));
        at(scheduler, 1100, () => void room.join());
        at(scheduler, 1200, () => void client.logout());
        // bob is this client now, no longer one of the others; alice left with her logout.
        expectObservable(room.memberLeft$).toBe(marble([[1120, 'b']]), { b: 'bob' });
        expectObservable(room.memberJoined$).toBe('');
      });
    });

    it("another client's channel of the same id is another stream: its first join's list announces nobody", () => {
      const scheduler = testScheduler();
      scheduler.run(({ expectObservable }) => {
        const { client, server, room } = inRoom(scheduler, ['bob']);
        at(scheduler, 100, () => void room.join());
        at(scheduler, 200, () => void client.logout());
        at(scheduler, 300, () => {
          server.memberLeft('room', 'bob');
          server.memberJoined('room', 'erin');
        });
        // The app replaces its client: the new one's channel knows nothing of what the old one showed.
        const next = new RtmClient({ url: 'ws://rtm.test/', appId: 'app', WebSocket: server.WebSocket, scheduler });
        const nextRoom = next.createChannel('room');
        at(scheduler, 1000, () => void next.login(alice));
        at(scheduler, 1100, () => void nextRoom.join());
        at(scheduler, 1200, () => void next.logout());
        expectObservable(room.memberLeft$).toBe('');
        expectObservable(nextRoom.memberJoined$).toBe('');
        expectObservable(nextRoom.memberLeft$).toBe('');
        expectObservable(nextRoom.members$).toBe(
          marble([
            [0, 'e'],
            [1120, 'a'],
            [1200, 'e'],
          ]),
          { e: [], a: ['erin'] },
        );
      });
    });
  });
});
