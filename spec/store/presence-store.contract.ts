/**
 * What every PresenceStore promises, whatever keeps its state: run against
 * MemoryStore (memory-store.spec.ts) and RedisStore over a real Redis
 * (redis-store.spec.ts) with the same expectations.
 *
 * A store resolves a change only after its own listeners heard the events
 * it caused, so each test reads the events right after the `await`, with
 * no waiting, and compares them whole and in order.
 */
import { expect } from 'chai';
import type { Lease, PresenceStore, StoreEvent } from '../../lib/store/presence-store.js';

/** The apps every store under contract serves; the last two look like parts of a key. */
export const CONTRACT_APPS = ['app1', 'app2', 'a', 'a}:u:b'] as const;

export interface ContractStores {
  /** A store over empty state, serving {@link CONTRACT_APPS}. */
  create(): Promise<PresenceStore>;
}

const lease: Lease = { graceMs: 30_000, unreachableMs: 6_000 };

/** Collects a store's events; `take` returns those since the last take. */
class Heard {
  private events: StoreEvent[] = [];
  readonly stop: () => void;
  constructor(store: PresenceStore) {
    this.stop = store.listen((event) => this.events.push(event));
  }
  take(): StoreEvent[] {
    return this.events.splice(0);
  }
}

const member = (appId: string, channel: string, uid: string, joined: boolean, count: number): StoreEvent => ({
  type: 'member',
  appId,
  channel,
  uid,
  joined,
  count,
});
const status = (appId: string, uid: string, value: 'ONLINE' | 'UNREACHABLE' | 'OFFLINE'): StoreEvent => ({
  type: 'status',
  appId,
  uid,
  status: value,
});
const sorted = (values: readonly string[]) => [...values].sort();

