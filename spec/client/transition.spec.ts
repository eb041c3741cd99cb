/**
 * The transition function alone: total over every state × event, and each
 * row of BEHAVIOUR §2 as data in, data out.
 */
import { expect } from 'chai';
import type { ConnectionEvent } from '../../lib/client/connection-event.js';
import {
  ConnectionChangeReason as R,
  ConnectionState as S,
  type ConnectionState,
} from '../../lib/client/connection-state.js';
import { initialSnapshot, transition, type ConnectionSnapshot } from '../../lib/client/transition.js';
import { ErrorCode } from '../../lib/protocol/error-code.js';
import { KickReason } from '../../lib/protocol/frames.js';

const epoch = 3;
/** The new link's writer; the transition only hands it on. */
const write = () => true;
const resume = { type: 'RESUME_SESSION', write, resumed: false, gap: false } as const;
const forget = { type: 'FORGET_SESSION' } as const;
const loggedIn = { epoch, credentials: { uid: 'alice', token: 't1' }, session: 's1', tokenExpiresAt: 100_000 };
const snapshots: Record<ConnectionState, ConnectionSnapshot> = {
  DISCONNECTED: { state: S.Disconnected, reason: R.Logout, epoch },
  CONNECTING: {
    state: S.Connecting,
    reason: R.Login,
    epoch,
    credentials: loggedIn.credentials,
    pendingLogin: { request: 7, since: 0 },
  },
  CONNECTED: { state: S.Connected, reason: R.LoginSuccess, ...loggedIn },
  RECONNECTING: { state: S.Reconnecting, reason: R.Interrupted, ...loggedIn },
  ABORTED: { state: S.Aborted, reason: R.RemoteLogin, ...loggedIn },
};

function events(e: number): ConnectionEvent[] {
  return [
    { type: 'LOGIN', request: 1, uid: 'bob', token: 't', at: 0 },
    { type: 'LOGOUT', request: 2 },
    { type: 'TOKEN_RENEWED', token: 't2', tokenExpiresAt: 200_000 },
    { type: 'LINK_UP', epoch: e, session: 's2', resumed: false, gap: false, tokenExpiresAt: 300_000, write },
    { type: 'LINK_DOWN', epoch: e, since: 50 },
    { type: 'LINK_RESTORED', epoch: e },
    { type: 'LOGIN_REFUSED', epoch: e, code: ErrorCode.TokenExpired },
    { type: 'LOGIN_REFUSED', epoch: e, code: ErrorCode.NotAuthorized },
    { type: 'LOGIN_REFUSED', epoch: e, code: ErrorCode.InvalidToken },
    { type: 'KICKED', epoch: e, reason: KickReason.RemoteLogin },
    { type: 'KICKED', epoch: e, reason: KickReason.BannedByServer },
    { type: 'LOGIN_TIMED_OUT', epoch: e },
    { type: 'INTERRUPTION_THRESHOLD', epoch: e },
    { type: 'TOKEN_WARNING', epoch: e, tokenExpiresAt: 100_000 },
  ];
}

const states = new Set<string>(Object.values(S));
const reasons = new Set<string>(Object.values(R));

