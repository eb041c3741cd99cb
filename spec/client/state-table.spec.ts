/**
 * README's state table is the transition's rows that enter a state, in
 * their order: rendered here from `rows` and compared with README, so a row
 * added to the code without its line in README (or the other way) fails.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { rows, unchanged, type Row } from '../../lib/client/transition.js';

/** README's words for what happens, by row (`on` from `from` → state reason). */
const words: Record<string, string> = {
  'LOGIN from DISCONNECTED → CONNECTING LOGIN': '`login()`',
  'LOGOUT from CONNECTING, CONNECTED, RECONNECTING, ABORTED → DISCONNECTED LOGOUT':
    '`logout()` (a pending `login` rejects `CANCELED`)',
  'LINK_UP from CONNECTING → CONNECTED LOGIN_SUCCESS': 'server accepts (`login` resolves)',
  'LINK_UP from RECONNECTING → CONNECTED LOGIN_SUCCESS': 'automatic re-login succeeds',
  'LOGIN_REFUSED from CONNECTING → DISCONNECTED LOGIN_FAILURE': 'server refuses (`login` rejects with the code)',
  'LOGIN_REFUSED from CONNECTED, RECONNECTING → ABORTED BANNED_BY_SERVER':
    'a re-login is refused `NOT_AUTHORIZED` (banned)',
  'KICKED from CONNECTING → DISCONNECTED LOGIN_FAILURE':
    'kicked before the login is accepted (`login` rejects `NOT_AUTHORIZED`)',
  'KICKED from CONNECTED, RECONNECTING → ABORTED BANNED_BY_SERVER': 'banned by the operator',
  'KICKED from CONNECTED, RECONNECTING → ABORTED REMOTE_LOGIN': 'same uid logs in elsewhere',
  'LOGIN_TIMED_OUT from CONNECTING → DISCONNECTED LOGIN_TIMEOUT': 'not logged in within 6 s (`TIMEOUT`)',
  'INTERRUPTION_THRESHOLD from CONNECTED → RECONNECTING INTERRUPTED': 'link down for more than 4 s',
};

type Entering = Row & { to: Exclude<Row['to'], typeof unchanged> };
const entering = rows.filter((r): r is Entering => r.to !== unchanged);
const key = (r: Entering) => `${r.on} from ${r.from.join(', ')} → ${r.to.state} ${r.to.reason}`;

function line(r: Entering): string {
  const said = words[key(r)];
  if (said === undefined) throw new Error(`no README words for the row ${key(r)}`);
  return `| ${r.from.join(', ')} | ${said} | ${r.to.state} | ${r.to.reason} |`;
}

/** The table as README must have it. */
function stateTable(): string {
  return ['| from | what happens | to | reason |', '|---|---|---|---|', ...entering.map(line)].join('\n');
}

describe("README's state table", () => {
  it('is the rows of the transition that enter a state, in order, each in words', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('### States'));
    const table = section.slice(section.indexOf('| from |'), section.indexOf('\n\n', section.indexOf('| from |')));
    expect(table, `README's table under "### States" should read:\n${stateTable()}\n`).to.equal(stateTable());
  });

  it('has words for no row the transition lacks', () => {
    expect(Object.keys(words).sort()).to.deep.equal(entering.map(key).sort());
  });
});
