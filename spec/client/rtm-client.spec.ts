/**
 * Marble tests of the client against a scripted server on virtual time: one
 * test per row of BEHAVIOUR §2 and per timing of BEHAVIOUR §3, each asserting the
 * exact (state, reason) pairs at their exact times.
 */
import { expect } from 'chai';
import { Subject } from 'rxjs';
import { ErrorCode } from '../../lib/protocol/error-code.js';
import { KickReason } from '../../lib/protocol/frames.js';
import { seededRandom } from '../../lib/client/backoff.js';
import { ALLOWANCE_MS } from '../../lib/client/heartbeat.js';
import { RtmClient } from '../../lib/client/rtm-client.js';
import { FakeRtmServer } from '../../lib/testing/fake-rtm-server.js';
import {
  at,
  clientAndServer,
  flushMicrotasks,
  inRoom,
  marble,
  outcome,
  pairValues as values,
  testScheduler,
  throttledTimers,
} from '../support/marbles.js';

const credentials = { uid: 'alice', token: 'token-1' };

describe('RtmClient (marbles)', () => {
  describe('login', () => {
    it('goes CONNECTING / LOGIN at the call and CONNECTED / LOGIN_SUCCESS once accepted; login resolves', async () => {
      const scheduler = testScheduler();
      let login = outcome(Promise.resolve());
      scheduler.run(({ expectObservable }) => {
        const { client, server } = clientAndServer(scheduler, {}, { latencyMs: 10 });
        at(scheduler, 5, () => (login = outcome(client.login(credentials))));
        at(scheduler, 100, () => void client.logout());
        expectObservable(client.connectionState$).toBe(
          marble([
            [0, 'i'],
            [5, 'g'],
            [25, 'c'],
            [100, 'o'],
          ]),
          values,
        );
        at(scheduler, 99, () =>
          expect(server.framesOfType('login')).to.deep.equal([
            { t: 'login', app: 'app', uid: 'alice', token: 'token-1', hb: 1000 },
          ]),
        );
      });
      await flushMicrotasks();
      expect(login.value).to.equal('resolved');
    });

    for (const code of [
      ErrorCode.InvalidToken,
      ErrorCode.TokenExpired,
      ErrorCode.InvalidAppId,
      ErrorCode.NotAuthorized,
    ]) {
      it(`goes DISCONNECTED / LOGIN_FAILURE when the server refuses ${code}; login rejects with ${code}`, async () => {
        const scheduler = testScheduler();
        let login = outcome(Promise.resolve());
        let sockets = 0;
        scheduler.run(({ expectObservable }) => {
          const { client, server } = clientAndServer(scheduler, {}, { latencyMs: 10 });
          server.loginAnswer = { type: 'refuse', code };
          at(scheduler, 5, () => (login = outcome(client.login(credentials))));
          at(scheduler, 10_000, () => (sockets = server.sockets.length));
          expectObservable(client.connectionState$).toBe(
            marble([
              [0, 'i'],
              [5, 'g'],
              [25, 'f'],
            ]),
            values,
          );
        });
        await flushMicrotasks();
        expect(login.value).to.equal(`rejected ${code}`);
        expect(sockets, 'no attempt after a refused first login').to.equal(1);
      });
    }

    it('goes DISCONNECTED / LOGIN_TIMEOUT exactly 6 s after the call; login rejects TIMEOUT', async () => {
      // The server never answers.
      const scheduler = testScheduler();
      let login = outcome(Promise.resolve());
      scheduler.run(({ expectObservable }) => {
        const { client, server } = clientAndServer(scheduler, {}, { latencyMs: 10 });
        server.loginAnswer = { type: 'ignore' };
        at(scheduler, 5, () => (login = outcome(client.login(credentials))));
        expectObservable(client.connectionState$).toBe(
          marble([
            [0, 'i'],
            [5, 'g'],
            [6005, 't'],
          ]),
          values,
        );
      });
      await flushMicrotasks();
      expect(login.value).to.equal('rejected TIMEOUT');
    });

    it('keeps trying within the 6 s while connections are refused, and logs in once one gets through', () => {
      const scheduler = testScheduler();
      scheduler.run(({ expectObservable }) => {
        const { client, server } = clientAndServer(scheduler, {}, { latencyMs: 10 });
        server.refuseConnections = true;
        at(scheduler, 5, () => void client.login(credentials));
        at(scheduler, 2000, () => (server.refuseConnections = false));
        at(scheduler, 9000, () => void client.logout());
        // Jitter pinned to the floor: attempts every 500 ms from 5; the one at 2005 gets through.
        expectObservable(client.connectionState$).toBe(
          marble([
            [0, 'i'],
            [5, 'g'],
            [2025, 'c'],
            [9000, 'o'],
          ]),
          values,
        );
      });
    });

    it('rejects ALREADY_LOGIN outside DISCONNECTED and changes nothing', async () => {
      const scheduler = testScheduler();
      let second = outcome(Promise.resolve());
      scheduler.run(({ expectObservable }) => {
        const { client, server } = clientAndServer(scheduler, {}, { latencyMs: 10 });
        at(scheduler, 5, () => void client.login(credentials));
        at(scheduler, 50, () => (second = outcome(client.login({ uid: 'bob', token: 'x' }))));
        at(scheduler, 100, () => void client.logout());
        at(scheduler, 99, () => expect(server.sockets).to.have.length(1));
        expectObservable(client.connectionState$).toBe(
          marble([
            [0, 'i'],
            [5, 'g'],
            [25, 'c'],
            [100, 'o'],
          ]),
          values,
        );
      });
      await flushMicrotasks();
      expect(second.value).to.equal('rejected ALREADY_LOGIN');
    });
  });

  describe('interruption (BEHAVIOUR §3: 4 s threshold)', () => {
    it('announces RECONNECTING / INTERRUPTED between 4 s and 4 s + heartbeat after a half-open link goes dark', () => {
      // Then CONNECTED / LOGIN_SUCCESS when it heals.
      const scheduler = testScheduler();
      scheduler.run(({ expectObservable }) => {
        const { client, server } = clientAndServer(scheduler, {}, { latencyMs: 10 });
        at(scheduler, 10, () => void client.login(credentials));
        at(scheduler, 2500, () => server.blackhole());
        at(scheduler, 9000, () => server.heal());
        at(scheduler, 9500, () => void client.logout());
        // The server's pings arrive at 1030, 2030; the 3030 one is held: due by 3030 + 250 ms of allowance,
        // down since 3280, RECONNECTING at 7280. The silent socket is abandoned at 7280; the next attempt is
        // held by the outage, and its login, in flight when the link heals at 9000, is answered at 9010.
        expectObservable(client.connectionState$).toBe(
          marble([
            [0, 'i'],
            [10, 'g'],
            [30, 'c'],
            [7280, 'r'],
            [9010, 'c'],
            [9500, 'o'],
          ]),
          values,
        );
      });
    });

    it('announces an interruption no sooner than 4 s after the link went dark, nor after 4 s + H + A', () => {
      for (let offset = 0; offset < 1000; offset += 50) {
        const scheduler = testScheduler();
        const darkAt = 2000 + offset;
        let announcedAt: number | undefined;
        scheduler.run(() => {
          const { client, server } = clientAndServer(scheduler, {}, { latencyMs: 10 });
          at(scheduler, 10, () => void client.login(credentials));
          at(scheduler, darkAt, () => server.blackhole());
          at(scheduler, 12_000, () => void client.logout());
          client.connectionState$.subscribe(({ state }) => {
            if (state === 'RECONNECTING') announcedAt ??= scheduler.now();
          });
        });
        expect(announcedAt! - darkAt, `dark at ${darkAt}`).to.be.within(4000, 4000 + 1000 + ALLOWANCE_MS);
      }
    });

    it('shows nothing when a dark link heals within 4 s', () => {
      const scheduler = testScheduler();
      scheduler.run(({ expectObservable }) => {
        const { client, server } = clientAndServer(scheduler, {}, { latencyMs: 10 });
        at(scheduler, 10, () => void client.login(credentials));
        at(scheduler, 2500, () => server.blackhole());
        at(scheduler, 6000, () => server.heal()); // 3.5 s dark
        at(scheduler, 20_000, () => void client.logout());
        at(scheduler, 19_999, () => expect(server.sockets, 'the same socket carried on').to.have.length(1));
        expectObservable(client.connectionState$).toBe(
          marble([
            [0, 'i'],
            [10, 'g'],
            [30, 'c'],
            [20_000, 'o'],
          ]),
          values,
        );
      });
    });

    it('shows nothing when a closed socket is replaced within 4 s, and resumes the same session', () => {
      const scheduler = testScheduler();
      scheduler.run(({ expectObservable }) => {
        const { client, server } = clientAndServer(scheduler, {}, { latencyMs: 10 });
        at(scheduler, 10, () => void client.login(credentials));
        at(scheduler, 2500, () => server.dropAll());
        at(scheduler, 10_000, () => void client.logout());
        at(scheduler, 9_999, () => {
          expect(server.sockets).to.have.length(2);
          expect(server.framesOfType('login').map((f) => f.session)).to.deep.equal([undefined, 's1']);
        });
        expectObservable(client.connectionState$).toBe(
          marble([
            [0, 'i'],
            [10, 'g'],
            [30, 'c'],
            [10_000, 'o'],
          ]),
          values,
        );
      });
    });

    it('announces RECONNECTING exactly 4 s after the socket closed when no reconnect succeeds', () => {
      const scheduler = testScheduler();
      scheduler.run(({ expectObservable }) => {
        const { client, server } = clientAndServer(scheduler, {}, { latencyMs: 10 });
        at(scheduler, 10, () => void client.login(credentials));
        at(scheduler, 2500, () => {
          server.refuseConnections = true;
          server.dropAll();
        });
        at(scheduler, 8000, () => (server.refuseConnections = false));
        at(scheduler, 12_000, () => void client.logout());
        // Jitter pinned to the floor: retries every 500 ms from 3000 are refused until the one at 8000.
        expectObservable(client.connectionState$).toBe(
          marble([
            [0, 'i'],
            [10, 'g'],
            [30, 'c'],
            [6500, 'r'],
            [8020, 'c'],
            [12_000, 'o'],
          ]),
          values,
        );
      });
    });

    it('reconnects without limit, every wait within the backoff bounds, and comes back when the server does', () => {
      const scheduler = testScheduler();
      const attempts: number[] = [];
      let stateAfterOutage = '';
      scheduler.run(() => {
        const server = new FakeRtmServer(scheduler, { latencyMs: 10 });
        const Counted = class extends server.WebSocket {
          constructor(url: string, protocols: string | string[]) {
            super(url, protocols);
            attempts.push(scheduler.now());
          }
        };
        const client = new RtmClient({
          url: 'ws://rtm.test/',
          appId: 'app',
          WebSocket: Counted,
          scheduler,
          random: seededRandom(7),
        });
        at(scheduler, 10, () => void client.login(credentials));
        at(scheduler, 1000, () => {
          server.refuseConnections = true;
          server.dropAll();
        });
        at(scheduler, 3_600_000, () => (server.refuseConnections = false));
        at(scheduler, 3_700_000, () => {
          stateAfterOutage = client.connectionState.state;
          void client.logout();
        });
      });
      const retries = attempts.slice(1);
      const gaps = retries.slice(1).map((t, i) => t - retries[i]);
      expect(retries[0], 'first retry after the floor').to.be.within(1500, 2000);
      expect(retries.length, 'attempts over an hour of outage').to.be.greaterThan(3_600_000 / 15_000);
      expect(Math.min(...gaps)).to.be.at.least(500);
      expect(Math.max(...gaps)).to.be.at.most(15_000);
      expect(Math.max(...gaps), 'backoff grows to near its cap').to.be.greaterThan(12_000);
      expect(stateAfterOutage).to.equal('CONNECTED');
    });
  });

  describe('remote login and bans', () => {
    it('goes ABORTED / REMOTE_LOGIN when the uid logs in elsewhere and never reconnects', () => {
      // It logs in again after logout.
      const scheduler = testScheduler();
      scheduler.run(({ expectObservable }) => {
        const { client, server } = clientAndServer(scheduler, {}, { latencyMs: 10 });
        at(scheduler, 10, () => void client.login(credentials));
        at(scheduler, 1000, () => server.kick(KickReason.RemoteLogin));
        at(scheduler, 60_000, () => {
          expect(server.sockets, 'no socket opened while ABORTED').to.have.length(1);
          void client.logout();
        });
        at(scheduler, 60_010, () => void client.login(credentials));
        at(scheduler, 61_000, () => void client.logout());
        expectObservable(client.connectionState$).toBe(
          marble([
            [0, 'i'],
            [10, 'g'],
            [30, 'c'],
            [1010, 'a'],
            [60_000, 'o'],
            [60_010, 'g'],
            [60_030, 'c'],
            [61_000, 'o'],
          ]),
          values,
        );
      });
    });

    it('goes ABORTED / BANNED_BY_SERVER when kicked by the operator', () => {
      const scheduler = testScheduler();
      scheduler.run(({ expectObservable }) => {
        const { client, server } = clientAndServer(scheduler, {}, { latencyMs: 10 });
        at(scheduler, 10, () => void client.login(credentials));
        at(scheduler, 1000, () => server.kick(KickReason.BannedByServer));
        at(scheduler, 2000, () => void client.logout());
        expectObservable(client.connectionState$).toBe(
          marble([
            [0, 'i'],
            [10, 'g'],
            [30, 'c'],
            [1010, 'b'],
            [2000, 'o'],
          ]),
          values,
        );
      });
    });

    it('goes ABORTED / BANNED_BY_SERVER when a reconnect is refused NOT_AUTHORIZED', () => {
      const scheduler = testScheduler();
      scheduler.run(({ expectObservable }) => {
        const { client, server } = clientAndServer(scheduler, {}, { latencyMs: 10 });
        at(scheduler, 10, () => void client.login(credentials));
        at(scheduler, 1000, () => {
          server.loginAnswer = { type: 'refuse', code: ErrorCode.NotAuthorized };
          server.dropAll();
        });
        at(scheduler, 3000, () => void client.logout());
        // Reconnect at 1500 refused at 1520.
        expectObservable(client.connectionState$).toBe(
          marble([
            [0, 'i'],
            [10, 'g'],
            [30, 'c'],
            [1520, 'b'],
            [3000, 'o'],
          ]),
          values,
        );
      });
    });
  });

  describe('a background tab (BEHAVIOUR §3.3: timers a minute late)', () => {
    it('timers firing once a minute for 5 min: CONNECTED on one socket as the server pings; events at once', () => {
      const scheduler = testScheduler();
      const { timers, control } = throttledTimers(scheduler, 60_000);
      scheduler.run(({ expectObservable }) => {
        const { client, server, room } = inRoom(scheduler, ['bob'], { scheduler: timers });
        at(scheduler, 100, () => void room.join());
        at(scheduler, 1000, () => (control.on = true));
        for (const [t, uid] of [
          [10_000, 'carol'],
          [70_500, 'dave'],
          [150_000, 'erin'],
          [299_000, 'fred'],
        ] as const)
          at(scheduler, t, () => server.memberJoined('room', uid));
        at(scheduler, 301_000, () => (control.on = false));
        at(scheduler, 301_500, () => {
          expect(server.sockets, 'the same socket throughout').to.have.length(1);
          // Every server ping was answered at once: one pong a second.
          expect(server.framesOfType('pong').length).to.equal(301);
          void client.logout();
        });
        expectObservable(client.connectionState$).toBe(
          marble([
            [0, 'i'],
            [10, 'g'],
            [30, 'c'],
            [301_500, 'o'],
          ]),
          values,
        );
        expectObservable(room.memberJoined$).toBe(
          marble([
            [10_010, 'c'],
            [70_510, 'd'],
            [150_010, 'e'],
            [299_010, 'f'],
          ]),
          { c: 'carol', d: 'dave', e: 'erin', f: 'fred' },
        );
      });
    });

    it('RECONNECTING as soon as a late check finds the link silent past 4 s, reconnecting without a backoff', () => {
      const scheduler = testScheduler();
      const { timers, control } = throttledTimers(scheduler, 60_000);
      scheduler.run(({ expectObservable }) => {
        const { client, server } = clientAndServer(scheduler, { scheduler: timers }, { latencyMs: 10 });
        at(scheduler, 10, () => void client.login(credentials));
        at(scheduler, 1000, () => (control.on = true));
        // Last ping heard at 99_030: down since 100_280. The first check after that runs at the 120_000 wake-up,
        // finds the link down 19.7 s, past the 4 s threshold: RECONNECTING then, and a new socket at once.
        at(scheduler, 100_000, () => server.blackhole());
        at(scheduler, 120_001, () => expect(server.sockets, 'a new socket at the wake-up').to.have.length(2));
        at(scheduler, 125_000, () => server.heal());
        at(scheduler, 130_000, () => {
          control.on = false;
          void client.logout();
        });
        expectObservable(client.connectionState$).toBe(
          marble([
            [0, 'i'],
            [10, 'g'],
            [30, 'c'],
            [120_000, 'r'],
            [125_010, 'c'],
            [130_000, 'o'],
          ]),
          values,
        );
      });
    });

    it('judges at once when the page wakes up (shown again, back online), not at its next timer', () => {
      const scheduler = testScheduler();
      const { timers, control } = throttledTimers(scheduler, 60_000);
      const wake$ = new Subject<void>();
      scheduler.run(({ expectObservable }) => {
        const { client, server } = clientAndServer(
          scheduler,
          { scheduler: timers, networkOnline$: wake$ },
          { latencyMs: 10 },
        );
        at(scheduler, 10, () => void client.login(credentials));
        at(scheduler, 1000, () => (control.on = true));
        at(scheduler, 100_000, () => server.blackhole());
        at(scheduler, 110_000, () => {
          control.on = false;
          wake$.next();
        });
        at(scheduler, 115_000, () => server.heal());
        at(scheduler, 116_000, () => void client.logout());
        expectObservable(client.connectionState$).toBe(
          marble([
            [0, 'i'],
            [10, 'g'],
            [30, 'c'],
            [110_000, 'r'],
            [115_010, 'c'],
            [116_000, 'o'],
          ]),
          values,
        );
      });
    });
  });

  describe('logout', () => {
    it('from CONNECTED: DISCONNECTED / LOGOUT at once, and the server is told', async () => {
      const scheduler = testScheduler();
      let logout = outcome(Promise.resolve());
      scheduler.run(({ expectObservable }) => {
        const { client, server } = clientAndServer(scheduler, {}, { latencyMs: 10 });
        at(scheduler, 10, () => void client.login(credentials));
        at(scheduler, 500, () => (logout = outcome(client.logout())));
        at(scheduler, 600, () => expect(server.framesOfType('logout')).to.have.length(1));
        expectObservable(client.connectionState$).toBe(
          marble([
            [0, 'i'],
            [10, 'g'],
            [30, 'c'],
            [500, 'o'],
          ]),
          values,
        );
      });
      await flushMicrotasks();
      expect(logout.value).to.equal('resolved');
    });

    it('from RECONNECTING on a dead link: DISCONNECTED / LOGOUT at once, no further attempts', async () => {
      const scheduler = testScheduler();
      let logout = outcome(Promise.resolve());
      scheduler.run(({ expectObservable }) => {
        const { client, server } = clientAndServer(scheduler, {}, { latencyMs: 10 });
        at(scheduler, 10, () => void client.login(credentials));
        at(scheduler, 2500, () => server.blackhole());
        at(scheduler, 8000, () => (logout = outcome(client.logout())));
        let socketsAtLogout = 0;
        at(scheduler, 8000, () => (socketsAtLogout = server.sockets.length));
        at(scheduler, 60_000, () => expect(server.sockets).to.have.length(socketsAtLogout));
        expectObservable(client.connectionState$).toBe(
          marble([
            [0, 'i'],
            [10, 'g'],
            [30, 'c'],
            [7280, 'r'],
            [8000, 'o'],
          ]),
          values,
        );
      });
      await flushMicrotasks();
      expect(logout.value).to.equal('resolved');
    });

    it('from CONNECTING: cancels the login (rejects CANCELED) and goes DISCONNECTED / LOGOUT', async () => {
      const scheduler = testScheduler();
      let login = outcome(Promise.resolve());
      let logout = outcome(Promise.resolve());
      scheduler.run(({ expectObservable }) => {
        const { client, server } = clientAndServer(scheduler, {}, { latencyMs: 10 });
        server.loginAnswer = { type: 'ignore' };
        at(scheduler, 10, () => (login = outcome(client.login(credentials))));
        at(scheduler, 1000, () => (logout = outcome(client.logout())));
        expectObservable(client.connectionState$).toBe(
          marble([
            [0, 'i'],
            [10, 'g'],
            [1000, 'o'],
          ]),
          values,
        );
      });
      await flushMicrotasks();
      expect(login.value).to.equal('rejected CANCELED');
      expect(logout.value).to.equal('resolved');
    });

    it('from DISCONNECTED: resolves and announces nothing', async () => {
      const scheduler = testScheduler();
      let logout = outcome(Promise.resolve());
      scheduler.run(({ expectObservable }) => {
        const { client } = clientAndServer(scheduler);
        at(scheduler, 10, () => (logout = outcome(client.logout())));
        expectObservable(client.connectionState$).toBe('i', values);
      });
      await flushMicrotasks();
      expect(logout.value).to.equal('resolved');
    });
  });

  describe('tokens', () => {
    it('emits TokenExpired once while re-logins are refused TOKEN_EXPIRED, and keeps the state', async () => {
      // It gets back in with the renewed token.
      const scheduler = testScheduler();
      let expired = 0;
      let renew = outcome(Promise.resolve());
      let tokensTried: string[] = [];
      scheduler.run(({ expectObservable }) => {
        const { client, server } = clientAndServer(scheduler, {}, { latencyMs: 10 });
        client.on('TokenExpired', () => expired++);
        at(scheduler, 10, () => void client.login(credentials));
        at(scheduler, 1000, () => {
          server.loginAnswer = { type: 'refuse', code: ErrorCode.TokenExpired };
          server.dropAll();
        });
        at(scheduler, 40_000, () => {
          server.loginAnswer = { type: 'welcome' };
          renew = outcome(client.renewToken('token-2'));
        });
        at(scheduler, 41_000, () => {
          tokensTried = server.framesOfType('login').map((f) => f.token);
          void client.logout();
        });
        // Refused at 1520; then a refused credential waits the longest backoff (15 s): 16 520, 31 520.
        // renewToken at 40 000 wakes the waiting link: logged in at 40 020.
        expectObservable(client.connectionState$).toBe(
          marble([
            [0, 'i'],
            [10, 'g'],
            [30, 'c'],
            [5000, 'r'],
            [40_020, 'c'],
            [41_000, 'o'],
          ]),
          values,
        );
      });
      await flushMicrotasks();
      expect(expired).to.equal(1);
      expect(renew.value).to.equal('resolved');
      expect(tokensTried).to.deep.equal(['token-1', 'token-1', 'token-1', 'token-1', 'token-2']);
    });

    it('emits TokenPrivilegeWillExpire once, 30 s before the token expires', () => {
      const scheduler = testScheduler();
      scheduler.run(({ expectObservable }) => {
        const { client, server } = clientAndServer(scheduler, {}, { latencyMs: 10 });
        server.loginAnswer = { type: 'welcome', tokenExpiresInMs: 40_000 };
        at(scheduler, 10, () => void client.login(credentials));
        at(scheduler, 45_000, () => void client.logout());
        // Welcome at 30 says 40 s left: warning at 10 030.
        expectObservable(client.tokenPrivilegeWillExpire$).toBe(marble([[10_030, 'w']]), { w: undefined });
      });
    });

    it('renews on the live link: the server checks the token and the new expiry re-arms the warning', async () => {
      const scheduler = testScheduler();
      let renew = outcome(Promise.resolve());
      scheduler.run(({ expectObservable }) => {
        const { client, server } = clientAndServer(scheduler, {}, { latencyMs: 10 });
        server.loginAnswer = { type: 'welcome', tokenExpiresInMs: 40_000 };
        at(scheduler, 10, () => void client.login(credentials));
        at(scheduler, 5000, () => (renew = outcome(client.renewToken('token-2'))));
        at(scheduler, 9000, () => void client.logout());
        at(scheduler, 8999, () => expect(server.framesOfType('renew').map((f) => f.token)).to.deep.equal(['token-2']));
        // The fake server grants an hour on renewal, so the 10 030 warning never comes.
        expectObservable(client.tokenPrivilegeWillExpire$).toBe('', {});
      });
      await flushMicrotasks();
      expect(renew.value).to.equal('resolved');
    });
  });

  describe('server restart', () => {
    it('rejoins within the shortest backoff on goaway, as a new session, showing nothing', () => {
      const scheduler = testScheduler();
      scheduler.run(({ expectObservable }) => {
        const { client, server } = clientAndServer(scheduler, {}, { latencyMs: 10 });
        at(scheduler, 10, () => void client.login(credentials));
        at(scheduler, 1000, () => server.restart());
        at(scheduler, 3000, () => {
          const logins = server.framesOfType('login');
          expect(logins.map((f) => f.session)).to.deep.equal([undefined, 's1']);
          expect(server.sockets).to.have.length(2);
          void client.logout();
        });
        expectObservable(client.connectionState$).toBe(
          marble([
            [0, 'i'],
            [10, 'g'],
            [30, 'c'],
            [3000, 'o'],
          ]),
          values,
        );
      });
    });
  });

  describe('bad input', () => {
    const cases: Array<[string, { uid: unknown; token: unknown }, string, string?]> = [
      ['an empty uid', { uid: '', token: 't' }, 'INVALID_ARGUMENT'],
      ['a uid of 65 bytes', { uid: 'u'.repeat(65), token: 't' }, 'INVALID_ARGUMENT'],
      ['a uid with a slash', { uid: 'a/b', token: 't' }, 'INVALID_ARGUMENT'],
      ['the uid "null"', { uid: 'null', token: 't' }, 'INVALID_ARGUMENT'],
      ['a non-string uid', { uid: 42, token: 't' }, 'INVALID_ARGUMENT'],
      ['an empty token', { uid: 'alice', token: '' }, 'INVALID_ARGUMENT'],
      ['a non-string token', { uid: 'alice', token: null }, 'INVALID_ARGUMENT'],
      ['an invalid app id', { uid: 'alice', token: 't' }, 'INVALID_APP_ID', 'bad/app'],
    ];
    for (const [what, args, code, appId] of cases) {
      it(`login with ${what} rejects ${code} and changes nothing`, async () => {
        const scheduler = testScheduler();
        let login = outcome(Promise.resolve());
        scheduler.run(({ expectObservable }) => {
          const { client, server } = clientAndServer(scheduler, appId ? { appId } : {});
          at(scheduler, 10, () => (login = outcome(client.login(args as { uid: string; token: string }))));
          at(scheduler, 20, () => expect(server.sockets).to.have.length(0));
          expectObservable(client.connectionState$).toBe('i', values);
        });
        await flushMicrotasks();
        expect(login.value).to.equal(`rejected ${code}`);
      });
    }

    it('refuses a third login within a second with TOO_OFTEN', async () => {
      const scheduler = testScheduler();
      let third = outcome(Promise.resolve());
      scheduler.run(() => {
        const { client } = clientAndServer(scheduler);
        at(scheduler, 10, () => void client.login(credentials).catch(() => undefined));
        at(scheduler, 20, () => void client.logout());
        at(scheduler, 30, () => void client.login(credentials).catch(() => undefined));
        at(scheduler, 40, () => void client.logout());
        at(scheduler, 50, () => (third = outcome(client.login(credentials))));
      });
      await flushMicrotasks();
      expect(third.value).to.equal('rejected TOO_OFTEN');
    });

    it('refuses renewToken while DISCONNECTED with NOT_LOGGED_IN', async () => {
      const scheduler = testScheduler();
      const { client } = clientAndServer(scheduler);
      const error = await client.renewToken('t').catch((e: { code: string }) => e.code);
      expect(error).to.equal('NOT_LOGGED_IN');
    });
  });
});
