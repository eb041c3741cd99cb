/**
 * The call invitation scripts without Redis: the arguments each sends and how its decoder reads the replies the Lua
 * beside it returns (and refuses any other shape). What the Lua does is shown over a real Redis in
 * ../redis-calls.spec.ts.
 */
import { expect } from 'chai';
import { dueScript, inviteScript, stepScript } from '../../../lib/store/redis/scripts/call-scripts.js';
import { MalformedReplyError } from '../../../lib/store/redis/scripts/script.js';

describe('Redis call invitation scripts', () => {
  it('each runs on the prelude, under its own name', () => {
    for (const script of [inviteScript, stepScript, dueScript]) {
      expect(script.checksEpoch, script.name).to.equal(true);
      expect(script.lua).to.include("return {'epoch'}");
    }
    expect(new Set([inviteScript.name, stepScript.name, dueScript.name]).size).to.equal(3);
  });

  it('invite: its arguments in ARGV order; gone, or the record as a hash with the position', () => {
    const input = { uid: 'a', session: 's', id: 7, call: 'c1', to: 'b', body: '{}', ackMs: 30, keepMs: 60 };
    expect(inviteScript.args({ ...input, sent: 'S', offline: 'O' })).to.deep.equal([
      'a',
      's',
      7,
      'c1',
      'b',
      '{}',
      30,
      60,
      'S',
      'O',
    ]);
    expect(inviteScript.decode(['gone'])).to.deep.equal({ outcome: 'gone' });
    expect(inviteScript.decode(['created', ['id', 'c1', 'v', '1'], '1-0'])).to.deep.equal({
      outcome: 'created',
      hash: new Map([
        ['id', 'c1'],
        ['v', '1'],
      ]),
      position: '1-0',
    });
    expect(inviteScript.decode(['repeated', [], ''])).to.deep.include({ outcome: 'repeated', position: undefined });
    for (const reply of [['created', ['odd'], ''], ['created', []], ['made', [], ''], 'gone'])
      expect(() => inviteScript.decode(reply), JSON.stringify(reply)).to.throw(MalformedReplyError);
  });

  it('step: the sessions to tell last, no deadline as empty; ok with the position, or stale with the record', () => {
    const change = { call: 'c1', version: 2, status: '{}', body: 'b', keepMs: 60, tell: ['s1', 's2'] };
    expect(stepScript.args({ ...change, deadline: 99 })).to.deep.equal(['c1', 2, '{}', 'b', 99, 60, 's1', 's2']);
    expect(stepScript.args({ ...change, deadline: undefined, tell: [] })).to.deep.equal(['c1', 2, '{}', 'b', '', 60]);
    expect(stepScript.decode(['ok', '5-1'])).to.deep.equal({ outcome: 'ok', position: '5-1' });
    expect(stepScript.decode(['stale', ['v', '3']])).to.deep.equal({ outcome: 'stale', hash: new Map([['v', '3']]) });
    for (const reply of [['ok'], ['stale', 'v'], ['fine', '']])
      expect(() => stepScript.decode(reply), JSON.stringify(reply)).to.throw(MalformedReplyError);
  });

  it("due: the limit; Redis's clock and the invitations due", () => {
    expect(dueScript.args(200)).to.deep.equal([200]);
    expect(dueScript.decode(['ok', '1700000000123', ['c1', 'c2']])).to.deep.equal({
      now: 1700000000123,
      calls: ['c1', 'c2'],
    });
    expect(() => dueScript.decode(['ok', 5, []])).to.throw(MalformedReplyError);
  });
});
