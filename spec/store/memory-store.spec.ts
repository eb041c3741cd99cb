/** The store of a single server, held to the PresenceStore contract. */
import { MemoryStore } from '../../lib/store/memory-store.js';
import { presenceStoreContract } from './presence-store.contract.js';

describe('MemoryStore', () => {
  presenceStoreContract({ create: async () => new MemoryStore() });
});
