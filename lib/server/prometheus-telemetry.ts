/**
 * The server's {@link Telemetry} as Prometheus metrics (prom-client), on a
 * registry of its own so that nothing else in the process can clash with or
 * leak into it. Used by the `rx-rtm-server` command; usable with
 * `startServer` directly.
 *
 * Every hot-path call is one counter increment. Label values are known in
 * advance (results, kick reasons, error codes), so each labelled series is
 * created at zero up front and its increment is bound once: the series
 * exist from the first scrape (`rate()` sees every one), and a call does
 * not build a label object.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { ErrorCode } from '../protocol/error-code.js';
import { KickReason } from '../protocol/frames.js';
import type { LoginResult, Telemetry } from './telemetry.js';

/** Names of the server's own metrics (Node's default metrics come beside them). */
export const MetricName = {
  sessions: 'rx_rtm_sessions',
  logins: 'rx_rtm_logins_total',
  kicks: 'rx_rtm_kicks_total',
  presenceExpiries: 'rx_rtm_presence_expiries_total',
  framesIn: 'rx_rtm_frames_in_total',
  framesOut: 'rx_rtm_frames_out_total',
  errors: 'rx_rtm_errors_total',
} as const;

export interface PrometheusTelemetryOptions {
  /** Where the metrics go; default a new registry. */
  registry?: Registry;
  /** Also collect Node's default metrics (process, heap, event loop, GC) into it; default true. */
  defaultMetrics?: boolean;
}

type Increment = () => void;

/**
 * One child per known label value, each created at zero;
 * unknown values (none, by the types) fall back to a labelled inc.
 */
function labelled<L extends string>(counter: Counter<L>, label: L, values: readonly string[]): (value: string) => void {
  const children = new Map<string, Increment>();
  for (const value of values) {
    const child = counter.labels({ [label]: value } as Record<L, string>);
    child.inc(0);
    children.set(value, () => child.inc());
  }
  return (value) => {
    const inc = children.get(value);
    if (inc) inc();
    else counter.inc({ [label]: value } as Record<L, string>);
  };
}

export class PrometheusTelemetry implements Telemetry {
  readonly registry: Registry;
  readonly frameIn: () => void;
  readonly frameOut: () => void;
  readonly login: (result: LoginResult) => void;
  readonly kicked: (reason: KickReason) => void;
  readonly expired: () => void;
  readonly error: (code: ErrorCode) => void;
  private sessions: () => number = () => 0;

  constructor(options: PrometheusTelemetryOptions = {}) {
    const registry = (this.registry = options.registry ?? new Registry());
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
    const registers = [registry];
    const errorCodes = Object.values(ErrorCode);

    const sessions = () => this.sessions();
    new Gauge({
      name: MetricName.sessions,
      help: 'Sessions this server holds: attached, or detached within their presence grace.',
      registers,
      collect() {
        this.set(sessions());
      },
    });
    const logins = new Counter({
      name: MetricName.logins,
      help:
        'Login attempts by result: created, resumed, superseded (an instance already replaced), ' +
        'or the refusal code.',
      labelNames: ['result'] as const,
      registers,
    });
    const kicks = new Counter({
      name: MetricName.kicks,
      help: 'Sessions ended by a kick, by reason.',
      labelNames: ['reason'] as const,
      registers,
    });
    const expiries = new Counter({
      name: MetricName.presenceExpiries,
      help: 'Sessions whose presence grace ran out.',
      registers,
    });
    const framesIn = new Counter({ name: MetricName.framesIn, help: 'WebSocket messages received.', registers });
    const framesOut = new Counter({ name: MetricName.framesOut, help: 'WebSocket messages sent.', registers });
    const errors = new Counter({
      name: MetricName.errors,
      help: 'Error codes sent to clients (fail, error and refused frames), by code.',
      labelNames: ['code'] as const,
      registers,
    });

    this.frameIn = () => framesIn.inc();
    this.frameOut = () => framesOut.inc();
    this.expired = () => expiries.inc();
    this.login = labelled(logins, 'result', ['created', 'resumed', 'superseded', ...errorCodes]);
    this.kicked = labelled(kicks, 'reason', Object.values(KickReason));
    this.error = labelled(errors, 'code', errorCodes);
  }

  /** Reports `server.sessionCount` as the sessions gauge, read at each scrape. */
  observe(server: { readonly sessionCount: number }): void {
    this.sessions = () => server.sessionCount;
  }

  /** The metrics in Prometheus text format. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
