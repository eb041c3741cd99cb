/**
 * `npx tsx bench/harness/rescale.ts <results.json>`: the scaling section
 * again from a run's raw measurements, through the current model (after
 * the arithmetic changed, without measuring again). Prints Markdown.
 */
import { readFileSync } from 'node:fs';
import type { BenchResults } from './report.js';
import { scalingFromTrials } from './scaling-costs.js';
import { scalingMarkdown } from './report-scaling.js';

const path = process.argv[2];
if (!path) throw new Error('usage: npx tsx bench/harness/rescale.ts <results.json>');
const { scaling } = JSON.parse(readFileSync(path, 'utf8')) as BenchResults;
if (scaling?.status !== 'measured') throw new Error(`${path}: no scaling measurements`);
process.stdout.write(`${scalingMarkdown({ ...scaling, ...scalingFromTrials(scaling.trials) }).join('\n')}\n`);
