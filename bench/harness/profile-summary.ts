/**
 * `npx tsx bench/harness/profile-summary.ts <file.cpuprofile> [top]`: where
 * a `--cpu-prof` profile spent its time, by function (self time) and by
 * file, to read a server's profile without a browser.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileLine {
  name: string;
  selfMs: number;
  percent: number;
}

/**
 * Inclusive time of functions named in `names` (a sample counts once for
 * each name found anywhere on its stack), in ms.
 */
export function inclusiveTimes(profile: CpuProfile, names: readonly string[]): Record<string, number> {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const out: Record<string, number> = Object.assign(
    Object.create(null) as Record<string, number>,
    Object.fromEntries(names.map((n) => [n, 0])),
  );
  profile.samples.forEach((id, i) => {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = byId.get(at)!.callFrame.functionName;
      if (name in out) seen.add(name);
    }
    for (const name of seen) out[name] += (profile.timeDeltas[i] ?? 0) / 1000;
  });
  for (const name of names) out[name] = Math.round(out[name]);
  return out;
}

/** Self time per function and per file, largest first. */
export function summarizeProfile(profile: CpuProfile): {
  totalMs: number;
  functions: ProfileLine[];
  files: ProfileLine[];
} {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const functions = new Map<string, number>();
  const files = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const file = url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*\/(bench|lib)\//, '$1/') || '(native)';
    const name = `${functionName || '(anonymous)'} ${file}${url ? `:${lineNumber + 1}` : ''}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
    files.set(file, (files.get(file) ?? 0) + us);
    total += us;
  }
  const lines = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({
        name,
        selfMs: Math.round(us / 100) / 10,
        percent: Math.round((us / total) * 1000) / 10,
      }));
  return { totalMs: Math.round(total / 1000), functions: lines(functions), files: lines(files) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, top = '25', inclusive] = process.argv.slice(2);
  if (!file) {
    console.error('usage: tsx bench/harness/profile-summary.ts <file.cpuprofile> [top] [inclusive,function,names]');
    process.exit(2);
  }
  const summary = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  console.log(`total ${summary.totalMs} ms sampled`);
  console.log('\nself time by function:');
  for (const line of summary.functions.slice(0, Number(top)))
    console.log(`${String(line.percent).padStart(5)}%  ${String(line.selfMs).padStart(9)} ms  ${line.name}`);
  if (inclusive) {
    console.log('\ninclusive time:');
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    for (const [name, ms] of Object.entries(inclusiveTimes(profile, inclusive.split(','))))
      console.log(`${String(ms).padStart(9)} ms  ${name}`);
  }
  console.log('\nself time by file:');
  for (const line of summary.files.slice(0, 15))
    console.log(`${String(line.percent).padStart(5)}%  ${String(line.selfMs).padStart(9)} ms  ${line.name}`);
}
