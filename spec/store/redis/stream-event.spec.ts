/** Reading an entry of an app's event stream, as the Redis store's scripts write it. */
import { expect } from 'chai';
import { readStreamEntry } from '../../../lib/store/redis/stream-event.js';

describe('readStreamEntry', () => {
  it('reads every event the scripts write', () => {
    const events = [
      { type: 'member', channel: 'room', uid: 'alice', joined: true, count: 2 },
      { type: 'status', uid: 'alice', status: 'UNREACHABLE' },
      { type: 'kick', uid: 'alice', session: 's1', reason: 'REMOTE_LOGIN' },
      { type: 'ended', uid: 'alice', session: 's1', reason: 'expired' },
      { type: 'moved', uid: 'alice', session: 's1', node: 'n2', from: 'n1', claim: 't2', seq: 7 },
      { type: 'ban', uid: 'mallory', banned: false },
      { type: 'handoff', claim: 't2', kept: true },
      { type: 'callEvent', session: 's1', call: 'c1', body: '{"t":"callState","call":"c1","state":"CANCELED"}' },
    ];
    for (const event of events)
      expect(readStreamEntry(['e', JSON.stringify(event)])).to.deep.equal({ ok: true, event });
  });

  it('reads a `moved` written by a node of an earlier version: from nobody, so nobody hands over', () => {
    const moved = { type: 'moved', uid: 'alice', session: 's1', node: 'n2' };
    expect(readStreamEntry(['e', JSON.stringify(moved)])).to.deep.equal({
      ok: true,
      event: { ...moved, from: '', claim: '', seq: 0 },
    });
  });

  it('refuses an entry without the field, that is not JSON, or of another shape', () => {
    expect(readStreamEntry(['x', '{}'])).to.deep.equal({ ok: false, problem: 'no field e' });
    expect(readStreamEntry(['e'])).to.deep.equal({ ok: false, problem: 'no field e' });
    expect(readStreamEntry(['e', '{'])).to.have.property('ok', false);
    const wrong = readStreamEntry(['e', JSON.stringify({ type: 'status', uid: 'alice', status: 'AWAY' })]);
    expect(wrong.ok).to.equal(false);
    expect(readStreamEntry(['e', JSON.stringify({ type: 'party', uid: 'alice' })]).ok).to.equal(false);
  });
});
