/**
 * Builds the demo page into dist/demo/ (run by `npm run build`, and so at
 * pack time), so that `rx-rtm-server demo` serves it from an installed
 * package, where neither the page's sources nor esbuild are.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { bundleDemoPage } from '../lib/server/demo/demo-server.js';

const out = new URL('../dist/demo/', import.meta.url);
const page = await bundleDemoPage({ sourceMap: false });
await mkdir(out, { recursive: true });
await Promise.all([
  writeFile(new URL('index.html', out), page.html),
  writeFile(new URL('style.css', out), page.css),
  writeFile(new URL('demo.js', out), page.script),
]);