export function presenceStoreContract(stores: ContractStores): void {
  describe('PresenceStore contract', () => {
    let store: PresenceStore;
    let heard: Heard;
    const open: PresenceStore[] = [];

    beforeEach(async () => {
      store = await stores.create();
      open.push(store);
      heard = new Heard(store);
    });
    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
    });

    it('has a node id', () => {
      expect(store.node).to.be.a('string').that.is.not.empty;
    });

    describe('claim', () => {
      it('a uid nobody holds → created, no replaced session, ONLINE announced once', async () => {
        expect(await store.claim('app1', 'alice', 's1', undefined, lease)).to.deep.equal({
          outcome: 'created',
          replaced: undefined,
        });
        expect(heard.take()).to.deep.equal([status('app1', 'alice', 'ONLINE')]);
        expect(await store.statuses('app1', ['alice', 'bob'])).to.deep.equal({ alice: 'ONLINE', bob: 'OFFLINE' });
        expect(await store.channelsOf('app1', 'alice', 's1')).to.deep.equal([]);
      });

      it('a second login replaces the live session: it is kicked REMOTE_LOGIN', async () => {
        // Its channels are left in join order, and the uid stays ONLINE (no status event).
        await store.claim('app1', 'alice', 's1', undefined, lease);
        await store.claim('app1', 'bob', 'b1', undefined, lease);
        await store.join('app1', 'alice', 's1', 'r2');
        await store.join('app1', 'alice', 's1', 'r1');
        await store.join('app1', 'bob', 'b1', 'r1');
        await store.writeAttributes('app1', 'alice', 's1', 'set', { mood: 'ok' }, []);
        heard.take();

        expect(await store.claim('app1', 'alice', 's2', undefined, lease)).to.deep.equal({
          outcome: 'created',
          replaced: 's1',
        });
        expect(heard.take()).to.deep.equal([
          member('app1', 'r2', 'alice', false, 0),
          member('app1', 'r1', 'alice', false, 1),
          { type: 'kick', appId: 'app1', uid: 'alice', session: 's1', reason: 'REMOTE_LOGIN' },
        ]);
        expect(await store.channelsOf('app1', 'alice', 's2')).to.deep.equal([]);
        expect(await store.channelsOf('app1', 'alice', 's1')).to.deep.equal([]);
        expect(await store.readAttributes('app1', 'alice', undefined)).to.deep.equal({});
        expect(await store.members('app1', 'r1')).to.deep.equal(['bob']);
        expect(await store.members('app1', 'r2')).to.deep.equal([]);
        expect(await store.statuses('app1', ['alice'])).to.deep.equal({ alice: 'ONLINE' });
      });

      it('resuming the live session → resumed with its channels and attributes, nothing announced', async () => {
        // An UNREACHABLE one is ONLINE again (announced once).
        await store.claim('app1', 'alice', 's1', undefined, lease);
        await store.join('app1', 'alice', 's1', 'room');
        await store.writeAttributes('app1', 'alice', 's1', 'set', { k: 'v' }, []);
        heard.take();
        expect(await store.claim('app1', 'alice', 'fresh1', 's1', lease)).to.deep.equal({
          outcome: 'resumed',
          moved: false,
        });
        expect(heard.take()).to.deep.equal([]);
        expect(await store.channelsOf('app1', 'alice', 's1')).to.deep.equal(['room']);
        expect(await store.readAttributes('app1', 'alice', undefined)).to.deep.equal({ k: 'v' });

        await store.setStatus('app1', 'alice', 's1', 'UNREACHABLE');
        heard.take();
        expect(await store.claim('app1', 'alice', 'fresh2', 's1', lease)).to.deep.equal({
          outcome: 'resumed',
          moved: false,
        });
        expect(heard.take()).to.deep.equal([status('app1', 'alice', 'ONLINE')]);
        expect(await store.statuses('app1', ['alice'])).to.deep.equal({ alice: 'ONLINE' });
        // The resumed session still acts under its own id.
        expect(await store.join('app1', 'alice', 's1', 'other')).to.deep.equal({ ok: true, value: ['alice'] });
      });

      it('an id replaced by a later login is superseded and nothing changes', async () => {
        // The last 8 are remembered; an older or unknown id starts a new session.
        for (let i = 0; i < 10; i++) await store.claim('app1', 'alice', `s${i}`, undefined, lease);
        await store.join('app1', 'alice', 's9', 'room');
        heard.take();
        for (const old of ['s8', 's4', 's1'])
          expect(await store.claim('app1', 'alice', `x-${old}`, old, lease), old).to.deep.equal({
            outcome: 'superseded',
          });
        expect(heard.take()).to.deep.equal([]);
        expect(await store.channelsOf('app1', 'alice', 's9')).to.deep.equal(['room']);
        expect((await store.join('app1', 'alice', 'x-s1', 'room')).ok).to.equal(false);

        // s0 is older than the 8 remembered: a new login, which replaces s9.
        expect(await store.claim('app1', 'alice', 'n1', 's0', lease)).to.deep.equal({
          outcome: 'created',
          replaced: 's9',
        });
        expect(heard.take()).to.deep.equal([
          member('app1', 'room', 'alice', false, 0),
          { type: 'kick', appId: 'app1', uid: 'alice', session: 's9', reason: 'REMOTE_LOGIN' },
        ]);
        // An id never seen, for a uid nobody holds: a new session.
        expect(await store.claim('app1', 'bob', 'b1', 'never-was', lease)).to.deep.equal({
          outcome: 'created',
          replaced: undefined,
        });
      });
    });

    describe('end', () => {
      it('logout: member left for each channel (join order), ended, OFFLINE; attributes gone', async () => {
        // The id can no longer be resumed.
        await store.claim('app1', 'alice', 's1', undefined, lease);
        await store.claim('app1', 'bob', 'b1', undefined, lease);
        await store.join('app1', 'bob', 'b1', 'r1');
        await store.join('app1', 'alice', 's1', 'r1');
        await store.join('app1', 'alice', 's1', 'r2');
        await store.writeAttributes('app1', 'alice', 's1', 'set', { k: 'v' }, []);
        heard.take();

        await store.end('app1', 'alice', 's1', 'logout');
        expect(heard.take()).to.deep.equal([
          member('app1', 'r1', 'alice', false, 1),
          member('app1', 'r2', 'alice', false, 0),
          { type: 'ended', appId: 'app1', uid: 'alice', session: 's1', reason: 'logout' },
          status('app1', 'alice', 'OFFLINE'),
        ]);
        expect(await store.statuses('app1', ['alice', 'bob'])).to.deep.equal({ alice: 'OFFLINE', bob: 'ONLINE' });
        expect(await store.readAttributes('app1', 'alice', undefined)).to.deep.equal({});
        expect(await store.members('app1', 'r1')).to.deep.equal(['bob']);
        expect(await store.channelsOf('app1', 'alice', 's1')).to.deep.equal([]);
        expect(await store.claim('app1', 'alice', 's2', 's1', lease)).to.deep.equal({
          outcome: 'created',
          replaced: undefined,
        });
      });

      it('expiry ends the same way, with reason expired', async () => {
        // Ending a session that is not the owner (or twice) changes nothing.
        await store.claim('app1', 'alice', 's1', undefined, lease);
        await store.join('app1', 'alice', 's1', 'room');
        await store.claim('app1', 'alice', 's2', undefined, lease);
        heard.take();
        await store.end('app1', 'alice', 's1', 'expired');
        await store.end('app1', 'nobody', 'zz', 'expired');
        expect(heard.take()).to.deep.equal([]);
        expect(await store.statuses('app1', ['alice'])).to.deep.equal({ alice: 'ONLINE' });

        await store.join('app1', 'alice', 's2', 'room');
        heard.take();
        await store.end('app1', 'alice', 's2', 'expired');
        expect(heard.take()).to.deep.equal([
          member('app1', 'room', 'alice', false, 0),
          { type: 'ended', appId: 'app1', uid: 'alice', session: 's2', reason: 'expired' },
          status('app1', 'alice', 'OFFLINE'),
        ]);
        await store.end('app1', 'alice', 's2', 'expired');
        expect(heard.take()).to.deep.equal([]);
      });
    });

    describe('status', () => {
      it('UNREACHABLE and ONLINE again, each announced once; repeating a status announces nothing', async () => {
        // A session that is not the owner changes nothing.
        await store.claim('app1', 'alice', 's1', undefined, lease);
        heard.take();
        await store.setStatus('app1', 'alice', 's1', 'UNREACHABLE');
        await store.setStatus('app1', 'alice', 's1', 'UNREACHABLE');
        expect(heard.take()).to.deep.equal([status('app1', 'alice', 'UNREACHABLE')]);
        expect(await store.statuses('app1', ['alice'])).to.deep.equal({ alice: 'UNREACHABLE' });
        await store.setStatus('app1', 'alice', 's1', 'ONLINE');
        await store.setStatus('app1', 'alice', 's1', 'ONLINE');
        expect(heard.take()).to.deep.equal([status('app1', 'alice', 'ONLINE')]);
        await store.setStatus('app1', 'alice', 'other', 'UNREACHABLE');
        await store.setStatus('app1', 'bob', 'b1', 'UNREACHABLE');
        expect(heard.take()).to.deep.equal([]);
        expect(await store.statuses('app1', ['alice', 'bob'])).to.deep.equal({ alice: 'ONLINE', bob: 'OFFLINE' });
      });

      it('statuses of no uid is empty; refreshing sessions changes nothing anyone can see', async () => {
        expect(await store.statuses('app1', [])).to.deep.equal({});
        await store.claim('app1', 'alice', 's1', undefined, lease);
        heard.take();
        await store.refresh([
          { appId: 'app1', uid: 'alice', session: 's1', agoMs: 10 },
          { appId: 'app1', uid: 'ghost', session: 'g1', agoMs: 10 },
        ]);
        expect(heard.take()).to.deep.equal([]);
        expect(await store.statuses('app1', ['alice', 'ghost'])).to.deep.equal({ alice: 'ONLINE', ghost: 'OFFLINE' });
      });
    });

    describe('channels', () => {
      it('join answers every member, the joiner included, and announces it once with the count', async () => {
        // Joining again announces nothing; channelsOf is in join order.
        await store.claim('app1', 'alice', 's1', undefined, lease);
        await store.claim('app1', 'bob', 'b1', undefined, lease);
        heard.take();
        expect(await store.join('app1', 'alice', 's1', 'room')).to.deep.equal({ ok: true, value: ['alice'] });
        expect(heard.take()).to.deep.equal([member('app1', 'room', 'alice', true, 1)]);
        const joined = await store.join('app1', 'bob', 'b1', 'room');
        expect(joined.ok && sorted(joined.value)).to.deep.equal(['alice', 'bob']);
        expect(heard.take()).to.deep.equal([member('app1', 'room', 'bob', true, 2)]);
        const again = await store.join('app1', 'bob', 'b1', 'room');
        expect(again.ok && sorted(again.value)).to.deep.equal(['alice', 'bob']);
        expect(heard.take()).to.deep.equal([]);
        for (const channel of ['c', 'a', 'b']) await store.join('app1', 'bob', 'b1', channel);
        expect(await store.channelsOf('app1', 'bob', 'b1')).to.deep.equal(['room', 'c', 'a', 'b']);
        expect(sorted(await store.members('app1', 'room'))).to.deep.equal(['alice', 'bob']);
      });

      it('a 21st channel → LIMIT_EXCEEDED, not joined; a session that is not the owner → NOT_LOGGED_IN', async () => {
        // Joining one already joined is fine.
        await store.claim('app1', 'alice', 's1', undefined, lease);
        for (let i = 1; i <= 20; i++) await store.join('app1', 'alice', 's1', `c${i}`);
        heard.take();
        const refused = await store.join('app1', 'alice', 's1', 'c21');
        expect(refused.ok).to.equal(false);
        expect(!refused.ok && refused.code).to.equal('LIMIT_EXCEEDED');
        expect((await store.join('app1', 'alice', 's1', 'c20')).ok).to.equal(true);
        expect(heard.take()).to.deep.equal([]);
        expect(await store.members('app1', 'c21')).to.deep.equal([]);
        const stranger = await store.join('app1', 'alice', 'not-s1', 'c1');
        expect(!stranger.ok && stranger.code).to.equal('NOT_LOGGED_IN');
        expect(heard.take()).to.deep.equal([]);
      });

      it('leave announces once with the count; the last member leaving empties the channel', async () => {
        // Leaving again, or a channel never joined, announces nothing.
        await store.claim('app1', 'alice', 's1', undefined, lease);
        await store.claim('app1', 'bob', 'b1', undefined, lease);
        await store.join('app1', 'alice', 's1', 'room');
        await store.join('app1', 'bob', 'b1', 'room');
        heard.take();
        await store.leave('app1', 'bob', 'b1', 'room');
        expect(heard.take()).to.deep.equal([member('app1', 'room', 'bob', false, 1)]);
        await store.leave('app1', 'bob', 'b1', 'room');
        await store.leave('app1', 'bob', 'b1', 'never');
        await store.leave('app1', 'bob', 'not-b1', 'room');
        await store.leave('app1', 'alice', 'not-s1', 'room');
        expect(heard.take()).to.deep.equal([]);
        expect(await store.channelsOf('app1', 'bob', 'b1')).to.deep.equal([]);
        await store.leave('app1', 'alice', 's1', 'room');
        expect(heard.take()).to.deep.equal([member('app1', 'room', 'alice', false, 0)]);
        expect(await store.members('app1', 'room')).to.deep.equal([]);
      });
    });

    describe('attributes', () => {
      it('set replaces, merge adds or updates, delete removes keys, clear removes all; reads take keys', async () => {
        // An offline user has none.
        await store.claim('app1', 'alice', 's1', undefined, lease);
        expect(await store.writeAttributes('app1', 'alice', 's1', 'set', { a: '1', b: '2' }, [])).to.deep.equal({
          ok: true,
        });
        expect(await store.readAttributes('app1', 'alice', undefined)).to.deep.equal({ a: '1', b: '2' });
        await store.writeAttributes('app1', 'alice', 's1', 'merge', { b: 'two', c: '3' }, []);
        expect(await store.readAttributes('app1', 'alice', undefined)).to.deep.equal({ a: '1', b: 'two', c: '3' });
        expect(await store.readAttributes('app1', 'alice', ['a', 'zz', 'c'])).to.deep.equal({ a: '1', c: '3' });
        expect(await store.readAttributes('app1', 'alice', [])).to.deep.equal({});
        await store.writeAttributes('app1', 'alice', 's1', 'delete', {}, ['a', 'missing']);
        expect(await store.readAttributes('app1', 'alice', undefined)).to.deep.equal({ b: 'two', c: '3' });
        await store.writeAttributes(
          'app1',
          'alice',
          's1',
          'set',
          { only: 'this', 'é ✓': 'ünïcode "quoted" \\ {}' },
          [],
        );
        expect(await store.readAttributes('app1', 'alice', undefined)).to.deep.equal({
          only: 'this',
          'é ✓': 'ünïcode "quoted" \\ {}',
        });
        await store.writeAttributes('app1', 'alice', 's1', 'clear', {}, []);
        expect(await store.readAttributes('app1', 'alice', undefined)).to.deep.equal({});
        expect(await store.readAttributes('app1', 'nobody', ['a'])).to.deep.equal({});
        expect(heard.take()).to.deep.equal([status('app1', 'alice', 'ONLINE')]);
      });

      it('keeps the keys JavaScript objects treat specially, in every read', async () => {
        await store.claim('app1', 'alice', 's1', undefined, lease);
        const special = { constructor: 'c', prototype: 'p', ['__proto__']: 'q', toString: 't' };
        await store.writeAttributes('app1', 'alice', 's1', 'set', special, []);
        expect(await store.readAttributes('app1', 'alice', undefined)).to.deep.equal(special);
        expect(await store.readAttributes('app1', 'alice', ['__proto__', 'constructor'])).to.deep.equal({
          ['__proto__']: 'q',
          constructor: 'c',
        });
        heard.take();
      });

      it('more than 32 attributes (after a merge, or in one set) → LIMIT_EXCEEDED and nothing changes', async () => {
        // A session that is not the owner → NOT_LOGGED_IN.
        const pairs = (from: number, to: number) =>
          Object.fromEntries(Array.from({ length: to - from + 1 }, (_, i) => [`k${from + i}`, `v${from + i}`]));
        await store.claim('app1', 'alice', 's1', undefined, lease);
        await store.writeAttributes('app1', 'alice', 's1', 'set', pairs(1, 30), []);
        const over = await store.writeAttributes('app1', 'alice', 's1', 'merge', pairs(31, 33), []);
        expect(!over.ok && over.code).to.equal('LIMIT_EXCEEDED');
        expect(await store.readAttributes('app1', 'alice', undefined)).to.deep.equal(pairs(1, 30));
        expect(
          (await store.writeAttributes('app1', 'alice', 's1', 'merge', { ...pairs(31, 32), k1: 'again' }, [])).ok,
        ).to.equal(true);
        const set = await store.writeAttributes('app1', 'alice', 's1', 'set', pairs(101, 133), []);
        expect(!set.ok && set.code).to.equal('LIMIT_EXCEEDED');
        expect(Object.keys(await store.readAttributes('app1', 'alice', undefined))).to.have.length(32);
        const stranger = await store.writeAttributes('app1', 'alice', 'nope', 'clear', {}, []);
        expect(!stranger.ok && stranger.code).to.equal('NOT_LOGGED_IN');
        expect(Object.keys(await store.readAttributes('app1', 'alice', undefined))).to.have.length(32);
      });
    });

    it('more than 16 KB of attributes in all → LIMIT_EXCEEDED and nothing changes', async () => {
      // After merges of calls within the per-call limit.
      const big = (prefix: string) =>
        Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`${prefix}${i}`, 'é'.repeat(700)])); // 5 × 1402 bytes
      await store.claim('app1', 'alice', 's1', undefined, lease);
      expect((await store.writeAttributes('app1', 'alice', 's1', 'set', big('a'), [])).ok).to.equal(true);
      expect((await store.writeAttributes('app1', 'alice', 's1', 'merge', big('b'), [])).ok).to.equal(true);
      const over = await store.writeAttributes('app1', 'alice', 's1', 'merge', big('c'), []);
      expect(!over.ok && over.code).to.equal('LIMIT_EXCEEDED');
      expect(Object.keys(await store.readAttributes('app1', 'alice', undefined)).sort()).to.deep.equal(
        [...Object.keys(big('a')), ...Object.keys(big('b'))].sort(),
      );
      // Replacing keys already held counts their new size only.
      expect((await store.writeAttributes('app1', 'alice', 's1', 'merge', big('a'), [])).ok).to.equal(true);
    });

    describe('messages', () => {
      const sent = (text: string, ts = 1000) => ({ from: 'alice', message: { type: 'TEXT', data: text }, ts }) as const;

      it(
        'a peer message goes to the receiver’s live session, once per id (a repeat answers alike); ' +
          'received is false for a user offline',
        async () => {
          await store.claim('app1', 'alice', 's1', undefined, lease);
          await store.claim('app1', 'bob', 'b1', undefined, lease);
          heard.take();
          const send = { id: 1, to: 'bob', offline: false, message: sent('aGk=') };
          const first = { ok: true, value: { received: true, repeated: false } };
          expect(await store.sendToPeer('app1', 'alice', 's1', send)).to.deep.equal(first);
          expect(heard.take()).to.deep.equal([{ type: 'peerMessage', appId: 'app1', session: 'b1', ...sent('aGk=') }]);
          const again = await store.sendToPeer('app1', 'alice', 's1', send);
          expect(again).to.deep.equal({ ok: true, value: { received: true, repeated: true } });
          expect(await store.sentBefore('app1', 'alice', 's1', 1)).to.deep.equal({ received: true, repeated: true });
          expect(await store.sentBefore('app1', 'alice', 's1', 2)).to.equal(undefined);
          const offline = await store.sendToPeer('app1', 'alice', 's1', { ...send, id: 2, to: 'carol' });
          expect(offline).to.deep.equal({ ok: true, value: { received: false, repeated: false } });
          expect(heard.take()).to.deep.equal([]);
          const stranger = await store.sendToPeer('app1', 'alice', 'not-s1', { ...send, id: 3 });
          expect(!stranger.ok && stranger.code).to.equal('NOT_LOGGED_IN');
          expect(heard.take()).to.deep.equal([]);
        },
      );

      it('a channel message is announced for the channel once per id; a sender not in it → NOT_JOINED', async () => {
        await store.claim('app1', 'alice', 's1', undefined, lease);
        await store.join('app1', 'alice', 's1', 'room');
        heard.take();
        const send = { id: 5, channel: 'room', message: sent('eA==') };
        const first = await store.sendToChannel('app1', 'alice', 's1', send);
        expect(first).to.deep.equal({ ok: true, value: { received: true, repeated: false } });
        expect(await store.sendToChannel('app1', 'alice', 's1', send)).to.deep.equal({
          ok: true,
          value: { received: true, repeated: true },
        });
        expect(heard.take()).to.deep.equal([
          { type: 'channelMessage', appId: 'app1', channel: 'room', ...sent('eA==') },
        ]);
        const outside = await store.sendToChannel('app1', 'alice', 's1', { ...send, id: 6, channel: 'hall' });
        expect(!outside.ok && outside.code).to.equal('NOT_JOINED');
        expect(heard.take()).to.deep.equal([]);
      });

      it('offline messages: kept only when asked, the newest 200, within 7 days, taken once in order', async () => {
        await store.claim('app1', 'alice', 's1', undefined, lease);
        const week = 7 * 24 * 3600 * 1000;
        for (let id = 1; id <= 203; id++) {
          const message = sent(`${id}`, id === 4 ? 1000 : 1000 + week);
          await store.sendToPeer('app1', 'alice', 's1', { id, to: 'bob', offline: id !== 203, message });
        }
        await store.sendToPeer('app2', 'alice', 's1', { id: 1, to: 'bob', offline: true, message: sent('x') });
        const kept = await store.takeOfflineMessages('app1', 'bob', 1000 + week + 1);
        // 1 and 2 dropped past 200, 4 older than 7 days, 203 not kept.
        expect(kept.map(({ message }) => message.data)).to.deep.equal(
          Array.from({ length: 202 }, (_, i) => `${i + 1}`).filter((id) => !['1', '2', '4'].includes(id)),
        );
        expect(kept[0]).to.deep.equal(sent('3', 1000 + week));
        expect(await store.takeOfflineMessages('app1', 'bob', 1000 + week + 1)).to.deep.equal([]);
      });
    });

    describe('bans', () => {
      it('ban ends the live session and refuses claims, resumes included, until unban', async () => {
        // The end: member left, kick BANNED_BY_SERVER, ended, OFFLINE.
        await store.claim('app1', 'mallory', 'm1', undefined, lease);
        await store.join('app1', 'mallory', 'm1', 'room');
        heard.take();
        await store.ban('app1', 'mallory');
        expect(heard.take()).to.deep.equal([
          member('app1', 'room', 'mallory', false, 0),
          { type: 'kick', appId: 'app1', uid: 'mallory', session: 'm1', reason: 'BANNED_BY_SERVER' },
          { type: 'ended', appId: 'app1', uid: 'mallory', session: 'm1', reason: 'banned' },
          status('app1', 'mallory', 'OFFLINE'),
        ]);
        expect(await store.claim('app1', 'mallory', 'm2', undefined, lease)).to.deep.equal({ outcome: 'banned' });
        expect(await store.claim('app1', 'mallory', 'm3', 'm1', lease)).to.deep.equal({ outcome: 'banned' });
        expect(await store.claim('app2', 'mallory', 'm4', undefined, lease)).to.deep.equal({
          outcome: 'created',
          replaced: undefined,
        });
        expect(heard.take()).to.deep.equal([status('app2', 'mallory', 'ONLINE')]);
        await store.unban('app1', 'mallory');
        expect(await store.claim('app1', 'mallory', 'm5', undefined, lease)).to.deep.equal({
          outcome: 'created',
          replaced: undefined,
        });
      });

      it('banning a uid that is offline announces nothing and refuses its later claims', async () => {
        await store.ban('app1', 'eve');
        expect(heard.take()).to.deep.equal([]);
        expect(await store.claim('app1', 'eve', 'e1', undefined, lease)).to.deep.equal({ outcome: 'banned' });
        expect(await store.statuses('app1', ['eve'])).to.deep.equal({ eve: 'OFFLINE' });
      });
    });

    it('apps are isolated, even app ids that look like parts of keys', async () => {
      // The same uid and channel in each are separate.
      for (const appId of CONTRACT_APPS) {
        await store.claim(appId, 'b}:c:room', `s-${appId}`, undefined, lease);
        await store.join(appId, 'b}:c:room', `s-${appId}`, 'room');
        await store.writeAttributes(appId, 'b}:c:room', `s-${appId}`, 'set', { app: appId }, []);
      }
      heard.take();
      await store.end('a', 'b}:c:room', 's-a', 'logout');
      expect(heard.take().map((event) => event.appId)).to.deep.equal(['a', 'a', 'a']);
      for (const appId of CONTRACT_APPS) {
        const alive = appId !== 'a';
        expect(await store.members(appId, 'room'), appId).to.deep.equal(alive ? ['b}:c:room'] : []);
        expect(await store.readAttributes(appId, 'b}:c:room', undefined), appId).to.deep.equal(
          alive ? { app: appId } : {},
        );
        expect(await store.statuses(appId, ['b}:c:room']), appId).to.deep.equal({
          'b}:c:room': alive ? 'ONLINE' : 'OFFLINE',
        });
      }
    });

    it('a listener stops hearing once its stop function is called', async () => {
      heard.stop();
      const other = new Heard(store);
      await store.claim('app1', 'alice', 's1', undefined, lease);
      expect(heard.take()).to.deep.equal([]);
      expect(other.take()).to.deep.equal([status('app1', 'alice', 'ONLINE')]);
    });
  });
}
