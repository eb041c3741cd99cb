/**
 * The name rule for uids and channel ids (lib/protocol/names.ts), which client and server share: what passes, and
 * the exact reason for what does not.
 */
import { expect } from 'chai';
import { isValidName, MAX_NAME_BYTES, nameProblem } from '../../lib/protocol/names.js';

describe('names', () => {
  it('takes 1 to 64 letters, digits, spaces and the rule’s punctuation', () => {
    for (const name of ['a', 'Z9', 'x'.repeat(MAX_NAME_BYTES), ' !#$%&()+-:;<=.>?@[]^_{}|~,', 'nullish', 'NULL']) {
      expect(nameProblem(name), name).to.equal(undefined);
      expect(isValidName(name), name).to.equal(true);
    }
  });

  it('names the first character outside the rule', () => {
    expect(nameProblem('a/b')).to.equal('may not hold "/"');
    expect(nameProblem('café/')).to.equal('may not hold "é"');
    expect(nameProblem('hi 😀')).to.equal('may not hold "😀"');
    expect(nameProblem('tab\there')).to.equal('may not hold "\\t"');
    expect(nameProblem('quote"')).to.equal('may not hold "\\""');
  });

  it('refuses what is not a string, empty, over 64 bytes, or the string "null"', () => {
    expect(nameProblem(42)).to.equal('must be a string');
    expect(nameProblem(undefined)).to.equal('must be a string');
    expect(nameProblem('')).to.equal('must be 1 to 64 bytes');
    expect(nameProblem('x'.repeat(MAX_NAME_BYTES + 1))).to.equal('must be 1 to 64 bytes');
    expect(nameProblem('null')).to.equal('must not be the string "null"');
    expect(isValidName('null')).to.equal(false);
  });
});
