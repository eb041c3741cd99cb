/**
 * The Angular example's service, run for real outside a browser: Angular's
 * own injector (JIT, `@angular/compiler` loaded) makes it, the client talks
 * to a `FakeRtmServer` on a TestScheduler, and a recording `NgZone` stands
 * in for zone.js (which would patch this process's timers and promises for
 * every other test; angular-zone.spec.ts runs the real one in a child).
 *
 * Time advances like an event loop: each virtual millisecond that has work
 * is a task, and promise callbacks run between tasks, so the service's
 * `await`s behave as in a browser.
 */
import '@angular/compiler';
import { expect } from 'chai';
import { computed, Injector, NgZone, reflectComponentType, type DestroyableInjector } from '@angular/core';
import { TestScheduler } from 'rxjs/testing';
import { ConnectionStatusComponent } from '../../examples/angular/connection-status.component.js';
import { RTM_CLIENT_OPTIONS, RtmService } from '../../examples/angular/rtm.service.js';
import { ConnectionState as S } from '../../lib/index.js';
import { FakeRtmServer } from '../../lib/testing/index.js';

/** An `NgZone` that says whether code runs inside Angular, and counts entries. */
class RecordingZone {
  /** Code starts inside, as an app's event handlers do. */
  inside = true;
  entries = 0;

  run<T>(fn: () => T): T {
    this.entries++;
    return this.within(true, fn);
  }

  runOutsideAngular<T>(fn: () => T): T {
    return this.within(false, fn);
  }

  private within<T>(inside: boolean, fn: () => T): T {
    const was = this.inside;
    this.inside = inside;
    try {
      return fn();
    } finally {
      this.inside = was;
    }
  }
}

const flushMicrotasks = () => new Promise((resolve) => setImmediate(resolve));

/**
 * Runs every task due up to `time`, one virtual millisecond at a time,
 * letting promises call back in between; `after` runs after each
 * millisecond's tasks and callbacks.
 */
async function runUntil(scheduler: TestScheduler, time: number, after: () => void = () => {}): Promise<void> {
  for (let next = scheduler.actions[0]; next && next.delay <= time; next = scheduler.actions[0]) {
    scheduler.maxFrames = next.delay;
    scheduler.flush();
    await flushMicrotasks();
    after();
  }
}

function setUp() {
  const scheduler = new TestScheduler((actual, expected) => {
    expect(actual).to.deep.equal(expected);
  });
  const server = new FakeRtmServer(scheduler, { latencyMs: 10 });
  const zone = new RecordingZone();
  /** For each socket the client opened: whether it was opened outside the Angular zone. */
  const openedOutside: boolean[] = [];
  class WebSocket extends server.WebSocket {
    constructor(url: string, protocols: string | string[]) {
      super(url, protocols);
      openedOutside.push(!zone.inside);
    }
  }
  const injector: DestroyableInjector = Injector.create({
    providers: [
      RtmService,
      { provide: NgZone, useValue: zone },
      {
        provide: RTM_CLIENT_OPTIONS,
        useValue: { url: 'ws://rtm.test/', appId: 'app', WebSocket, scheduler, random: () => 0 },
      },
    ],
  });
  const service = injector.get(RtmService);
  const at = (time: number, fn: () => void) => scheduler.schedule(fn, time);
  return { scheduler, server, zone, openedOutside, injector, service, at };
}

