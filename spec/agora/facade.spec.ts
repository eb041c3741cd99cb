/**
 * rx-rtm/agora on virtual time against the fake server: every ConnectionStateChanged pair with the SDK's strings,
 * token events, peer and channel messages and member events with the SDK's positional arguments, a second channel
 * object of the same id, listeners that throw, and each failure with the SDK's number. Latency is 10 ms each way:
 * alice, logging in at 10 ms, is CONNECTED at 30 ms; a request made at t is answered at t + 20.
 */
import { expect } from 'chai';
import { Observable } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import sinon from 'sinon';
import AgoraRTM, { AgoraRtmError, type RtmClient, type RtmConfig } from '../../lib/agora/node.js';
import { ErrorCode } from '../../lib/protocol/error-code.js';
import { KickReason, PeerStatus } from '../../lib/protocol/vocabulary.js';
import { FakeRtmServer } from '../../lib/testing/fake-rtm-server.js';
import { advanceTo, at, flushMicrotasks, marble, testScheduler } from '../support/marbles.js';

const alice = { uid: 'alice', token: 'token-1' };

/** A facade client of the fake server on `scheduler`, jitter pinned to its floor. */
function instance(server: FakeRtmServer, scheduler: TestScheduler, config: RtmConfig = {}): RtmClient {
  const url = 'ws://rtm.test/';
  return AgoraRTM.createInstance('app', { url, WebSocket: server.WebSocket, scheduler, random: () => 0, ...config });
}

function aliceOnServer(scheduler: TestScheduler) {
  const server = new FakeRtmServer(scheduler, { latencyMs: 10 });
  return { server, client: instance(server, scheduler) };
}

/** The events a listener hears, each as its arguments joined by a space. */
const heard = (listen: (listener: (...args: unknown[]) => void) => unknown) =>
  new Observable<string>((subscriber) => void listen((...args) => subscriber.next(args.map(String).join(' '))));

/** The client's ConnectionStateChanged events, as `STATE REASON`. */
const stateChanges = (client: RtmClient) => heard((l) => client.on('ConnectionStateChanged', l));

/** How a promise settled: `resolved`, or the facade error's `code reason`. */
function settled(promise: Promise<unknown>): { value?: string } {
  const result: { value?: string } = {};
  promise.then(
    () => (result.value = 'resolved'),
    (error: AgoraRtmError) => (result.value = `${error.code} ${error.reason}`),
  );
  return result;
}

const states = {
  g: 'CONNECTING LOGIN',
  c: 'CONNECTED LOGIN_SUCCESS',
  f: 'DISCONNECTED LOGIN_FAILURE',
  t: 'DISCONNECTED LOGIN_TIMEOUT',
  r: 'RECONNECTING INTERRUPTED',
  o: 'DISCONNECTED LOGOUT',
  a: 'ABORTED REMOTE_LOGIN',
  b: 'ABORTED BANNED_BY_SERVER',
};

