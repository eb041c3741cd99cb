/**
 * 5. The client: (state, reason) changes per CPU second through the whole
 * pipeline, heap per idle client (both in a fresh process:
 * bench/children/client-probe.ts), and the browser bundle against
 * socket.io-client's.
 *
 * Bundles are measured by scripts/bundle-size.ts (`npm run size`: platform
 * browser, ESM, minified, tree-shaken, gzip level 9; rxjs external for
 * rx-rtm, a peer dependency an app has already), so both report the same
 * figure; rx-rtm with the rxjs it uses is added here.
 */
import { measureBundle, measureRxRtm, measureSocketIo } from '../../scripts/bundle-size.js';
import type { BenchContext } from '../harness/context.js';
import { Child } from '../harness/proc.js';
import { round } from '../harness/stats.js';
import type { ProbeResult } from '../children/client-probe.js';

export interface BundleFigure {
  name: string;
  minifiedBytes: number;
  gzipBytes: number;
  /** Imports left out of the bundle (externals). */
  external: string[];
}

export interface ClientResult {
  transitions: number;
  cpuSeconds: number;
  transitionsPerCpuSecond: number;
  idleClients: number;
  heapPerIdleClientKiB: number | null;
  rssPerIdleClientKiB: number | null;
  bundles: BundleFigure[];
  /** How bundles were measured. */
  bundleMethod: string;
}

export async function bundleSizes(): Promise<BundleFigure[]> {
  const sizes = [
    await measureRxRtm(),
    { ...(await measureBundle('rx-rtm', "export * from './lib/index.ts';")), name: 'rx-rtm with the rxjs it uses' },
    await measureSocketIo(),
  ];
  return sizes.map((s) => ({ name: s.name, minifiedBytes: s.minBytes, gzipBytes: s.gzipBytes, external: s.imports }));
}

export async function runClient(ctx: BenchContext): Promise<ClientResult> {
  ctx.log(`client: transitions per CPU second and memory of ${ctx.options.idleClients} idle clients (fresh process)`);
  const probe = new Child<{ type: 'none' }, ProbeResult>('client probe', ctx.bundles.path('client-probe'), {
    nodeArgs: ['--expose-gc'],
    env: { BENCH_PROBE: JSON.stringify({ cycles: 2000, idleClients: ctx.options.idleClients }) },
    cpus: ctx.pin?.server,
  });
  const result = await probe.next('probe', 300_000);
  await probe.stop();
  ctx.log('client: bundle sizes');
  const bundles = await bundleSizes();
  const figures: ClientResult = {
    transitions: result.transitions,
    cpuSeconds: round(result.cpuSeconds, 3) ?? 0,
    transitionsPerCpuSecond: Math.round(result.transitionsPerCpuSecond),
    idleClients: result.idleClients,
    heapPerIdleClientKiB: round(result.heapPerIdleClientBytes / 1024, 2),
    rssPerIdleClientKiB: round(result.rssPerIdleClientBytes / 1024, 2),
    bundles,
    bundleMethod:
      'scripts/bundle-size.ts (npm run size): esbuild, platform browser, esm, minify, tree-shaking; gzip level 9',
  };
  ctx.log(
    `client: ${figures.transitionsPerCpuSecond} transitions per CPU second; ` +
      `${figures.heapPerIdleClientKiB} KiB heap per idle client; ` +
      bundles.map((b) => `${b.name} ${(b.gzipBytes / 1024).toFixed(1)} KiB gz`).join(', '),
  );
  return figures;
}
