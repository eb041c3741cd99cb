/**
 * One server node of a test cluster, in its own process so a test can
 * SIGKILL it: `fork('spec/support/cluster-node.ts', { execArgv: ['--import', 'tsx'] })`
 * with its settings as JSON in RTM_CLUSTER_NODE. It starts a server on the
 * shared Redis (`redis`: a URL or Sentinels) and talks to the test over the IPC channel:
 *
 *   → { type: 'ready', port }                 once listening
 *   → { type: 'error', message }              each failure the server reports (onError)
 *   ← { id, cmd: 'ban' | 'unban', appId, uid } → { id, ok: true }
 *   ← { id, cmd: 'sessions' }                 → { id, ok: true, value: sessionCount }
 *   ← { id, cmd: 'close' }                    → { id, ok: true }, then exits 0
 *
 * It exits when the test process goes away (the IPC channel closes).
 */
import { startServer } from '../../lib/server/start-server.js';
import type { RedisConfig } from '../../lib/store/redis/redis-config.js';

export interface ClusterNodeSettings {
  redis: RedisConfig;
  apps: Record<string, string>;
  presenceGraceMs?: number;
  unreachableMs?: number;
  shutdownGraceMs?: number;
}

export type NodeRequest = { id: number } & (
  { cmd: 'ban' | 'unban'; appId: string; uid: string } | { cmd: 'sessions' } | { cmd: 'close' }
);
export type NodeMessage =
  | { type: 'ready'; port: number }
  | { type: 'error'; message: string }
  | { type: 'reply'; id: number; ok: boolean; value?: unknown; message?: string };

const send = (message: NodeMessage) => {
  if (process.connected) process.send!(message);
};

const settings = JSON.parse(process.env.RTM_CLUSTER_NODE ?? '{}') as ClusterNodeSettings;
const server = await startServer({
  port: 0,
  apps: settings.apps,
  redis: settings.redis,
  presenceGraceMs: settings.presenceGraceMs,
  unreachableMs: settings.unreachableMs,
  shutdownGraceMs: settings.shutdownGraceMs ?? 500,
  onError: (error) => send({ type: 'error', message: error instanceof Error ? error.message : String(error) }),
});

process.on('message', (raw) => {
  const request = raw as NodeRequest;
  const reply = (work: Promise<unknown>) =>
    work.then(
      (value) => send({ type: 'reply', id: request.id, ok: true, value }),
      (error: unknown) => send({ type: 'reply', id: request.id, ok: false, message: String(error) }),
    );
  switch (request.cmd) {
    case 'ban':
      return void reply(server.ban(request.appId, request.uid));
    case 'unban':
      return void reply(server.unban(request.appId, request.uid));
    case 'sessions':
      return void reply(Promise.resolve(server.sessionCount));
    case 'close':
      return void reply(server.close()).then(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', port: server.port });
