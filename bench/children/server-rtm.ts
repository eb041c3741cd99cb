/**
 * The server under test: rx-rtm's reference server (startServer, its
 * defaults), alone in its process; one node of a cluster when the harness
 * asks for the Redis store (the cluster hook, bench/benchmarks/cluster.ts).
 */
import { startServer } from '../../lib/server/start-server.js';
import { childConfig, serveHarness } from './serve-child.js';

const config = childConfig();
if (config.store === 'redis' && !config.redisUrl) throw new Error('store redis needs redisUrl');
const server = await startServer({
  port: 0,
  host: config.host,
  apps: { [config.app]: config.secret },
  onError: (error) => console.error('rx-rtm server (bench):', error),
  // Cluster hook: startServer's `redisUrl` makes this process one node sharing state through Redis.
  ...(config.store === 'redis' ? { redisUrl: config.redisUrl } : {}),
});
serveHarness(
  server.port,
  () => server.sessionCount,
  () => server.close(),
);
