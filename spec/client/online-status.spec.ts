/**
 * Peers' online status against the fake server on virtual time: queries,
 * and subscriptions that report exactly the changes, at exact times.
 * Latency is 10 ms each way; alice is CONNECTED at 30 ms.
 */
import { expect } from 'chai';
import { ErrorCode } from '../../lib/protocol/error-code.js';
import { PeerStatus } from '../../lib/protocol/frames.js';
import { at, flushMicrotasks, loggedIn, marble, outcome, testScheduler } from '../support/marbles.js';

const { Online, Unreachable, Offline } = PeerStatus;
const uids = (n: number, prefix = 'u') => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

describe('peers online status (marbles)', () => {
  it('answers a query with online or not, UNREACHABLE counting as online', async () => {
    const scheduler = testScheduler();
    let answer: Record<string, boolean> = {};
    scheduler.run(() => {
      const { client, server } = loggedIn(scheduler);
      server.setPeerStatus('bob', Online);
      server.setPeerStatus('carol', Unreachable);
      at(scheduler, 100, () => void client.queryPeersOnlineStatus(['bob', 'carol', 'dave']).then((a) => (answer = a)));
      at(scheduler, 200, () => {
        expect(server.framesOfType('query')).to.deep.equal([{ t: 'query', id: 2, uids: ['bob', 'carol', 'dave'] }]);
        void client.logout();
      });
    });
    await flushMicrotasks();
    expect(answer).to.deep.equal({ bob: true, carol: true, dave: false });
  });

  it('reports every subscribed peer first, then only changes, and nothing after unsubscribing', () => {
    // Changes: UNREACHABLE, ONLINE, OFFLINE.
    const scheduler = testScheduler();
    const heard: object[] = [];
    scheduler.run(({ expectObservable }) => {
      const { client, server } = loggedIn(scheduler);
      client.on('PeersOnlineStatusChanged', (status) => heard.push(status));
      server.setPeerStatus('bob', Online);
      at(scheduler, 100, () => void client.subscribePeersOnlineStatus(['bob', 'carol']));
      at(scheduler, 200, () => server.setPeerStatus('bob', Unreachable));
      at(scheduler, 300, () => server.setPeerStatus('bob', Online));
      at(scheduler, 400, () => server.setPeerStatus('bob', Offline));
      // The server repeats what the client knows, and adds one change: only the change is reported.
      const session = () => server.sessions.get('s1')!;
      at(scheduler, 500, () => session().deliver({ t: 'status', statuses: { bob: Offline, carol: Offline } }));
      at(scheduler, 600, () => session().deliver({ t: 'status', statuses: { bob: Offline, carol: Online } }));
      at(scheduler, 700, () => void client.unsubscribePeersOnlineStatus(['bob']));
      // Unsubscribed: the status of bob is not reported even if the server sends it.
      at(scheduler, 800, () => session().deliver({ t: 'status', statuses: { bob: Online } }));
      at(scheduler, 900, () => {
        expect(server.framesOfType('subscribe')).to.deep.equal([{ t: 'subscribe', id: 2, uids: ['bob', 'carol'] }]);
        expect(server.framesOfType('unsubscribe')).to.deep.equal([{ t: 'unsubscribe', id: 3, uids: ['bob'] }]);
        void client.logout();
      });
      expectObservable(client.peersOnlineStatusChanged$).toBe(
        marble([
          [120, 'f'],
          [210, 'u'],
          [310, 'o'],
          [410, 'x'],
          [610, 'c'],
        ]),
        {
          f: { bob: Online, carol: Offline },
          u: { bob: Unreachable },
          o: { bob: Online },
          x: { bob: Offline },
          c: { carol: Online },
        },
      );
    });
    expect(heard).to.have.length(5);
  });

  it('refuses the 513th subscribed peer LIMIT_EXCEEDED, and takes one again after an unsubscribe', async () => {
    // Each peer is counted once.
    const scheduler = testScheduler();
    const results: Array<{ value?: string }> = [];
    scheduler.run(() => {
      const { client, server } = loggedIn(scheduler);
      at(scheduler, 100, () => {
        results.push(outcome(client.subscribePeersOnlineStatus(uids(512))));
        results.push(outcome(client.subscribePeersOnlineStatus(['x513'])));
        results.push(outcome(client.subscribePeersOnlineStatus(['u1', 'u512'])));
        results.push(outcome(client.unsubscribePeersOnlineStatus(['u1'])));
        results.push(outcome(client.subscribePeersOnlineStatus(['x513'])));
        results.push(outcome(client.queryPeersOnlineStatus(uids(513))));
      });
      at(scheduler, 200, () => {
        expect(server.framesOfType('subscribe').map((f) => f.uids.length)).to.deep.equal([512, 2, 1]);
        expect(server.framesOfType('query')).to.deep.equal([]);
        void client.logout();
      });
    });
    await flushMicrotasks();
    expect(results.map((r) => r.value)).to.deep.equal([
      'resolved',
      'rejected LIMIT_EXCEEDED',
      'resolved',
      'resolved',
      'resolved',
      'rejected LIMIT_EXCEEDED',
    ]);
  });

  it('forgets peers whose subscription failed', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client, server } = loggedIn(scheduler);
      at(scheduler, 100, () => {
        server.failNext('subscribe', ErrorCode.Unknown);
        void client.subscribePeersOnlineStatus(['bob']).catch(() => undefined);
      });
      at(scheduler, 200, () => server.sessions.get('s1')!.deliver({ t: 'status', statuses: { bob: Online } }));
      at(scheduler, 300, () => void client.logout());
      expectObservable(client.peersOnlineStatusChanged$).toBe('');
    });
  });

  it('refuses the 11th query within 5 s TOO_OFTEN, an invalid uid INVALID_ARGUMENT', async () => {
    // And anything while DISCONNECTED NOT_LOGGED_IN.
    const scheduler = testScheduler();
    const queries: Array<{ value?: string }> = [];
    let invalid = outcome(Promise.resolve());
    let loggedOut = outcome(Promise.resolve());
    scheduler.run(() => {
      const { client } = loggedIn(scheduler);
      at(scheduler, 100, () => {
        invalid = outcome(client.subscribePeersOnlineStatus(['bob', 'bad/uid']));
        for (let i = 0; i < 11; i++) queries.push(outcome(client.queryPeersOnlineStatus(['bob'])));
      });
      at(scheduler, 5100, () => queries.push(outcome(client.queryPeersOnlineStatus(['bob']))));
      at(scheduler, 5200, () => void client.logout());
      at(scheduler, 5300, () => (loggedOut = outcome(client.unsubscribePeersOnlineStatus(['bob']))));
    });
    await flushMicrotasks();
    expect(queries.map((q) => q.value)).to.deep.equal([
      ...Array<string>(10).fill('resolved'),
      'rejected TOO_OFTEN',
      'resolved',
    ]);
    expect(invalid.value).to.equal('rejected INVALID_ARGUMENT');
    expect(loggedOut.value).to.equal('rejected NOT_LOGGED_IN');
  });
});