describe('rx-rtm/agora (marbles)', () => {
  describe('ConnectionStateChanged', () => {
    it('announces login, its success and logout with the SDK strings, and no initial DISCONNECTED', async () => {
      const scheduler = testScheduler();
      let login = settled(Promise.resolve());
      let logout = settled(Promise.resolve());
      scheduler.run(({ expectObservable }) => {
        const { client } = aliceOnServer(scheduler);
        at(scheduler, 10, () => (login = settled(client.login(alice))));
        at(scheduler, 100, () => (logout = settled(client.logout())));
        expectObservable(stateChanges(client)).toBe(
          marble([
            [10, 'g'],
            [30, 'c'],
            [100, 'o'],
          ]),
          states,
        );
      });
      await flushMicrotasks();
      expect([login.value, logout.value]).to.deep.equal(['resolved', 'resolved']);
    });

    it('announces LOGIN_FAILURE when the server refuses; login rejects with the SDK number, the reason', async () => {
      const scheduler = testScheduler();
      let error: unknown;
      scheduler.run(({ expectObservable }) => {
        const { client, server } = aliceOnServer(scheduler);
        server.loginAnswer = { type: 'refuse', code: ErrorCode.InvalidToken };
        at(scheduler, 10, () => void client.login(alice).catch((e: unknown) => (error = e)));
        expectObservable(stateChanges(client)).toBe(
          marble([
            [10, 'g'],
            [30, 'f'],
          ]),
          states,
        );
      });
      await flushMicrotasks();
      expect(error).to.be.instanceOf(AgoraRtmError);
      expect(error).to.include({ code: 5, reason: 'INVALID_TOKEN', name: 'AgoraRtmError' });
      expect((error as Error).message).to.match(/^login failed: INVALID_TOKEN/);
    });

    it('announces LOGIN_TIMEOUT 6 s after login; login rejects 9 TIMEOUT', async () => {
      const scheduler = testScheduler();
      let login = settled(Promise.resolve());
      scheduler.run(({ expectObservable }) => {
        const { client, server } = aliceOnServer(scheduler);
        server.loginAnswer = { type: 'ignore' };
        at(scheduler, 10, () => (login = settled(client.login(alice))));
        expectObservable(stateChanges(client)).toBe(
          marble([
            [10, 'g'],
            [6010, 't'],
          ]),
          states,
        );
      });
      await flushMicrotasks();
      expect(login.value).to.equal('9 TIMEOUT');
    });

    it('announces INTERRUPTED, the automatic LOGIN_SUCCESS, and LOGOUT from RECONNECTING', () => {
      const scheduler = testScheduler();
      scheduler.run(({ expectObservable }) => {
        const { client, server } = aliceOnServer(scheduler);
        at(scheduler, 10, () => void client.login(alice));
        at(scheduler, 2500, () => server.blackhole());
        at(scheduler, 9000, () => server.heal());
        at(scheduler, 12_500, () => server.blackhole());
        at(scheduler, 20_000, () => void client.logout());
        // As the client's own test: dark at 2500, RECONNECTING at 7280, back at 9010. The new session's pings
        // arrive at 10 010, 11 010, 12 010; the 13 010 one is held (dark at 12 500): RECONNECTING at 17 260.
        expectObservable(stateChanges(client)).toBe(
          marble([
            [10, 'g'],
            [30, 'c'],
            [7280, 'r'],
            [9010, 'c'],
            [17_260, 'r'],
            [20_000, 'o'],
          ]),
          states,
        );
      });
    });

    for (const [reason, letter] of [
      [KickReason.RemoteLogin, 'a'],
      [KickReason.BannedByServer, 'b'],
    ] as const) {
      it(`announces ABORTED ${reason}, then LOGOUT`, () => {
        const scheduler = testScheduler();
        scheduler.run(({ expectObservable }) => {
          const { client, server } = aliceOnServer(scheduler);
          at(scheduler, 10, () => void client.login(alice));
          at(scheduler, 1000, () => server.kick(reason));
          at(scheduler, 2000, () => void client.logout());
          expectObservable(stateChanges(client)).toBe(
            marble([
              [10, 'g'],
              [30, 'c'],
              [1010, letter],
              [2000, 'o'],
            ]),
            states,
          );
        });
      });
    }

    it('announces LOGOUT from CONNECTING; the login rejects 201 CANCELED', async () => {
      const scheduler = testScheduler();
      let login = settled(Promise.resolve());
      scheduler.run(({ expectObservable }) => {
        const { client } = aliceOnServer(scheduler);
        at(scheduler, 10, () => (login = settled(client.login(alice))));
        at(scheduler, 15, () => void client.logout());
        expectObservable(stateChanges(client)).toBe(
          marble([
            [10, 'g'],
            [15, 'o'],
          ]),
          states,
        );
      });
      await flushMicrotasks();
      expect(login.value).to.equal('201 CANCELED');
    });
  });

  describe('token events', () => {
    it('emits TokenPrivilegeWillExpire 30 s before expiry and TokenExpired when a re-login is refused for it', () => {
      const scheduler = testScheduler();
      scheduler.run(({ expectObservable }) => {
        const { client, server } = aliceOnServer(scheduler);
        server.loginAnswer = { type: 'welcome', tokenExpiresInMs: 40_000 };
        at(scheduler, 10, () => void client.login(alice));
        at(scheduler, 20_000, () => {
          server.loginAnswer = { type: 'refuse', code: ErrorCode.TokenExpired };
          server.dropAll();
        });
        at(scheduler, 50_000, () => void client.logout());
        // Welcome at 30 says 40 s left: warning at 10 030. Dropped at 20 000, the first re-login is refused at 20 520.
        expectObservable(heard((l) => client.on('TokenPrivilegeWillExpire', l))).toBe(marble([[10_030, 'w']]), {
          w: '',
        });
        expectObservable(heard((l) => client.on('TokenExpired', l))).toBe(marble([[20_520, 'x']]), { x: '' });
      });
    });
  });

  describe('messages', () => {
    it('MessageFromPeer(message, peerId, props); sendMessageToPeer answers { hasPeerReceived }', async () => {
      const scheduler = testScheduler();
      const { client, server } = aliceOnServer(scheduler);
      const received: unknown[] = [];
      const sent: unknown[] = [];
      client.on('MessageFromPeer', (message, peerId, props) => received.push([message, peerId, props]));
      const bytes = new Uint8Array([1, 2, 255]);
      at(scheduler, 10, () => void client.login(alice));
      at(scheduler, 100, () => server.sendMessageToPeer('bob', 'alice', { text: 'hi' }));
      at(scheduler, 110, () => {
        server.sendMessageToPeer('bob', 'alice', { messageType: 'RAW', rawMessage: bytes, description: 'd' });
      });
      at(scheduler, 200, () => void client.sendMessageToPeer({ text: 'yo' }, 'bob').then((r) => sent.push(r)));
      // The SDK's raw message may leave out its type: it is RAW for having rawMessage.
      at(scheduler, 201, () => void client.sendMessageToPeer({ rawMessage: bytes }, 'bob').then((r) => sent.push(r)));
      await advanceTo(scheduler, 300);
      expect(received).to.deep.equal([
        [{ messageType: 'TEXT', text: 'hi' }, 'bob', { serverReceivedTs: 100, isOfflineMessage: false }],
        [
          { messageType: 'RAW', rawMessage: bytes, description: 'd' },
          'bob',
          { serverReceivedTs: 110, isOfflineMessage: false },
        ],
      ]);
      expect(server.framesOfType('sendPeer')).to.deep.equal([
        { t: 'sendPeer', id: 2, to: 'bob', type: 'TEXT', data: 'eW8=' },
        { t: 'sendPeer', id: 3, to: 'bob', type: 'RAW', data: 'AQL/' },
      ]);
      expect(sent).to.deep.equal([{ hasPeerReceived: false }, { hasPeerReceived: false }]);
      void client.logout();
      await advanceTo(scheduler, 400);
    });

    it('createMessage fills in messageType', () => {
      const { client } = aliceOnServer(testScheduler());
      const bytes = new Uint8Array([7]);
      expect(client.createMessage({ text: 'a' })).to.deep.equal({ text: 'a', messageType: 'TEXT' });
      expect(client.createMessage({ rawMessage: bytes, description: 'b' })).to.deep.equal({
        rawMessage: bytes,
        description: 'b',
        messageType: 'RAW',
      });
    });

    it('ChannelMessage(message, memberId, props) while joined; sendMessage goes to the channel', async () => {
      const scheduler = testScheduler();
      const { client, server } = aliceOnServer(scheduler);
      server.memberJoined('room', 'bob');
      const room = client.createChannel('room');
      const received: unknown[] = [];
      room.on('ChannelMessage', (message, memberId, props) => received.push([message, memberId, props]));
      let send = settled(Promise.resolve());
      at(scheduler, 10, () => void client.login(alice));
      at(scheduler, 50, () => void room.join());
      at(scheduler, 100, () => server.sendChannelMessage('room', 'bob', { text: 'hello' }));
      at(scheduler, 200, () => (send = settled(room.sendMessage({ text: 'back' }))));
      at(scheduler, 300, () => void room.leave());
      at(scheduler, 400, () => server.sendChannelMessage('room', 'bob', { text: 'gone' }));
      await advanceTo(scheduler, 500);
      expect(received).to.deep.equal([[{ messageType: 'TEXT', text: 'hello' }, 'bob', { serverReceivedTs: 100 }]]);
      expect(send.value).to.equal('resolved');
      expect(server.framesOfType('sendChannel')).to.deep.equal([
        { t: 'sendChannel', id: 3, channel: 'room', type: 'TEXT', data: 'YmFjaw==' },
      ]);
      void client.logout();
      await advanceTo(scheduler, 600);
    });
  });

  describe('channels', () => {
    it('MemberJoined, MemberLeft, MemberCountUpdated (from the join, once a second), nothing after leave', async () => {
      const scheduler = testScheduler();
      let members: string[] = [];
      scheduler.run(({ expectObservable }) => {
        const { client, server } = aliceOnServer(scheduler);
        server.memberJoined('room', 'bob');
        const room = client.createChannel('room');
        at(scheduler, 10, () => void client.login(alice));
        at(scheduler, 100, () => void room.join());
        at(scheduler, 200, () => server.memberJoined('room', 'carol'));
        at(scheduler, 1500, () => server.memberLeft('room', 'bob'));
        at(scheduler, 2200, () => void room.getMembers().then((uids) => (members = uids)));
        at(scheduler, 2300, () => void room.leave());
        at(scheduler, 2400, () => server.memberJoined('room', 'dave'));
        at(scheduler, 3500, () => void client.logout());
        const all = heard((l) => {
          room.on('MemberJoined', (uid) => l('joined', uid));
          room.on('MemberLeft', (uid) => l('left', uid));
          room.on('MemberCountUpdated', (count) => l('count', count));
        });
        // The count at the join at once; carol's 3 at the end of that second; bob's leaving at the end of the next.
        expectObservable(all).toBe(
          marble([
            [120, 'n'],
            [210, 'j'],
            [1120, 'c'],
            [1510, 'l'],
            [2120, 'd'],
          ]),
          { n: 'count 2', j: 'joined carol', c: 'count 3', l: 'left bob', d: 'count 2' },
        );
      });
      await flushMicrotasks();
      expect(members).to.deep.equal(['alice', 'carol']);
    });

    it("MemberCountUpdated at the SDK's cadence: the latest count once a second, every 3 s past 512 members", () => {
      const scheduler = testScheduler();
      scheduler.run(({ expectObservable }) => {
        const { client, server } = aliceOnServer(scheduler);
        for (let i = 0; i < 511; i++) server.memberJoined('room', `m${i}`);
        const room = client.createChannel('room');
        at(scheduler, 10, () => void client.login(alice));
        at(scheduler, 100, () => void room.join());
        at(scheduler, 200, () => server.memberJoined('room', 'x1'));
        at(scheduler, 1200, () => server.memberJoined('room', 'x2'));
        at(scheduler, 1300, () => server.memberJoined('room', 'x3'));
        // Within the next 3 s window the count goes up and back: no event, it did not change.
        at(scheduler, 4200, () => server.memberJoined('room', 'x4'));
        at(scheduler, 4300, () => server.memberLeft('room', 'x4'));
        at(scheduler, 7500, () => void client.logout());
        const counts = heard((l) => room.on('MemberCountUpdated', (count) => l(count)));
        expectObservable(counts).toBe(
          marble([
            [120, 'a'],
            [1120, 'b'],
            [4120, 'c'],
          ]),
          { a: '512', b: '513', c: '515' },
        );
      });
    });

    it('a second object of the same channel id cannot join while the first holds it; no event twice', async () => {
      const scheduler = testScheduler();
      const { client, server } = aliceOnServer(scheduler);
      const first = client.createChannel('room');
      const second = client.createChannel('room');
      expect(second).not.to.equal(first);
      const events: string[] = [];
      const listener = (uid: string) => events.push(uid);
      first.on('MemberJoined', listener);
      second.on('MemberJoined', listener);
      let secondJoin = settled(Promise.resolve());
      let secondSend = settled(Promise.resolve());
      let rejoin = settled(Promise.resolve());
      at(scheduler, 10, () => void client.login(alice));
      at(scheduler, 100, () => void first.join());
      at(scheduler, 110, () => (secondJoin = settled(second.join())));
      at(scheduler, 111, () => (secondSend = settled(second.sendMessage({ text: 'x' }))));
      at(scheduler, 200, () => server.memberJoined('room', 'bob'));
      at(scheduler, 300, () => void first.leave());
      at(scheduler, 400, () => (rejoin = settled(second.join())));
      at(scheduler, 500, () => server.memberJoined('room', 'carol'));
      await advanceTo(scheduler, 600);
      expect([secondJoin.value, secondSend.value, rejoin.value]).to.deep.equal([
        '202 CHANNEL_ID_IN_USE',
        '5 NOT_JOINED',
        'resolved',
      ]);
      expect(events).to.deep.equal(['bob', 'carol']);
      void client.logout();
      await advanceTo(scheduler, 700);
    });
  });

  describe('user attributes and online status', () => {
    it('writes and reads attributes, queries and subscribes to online status', async () => {
      const scheduler = testScheduler();
      const { client, server } = aliceOnServer(scheduler);
      server.setPeerStatus('bob', PeerStatus.Online);
      server.setAttributes('bob', { mood: 'ok' });
      const changes: unknown[] = [];
      client.on('PeersOnlineStatusChanged', (status) => changes.push(status));
      const results: unknown[] = [];
      const keep = (promise: Promise<unknown>) => void promise.then((value) => results.push(value));
      at(scheduler, 10, () => void client.login(alice));
      at(scheduler, 100, () => keep(client.setLocalUserAttributes({ a: '1', b: '2' })));
      at(scheduler, 101, () => keep(client.addOrUpdateLocalUserAttributes({ c: '3' })));
      at(scheduler, 102, () => keep(client.deleteLocalUserAttributesByKeys(['a'])));
      at(scheduler, 103, () => keep(client.getUserAttributes('bob')));
      at(scheduler, 104, () => keep(client.getUserAttributesByKeys('bob', ['mood', 'x'])));
      at(scheduler, 105, () => keep(client.queryPeersOnlineStatus(['bob', 'carol'])));
      at(scheduler, 106, () => keep(client.subscribePeersOnlineStatus(['bob', 'carol'])));
      const subscribed: unknown[] = [];
      const { ONLINE_STATUS } = AgoraRTM.PeerSubscriptionOption;
      at(
        scheduler,
        200,
        () => void client.queryPeersBySubscriptionOption(ONLINE_STATUS).then((p) => subscribed.push(p)),
      );
      at(scheduler, 300, () => server.setPeerStatus('bob', PeerStatus.Unreachable));
      at(scheduler, 400, () => keep(client.unsubscribePeersOnlineStatus(['carol'])));
      at(
        scheduler,
        500,
        () => void client.queryPeersBySubscriptionOption(ONLINE_STATUS).then((p) => subscribed.push(p)),
      );
      at(scheduler, 600, () => keep(client.clearLocalUserAttributes()));
      await advanceTo(scheduler, 590);
      expect(server.attributesOf('alice')).to.deep.equal({ b: '2', c: '3' });
      await advanceTo(scheduler, 700);
      expect(server.attributesOf('alice')).to.deep.equal({});
      expect(results).to.deep.equal([
        undefined,
        undefined,
        undefined,
        { mood: 'ok' },
        { mood: 'ok' },
        { bob: true, carol: false },
        undefined,
        undefined,
        undefined,
      ]);
      expect(subscribed).to.deep.equal([['bob', 'carol'], ['bob']]);
      expect(changes).to.deep.equal([{ bob: 'ONLINE', carol: 'OFFLINE' }, { bob: 'UNREACHABLE' }]);
      void client.logout();
      await advanceTo(scheduler, 800);
    });
  });

  describe('channel attributes and member counts', () => {
    it('writes and reads with the SDK shapes; AttributesUpdated(attributes) while joined; member counts', async () => {
      const scheduler = testScheduler();
      const { client, server } = aliceOnServer(scheduler);
      const room = client.createChannel('room');
      const updates: unknown[] = [];
      room.on('AttributesUpdated', (attributes) => updates.push(attributes));
      const results: Record<string, unknown> = {};
      const keep = (name: string, promise: Promise<unknown>) => void promise.then((value) => (results[name] = value));
      const notify = { enableNotificationToChannelMembers: true };
      server.memberJoined('room', 'bob');
      at(scheduler, 10, () => void client.login(alice));
      at(scheduler, 50, () => void room.join());
      at(scheduler, 100, () => keep('setChannelAttributes', client.setChannelAttributes('room', { a: '1', b: '2' })));
      at(scheduler, 110, () =>
        keep('addOrUpdateChannelAttributes', client.addOrUpdateChannelAttributes('room', { c: '3' }, notify)),
      );
      at(scheduler, 120, () =>
        keep('deleteChannelAttributesByKeys', client.deleteChannelAttributesByKeys('room', ['a'], notify)),
      );
      at(scheduler, 130, () =>
        keep('getChannelAttributesByKeys', client.getChannelAttributesByKeys('room', ['c', 'x'])),
      );
      at(scheduler, 140, () => keep('getChannelMemberCount', client.getChannelMemberCount(['room', 'hall'])));
      at(scheduler, 150, () => keep('clearChannelAttributes', client.clearChannelAttributes('room')));
      at(scheduler, 160, () => keep('getChannelAttributes', client.getChannelAttributes('room')));
      await advanceTo(scheduler, 300);
      const attribute = (value: string, lastUpdateTs: number) => ({ value, lastUpdateUserId: 'alice', lastUpdateTs });
      expect(results).to.deep.equal({
        setChannelAttributes: undefined,
        addOrUpdateChannelAttributes: undefined,
        deleteChannelAttributesByKeys: undefined,
        getChannelAttributesByKeys: { c: attribute('3', 120) },
        getChannelMemberCount: { room: 2, hall: 0 },
        clearChannelAttributes: undefined,
        getChannelAttributes: {},
      });
      expect(updates).to.deep.equal([
        { a: attribute('1', 110), b: attribute('2', 110), c: attribute('3', 120) },
        { b: attribute('2', 110), c: attribute('3', 120) },
      ]);
      void client.logout();
      await advanceTo(scheduler, 400);
    });
  });

  describe('failures', () => {
    it('rejects with the SDK number of each operation, and the reason', async () => {
      const scheduler = testScheduler();
      const { client, server } = aliceOnServer(scheduler);
      const room = client.createChannel('room');
      const outcomes: Record<string, { value?: string }> = {};
      const check = (name: string, promise: Promise<unknown>) => (outcomes[name] = settled(promise));
      check('sendMessageToPeer logged out', client.sendMessageToPeer({ text: 'x' }, 'bob'));
      check('join logged out', room.join());
      check('renewToken logged out', client.renewToken('t'));
      check('queryPeersOnlineStatus logged out', client.queryPeersOnlineStatus(['bob']));
      check(
        'queryPeersBySubscriptionOption logged out',
        client.queryPeersBySubscriptionOption(AgoraRTM.PeerSubscriptionOption.ONLINE_STATUS),
      );
      check('login without token', client.login({ uid: 'alice' }));
      at(scheduler, 10, () => void client.login(alice));
      at(scheduler, 100, () => {
        check('login again', client.login(alice));
        check('sendMessage not joined', room.sendMessage({ text: 'x' }));
        check('getMembers not joined', room.getMembers());
        check('sendMessageToPeer bad peer', client.sendMessageToPeer({ text: 'x' }, 'null'));
        check('sendMessageToPeer too large', client.sendMessageToPeer({ text: 'x'.repeat(40_000) }, 'bob'));
        check('setLocalUserAttributes bad key', client.setLocalUserAttributes({ '': 'x' }));
        check('subscribe too many', client.subscribePeersOnlineStatus(Array.from({ length: 513 }, (_, i) => `u${i}`)));
        server.failNext('join', ErrorCode.LimitExceeded);
        check('join refused', room.join());
        check('setChannelAttributes bad key', client.setChannelAttributes('room', { ['k'.repeat(33)]: 'x' }));
        check('getChannelMemberCount', client.getChannelMemberCount(['room']));
        check('getChannelMemberCount again', client.getChannelMemberCount(['room']));
        check('getChannelMemberCount 33', client.getChannelMemberCount(Array.from({ length: 33 }, (_, i) => `c${i}`)));
      });
      await advanceTo(scheduler, 200);
      expect(Object.fromEntries(Object.entries(outcomes).map(([name, { value }]) => [name, value]))).to.deep.equal({
        'sendMessageToPeer logged out': '102 NOT_LOGGED_IN',
        'join logged out': '102 NOT_LOGGED_IN',
        'renewToken logged out': '102 NOT_LOGGED_IN',
        'queryPeersOnlineStatus logged out': '102 NOT_LOGGED_IN',
        'queryPeersBySubscriptionOption logged out': '102 NOT_LOGGED_IN',
        'login without token': '3 INVALID_ARGUMENT',
        'login again': '8 ALREADY_LOGIN',
        'sendMessage not joined': '5 NOT_JOINED',
        'getMembers not joined': '5 NOT_JOINED',
        'sendMessageToPeer bad peer': '6 INVALID_ARGUMENT',
        'sendMessageToPeer too large': '7 LIMIT_EXCEEDED',
        'setLocalUserAttributes bad key': '3 INVALID_ARGUMENT',
        'subscribe too many': '6 LIMIT_EXCEEDED',
        'join refused': '5 LIMIT_EXCEEDED',
        'setChannelAttributes bad key': '3 INVALID_ARGUMENT',
        getChannelMemberCount: 'resolved',
        'getChannelMemberCount again': '3 TOO_OFTEN',
        'getChannelMemberCount 33': '5 LIMIT_EXCEEDED',
      });
      void client.logout();
      await advanceTo(scheduler, 300);
    });

    it('throws where the SDK method is synchronous: createChannel with a bad id', () => {
      const { client } = aliceOnServer(testScheduler());
      expect(() => client.createChannel('null'))
        .to.throw(AgoraRtmError)
        .with.property('code', 1);
    });
  });

  describe('listeners', () => {
    afterEach(() => sinon.restore());

    it('reports a listener that throws, still calls the others, and keeps the client working', async () => {
      const errors = sinon.stub(console, 'error');
      const scheduler = testScheduler();
      const { client } = aliceOnServer(scheduler);
      const calls: string[] = [];
      client.on('ConnectionStateChanged', () => {
        throw new Error('app bug');
      });
      client.on('ConnectionStateChanged', (state) => calls.push(`on ${state}`));
      client.once('ConnectionStateChanged', (state) => calls.push(`once ${state}`));
      const twice = (state: string) => calls.push(`twice ${state}`);
      client.on('ConnectionStateChanged', twice).on('ConnectionStateChanged', twice);
      expect(client.listenerCount('ConnectionStateChanged')).to.equal(4);
      let login = settled(Promise.resolve());
      at(scheduler, 10, () => (login = settled(client.login(alice))));
      await advanceTo(scheduler, 50);
      client.off('ConnectionStateChanged', twice);
      void client.logout();
      await advanceTo(scheduler, 70);
      client.removeAllListeners();
      void client.login(alice);
      await advanceTo(scheduler, 120);
      expect(login.value).to.equal('resolved');
      expect(calls).to.deep.equal([
        'on CONNECTING',
        'once CONNECTING',
        'twice CONNECTING',
        'on CONNECTED',
        'twice CONNECTED',
        'on DISCONNECTED',
      ]);
      expect(errors.callCount).to.equal(3);
      expect(String(errors.firstCall.args[0])).to.include('ConnectionStateChanged listener threw');
      expect(client.listenerCount('ConnectionStateChanged')).to.equal(0);
      void client.logout();
      await advanceTo(scheduler, 200);
    });
  });

  describe('createInstance', () => {
    afterEach(() => Reflect.deleteProperty(globalThis, 'location'));

    it('connects a page to its own origin without a url: ws: for http:, wss: for https:', () => {
      const scheduler = testScheduler();
      const server = new FakeRtmServer(scheduler);
      for (const [protocol, url] of [
        ['http:', 'ws://app.example:8080/'],
        ['https:', 'wss://app.example:8080/'],
      ]) {
        Object.assign(globalThis, { location: { protocol, host: 'app.example:8080' } });
        const client = AgoraRTM.createInstance('app', {
          WebSocket: server.WebSocket,
          scheduler,
          enableLogUpload: true,
        });
        void client.login(alice);
        scheduler.flush();
        expect(server.sockets.at(-1)?.url).to.equal(url);
        void client.logout();
        scheduler.flush();
      }
    });

    it('refuses, in Node without a url, with a clear error', () => {
      expect(() => AgoraRTM.createInstance('app'))
        .to.throw(AgoraRtmError, /no server URL.*createInstance\(appId, \{ url \}\)/)
        .with.property('code', 1);
    });

    it('takes and ignores the SDK options that mean nothing here', () => {
      const { client } = aliceOnServer(testScheduler());
      client.updateConfig({ logFilter: AgoraRTM.LOG_FILTER_WARNING, enableCloudProxy: true });
      client.setParameters({ enableLogUpload: false });
      AgoraRTM.setArea({ areaCodes: [AgoraRTM.AreaCode.EUROPE] });
      expect(AgoraRTM.VERSION).to.equal('1.5.1');
    });
  });
});
