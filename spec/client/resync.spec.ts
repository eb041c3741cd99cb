/**
 * BEHAVIOUR §4 on virtual time: what the client sends and emits when its link
 * comes back, by what the server kept (docs/PROTOCOL.md, "Events, sequence
 * numbers and resuming"). Latency is 10 ms each way; alice is CONNECTED at
 * 30 ms and sets up, at 100, channels, a subscription and attributes that
 * are in place at 120 (200 and 220 for a second write).
 */
import { expect } from 'chai';
import type { RunHelpers, TestScheduler } from 'rxjs/testing';
import type { RtmChannel } from '../../lib/client/rtm-channel.js';
import { RtmClient } from '../../lib/client/rtm-client.js';
import type { ClientFrame } from '../../lib/protocol/frames.js';
import { PeerStatus } from '../../lib/protocol/frames.js';
import type { FakeRtmServer, FakeSocket } from '../../lib/testing/fake-rtm-server.js';
import { at, inRoom, marble, pairValues, testScheduler } from '../support/marbles.js';

const { Online, Offline } = PeerStatus;

/** Frames of the kinds a re-sync sends, as received on `sockets`. */
function resyncFrames(sockets: FakeSocket[]): ClientFrame[] {
  const kinds = new Set(['join', 'leave', 'attrs', 'subscribe']);
  return sockets.flatMap((socket) => socket.received.filter((frame) => kinds.has(frame.t)));
}

/**
 * Alice in room (with bob, carol and frank), hall and lobby at 120;
 * subscribed to bob (ONLINE) and dave (OFFLINE); attributes mood and hat.
 * Request ids: login 1, joins 2 to 4, subscribe 5, attributes 6 and 7.
 */
function setUp(scheduler: TestScheduler) {
  const { client, server, room } = inRoom(scheduler, ['bob', 'carol', 'frank']);
  server.setPeerStatus('bob', Online);
  const hall = client.createChannel('hall');
  const lobby = client.createChannel('lobby');
  at(scheduler, 100, () => {
    void room.join();
    void hall.join();
    void lobby.join();
    void client.subscribePeersOnlineStatus(['bob', 'dave']);
    void client.setLocalUserAttributes({ mood: 'happy' });
  });
  at(scheduler, 200, () => void client.addOrUpdateLocalUserAttributes({ hat: 'red' }));
  return { client, server, room, hall, lobby };
}

/** While alice is away: bob leaves and comes back, carol leaves, erin and gina join, dave comes online. */
function meanwhile(server: FakeRtmServer): void {
  server.memberLeft('room', 'bob');
  server.memberJoined('room', 'bob');
  server.memberLeft('room', 'carol');
  server.memberJoined('room', 'erin');
  server.memberJoined('room', 'gina');
  server.setPeerStatus('dave', Online);
}

/**
 * What {@link meanwhile} looks like to alice once reconciled at `time`:
 * carol left, erin and gina joined, 5 members, dave online.
 */
function expectDifferenceAt(
  time: number,
  expectObservable: RunHelpers['expectObservable'],
  client: RtmClient,
  room: RtmChannel,
): void {
  expectObservable(room.memberLeft$).toBe(marble([[time, 'c']]), { c: 'carol' });
  expectObservable(room.memberJoined$).toBe(marble([[time, '(eg)']]), { e: 'erin', g: 'gina' });
  expectObservable(room.memberCount$).toBe(
    marble([
      [0, 'z'],
      [120, 'f'],
      [time, 'v'],
      [3000, 'z'],
    ]),
    { z: 0, f: 4, v: 5 },
  );
  expectObservable(client.peersOnlineStatusChanged$).toBe(
    marble([
      [120, 's'],
      [time, 'd'],
    ]),
    {
      s: { bob: Online, dave: Offline },
      d: { dave: Online },
    },
  );
}

