/**
 * User attributes against the fake server on virtual time: the frame each
 * operation sends, the local copy that is written back after a new session
 * (it changes only on the server's confirmation), and every limit with its
 * exact code. Latency is 10 ms each way; alice is CONNECTED at 30 ms.
 */
import { expect } from 'chai';
import type { RtmClient } from '../../lib/client/rtm-client.js';
import { ErrorCode } from '../../lib/protocol/error-code.js';
import { at, clientAndServer, flushMicrotasks, loggedIn, outcome, testScheduler } from '../support/marbles.js';

const bytes = (n: number) => 'v'.repeat(n);

describe('user attributes (marbles)', () => {
  it('sends each operation as its attrs frame, and keeps the local copy as the server confirmed it', async () => {
    const scheduler = testScheduler();
    let failed = outcome(Promise.resolve());
    scheduler.run(() => {
      const { client, server } = loggedIn(scheduler);
      at(scheduler, 100, () => void client.setLocalUserAttributes({ a: '1', b: '2' }));
      at(scheduler, 200, () => void client.addOrUpdateLocalUserAttributes({ c: '3', b: '2b' }));
      at(scheduler, 300, () => void client.deleteLocalUserAttributesByKeys(['a']));
      at(scheduler, 400, () => {
        server.failNext('attrs', ErrorCode.Unknown);
        failed = outcome(client.addOrUpdateLocalUserAttributes({ d: '4' }));
      });
      at(scheduler, 499, () => expect(server.attributesOf('alice')).to.deep.equal({ b: '2b', c: '3' }));
      // A new session: the write-back holds the confirmed copy, not the failed merge.
      at(scheduler, 500, () => server.restart());
      at(scheduler, 1000, () => void client.clearLocalUserAttributes());
      // Nothing to write back any more after another restart.
      at(scheduler, 1100, () => server.restart());
      at(scheduler, 2000, () => {
        expect(server.framesOfType('attrs')).to.deep.equal([
          { t: 'attrs', id: 2, op: 'set', attributes: { a: '1', b: '2' } },
          { t: 'attrs', id: 3, op: 'merge', attributes: { c: '3', b: '2b' } },
          { t: 'attrs', id: 4, op: 'delete', keys: ['a'] },
          { t: 'attrs', id: 5, op: 'merge', attributes: { d: '4' } },
          { t: 'attrs', id: 6, op: 'set', attributes: { b: '2b', c: '3' } },
          { t: 'attrs', id: 7, op: 'clear' },
        ]);
        expect(server.attributesOf('alice')).to.deep.equal({});
        void client.logout();
      });
    });
    await flushMicrotasks();
    expect(failed.value).to.equal('rejected UNKNOWN');
  });

  it("reads a user's attributes, all or by keys", async () => {
    const scheduler = testScheduler();
    let all: Record<string, string> = {};
    let some: Record<string, string> = {};
    scheduler.run(() => {
      const { client, server } = loggedIn(scheduler);
      server.setAttributes('bob', { x: '1', y: '2' });
      at(scheduler, 100, () => void client.getUserAttributes('bob').then((a) => (all = a)));
      at(scheduler, 100, () => void client.getUserAttributesByKeys('bob', ['y', 'z']).then((a) => (some = a)));
      at(scheduler, 200, () => {
        expect(server.framesOfType('getAttrs')).to.deep.equal([
          { t: 'getAttrs', id: 2, uid: 'bob' },
          { t: 'getAttrs', id: 3, uid: 'bob', keys: ['y', 'z'] },
        ]);
        void client.logout();
      });
    });
    await flushMicrotasks();
    expect(all).to.deep.equal({ x: '1', y: '2' });
    expect(some).to.deep.equal({ y: '2' });
  });

  describe('limits: refused at once with the exact code, nothing sent, nothing counted', () => {
    const cases: Array<[string, (client: RtmClient) => Promise<unknown>, string]> = [
      ['an empty key', (c) => c.setLocalUserAttributes({ '': 'v' }), ErrorCode.InvalidArgument],
      ['a key of 33 bytes', (c) => c.setLocalUserAttributes({ [bytes(33)]: 'v' }), ErrorCode.InvalidArgument],
      [
        'a key of 11 euro signs (33 bytes of UTF-8)',
        (c) => c.setLocalUserAttributes({ ['€'.repeat(11)]: 'v' }),
        ErrorCode.InvalidArgument,
      ],
      [
        'a value that is not a string',
        (c) => c.setLocalUserAttributes({ k: 7 as unknown as string }),
        ErrorCode.InvalidArgument,
      ],
      [
        'attributes that are not an object',
        (c) => c.setLocalUserAttributes(null as unknown as Record<string, string>),
        ErrorCode.InvalidArgument,
      ],
      ['a pair of 8 KB and a byte', (c) => c.setLocalUserAttributes({ k: bytes(8 * 1024) }), ErrorCode.InvalidArgument],
      [
        'a call of more than 16 KB',
        (c) => c.setLocalUserAttributes({ a: bytes(6000), b: bytes(6000), c: bytes(6000) }),
        ErrorCode.LimitExceeded,
      ],
      [
        '33 pairs',
        (c) => c.setLocalUserAttributes(Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v']))),
        ErrorCode.LimitExceeded,
      ],
      [
        'a merge of 33 pairs',
        (c) =>
          c.addOrUpdateLocalUserAttributes(Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v']))),
        ErrorCode.LimitExceeded,
      ],
      ['a delete of an empty key', (c) => c.deleteLocalUserAttributesByKeys(['']), ErrorCode.InvalidArgument],
      [
        'a delete of keys not in an array',
        (c) => c.deleteLocalUserAttributesByKeys('k' as unknown as string[]),
        ErrorCode.InvalidArgument,
      ],
      ['a read of an invalid uid', (c) => c.getUserAttributes('bad/uid'), ErrorCode.InvalidArgument],
      ['a read of a key of 33 bytes', (c) => c.getUserAttributesByKeys('bob', [bytes(33)]), ErrorCode.InvalidArgument],
    ];
    for (const [what, call, code] of cases) {
      it(`${what}: ${code}`, async () => {
        const scheduler = testScheduler();
        let result = outcome(Promise.resolve());
        let later = outcome(Promise.resolve());
        scheduler.run(() => {
          const { client, server } = loggedIn(scheduler);
          at(scheduler, 100, () => (result = outcome(call(client))));
          at(scheduler, 200, () => (later = outcome(client.setLocalUserAttributes({ k: 'v' }))));
          at(scheduler, 300, () => {
            expect(server.framesOfType('attrs')).to.deep.equal([
              { t: 'attrs', id: 2, op: 'set', attributes: { k: 'v' } },
            ]);
            expect(server.framesOfType('getAttrs')).to.deep.equal([]);
            void client.logout();
          });
        });
        await flushMicrotasks();
        expect(result.value).to.equal(`rejected ${code}`);
        expect(later.value).to.equal('resolved');
      });
    }

    it('accepts a key of exactly 32 bytes and a pair of exactly 8 KB', async () => {
      const scheduler = testScheduler();
      let result = outcome(Promise.resolve());
      scheduler.run(() => {
        const { client } = loggedIn(scheduler);
        at(
          scheduler,
          100,
          () => (result = outcome(client.setLocalUserAttributes({ [bytes(32)]: 'v', k: bytes(8 * 1024 - 1) }))),
        );
        at(scheduler, 200, () => void client.logout());
      });
      await flushMicrotasks();
      expect(result.value).to.equal('resolved');
    });

    it('refuses a merge past 32 local attributes, or past the 16 KB that one write-back may carry', async () => {
      const scheduler = testScheduler();
      let tooMany = outcome(Promise.resolve());
      let tooLarge = outcome(Promise.resolve());
      let fits = outcome(Promise.resolve());
      scheduler.run(() => {
        const { client, server } = loggedIn(scheduler);
        at(
          scheduler,
          100,
          () =>
            void client.setLocalUserAttributes(
              Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, 'v'])),
            ),
        );
        at(
          scheduler,
          200,
          () => (tooMany = outcome(client.addOrUpdateLocalUserAttributes({ x: '1', y: '2', z: '3' }))),
        );
        at(scheduler, 300, () => void client.setLocalUserAttributes({ a: bytes(6000), b: bytes(6000) }));
        at(scheduler, 400, () => (tooLarge = outcome(client.addOrUpdateLocalUserAttributes({ c: bytes(6000) }))));
        // Replacing a value counts the new one only.
        at(
          scheduler,
          500,
          () => (fits = outcome(client.addOrUpdateLocalUserAttributes({ b: bytes(4000), c: bytes(2000) }))),
        );
        at(scheduler, 600, () => {
          expect(server.framesOfType('attrs').map((f) => f.op)).to.deep.equal(['set', 'set', 'merge']);
          void client.logout();
        });
      });
      await flushMicrotasks();
      expect(tooMany.value).to.equal('rejected LIMIT_EXCEEDED');
      expect(tooLarge.value).to.equal('rejected LIMIT_EXCEEDED');
      expect(fits.value).to.equal('resolved');
    });
  });

  describe('rates', () => {
    it('refuses the 11th write within 5 s TOO_OFTEN, and takes writes again 5 s after the first', async () => {
      const scheduler = testScheduler();
      const writes: Array<{ value?: string }> = [];
      scheduler.run(() => {
        const { client } = loggedIn(scheduler);
        const ops = [
          () => client.setLocalUserAttributes({ a: '1' }),
          () => client.addOrUpdateLocalUserAttributes({ b: '2' }),
          () => client.deleteLocalUserAttributesByKeys(['a']),
          () => client.clearLocalUserAttributes(),
        ];
        for (let i = 0; i < 11; i++) at(scheduler, 100 + i * 10, () => writes.push(outcome(ops[i % ops.length]())));
        at(scheduler, 5099, () => writes.push(outcome(client.clearLocalUserAttributes())));
        at(scheduler, 5100, () => writes.push(outcome(client.clearLocalUserAttributes())));
        at(scheduler, 5200, () => void client.logout());
      });
      await flushMicrotasks();
      expect(writes.map((w) => w.value)).to.deep.equal([
        ...Array<string>(10).fill('resolved'),
        'rejected TOO_OFTEN',
        'rejected TOO_OFTEN',
        'resolved',
      ]);
    });

    it('refuses the 41st read within 5 s TOO_OFTEN', async () => {
      const scheduler = testScheduler();
      const reads: Array<{ value?: string }> = [];
      scheduler.run(() => {
        const { client } = loggedIn(scheduler);
        at(scheduler, 100, () => {
          for (let i = 0; i < 41; i++)
            reads.push(outcome(i % 2 ? client.getUserAttributes('bob') : client.getUserAttributesByKeys('bob', ['k'])));
        });
        at(scheduler, 200, () => void client.logout());
      });
      await flushMicrotasks();
      expect(reads.map((r) => r.value)).to.deep.equal([...Array<string>(40).fill('resolved'), 'rejected TOO_OFTEN']);
    });
  });

  it('rejects NOT_LOGGED_IN while DISCONNECTED, and CANCELED for a write pending at logout', async () => {
    const scheduler = testScheduler();
    let before = outcome(Promise.resolve());
    let pending = outcome(Promise.resolve());
    scheduler.run(() => {
      const { client, server } = clientAndServer(scheduler, {}, { latencyMs: 10 });
      at(scheduler, 5, () => (before = outcome(client.setLocalUserAttributes({ a: '1' }))));
      at(scheduler, 10, () => void client.login({ uid: 'alice', token: 't' }));
      at(scheduler, 100, () => (pending = outcome(client.setLocalUserAttributes({ a: '1' }))));
      at(scheduler, 105, () => void client.logout());
      at(scheduler, 200, () => expect(server.framesOfType('attrs')).to.have.length(1));
    });
    await flushMicrotasks();
    expect(before.value).to.equal('rejected NOT_LOGGED_IN');
    expect(pending.value).to.equal('rejected CANCELED');
  });
});
