/** The store of a single server, held to the PresenceStore contract. */
import { MemoryStore } from '../../lib/store/memory-store.js';
import { expect } from 'chai';
import { EMPTY_CHANNEL_ATTRIBUTES_MS, type Lease } from '../../lib/store/presence-store.js';
import { channelAttributesContract } from './channel-attributes.contract.js';
import { presenceStoreContract } from './presence-store.contract.js';

describe('MemoryStore', () => {
  presenceStoreContract({ create: async () => new MemoryStore() });
  channelAttributesContract({ create: async () => new MemoryStore() });

  it("drops a channel's attributes once it has been without members for 2 minutes, not before", async () => {
    let now = 1_000;
    const store = new MemoryStore(() => now);
    const lease: Lease = { graceMs: 30_000, unreachableMs: 6_000 };
    await store.claim('app1', 'alice', 's1', undefined, lease);
    await store.join('app1', 'alice', 's1', 'room');
    const set = { op: 'set', attributes: { a: '1' }, keys: [], by: 'alice', ts: now } as const;
    await store.writeChannelAttributes('app1', 's1', 'room', set, false);
    now += 10 * EMPTY_CHANNEL_ATTRIBUTES_MS; // members keep them however long
    expect(await store.readChannelAttributes('app1', 'room', undefined)).to.have.keys('a');
    await store.leave('app1', 'alice', 's1', 'room');
    now += EMPTY_CHANNEL_ATTRIBUTES_MS - 1;
    expect(await store.readChannelAttributes('app1', 'room', undefined)).to.have.keys('a');
    now += 1;
    expect(await store.readChannelAttributes('app1', 'room', undefined)).to.deep.equal({});
    // A write to a channel without members is kept as long.
    await store.writeChannelAttributes('app1', 's1', 'hall', { ...set, ts: now }, false);
    now += EMPTY_CHANNEL_ATTRIBUTES_MS;
    expect(await store.readChannelAttributes('app1', 'hall', undefined)).to.deep.equal({});
  });
});
