import { expect } from 'chai';
import { callTransition, type CallEvent, type CallStatus } from '../../lib/server/invitation-life.js';

const sent: CallStatus = { state: 'SENT' };
const received: CallStatus = { state: 'RECEIVED' };
const decided: CallStatus[] = [
  { state: 'ACCEPTED', response: 'yes' },
  { state: 'REFUSED', response: 'no' },
  { state: 'CANCELED' },
  { state: 'FAILED', reason: 'PEER_OFFLINE' },
  { state: 'FAILED', reason: 'PEER_NO_RESPONSE' },
  { state: 'FAILED', reason: 'INVITATION_EXPIRE' },
];
const events: CallEvent[] = [
  { type: 'DELIVERED' },
  { type: 'ACCEPT', response: 'r' },
  { type: 'REFUSE', response: 'r' },
  { type: 'CANCEL' },
  { type: 'CALLER_GONE' },
  { type: 'CALLEE_GONE' },
  { type: 'NO_ACK' },
  { type: 'EXPIRED' },
];

/** [from, event, to, tell], the table of invitation-life.ts row by row. */
const TABLE: [CallStatus, CallEvent['type'], CallStatus, string[]][] = [
  [sent, 'DELIVERED', received, ['caller']],
  [received, 'DELIVERED', received, []],
  [sent, 'ACCEPT', { state: 'ACCEPTED', response: 'r' }, ['caller']],
  [received, 'ACCEPT', { state: 'ACCEPTED', response: 'r' }, ['caller']],
  [sent, 'REFUSE', { state: 'REFUSED', response: 'r' }, ['caller']],
  [received, 'REFUSE', { state: 'REFUSED', response: 'r' }, ['caller']],
  [sent, 'CANCEL', { state: 'CANCELED' }, ['callee']],
  [received, 'CANCEL', { state: 'CANCELED' }, ['callee']],
  [sent, 'CALLER_GONE', { state: 'FAILED', reason: 'PEER_OFFLINE' }, ['callee']],
  [received, 'CALLER_GONE', { state: 'FAILED', reason: 'PEER_OFFLINE' }, ['callee']],
  [sent, 'CALLEE_GONE', { state: 'FAILED', reason: 'PEER_OFFLINE' }, ['caller']],
  [received, 'CALLEE_GONE', { state: 'FAILED', reason: 'PEER_OFFLINE' }, ['caller']],
  [sent, 'NO_ACK', { state: 'FAILED', reason: 'PEER_NO_RESPONSE' }, ['caller', 'callee']],
  [received, 'NO_ACK', received, []],
  [sent, 'EXPIRED', { state: 'FAILED', reason: 'PEER_NO_RESPONSE' }, ['caller', 'callee']],
  [received, 'EXPIRED', { state: 'FAILED', reason: 'INVITATION_EXPIRE' }, ['caller', 'callee']],
];

describe('a call invitation’s life on the server (pure transition)', () => {
  for (const [from, type, to, tell] of TABLE) {
    const outcome = `${to.state}${to.reason ? ` ${to.reason}` : ''}`;
    it(`${from.state} + ${type} -> ${outcome}, telling ${tell.join(', ') || 'nobody'}`, () => {
      const event = events.find((candidate) => candidate.type === type)!;
      expect(callTransition(from, event)).to.deep.equal({ status: to, tell });
    });
  }

  it('covers every (live state, event) pair in the table', () => {
    for (const from of [sent, received])
      for (const { type } of events)
        expect(
          TABLE.some(([state, event]) => state === from && event === type),
          `${from.state} ${type}`,
        ).to.equal(true);
  });

  it('changes nothing and tells nobody once decided: a crossing accept and cancel end in the first', () => {
    for (const status of decided)
      for (const event of events) expect(callTransition(status, event)).to.deep.equal({ status, tell: [] });
    const accepted = callTransition(received, { type: 'ACCEPT', response: 'ok' }).status;
    expect(callTransition(accepted, { type: 'CANCEL' })).to.deep.equal({ status: accepted, tell: [] });
    const canceled = callTransition(received, { type: 'CANCEL' }).status;
    expect(callTransition(canceled, { type: 'ACCEPT', response: 'ok' })).to.deep.equal({ status: canceled, tell: [] });
  });
});
