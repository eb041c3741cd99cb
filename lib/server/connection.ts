/**
 * One client connection: decodes its frames, speaks for it to the session
 * registry, and answers every bad frame with an error frame for this
 * connection only. Nothing a client sends can throw out of here.
 */
import { decodeClientFrame } from '../protocol/codec.js';
import { CloseCode } from '../protocol/close-code.js';
import { ErrorCode } from '../protocol/error-code.js';
import type { ClientFrame } from '../protocol/frames.js';
import type { Peer } from './peer.js';
import type { Session, SessionRegistry } from './session-registry.js';

export class Connection {
  private session: Session | undefined;
  /** Set once this connection has closed its socket: frames still in flight are ignored. */
  private closing = false;

  constructor(
    private readonly peer: Peer,
    private readonly registry: SessionRegistry,
    private readonly clock: { wall(): number },
  ) {}

  /** True once a login succeeded on this connection. */
  get loggedIn(): boolean {
    return this.session !== undefined;
  }

  receive(data: unknown): void {
    if (this.closing) return;
    if (this.session) this.registry.heard(this.session);
    const decoded = decodeClientFrame(data);
    if (!decoded.ok) {
      this.peer.send({ t: 'error', code: ErrorCode.ProtocolError, message: decoded.problem });
      return;
    }
    this.handle(decoded.frame);
  }

  /** The socket closed: the session, if any, starts its grace. */
  closed(): void {
    if (this.session) this.registry.detach(this.session, this.peer);
  }

  private handle(frame: ClientFrame): void {
    if (frame.t === 'login') return this.login(frame);
    const session = this.session;
    if (!session || !this.registry.isLive(session)) {
      this.peer.send({ t: 'error', code: ErrorCode.NotLoggedIn, message: `'${frame.t}' before login` });
      return;
    }
    switch (frame.t) {
      case 'ping':
        this.peer.send({ t: 'pong' });
        return;
      case 'renew': {
        const result = this.registry.renew(session, frame.token);
        this.peer.send(
          result.ok
            ? { t: 'renewed', id: frame.id, tokenExpiresInMs: result.expiresAt - this.clock.wall() }
            : { t: 'fail', id: frame.id, code: result.code, message: `renewToken refused: ${result.code}` },
        );
        return;
      }
      case 'logout':
        this.session = undefined;
        this.closing = true;
        this.registry.logout(session);
        return;
    }
  }

  private login(frame: Extract<ClientFrame, { t: 'login' }>): void {
    if (this.session) {
      this.peer.send({ t: 'error', code: ErrorCode.AlreadyLogin, message: 'this connection is logged in already' });
      return;
    }
    const outcome = this.registry.login(this.peer, {
      appId: frame.app,
      uid: frame.uid,
      token: frame.token,
      resume: frame.session,
    });
    if (outcome.ok) {
      this.session = outcome.session;
      this.peer.send({
        t: 'welcome',
        session: outcome.session.id,
        resumed: outcome.resumed,
        tokenExpiresInMs: outcome.session.tokenExpiresAt - this.clock.wall(),
      });
    } else if ('kicked' in outcome) {
      this.closing = true;
      this.peer.send({ t: 'kicked', reason: outcome.kicked });
      this.peer.close(CloseCode.Kicked, outcome.kicked);
    } else {
      this.closing = true;
      this.peer.send({ t: 'refused', code: outcome.code, message: outcome.message });
      this.peer.close(CloseCode.LoginRefused, outcome.code);
    }
  }
}