describe('re-sync after the link comes back (marbles)', () => {
  it('(a) back within the grace, resumed without gap: emits only the missed events', () => {
    // Sends no join, attrs or subscribe again.
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client, server, room } = setUp(scheduler);
      at(scheduler, 1000, () => server.dropAll());
      at(scheduler, 1100, () => server.memberJoined('room', 'erin'));
      // Reconnect after the 500 ms floor: login at 1510, welcome (resumed) and the missed event at 1520.
      at(scheduler, 3000, () => {
        expect(server.framesOfType('login').map((f) => [f.session, f.seq])).to.deep.equal([
          [undefined, undefined],
          ['s1', 1],
        ]);
        expect(resyncFrames(server.sockets.slice(1))).to.deep.equal([]);
        void client.logout();
      });
      expectObservable(client.connectionState$).toBe(
        marble([
          [0, 'i'],
          [10, 'g'],
          [30, 'c'],
          [3000, 'o'],
        ]),
        pairValues,
      );
      expectObservable(room.memberJoined$).toBe(marble([[1520, 'e']]), { e: 'erin' });
      expectObservable(room.memberLeft$).toBe('');
      expectObservable(client.peersOnlineStatusChanged$).toBe(marble([[120, 's']]), {
        s: { bob: Online, dave: Offline },
      });
    });
  });

  it('(b) a new session after a server restart: one join per joined channel, one attrs set, one subscribe', () => {
    // And emits exactly the difference.
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client, server, room, hall, lobby } = setUp(scheduler);
      // The restart's goaway arrives at 1010; connections are refused until 2000.
      at(scheduler, 1000, () => {
        server.refuseConnections = true;
        server.restart();
      });
      at(scheduler, 1100, () => meanwhile(server));
      at(scheduler, 1200, () => void lobby.leave()); // left while the link is down: not rejoined
      at(scheduler, 2000, () => (server.refuseConnections = false));
      // Attempts at 1010 and 1510 are refused; the one at 2010 logs in as a new session at 2030; answers at 2050.
      at(scheduler, 3000, () => {
        expect(server.framesOfType('login').map((f) => [f.session, f.seq])).to.deep.equal([
          [undefined, undefined],
          ['s1', 1],
        ]);
        expect(resyncFrames(server.sockets.slice(1))).to.deep.equal([
          { t: 'join', id: 9, channel: 'room' },
          { t: 'join', id: 10, channel: 'hall' },
          { t: 'subscribe', id: 11, uids: ['bob', 'dave'] },
          { t: 'attrs', id: 12, op: 'set', attributes: { mood: 'happy', hat: 'red' } },
          // The app's own request, queued since 1200, after what it builds on.
          { t: 'leave', id: 8, channel: 'lobby' },
        ]);
        expect(server.attributesOf('alice')).to.deep.equal({ mood: 'happy', hat: 'red' });
        expect(server.membersOf('lobby')).to.deep.equal([]);
        void client.logout();
      });
      expectDifferenceAt(2050, expectObservable, client, room);
      expectObservable(hall.memberCount$).toBe(
        marble([
          [0, 'z'],
          [120, 'o'],
          [3000, 'z'],
        ]),
        { z: 0, o: 1 },
      );
    });
  });

  it('(c) resumed with a gap: joins and subscribes again and emits the difference, but writes no attributes', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client, server, room } = setUp(scheduler);
      at(scheduler, 1000, () => {
        server.loseEventsOnResume = true;
        server.dropAll();
      });
      at(scheduler, 1100, () => meanwhile(server));
      // Login at 1510, welcome (resumed, gap) at 1520, answers at 1540.
      at(scheduler, 3000, () => {
        expect(resyncFrames(server.sockets.slice(1))).to.deep.equal([
          { t: 'join', id: 8, channel: 'room' },
          { t: 'join', id: 9, channel: 'hall' },
          { t: 'join', id: 10, channel: 'lobby' },
          { t: 'subscribe', id: 11, uids: ['bob', 'dave'] },
        ]);
        void client.logout();
      });
      expectDifferenceAt(1540, expectObservable, client, room);
    });
  });

  it('(d) delivers events missed on a dead link once each, in order, when the server replays them on resume', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client, server, room } = inRoom(scheduler, ['bob']);
      at(scheduler, 100, () => void room.join());
      // The link goes dark at 1000, before the server's first ping: last heard the join's answer at 120, so it is
      // down since 1370 (120 + heartbeat + allowance). The events are sent into it and lost with the socket,
      // abandoned at 5370.
      at(scheduler, 1000, () => server.blackhole());
      at(scheduler, 1100, () => server.memberJoined('room', 'dave'));
      at(scheduler, 1200, () => server.memberLeft('room', 'bob'));
      at(scheduler, 1300, () => server.memberJoined('room', 'erin'));
      // The next attempt is held until the heal at 6000; welcome and the replay arrive at 6010.
      at(scheduler, 6000, () => server.heal());
      at(scheduler, 7000, () => {
        expect(server.framesOfType('login').map((f) => [f.session, f.seq])).to.deep.equal([
          [undefined, undefined],
          ['s1', 0],
        ]);
        void client.logout();
      });
      expectObservable(client.connectionState$).toBe(
        marble([
          [0, 'i'],
          [10, 'g'],
          [30, 'c'],
          [5370, 'r'],
          [6010, 'c'],
          [7000, 'o'],
        ]),
        pairValues,
      );
      expectObservable(room.memberJoined$).toBe(marble([[6010, '(de)']]), { d: 'dave', e: 'erin' });
      expectObservable(room.memberLeft$).toBe(marble([[6010, 'b']]), { b: 'bob' });
      expectObservable(room.memberCount$).toBe(
        marble([
          [0, 'z'],
          [120, 't'],
          [6010, '(hth)'],
          [7000, 'z'],
        ]),
        { z: 0, t: 2, h: 3 },
      );
    });
  });
  describe("a peer's view (BEHAVIOUR §4), alice and bob on one server", () => {
    /**
     * Alice joins room at 100 (answered at 120), bob at 200 (alice hears him
     * at 220); bob's socket drops at 1000 and he is back at 1520; he logs
     * out at 2900 (alice hears it at 2920), alice at 3000.
     */
    function twoInRoom(scheduler: TestScheduler) {
      const { client: alice, server, room } = inRoom(scheduler, []);
      const bob = new RtmClient({
        url: 'ws://rtm.test/',
        appId: 'app',
        WebSocket: server.WebSocket,
        scheduler,
        random: () => 0,
      });
      const bobsRoom = bob.createChannel('room');
      at(scheduler, 10, () => void bob.login({ uid: 'bob', token: 't' }));
      at(scheduler, 100, () => void room.join());
      at(scheduler, 200, () => {
        void bobsRoom.join();
        void bob.setLocalUserAttributes({ hat: 'red' });
      });
      at(scheduler, 1000, () => server.sessions.get('s2')!.socket!.drop());
      at(scheduler, 2900, () => void bob.logout()); // alice hears it at 2920
      at(scheduler, 3000, () => void alice.logout());
      return { alice, bob, server, room, bobsRoom };
    }

    it('back within the grace: alice sees bob neither leave nor join again', () => {
      const scheduler = testScheduler();
      scheduler.run(({ expectObservable }) => {
        const { room, bobsRoom } = twoInRoom(scheduler);
        expectObservable(room.memberJoined$).toBe(marble([[220, 'b']]), { b: 'bob' });
        expectObservable(room.memberLeft$).toBe(marble([[2920, 'b']]), { b: 'bob' }); // his logout
        expectObservable(bobsRoom.memberJoined$).toBe('');
      });
    });

    it('back after the grace: alice sees bob leave when it runs out and join once when he is back', () => {
      // His attributes are written back.
      const scheduler = testScheduler();
      scheduler.run(({ expectObservable }) => {
        const { room, bobsRoom, server } = twoInRoom(scheduler);
        at(scheduler, 1200, () => server.expire('s2'));
        // Bob logs in again at 1500 as a new session (welcome at 1520) and rejoins: alice hears it at 1540.
        at(scheduler, 2000, () => expect(server.attributesOf('bob')).to.deep.equal({ hat: 'red' }));
        expectObservable(room.memberLeft$).toBe(
          marble([
            [1210, 'b'],
            [2920, 'b'],
          ]),
          { b: 'bob' },
        );
        expectObservable(room.memberJoined$).toBe(
          marble([
            [220, 'b'],
            [1540, 'b'],
          ]),
          { b: 'bob' },
        );
        expectObservable(room.memberCount$).toBe(
          marble([
            [0, 'z'],
            [120, 'o'],
            [220, 't'],
            [1210, 'o'],
            [1540, 't'],
            [2920, 'o'],
            [3000, 'z'],
          ]),
          { z: 0, o: 1, t: 2 },
        );
        // Bob's own picture (alice) was right all along.
        expectObservable(bobsRoom.memberJoined$).toBe('');
        expectObservable(bobsRoom.memberLeft$).toBe('');
      });
    });
  });
});