describe('transition', () => {
  describe('is total', () => {
    for (const [name, snapshot] of Object.entries(snapshots)) {
      for (const event of events(epoch)) {
        const detail = ('code' in event ? ` ${event.code}` : '') + ('reason' in event ? ` ${event.reason}` : '');
        it(`${name} × ${event.type}${detail} has a defined answer`, () => {
          const { snapshot: next, actions } = transition(snapshot, event);
          expect(states.has(next.state)).to.equal(true);
          expect(reasons.has(next.reason)).to.equal(true);
          if (next.state === snapshot.state)
            expect(next.reason, 'a reason never changes without the state').to.equal(snapshot.reason);
          expect(actions).to.be.an('array');
        });
      }
    }

    for (const [name, snapshot] of Object.entries(snapshots)) {
      it(`${name} ignores every link and timer event of another login`, () => {
        for (const event of events(epoch - 1).filter((e) => 'epoch' in e)) {
          expect(transition(snapshot, event)).to.deep.equal({ snapshot, actions: [] });
        }
      });
    }
  });

  describe('BEHAVIOUR §2, row by row', () => {
    const step = (state: ConnectionState, event: ConnectionEvent) => {
      const { snapshot, actions } = transition(snapshots[state], event);
      return { state: snapshot.state, reason: snapshot.reason, actions };
    };

    it('DISCONNECTED + login → CONNECTING / LOGIN, a new epoch', () => {
      const next = transition(snapshots.DISCONNECTED, { type: 'LOGIN', request: 1, uid: 'bob', token: 't', at: 5 });
      expect(next.snapshot).to.deep.include({
        state: S.Connecting,
        reason: R.Login,
        epoch: epoch + 1,
        pendingLogin: { request: 1, since: 5 },
      });
      expect(next.actions).to.deep.equal([]);
    });
    it('CONNECTING + accepted → CONNECTED / LOGIN_SUCCESS, the session takes the link, login resolves', () => {
      expect(step(S.Connecting, events(epoch)[3])).to.deep.equal({
        state: S.Connected,
        reason: R.LoginSuccess,
        actions: [resume, { type: 'SETTLE', request: 7 }],
      });
    });
    it('CONNECTING + refused → DISCONNECTED / LOGIN_FAILURE, login rejects with the code, forgets the session', () => {
      expect(step(S.Connecting, { type: 'LOGIN_REFUSED', epoch, code: ErrorCode.InvalidToken })).to.deep.equal({
        state: S.Disconnected,
        reason: R.LoginFailure,
        actions: [{ type: 'SETTLE', request: 7, error: ErrorCode.InvalidToken }, forget],
      });
    });
    it('CONNECTING + 6 s → DISCONNECTED / LOGIN_TIMEOUT, login rejects TIMEOUT, the session is forgotten', () => {
      expect(step(S.Connecting, { type: 'LOGIN_TIMED_OUT', epoch })).to.deep.equal({
        state: S.Disconnected,
        reason: R.LoginTimeout,
        actions: [{ type: 'SETTLE', request: 7, error: ErrorCode.Timeout }, forget],
      });
    });
    it('CONNECTED + link down past the threshold → RECONNECTING / INTERRUPTED', () => {
      const down = transition(snapshots.CONNECTED, { type: 'LINK_DOWN', epoch, since: 1000 }).snapshot;
      expect(down).to.deep.include({ state: S.Connected, linkDownSince: 1000 });
      expect(transition(down, { type: 'INTERRUPTION_THRESHOLD', epoch }).snapshot).to.deep.include({
        state: S.Reconnecting,
        reason: R.Interrupted,
      });
    });
    it('CONNECTED + link restored before the threshold → nothing shows', () => {
      const down = transition(snapshots.CONNECTED, { type: 'LINK_DOWN', epoch, since: 1000 }).snapshot;
      const back = transition(down, { type: 'LINK_RESTORED', epoch }).snapshot;
      expect(transition(back, { type: 'INTERRUPTION_THRESHOLD', epoch }).snapshot).to.deep.include({
        state: S.Connected,
        reason: R.LoginSuccess,
      });
    });
    it('CONNECTED + remote login → ABORTED / REMOTE_LOGIN', () => {
      expect(step(S.Connected, { type: 'KICKED', epoch, reason: KickReason.RemoteLogin })).to.deep.include({
        state: S.Aborted,
        reason: R.RemoteLogin,
      });
    });
    it('CONNECTED + logout → DISCONNECTED / LOGOUT, the server is told, logout resolves, forgets the session', () => {
      expect(step(S.Connected, { type: 'LOGOUT', request: 9 })).to.deep.equal({
        state: S.Disconnected,
        reason: R.Logout,
        actions: [{ type: 'SEND_LOGOUT' }, { type: 'SETTLE', request: 9 }, forget],
      });
    });
    it('RECONNECTING + re-login → CONNECTED / LOGIN_SUCCESS, the session takes the link, no promise settled', () => {
      expect(step(S.Reconnecting, events(epoch)[3])).to.deep.equal({
        state: S.Connected,
        reason: R.LoginSuccess,
        actions: [resume],
      });
    });
    it('RECONNECTING + logout → DISCONNECTED / LOGOUT', () => {
      expect(step(S.Reconnecting, { type: 'LOGOUT', request: 9 })).to.deep.include({
        state: S.Disconnected,
        reason: R.Logout,
      });
    });
    it('RECONNECTING + token expired → same state, TokenExpired once per token', () => {
      const refused: ConnectionEvent = { type: 'LOGIN_REFUSED', epoch, code: ErrorCode.TokenExpired };
      const first = transition(snapshots.RECONNECTING, refused);
      expect(first.snapshot.state).to.equal(S.Reconnecting);
      expect(first.actions).to.deep.equal([{ type: 'EMIT_TOKEN_EXPIRED' }]);
      expect(transition(first.snapshot, refused).actions).to.deep.equal([]);
      const renewed = transition(first.snapshot, {
        type: 'TOKEN_RENEWED',
        token: 't2',
        tokenExpiresAt: undefined,
      }).snapshot;
      expect(transition(renewed, refused).actions).to.deep.equal([{ type: 'EMIT_TOKEN_EXPIRED' }]);
    });
    it('ABORTED + logout → DISCONNECTED / LOGOUT, and login works again', () => {
      const out = transition(snapshots.ABORTED, { type: 'LOGOUT', request: 9 }).snapshot;
      expect(out).to.deep.include({ state: S.Disconnected, reason: R.Logout });
      expect(transition(out, { type: 'LOGIN', request: 10, uid: 'alice', token: 't', at: 0 }).snapshot.state).to.equal(
        S.Connecting,
      );
    });
    it('ABORTED stays ABORTED whatever the link says', () => {
      for (const event of events(epoch).filter((e) => 'epoch' in e))
        expect(transition(snapshots.ABORTED, event).snapshot.state).to.equal(S.Aborted);
    });
    it('any logged-in state + ban → ABORTED / BANNED_BY_SERVER', () => {
      for (const state of [S.Connected, S.Reconnecting]) {
        expect(step(state, { type: 'KICKED', epoch, reason: KickReason.BannedByServer })).to.deep.include({
          state: S.Aborted,
          reason: R.BannedByServer,
        });
      }
    });
    it('login outside DISCONNECTED → ALREADY_LOGIN, nothing changes', () => {
      for (const state of [S.Connecting, S.Connected, S.Reconnecting, S.Aborted]) {
        const { snapshot, actions } = transition(snapshots[state], {
          type: 'LOGIN',
          request: 11,
          uid: 'x',
          token: 't',
          at: 0,
        });
        expect(snapshot).to.equal(snapshots[state]);
        expect(actions).to.deep.equal([{ type: 'SETTLE', request: 11, error: ErrorCode.AlreadyLogin }]);
      }
    });
    it('logout in DISCONNECTED resolves and changes nothing', () => {
      expect(transition(initialSnapshot, { type: 'LOGOUT', request: 12 })).to.deep.equal({
        snapshot: initialSnapshot,
        actions: [{ type: 'SETTLE', request: 12 }],
      });
    });
    it('logout in CONNECTING cancels the login', () => {
      expect(step(S.Connecting, { type: 'LOGOUT', request: 13 })).to.deep.equal({
        state: S.Disconnected,
        reason: R.Logout,
        actions: [
          { type: 'SETTLE', request: 7, error: ErrorCode.Canceled },
          { type: 'SEND_LOGOUT' },
          { type: 'SETTLE', request: 13 },
          forget,
        ],
      });
    });
  });
});
