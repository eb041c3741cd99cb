/**
 * What every PresenceStore promises of channel attributes and member counts
 * (BEHAVIOUR §5.6): run against MemoryStore and RedisStore alike, beside
 * presence-store.contract.ts.
 */
import { expect } from 'chai';
import type { ChannelAttributeWrite } from '../../lib/protocol/channel-attribute-op.js';
import type { Lease, PresenceStore, StoreEvent } from '../../lib/store/presence-store.js';
import type { ContractStores } from './presence-store.contract.js';

const lease: Lease = { graceMs: 30_000, unreachableMs: 6_000 };

const write = (
  op: ChannelAttributeWrite['op'],
  by: string,
  ts: number,
  attributes: Record<string, string> = {},
  keys: string[] = [],
): ChannelAttributeWrite => ({ op, attributes, keys, by, ts });

export function channelAttributesContract(stores: ContractStores): void {
  describe('PresenceStore contract: channel attributes and member counts', () => {
    let store: PresenceStore;
    let events: StoreEvent[];
    const take = () => events.splice(0).filter((event) => event.type === 'channelAttributes');

    beforeEach(async () => {
      store = await stores.create();
      events = [];
      store.listen((event) => events.push(event));
      await store.claim('app1', 'alice', 's1', undefined, lease);
      await store.claim('app1', 'bob', 's2', undefined, lease);
    });
    afterEach(() => store.close());

    it('set, merge, delete and clear, each attribute recording who wrote it last and when', async () => {
      expect(
        await store.writeChannelAttributes('app1', 's1', 'room', write('set', 'alice', 100, { a: '1', b: '2' }), false),
      ).to.deep.equal({ ok: true });
      await store.writeChannelAttributes('app1', 's2', 'room', write('merge', 'bob', 200, { b: '3', c: '4' }), false);
      expect(await store.readChannelAttributes('app1', 'room', undefined)).to.deep.equal({
        a: { value: '1', by: 'alice', ts: 100 },
        b: { value: '3', by: 'bob', ts: 200 },
        c: { value: '4', by: 'bob', ts: 200 },
      });
      expect(await store.readChannelAttributes('app1', 'room', ['c', 'zz', 'a'])).to.deep.equal({
        c: { value: '4', by: 'bob', ts: 200 },
        a: { value: '1', by: 'alice', ts: 100 },
      });
      await store.writeChannelAttributes('app1', 's1', 'room', write('delete', 'alice', 300, {}, ['a', 'zz']), false);
      expect(Object.keys(await store.readChannelAttributes('app1', 'room', undefined)).sort()).to.deep.equal([
        'b',
        'c',
      ]);
      await store.writeChannelAttributes('app1', 's1', 'room', write('set', 'alice', 400, { d: '5' }), false);
      expect(await store.readChannelAttributes('app1', 'room', undefined)).to.deep.equal({
        d: { value: '5', by: 'alice', ts: 400 },
      });
      await store.writeChannelAttributes('app1', 's1', 'room', write('clear', 'alice', 500), false);
      expect(await store.readChannelAttributes('app1', 'room', undefined)).to.deep.equal({});
      expect(take()).to.deep.equal([]);
    });

    it('keeps the keys JavaScript objects treat specially, and values with any characters', async () => {
      const special = { constructor: 'c', ['__proto__']: 'q', toString: '{"x":"\\u00e9/é"}' };
      await store.writeChannelAttributes('app1', 's1', 'room', write('set', 'alice', 1, special), false);
      const read = await store.readChannelAttributes('app1', 'room', undefined);
      expect(Object.fromEntries(Object.entries(read).map(([key, { value }]) => [key, value]))).to.deep.equal(special);
      expect(Object.keys(await store.readChannelAttributes('app1', 'room', ['__proto__']))).to.deep.equal([
        '__proto__',
      ]);
    });

    it('with notify, one event with all the attributes; without, none', async () => {
      await store.writeChannelAttributes('app1', 's1', 'room', write('set', 'alice', 1, { a: '1' }), false);
      await store.writeChannelAttributes('app1', 's2', 'room', write('merge', 'bob', 2, { b: '2' }), true);
      expect(take()).to.deep.equal([
        {
          type: 'channelAttributes',
          appId: 'app1',
          channel: 'room',
          attributes: { a: { value: '1', by: 'alice', ts: 1 }, b: { value: '2', by: 'bob', ts: 2 } },
        },
      ]);
      await store.writeChannelAttributes('app1', 's2', 'room', write('clear', 'bob', 3), true);
      expect(take()).to.deep.equal([{ type: 'channelAttributes', appId: 'app1', channel: 'room', attributes: {} }]);
    });

    it('past 32 attributes or 32 KB in the channel → LIMIT_EXCEEDED, nothing changed, no event', async () => {
      const many = (from: number, count: number) =>
        Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${from + i}`, 'v']));
      await store.writeChannelAttributes('app1', 's1', 'room', write('set', 'alice', 1, many(0, 30)), false);
      const before = await store.readChannelAttributes('app1', 'room', undefined);
      const tooMany = await store.writeChannelAttributes(
        'app1',
        's1',
        'room',
        write('merge', 'alice', 2, many(30, 3)),
        true,
      );
      expect(tooMany).to.include({ ok: false, code: 'LIMIT_EXCEEDED' });
      const big = { x1: 'x'.repeat(8000), x2: 'x'.repeat(8000), x3: 'x'.repeat(8000), x4: 'x'.repeat(8000) };
      await store.writeChannelAttributes('app1', 's1', 'big', write('set', 'alice', 1, big), false);
      const tooLarge = await store.writeChannelAttributes(
        'app1',
        's1',
        'big',
        write('merge', 'alice', 2, { x5: 'x'.repeat(800) }),
        true,
      );
      expect(tooLarge).to.include({ ok: false, code: 'LIMIT_EXCEEDED' });
      expect(await store.readChannelAttributes('app1', 'room', undefined)).to.deep.equal(before);
      expect(Object.keys(await store.readChannelAttributes('app1', 'big', undefined))).to.have.length(4);
      expect(take()).to.deep.equal([]);
    });

    it('a session that is not the uid owner → NOT_LOGGED_IN and nothing changes', async () => {
      const result = await store.writeChannelAttributes(
        'app1',
        'old',
        'room',
        write('set', 'alice', 1, { a: '1' }),
        true,
      );
      expect(result).to.include({ ok: false, code: 'NOT_LOGGED_IN' });
      expect(await store.readChannelAttributes('app1', 'room', undefined)).to.deep.equal({});
      expect(take()).to.deep.equal([]);
    });

    it('outlive members leaving and joining again (within the empty-channel time); apps are apart', async () => {
      await store.join('app1', 'alice', 's1', 'room');
      await store.writeChannelAttributes('app1', 's1', 'room', write('set', 'alice', 1, { a: '1' }), false);
      await store.leave('app1', 'alice', 's1', 'room');
      await store.join('app1', 'bob', 's2', 'room');
      expect(await store.readChannelAttributes('app1', 'room', undefined)).to.deep.equal({
        a: { value: '1', by: 'alice', ts: 1 },
      });
      expect(await store.readChannelAttributes('app2', 'room', undefined)).to.deep.equal({});
    });

    it('member counts: 0 for a channel without members', async () => {
      await store.join('app1', 'alice', 's1', 'room');
      await store.join('app1', 'bob', 's2', 'room');
      await store.join('app1', 'bob', 's2', 'hall');
      expect(await store.memberCounts('app1', ['room', 'hall', 'none'])).to.deep.equal({ room: 2, hall: 1, none: 0 });
      expect(await store.memberCounts('app1', [])).to.deep.equal({});
      await store.end('app1', 'bob', 's2', 'logout');
      expect(await store.memberCounts('app1', ['room', 'hall'])).to.deep.equal({ room: 1, hall: 0 });
    });
  });
}
