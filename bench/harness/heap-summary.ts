/**
 * `npx tsx bench/harness/heap-summary.ts <a.heapsnapshot> [<b.heapsnapshot>] [top]`:
 * self size and count of objects by constructor (type and name), and with
 * two snapshots the difference b − a, to see what a server holds per
 * session (take both at the same session count).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export type HeapCensus = Map<string, { count: number; bytes: number }>;

/** Objects by `type:name`, with their count and self size. */
export function heapCensus(path: string): HeapCensus {
  const snap = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const census: HeapCensus = new Map();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]];
    // Strings and numbers by type only; objects by constructor name.
    const name =
      type === 'object' || type === 'closure' || type === 'native' ? snap.strings[snap.nodes[i + nameAt]] : '';
    const key = `${type}:${name}`;
    const entry = census.get(key) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += snap.nodes[i + sizeAt];
    census.set(key, entry);
  }
  return census;
}

/** The `top` largest differences b − a by self size (or a's own rows without b). */
export function heapDifference(a: HeapCensus, b: HeapCensus | undefined, top: number) {
  const keys = new Set([...a.keys(), ...(b?.keys() ?? [])]);
  const rows = [...keys].map((key) => {
    const x = a.get(key) ?? { count: 0, bytes: 0 };
    const y = b?.get(key) ?? { count: 0, bytes: 0 };
    return b ? { key, count: y.count - x.count, bytes: y.bytes - x.bytes } : { key, ...x };
  });
  const total = rows.reduce((n, r) => n + r.bytes, 0);
  return { total, rows: rows.sort((p, q) => Math.abs(q.bytes) - Math.abs(p.bytes)).slice(0, top) };
}

/** One row as the command prints it. */
export const heapRow = (r: { key: string; count: number; bytes: number }) =>
  `${(r.bytes / 1024).toFixed(0).padStart(10)} KiB ${String(r.count).padStart(9)}  ${r.key}`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const top = /^\d+$/.test(args.at(-1) ?? '') ? Number(args.pop()) : 30;
  if (args.length === 0) {
    console.error('usage: tsx bench/harness/heap-summary.ts <a.heapsnapshot> [<b.heapsnapshot>] [top]');
    process.exit(2);
  }
  const [a, b] = args.map(heapCensus);
  const { total, rows } = heapDifference(a, b, top);
  console.log(`${b ? 'difference b − a' : 'total'}: ${(total / 2 ** 20).toFixed(1)} MiB`);
  for (const r of rows) console.log(heapRow(r));
}
