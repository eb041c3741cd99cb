import { expect } from 'chai';
import { Cluster, type Redis } from 'ioredis';
import { commandConnection, readerConnection } from '../../../lib/store/redis/connection.js';
import { storeConnection, type RedisConfig } from '../../../lib/store/redis/redis-config.js';

/** The socket timeout of `connection`'s commands: its own, or each Cluster node's. */
function socketTimeout(connection: Redis | Cluster): number | undefined {
  return connection instanceof Cluster
    ? connection.options.redisOptions?.socketTimeout
    : connection.options.socketTimeout;
}

const url = 'redis://127.0.0.1:6379';
const sentinels = [{ host: '127.0.0.1', port: 26379 }];
const cluster = [{ host: '127.0.0.1', port: 7000 }];
/** Each Redis mode as an app configures it: by default, and with a socket timeout of its own (5 s). */
const modes: ReadonlyArray<[string, RedisConfig, RedisConfig]> = [
  ['one Redis by URL', { url }, { url, socketTimeout: 5000 }],
  ['Sentinels', { sentinels, name: 'rtm' }, { sentinels, name: 'rtm', socketTimeout: 5000 }],
  ['a Redis Cluster', { cluster }, { cluster, redisOptions: { socketTimeout: 5000 } }],
];

describe('store connections: a silent server is given up (BEHAVIOUR §4.3)', () => {
  for (const [mode, byDefault, own] of modes) {
    it(`${mode}: after 3 s, on the command connection and the stream reader's; the app's socketTimeout wins`, () => {
      for (const [config, expected] of [
        [byDefault, 3000],
        [own, 5000],
      ] as const) {
        const commands = commandConnection({ ...storeConnection(config), apps: [] }, 'n1');
        expect(socketTimeout(commands)).to.equal(expected);
        expect(socketTimeout(readerConnection(commands, 'n1'))).to.equal(expected);
      }
    });
  }
});
