/**
 * The child processes run as plain JavaScript bundles (esbuild, like the
 * published build), so no TypeScript loader sits in the measured process
 * and adds to its memory or CPU. Packages stay external and resolve from
 * the repository's node_modules, so each run gets its own directory inside
 * the repository (bench/results/.build/<pid>/), removed when it ends.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_DIR = resolve(BENCH_DIR, '..');

/** The child entries, by name; each becomes `<name>.mjs`. */
export const CHILD_ENTRIES = {
  'server-rtm': 'children/server-rtm.ts',
  'server-ws': 'children/server-ws.ts',
  'server-sio': 'children/server-sio.ts',
  generator: 'children/generator.ts',
  'client-probe': 'children/client-probe.ts',
} as const;
export type ChildName = keyof typeof CHILD_ENTRIES;

export interface Bundles {
  path(name: ChildName): string;
  dispose(): void;
}

/**
 * Resolves the children's imports of lib/ to another copy of it: a proposed
 * change to lib/ measured without touching lib/ (`--lib-dir`).
 */
function libFrom(libDir: string): Plugin {
  const lib = join(REPO_DIR, 'lib');
  return {
    name: 'lib-dir',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        const target = resolve(args.resolveDir, args.path);
        if (!target.startsWith(lib + sep)) return undefined;
        return { path: join(resolve(libDir), relative(lib, target)).replace(/\.js$/, '.ts') };
      });
    },
  };
}

/** Bundles `entryPoints` (name → file) into `outdir` as `<name>.mjs`, packages external. */
export async function bundleEntries(entryPoints: Record<string, string>, outdir: string, plugins: Plugin[] = []) {
  await build({
    entryPoints,
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
    plugins,
  });
}

export async function buildChildren(libDir?: string): Promise<Bundles> {
  const outdir = join(BENCH_DIR, 'results', '.build', String(process.pid));
  mkdirSync(outdir, { recursive: true });
  await bundleEntries(
    Object.fromEntries(Object.entries(CHILD_ENTRIES).map(([name, file]) => [name, join(BENCH_DIR, file)])),
    outdir,
    libDir ? [libFrom(libDir)] : [],
  );
  return {
    path: (name) => join(outdir, `${name}.mjs`),
    dispose: () => rmSync(outdir, { recursive: true, force: true }),
  };
}
