/**
 * The soak's clients, in their own process: the soak of spec/support/soak.ts
 * against the server child, its phases paced by scripts/soak/run.ts.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Soak } from '../../spec/support/soak.js';
import type { FromSoakClients, SoakClientsConfig, ToSoakClients } from './ipc.js';

const text = process.env.SOAK_CLIENTS;
if (!text) throw new Error('SOAK_CLIENTS is not set: this file is started by scripts/soak/run.ts');
const config = JSON.parse(text) as SoakClientsConfig;

const send = (message: FromSoakClients) => process.send?.(message);
const waiting = new Map<ToSoakClients['type'], () => void>();
process.on('message', (message: ToSoakClients) => {
  waiting.get(message.type)?.();
  waiting.delete(message.type);
});
process.on('disconnect', () => process.exit(0));
const next = (type: ToSoakClients['type']) => new Promise<void>((resolve) => waiting.set(type, resolve));

const soak = new Soak(config.plan, {
  targets: config.ports.map((port) => ({ port })),
  restartServer: async (node) => {
    const restarted = next('restarted');
    send({ type: 'restart-server', node });
    await restarted;
  },
  midCalm: async () => {
    const measured = next('measured');
    send({ type: 'mid-calm' });
    await measured;
  },
  log: (line) => send({ type: 'log', line }),
});
await soak.setup();
const go = next('go');
send({ type: 'warm' });
await go;
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
const result = await soak.run();
const logout = next('logout');
send({ type: 'result', result, loopDelayP99Ms: Math.max(0, loopDelay.percentile(99) / 1e6 - 10) });
await logout;
await soak.logoutAll();
send({ type: 'logged-out' });
