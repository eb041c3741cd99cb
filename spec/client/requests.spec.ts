/**
 * The request layer alone, on virtual time: ids, exactly-once settling,
 * what goes out again on a new link and in which order, withdrawal,
 * deadlines and cancellation.
 */
import { expect } from 'chai';
import type { Subscription } from 'rxjs';
import { Requests } from '../../lib/client/requests.js';
import type { ClientFrame } from '../../lib/protocol/frames.js';
import { testScheduler } from '../support/marbles.js';

function layer(accepting = true) {
  const scheduler = testScheduler();
  let id = 1;
  const requests = new Requests({ scheduler, timeoutMs: 1000, nextId: () => id++, accepting: () => accepting });
  const sent: ClientFrame[] = [];
  const seen: string[] = [];
  const record = (name: string) => ({
    next: (reply: { t: string }) => seen.push(`${name} ${reply.t}`),
    error: (error: { code: string }) => seen.push(`${name} ${error.code}`),
  });
  return {
    scheduler,
    requests,
    sent,
    seen,
    record,
    write: (frame: ClientFrame) => {
      sent.push(frame);
      return true;
    },
  };
}

describe('Requests', () => {
  it('refuses NOT_LOGGED_IN when not accepting', () => {
    expect(layer(false).requests.refusal()?.code).to.equal('NOT_LOGGED_IN');
    expect(layer(true).requests.refusal()).to.equal(undefined);
  });

  it('settles a request by id exactly once; a wrong-type reply is a PROTOCOL_ERROR; fail rejects with its code', () => {
    const { requests, seen, record, write } = layer();
    requests.resume(write, () => undefined, true);
    requests.request$({ t: 'join', channel: 'a' }).subscribe(record('join'));
    requests.request$({ t: 'leave', channel: 'a' }).subscribe(record('leave'));
    requests.request$({ t: 'members', channel: 'a' }).subscribe(record('members'));
    requests.settle({ t: 'joined', id: 1, members: [] });
    requests.settle({ t: 'joined', id: 1, members: [] });
    requests.settle({ t: 'joined', id: 2, members: [] });
    requests.settle({ t: 'fail', id: 3, code: 'NOT_JOINED', message: 'no' });
    requests.settle({ t: 'done', id: 99 });
    expect(seen).to.deep.equal(['join joined', 'leave PROTOCOL_ERROR', 'members NOT_JOINED']);
  });

  it('sends at once on a live link, and on every new link sends what is pending again', () => {
    // Restorations first, then the rest in id order.
    const { requests, sent, write } = layer();
    requests.request$({ t: 'leave', channel: 'a' }).subscribe();
    expect(sent, 'no link yet').to.deep.equal([]);
    requests.resume(write, () => requests.request$({ t: 'join', channel: 'b' }, { restore: true }).subscribe(), true);
    requests.request$({ t: 'leave', channel: 'c' }).subscribe();
    expect(sent.map((f) => ('id' in f ? f.id : 0))).to.deep.equal([2, 1, 3]);
    sent.length = 0;
    requests.resume(write, () => undefined, true);
    expect(sent.map((f) => ('id' in f ? f.id : 0))).to.deep.equal([2, 1, 3]);
  });

  it('withdraws a request whose subscriber unsubscribes: it is not sent again and its reply is dropped', () => {
    const { requests, sent, seen, record, write } = layer();
    const subscription: Subscription = requests.request$({ t: 'join', channel: 'a' }).subscribe(record('join'));
    subscription.unsubscribe();
    requests.resume(write, () => undefined, true);
    requests.settle({ t: 'joined', id: 1, members: [] });
    expect(sent).to.deep.equal([]);
    expect(seen).to.deep.equal([]);
  });

  it('rejects an app request TIMEOUT after timeoutMs, not a restoration; rejects all CANCELED on cancelAll', () => {
    // After cancelAll nothing more is written.
    const { scheduler, requests, sent, seen, record, write } = layer();
    scheduler.run(() => {
      requests.resume(write, () => undefined, true);
      requests.request$({ t: 'join', channel: 'a' }).subscribe(record('app'));
      requests.request$({ t: 'join', channel: 'b' }, { restore: true }).subscribe(record('restore'));
      scheduler.schedule(() => expect(seen).to.deep.equal([]), 999);
      scheduler.schedule(() => expect(seen).to.deep.equal(['app TIMEOUT']), 1000);
      scheduler.schedule(() => {
        requests.cancelAll();
        requests.request$({ t: 'join', channel: 'c' }).subscribe(record('late'));
      }, 5000);
    });
    expect(seen).to.deep.equal(['app TIMEOUT', 'restore CANCELED', 'late TIMEOUT']);
    expect(sent.map((f) => ('channel' in f ? f.channel : ''))).to.deep.equal(['a', 'b']);
  });

  it('refuses LIMIT_EXCEEDED a request that would not fit in one frame, sending nothing', () => {
    const { requests, sent, seen, record, write } = layer();
    requests.resume(write, () => undefined, true);
    requests.request$({ t: 'getAttrs', uid: 'bob', keys: Array(3000).fill('k'.repeat(20)) }).subscribe(record('read'));
    expect(seen).to.deep.equal(['read LIMIT_EXCEEDED']);
    expect(sent).to.deep.equal([]);
  });
});
