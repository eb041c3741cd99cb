/**
 * The README's code that a test runs: its "Testing your code" example must
 * be spec/testing/fake-rtm-server.example.spec.ts, bar the file's opening
 * comment and its imports of the package by path instead of by name.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** The first ```ts block after the heading. */
function codeAfter(markdown: string, heading: string): string {
  const section = markdown.indexOf(`\n${heading}\n`);
  expect(section, `README has no "${heading}"`).to.be.greaterThan(-1);
  const match = /```ts\n([\s\S]*?)```/.exec(markdown.slice(section));
  expect(match, `no ts block after "${heading}"`).to.not.equal(null);
  return match![1];
}

describe('README', () => {
  it('shows spec/testing/fake-rtm-server.example.spec.ts as its "Testing your code" example', () => {
    const shown = codeAfter(read('README.md'), '## Testing your code');
    const runs = read('spec/testing/fake-rtm-server.example.spec.ts')
      .replace(/^\/\*\*[\s\S]*?\*\/\n/, '')
      .replace("from '../../lib/node.js'", "from 'rx-rtm'")
      .replace("from '../../lib/testing/index.js'", "from 'rx-rtm/testing'");
    expect(shown).to.equal(runs);
  });
});
