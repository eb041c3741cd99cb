/**
 * Channel attributes and member counts against the fake server on virtual
 * time (BEHAVIOUR §5.6): the frame each call sends, the app's shape of what
 * comes back, the notification to a joined channel, and every limit with its
 * exact code, refused before anything is sent. Alice is CONNECTED at 30 ms.
 */
import { expect } from 'chai';
import { map, switchMap } from 'rxjs';
import { channelAttributes, type ChannelAttributes } from '../../lib/channel-attributes.js';
import { alice, at, flushMicrotasks, inRoom, loggedIn, marble, outcome, testScheduler } from '../support/marbles.js';

describe('channel attributes and member counts (marbles)', () => {
  it('sends each write as its frame; reads answer who changed each attribute last and when', async () => {
    const scheduler = testScheduler();
    let all: ChannelAttributes = {};
    let some: ChannelAttributes = {};
    let counts: Record<string, number> = {};
    scheduler.run(() => {
      const { client, server } = loggedIn(scheduler);
      server.memberJoined('room', 'bob');
      const notify = { enableNotificationToChannelMembers: true };
      at(scheduler, 100, () => void channelAttributes(client).set('room', { a: '1', b: '2' }));
      at(scheduler, 200, () => void channelAttributes(client).addOrUpdate('room', { b: '3' }, notify));
      at(scheduler, 300, () => void channelAttributes(client).deleteByKeys('room', ['a'], {}));
      at(scheduler, 400, () => void channelAttributes(client).set('hall', { x: '1' }));
      at(scheduler, 500, () => void channelAttributes(client).clear('hall', notify));
      at(
        scheduler,
        600,
        () =>
          void channelAttributes(client)
            .get('room')
            .then((read) => (all = read)),
      );
      at(
        scheduler,
        600,
        () =>
          void channelAttributes(client)
            .get('room', ['b', 'z'])
            .then((read) => (some = read)),
      );
      at(
        scheduler,
        700,
        () =>
          void channelAttributes(client)
            .memberCounts(['room', 'hall'])
            .then((read) => (counts = read)),
      );
      at(scheduler, 800, () => {
        expect(server.framesOfType('setChanAttrs')).to.deep.equal([
          { t: 'setChanAttrs', id: 2, channel: 'room', op: 'set', attributes: { a: '1', b: '2' } },
          { t: 'setChanAttrs', id: 3, channel: 'room', op: 'merge', attributes: { b: '3' }, notify: true },
          { t: 'setChanAttrs', id: 4, channel: 'room', op: 'delete', keys: ['a'] },
          { t: 'setChanAttrs', id: 5, channel: 'hall', op: 'set', attributes: { x: '1' } },
          { t: 'setChanAttrs', id: 6, channel: 'hall', op: 'clear', notify: true },
        ]);
        expect(server.framesOfType('getChanAttrs')).to.deep.equal([
          { t: 'getChanAttrs', id: 7, channel: 'room' },
          { t: 'getChanAttrs', id: 8, channel: 'room', keys: ['b', 'z'] },
        ]);
        expect(server.framesOfType('counts')).to.deep.equal([{ t: 'counts', id: 9, channels: ['room', 'hall'] }]);
        void client.logout();
      });
    });
    await flushMicrotasks();
    // The fake server stamps each write with its virtual time of arrival (10 ms after the call).
    expect(all).to.deep.equal({ b: { value: '3', lastUpdateUserId: 'alice', lastUpdateTs: 210 } });
    expect(some).to.deep.equal(all);
    expect(counts).to.deep.equal({ room: 1, hall: 0 });
  });

  it('a joined channel emits all its attributes on a notified change, its own included; not once left', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client, server, room } = inRoom(scheduler, ['bob']);
      at(scheduler, 40, () => void room.join());
      const write = (by: string, attributes: Record<string, string>, notify: boolean) =>
        server.writeChannelAttributes('room', { op: 'merge', attributes, keys: [], by }, notify);
      at(scheduler, 100, () => write('bob', { a: '1' }, true));
      at(scheduler, 200, () => write('bob', { b: '2' }, false));
      at(
        scheduler,
        300,
        () =>
          void channelAttributes(client).addOrUpdate('room', { c: '3' }, { enableNotificationToChannelMembers: true }),
      );
      at(scheduler, 400, () => void room.leave());
      at(scheduler, 500, () => write('bob', { d: '4' }, true));
      at(scheduler, 600, () => void client.logout());
      const attribute = (value: string, lastUpdateUserId: string, lastUpdateTs: number) => ({
        value,
        lastUpdateUserId,
        lastUpdateTs,
      });
      expectObservable(channelAttributes(client).updated$('room')).toBe(
        marble([
          [110, 'x'],
          [320, 'y'],
        ]),
        {
          x: { a: attribute('1', 'bob', 100) },
          y: { a: attribute('1', 'bob', 100), b: attribute('2', 'bob', 200), c: attribute('3', 'alice', 310) },
        },
      );
    });
  });

  describe('limits: refused at once with the exact code, nothing sent', () => {
    const cases: Array<[string, string, (client: ReturnType<typeof loggedIn>['client']) => Promise<unknown>]> = [
      ['a bad channel id', 'INVALID_ARGUMENT', (c) => channelAttributes(c).set('', { a: '1' })],
      ['a key over 32 bytes', 'INVALID_ARGUMENT', (c) => channelAttributes(c).set('room', { ['k'.repeat(33)]: '1' })],
      [
        'a value over 8 KB',
        'INVALID_ARGUMENT',
        (c) => channelAttributes(c).addOrUpdate('room', { k: 'v'.repeat(8193) }),
      ],
      ['an empty key to delete', 'INVALID_ARGUMENT', (c) => channelAttributes(c).deleteByKeys('room', [''])],
      ['an empty key to read', 'INVALID_ARGUMENT', (c) => channelAttributes(c).get('room', [''])],
      [
        '33 attributes in one call',
        'LIMIT_EXCEEDED',
        (c) =>
          channelAttributes(c).set('room', Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v']))),
      ],
      [
        'over 32 KB in one call',
        'LIMIT_EXCEEDED',
        (c) =>
          channelAttributes(c).set(
            'room',
            Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`k${i}`, 'v'.repeat(8192)])),
          ),
      ],
      [
        '33 channels to count',
        'LIMIT_EXCEEDED',
        (c) => channelAttributes(c).memberCounts(Array.from({ length: 33 }, (_, i) => `c${i}`)),
      ],
      ['a bad channel id to count', 'INVALID_ARGUMENT', (c) => channelAttributes(c).memberCounts(['room', 'a\u0000b'])],
    ];
    for (const [what, code, call] of cases) {
      it(`${what}: ${code}`, async () => {
        const scheduler = testScheduler();
        let result = outcome(Promise.resolve());
        let sent = -1;
        scheduler.run(() => {
          const { client, server } = loggedIn(scheduler);
          at(scheduler, 100, () => (result = outcome(call(client))));
          at(scheduler, 200, () => {
            sent = [
              ...server.framesOfType('setChanAttrs'),
              ...server.framesOfType('getChanAttrs'),
              ...server.framesOfType('counts'),
            ].length;
            void client.logout();
          });
        });
        await flushMicrotasks();
        expect(result.value).to.equal(`rejected ${code}`);
        expect(sent).to.equal(0);
      });
    }

    it('accepts a key of exactly 32 bytes, a value of exactly 8 KB, 32 channels to count', async () => {
      const scheduler = testScheduler();
      const results: Array<{ value?: string }> = [];
      scheduler.run(() => {
        const { client } = loggedIn(scheduler);
        at(scheduler, 100, () => {
          results.push(outcome(channelAttributes(client).set('room', { ['k'.repeat(32)]: 'v'.repeat(8192) })));
          results.push(outcome(channelAttributes(client).memberCounts(Array.from({ length: 32 }, (_, i) => `c${i}`))));
        });
        at(scheduler, 200, () => void client.logout());
      });
      await flushMicrotasks();
      expect(results.map((r) => r.value)).to.deep.equal(['resolved', 'resolved']);
    });
  });

  it('rates: the 11th write and the 11th read within 5 s, the 2nd count within 1 s → TOO_OFTEN', async () => {
    const scheduler = testScheduler();
    const writes: Array<{ value?: string }> = [];
    const reads: Array<{ value?: string }> = [];
    const counts: Array<{ value?: string }> = [];
    scheduler.run(() => {
      const { client } = loggedIn(scheduler);
      at(scheduler, 100, () => {
        for (let i = 0; i < 11; i++) writes.push(outcome(channelAttributes(client).clear('room')));
        for (let i = 0; i < 11; i++) reads.push(outcome(channelAttributes(client).get('room')));
        for (let i = 0; i < 2; i++) counts.push(outcome(channelAttributes(client).memberCounts(['room'])));
      });
      at(scheduler, 1100, () => counts.push(outcome(channelAttributes(client).memberCounts(['room']))));
      at(scheduler, 5100, () => writes.push(outcome(channelAttributes(client).clear('room'))));
      at(scheduler, 5200, () => void client.logout());
    });
    await flushMicrotasks();
    const ok = (n: number) => Array<string>(n).fill('resolved');
    expect(writes.map((w) => w.value)).to.deep.equal([...ok(10), 'rejected TOO_OFTEN', 'resolved']);
    expect(reads.map((r) => r.value)).to.deep.equal([...ok(10), 'rejected TOO_OFTEN']);
    expect(counts.map((c) => c.value)).to.deep.equal(['resolved', 'rejected TOO_OFTEN', 'resolved']);
  });

  it('a write pending when the link drops is sent again on the new link and resolves', async () => {
    const scheduler = testScheduler();
    let result = outcome(Promise.resolve());
    scheduler.run(() => {
      const { client, server } = loggedIn(scheduler);
      at(scheduler, 100, () => server.blackhole());
      at(scheduler, 110, () => (result = outcome(channelAttributes(client).set('room', { a: '1' }))));
      at(scheduler, 150, () => {
        server.dropAll();
        server.heal();
      });
      at(scheduler, 3000, () => {
        expect(server.channelAttributesOf('room')).to.have.keys('a');
        void client.logout();
      });
    });
    await flushMicrotasks();
    expect(result.value).to.equal('resolved');
  });

  it('rejects NOT_LOGGED_IN while DISCONNECTED', async () => {
    const scheduler = testScheduler();
    const results: Array<{ value?: string }> = [];
    scheduler.run(() => {
      const { client } = loggedIn(scheduler);
      at(scheduler, 0, () => {
        results.push(outcome(channelAttributes(client).set('room', { a: '1' })));
        results.push(outcome(channelAttributes(client).get('room')));
        results.push(outcome(channelAttributes(client).memberCounts(['room'])));
      });
      at(scheduler, 100, () => void client.logout());
    });
    await flushMicrotasks();
    expect(results.map((r) => r.value)).to.deep.equal(Array<string>(3).fill('rejected NOT_LOGGED_IN'));
  });
});

