/**
 * The README's "Testing your code" example, runnable: an app's view of a
 * channel asserted to the millisecond against `FakeRtmServer`. The README
 * shows the same test importing `rx-rtm` and `rx-rtm/testing`.
 */
import { expect } from 'chai';
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { createClient } from '../../lib/node.js';
import { FakeRtmServer } from '../../lib/testing/index.js';

describe('FakeRtmServer (the README example)', () => {
  it('shows members coming and going, and a 2.5 s outage as nothing but the events it held', () => {
    const scheduler = new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected);
    });
    scheduler.run(({ expectObservable }) => {
      const server = new FakeRtmServer(scheduler, { latencyMs: 10 });
      const client = createClient({ url: 'ws://test/', appId: 'app', WebSocket: server.WebSocket, scheduler });
      const room = client.createChannel('room');
      server.memberJoined('room', 'bob'); // other users are played by the test

      scheduler.schedule(() => void client.login({ uid: 'alice', token: 't' }), 10); // CONNECTED at 30
      scheduler.schedule(() => void room.join(), 100); // joined at 120, with bob
      scheduler.schedule(() => server.memberJoined('room', 'carol'), 200); // heard at 210
      scheduler.schedule(() => server.blackhole(), 2500); // a half-open link...
      scheduler.schedule(() => server.memberLeft('room', 'bob'), 3000); // ...while bob leaves
      scheduler.schedule(() => server.heal(), 5000); // back within 4 s: no state change
      scheduler.schedule(() => void client.logout(), 9000);

      const states = { d: 'DISCONNECTED', g: 'CONNECTING', c: 'CONNECTED' };
      expectObservable(client.connectionState$.pipe(map((p) => p.state))).toBe('d 9ms g 19ms c 8969ms d', states);
      expectObservable(room.memberJoined$).toBe('210ms c', { c: 'carol' });
      expectObservable(room.memberLeft$).toBe('5000ms b', { b: 'bob' });
      expectObservable(room.memberCount$).toBe('z 119ms t 89ms h 4789ms t 3999ms z', { z: 0, t: 2, h: 3 });
    });
  });
});