describe('examples/angular: RtmService', () => {
  it('keeps its signal always equal to the client state, through an outage, a reconnect and a logout', async () => {
    const { scheduler, server, zone, openedOutside, injector, service, at } = setUp();
    const changes: Array<[number, string]> = [];
    const zoned: Array<[number, string, boolean]> = [];
    service.connectionState$.subscribe(({ state, reason }) =>
      zoned.push([scheduler.now(), `${state} ${reason}`, zone.inside]),
    );
    const entriesBefore = zone.entries; // the subscription above entered once, for the current state

    at(10, () => void service.login('alice', 'token'));
    at(5000, () => server.blackhole());
    at(11_000, () => server.heal());
    at(13_000, () => void service.logout());

    let last = service.connectionState();
    await runUntil(scheduler, 14_000, () => {
      expect(service.connectionState()).to.equal(service.client.connectionState, `at ${scheduler.now()} ms`);
      if (service.connectionState() !== last) {
        last = service.connectionState();
        changes.push([scheduler.now(), `${last.state} ${last.reason}`]);
      }
    });

    expect(changes.map(([, pair]) => pair)).to.deep.equal([
      'CONNECTING LOGIN',
      'CONNECTED LOGIN_SUCCESS',
      'RECONNECTING INTERRUPTED',
      'CONNECTED LOGIN_SUCCESS',
      'DISCONNECTED LOGOUT',
    ]);
    expect(changes[0][0]).to.equal(10);
    expect(changes[1][0]).to.equal(30);
    expect(changes[2][0]).to.be.within(9000, 10_250); // 4 s after the link went dark, at most 1.25 s later
    expect(changes[3][0]).to.be.greaterThan(11_000);
    expect(changes[4][0]).to.equal(13_000);
    expect(service.state()).to.equal(S.Disconnected);
    expect(service.connected()).to.equal(false);

    // The Observable saw the same changes, each delivered inside the zone; nothing else entered it.
    expect(zoned.slice(1)).to.deep.equal(changes.map(([time, pair]) => [time, pair, true]));
    expect(zone.entries - entriesBefore).to.equal(changes.length);
    expect(server.framesOfType('pong').length).to.be.at.least(4); // heartbeats ran, and entered nothing
    expect(openedOutside[0]).to.equal(true); // the login's socket was opened outside the zone

    injector.destroy();
    await runUntil(scheduler, 20_000);
  });

  it("keeps a channel's members and count in signals: as they come and go, across a server restart", async () => {
    // And empty after leave.
    const { scheduler, server, injector, service, at } = setUp();
    // Asked for from a reactive context, as a template would.
    const room = computed(() => service.channel('room'))();
    expect(service.channel('room')).to.equal(room);
    server.memberJoined('room', 'bob');

    at(10, () => void service.login('alice', 'token'));
    at(100, () => void room.join());
    at(200, () => server.memberJoined('room', 'carol'));
    at(300, () => server.memberLeft('room', 'bob'));
    at(1000, () => server.restart()); // alice's session is lost...
    at(1005, () => server.memberJoined('room', 'dave')); // ...while dave joins
    at(3000, () => void room.leave());
    at(4000, () => void service.logout());

    const seen: Array<[number, string, number]> = [];
    let last: [number, string, number] = [0, '', 0];
    await runUntil(scheduler, 5000, () => {
      const now: [number, string, number] = [scheduler.now(), room.members().join(','), room.count()];
      if (now[1] !== last[1] || now[2] !== last[2]) seen.push(now);
      last = now;
    });

    expect(seen).to.deep.equal([
      [120, 'bob', 2], // joined: the other members, and the count with alice
      [210, 'bob,carol', 3],
      [310, 'carol', 2],
      [1050, 'carol,dave', 3], // a new session at 1030 rejoined, and the difference was told
      [3000, '', 0], // left: empty at once
    ]);
    expect(room.joined()).to.equal(false);
    injector.destroy();
    await runUntil(scheduler, 20_000);
  });

  it('destroys the client with its injector: logged out, no timer left, streams completed', async () => {
    const { scheduler, injector, service, at } = setUp();
    let completed = false;
    service.connectionState$.subscribe({ complete: () => (completed = true) });
    at(10, () => void service.login('alice', 'token'));
    await runUntil(scheduler, 100);
    expect(service.client.connectionState.state).to.equal(S.Connected);

    injector.destroy();
    await runUntil(scheduler, 100_000);
    expect(service.client.connectionState.state).to.equal(S.Disconnected);
    expect(completed).to.equal(true);
    expect(scheduler.actions).to.have.length(0); // no heartbeat, no reconnect: nothing would ever run again
  });
});

describe('examples/angular: ConnectionStatusComponent', () => {
  it('compiles (JIT): a standalone component whose template parses', () => {
    const mirror = reflectComponentType(ConnectionStatusComponent);
    expect(mirror?.selector).to.equal('rtm-connection-status');
    expect(mirror?.isStandalone).to.equal(true);
  });
});