describe('channel attributes plugged into the session (BEHAVIOUR §8.2)', () => {
  /** Bob's notified write of `a` = `value` at the scheduler's now. */
  const bobWrites = (server: ReturnType<typeof loggedIn>['server'], value: string) =>
    server.writeChannelAttributes('room', { op: 'merge', attributes: { a: value }, keys: [], by: 'bob' }, true);
  const valuesOf = (attributes: ChannelAttributes) => Object.values(attributes).map(({ value }) => value);

  it('each notification once and in order: a repeat of one seen is dropped, those missed come on the resume', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client, server, room } = inRoom(scheduler, ['bob']);
      const session = () => server.sessions.get('s1')!;
      at(scheduler, 100, () => void room.join());
      at(scheduler, 200, () => bobWrites(server, '1'));
      // The same event again, seq and all, as a replay after a lost ack would send it.
      at(scheduler, 300, () => session().socket!.push(session().unacknowledged.at(-1)!));
      // Sent into a dark link, then replayed on the resume after the heal at 6000.
      at(scheduler, 1000, () => server.blackhole());
      at(scheduler, 1100, () => bobWrites(server, '2'));
      at(scheduler, 1200, () => bobWrites(server, '3'));
      at(scheduler, 6000, () => server.heal());
      at(scheduler, 7000, () => void client.logout());
      expectObservable(channelAttributes(client).updated$('room').pipe(map(valuesOf))).toBe(
        marble([
          [210, 'x'],
          [6080, '(yz)'],
        ]),
        { x: ['1'], y: ['2'], z: ['3'] },
      );
    });
  });

  it("a new session's notifications come from seq 1 on; after logout none, after a new login again", () => {
    const scheduler = testScheduler();
    const heard: Array<[number, string[]]> = [];
    scheduler.run(() => {
      const { client, server, room } = inRoom(scheduler, ['bob']);
      channelAttributes(client)
        .updated$('room')
        .subscribe((attributes) => heard.push([scheduler.now(), valuesOf(attributes)]));
      at(scheduler, 100, () => void room.join());
      at(scheduler, 200, () => bobWrites(server, '1'));
      at(scheduler, 300, () => bobWrites(server, '2'));
      // The server restarts: the session is lost; the client logs in anew and joins the room again.
      at(scheduler, 1000, () => server.restart());
      at(scheduler, 3000, () => bobWrites(server, '3'));
      at(scheduler, 4000, () => void client.logout());
      at(scheduler, 4100, () => bobWrites(server, 'unheard'));
      at(scheduler, 5000, () => void client.login(alice));
      at(scheduler, 5100, () => void room.join());
      at(scheduler, 5200, () => bobWrites(server, '4'));
      at(scheduler, 6000, () => void client.destroy());
    });
    expect(heard).to.deep.equal([
      [210, ['1']],
      [310, ['2']],
      [3010, ['3']],
      [5210, ['4']],
    ]);
  });

  it('ignores notifications before its first use; the client destroyed, updated$ completes', async () => {
    const scheduler = testScheduler();
    let client: ReturnType<typeof loggedIn>['client'] | undefined;
    scheduler.run(({ cold, expectObservable }) => {
      const setup = inRoom(scheduler, ['bob']);
      client = setup.client;
      at(scheduler, 100, () => void setup.room.join());
      at(scheduler, 200, () => bobWrites(setup.server, 'before'));
      at(scheduler, 400, () => bobWrites(setup.server, 'after'));
      at(scheduler, 500, () => void setup.client.logout());
      // Taken up at 300, after the first notification reached the client.
      const updates$ = cold('300ms (x|)').pipe(
        switchMap(() => channelAttributes(setup.client).updated$('room').pipe(map(valuesOf))),
      );
      expectObservable(updates$).toBe(marble([[410, 'a']]), { a: ['after'] });
    });
    let completed = false;
    channelAttributes(client!)
      .updated$('room')
      .subscribe({ complete: () => (completed = true) });
    await client!.destroy();
    expect(completed).to.equal(true);
  });
});
