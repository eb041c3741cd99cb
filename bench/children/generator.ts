/**
 * The load generator: many sessions over raw `ws`, each speaking exactly
 * the frames a real client sends, without the client's machinery (one
 * RtmClient per session would cost the generator more than the server).
 *
 * rx-rtm (and the bare `ws` server): `{"t":"login","app","uid","token","hb"}`
 * first, asking the server for a `ping` every heartbeat interval; each
 * ping is answered at once with `{"t":"pong"}`, with `"ack":<last seq>`
 * when events arrived since the last one, as lib/client/link.ts does. (A
 * server whose welcome has no `hb` is pinged by this process instead, the
 * way clients did before.) socket.io: the engine.io v4
 * protocol over a websocket (`/socket.io/?EIO=4&transport=websocket`), as
 * socket.io-client with `transports: ['websocket']` speaks it: wait for the
 * open packet, CONNECT the main namespace with `{uid, token}` as auth
 * (`40{…}`), and answer engine.io's pings (`2` → `3`), which are its
 * heartbeat: the harness sets its ping interval to the step's heartbeat.
 *
 * Messages (the `traffic` command): rx-rtm's `sendChannel` and
 * `sendPeer` frames (the bare `ws` server reads the same), or socket.io
 * events with an ack; each carries its sender's clock reading
 * (message-stamp.ts), and each message received is timed against it.
 *
 * Every server here pings (rx-rtm and bare ws when the login asks with
 * `hb`, socket.io by engine.io's ping): the samples are each ping's lateness
 * (how much longer than the interval it came after the previous one), the
 * delay a client's liveness sees, timed here on a monotonic clock, so they
 * include this process's own queueing (its CPU is reported beside them).
 * "pings" are the pings the sessions held were owed in the window, "pongs"
 * those that came. (A server that does not ping is pinged by this process,
 * and its samples are round trips.) All three are measured alike: round
 * trips of this process's own pings would depend on how its sessions'
 * timers happen to line up, which is how fast the ramp opened them.
 */
import { connect, type Socket } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { createToken } from '../../lib/server/token.js';
import {
  monotonicMs,
  type FromGenerator,
  type GeneratorConfig,
  type ToGenerator,
  type TrafficTarget,
} from '../harness/ipc.js';
import { readStamp, stampedPayload } from './message-stamp.js';

function loadConfig(): GeneratorConfig {
  const text = process.env.BENCH_GENERATOR;
  if (!text) throw new Error('BENCH_GENERATOR is not set: this file is started by the benchmark harness');
  return JSON.parse(text) as GeneratorConfig;
}
const config = loadConfig();

const send = (message: FromGenerator) => process.send?.(message);

const sio = config.kind === 'socket.io';
const url = sio ? `${config.url}socket.io/?EIO=4&transport=websocket` : config.url;
const protocols = sio ? undefined : ['rx-rtm.v1'];
/** The first bytes of frames, read without decoding them. */
const BRACE = 0x7b;
const PING = '{"t":"ping"}';
const PONG = '{"t":"pong"}';
/** How long a session waits for its welcome before it counts as failed. */
const LOGIN_DEADLINE_MS = 30_000;
const C = (s: string) => s.charCodeAt(0);
/** What precedes a message's payload: rx-rtm's (and bare ws's) `data` field, or socket.io's `msg` event argument. */
const PAYLOAD_MARKER = Buffer.from(sio ? '"msg","' : '"data":"');

class Samples {
  data = new Float64Array(1 << 16);
  length = 0;
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
  take(): Float64Array {
    const out = this.data.slice(0, this.length);
    this.length = 0;
    return out;
  }
}

type Phase = 'connecting' | 'up' | 'closed';

/** One session: a socket, its heartbeat and its pings in flight. */
class Session {
  phase: Phase = 'connecting';
  /** Event frames heard, which is the last seq, since seqs count from 1 without gaps. */
  events = 0;
  /** Send times of pings not yet answered, oldest first. */
  readonly inFlight: number[] = [];
  private heartbeat: NodeJS.Timeout | undefined;
  private loginDeadline: NodeJS.Timeout | undefined;
  /** The last request id (socket.io: ack id) this session used. */
  private requestId = 0;
  /** The last seq a ping or pong acknowledged. */
  private acknowledged = 0;
  /** When the server's last ping arrived, while the server pings (0: none yet). */
  private lastPingAt = 0;
  /** Closed by this process (not a loss). */
  dropping = false;
  /** Request replies awaited, oldest first (join/leave answers come in order). */
  readonly replies: Array<(ok: boolean) => void> = [];
  /** Arrival of the event that `expect` asked for (0: not yet). */
  heardAt = 0;
  readonly ws: WebSocket;

  constructor(
    readonly uid: string,
    localAddress: string,
    private readonly onUp: (session: Session) => void,
    private readonly onFail: (session: Session, why: string) => void,
    private readonly onLost: (session: Session, why: string) => void,
  ) {
    const token = createToken({ appId: config.app, appSecret: config.secret, uid, expiresInSeconds: 24 * 3600 });
    this.ws = new WebSocket(url, protocols, {
      localAddress,
      perMessageDeflate: false,
      skipUTF8Validation: true,
      handshakeTimeout: 60_000,
    });
    const ws = this.ws;
    // A server too busy to answer must not hold the ramp up for ever: a login not answered in time failed.
    this.loginDeadline = setTimeout(() => this.fail('no welcome within 30 s'), LOGIN_DEADLINE_MS);
    ws.on('open', () => {
      if (!sio) ws.send(JSON.stringify({ t: 'login', app: config.app, uid, token, hb: config.heartbeatMs }));
    });
    ws.on('message', (data: Buffer) => this.receive(data, token));
    ws.on('error', (error) => {
      if (this.phase === 'connecting') this.fail(`error: ${error.message}`);
    });
    ws.on('close', (code) => {
      const was = this.phase;
      this.phase = 'closed';
      clearTimeout(this.loginDeadline);
      this.stopHeartbeat();
      for (const reply of this.replies.splice(0)) reply(false);
      if (this.dropping) return;
      if (was === 'connecting') this.onFail(this, `closed before welcome: ${code}`);
      else if (was === 'up') this.onLost(this, `closed: ${code}`);
    });
  }

  private fail(why: string): void {
    if (this.phase !== 'connecting') return;
    clearTimeout(this.loginDeadline);
    this.phase = 'closed';
    this.dropping = true;
    this.ws.terminate();
    this.onFail(this, why);
  }

  /** `serverPings`: the welcome says the server will ping (`hb`), so this session only answers. */
  private up(serverPings: boolean): void {
    if (this.phase !== 'connecting') return;
    clearTimeout(this.loginDeadline);
    this.phase = 'up';
    if (serverPings) pinged.add(this);
    else this.heartbeat = setInterval(() => this.ping(), config.heartbeatMs);
    this.onUp(this);
  }

  /** The server's ping: a pong at once, and its lateness is the sample. */
  private pinged(): void {
    const at = monotonicMs();
    if (this.lastPingAt !== 0 && measuring) rtt.push(Math.max(0, at - this.lastPingAt - config.heartbeatMs));
    this.lastPingAt = at;
    pongs++;
    if (sio) this.ws.send('3');
    else if (this.events > this.acknowledged) {
      this.ws.send(`{"t":"pong","ack":${this.events}}`);
      this.acknowledged = this.events;
    } else this.ws.send(PONG);
  }

  private ping(): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (this.inFlight.length < 16) this.inFlight.push(monotonicMs());
    pings++;
    if (this.events > this.acknowledged) {
      // As lib/client/link.ts: acknowledge only news; a quiet session's ping is the bare frame.
      this.ws.send(`{"t":"ping","ack":${this.events}}`);
      this.acknowledged = this.events;
    } else this.ws.send(PING);
  }

  private pong(): void {
    const sentAt = this.inFlight.shift();
    pongs++;
    if (sentAt !== undefined && measuring) rtt.push(monotonicMs() - sentAt);
  }

  private receive(data: Buffer, token: string): void {
    if (sio) {
      const first = data[0];
      if (first === C('2')) {
        if (this.phase === 'up') this.pinged();
        else this.ws.send('3');
      } else if (first === C('4')) {
        const second = data[1];
        if (second === C('3')) this.replies.shift()?.(true);
        else if (second === C('0')) this.up(true);
        else if (second === C('4')) this.fail(`refused: ${data.toString()}`);
        else if (second === C('2')) this.message(data);
      } else if (first === C('0')) this.ws.send(`40${JSON.stringify({ uid: this.uid, token })}`);
      return;
    }
    if (data[0] !== BRACE) return;
    switch (data[6]) {
      case C('p'): // ping, pong or peerMessage (event)
        if (data[7] === C('i')) return this.pinged();
        if (data[7] === C('o')) return this.pong();
        this.events++;
        return this.message(data);
      case C('c'): // channelMessage (event)
        this.events++;
        return this.message(data);
      case C('s'): // sent (a message's answer) or status (event)
        if (data[7] === C('e')) {
          this.replies.shift()?.(true);
          return;
        }
        this.events++;
        return this.event(data);
      case C('m'): // member (event)
        this.events++;
        return this.event(data);
      case C('w'): // welcome
        return this.up(data.includes('"hb":'));
      case C('j'): // joined
      case C('d'): // done
        this.replies.shift()?.(true);
        return;
      case C('f'): // fail
        if (!complained) console.error(`generator: a request failed: ${data.toString()}`);
        complained = true;
        this.replies.shift()?.(false);
        return;
      case C('r'): // refused
        return this.fail(`refused: ${data.toString()}`);
      case C('e'): // error: this generator sent something the server did not accept
        if (!complained) console.error(`generator: the server answered ${data.toString()}`);
        complained = true;
        return;
      default:
        return;
    }
  }

  /** A message (traffic): its latency from the stamp its sender put in it. */
  private message(data: Buffer): void {
    if (!traffic.recording) return;
    const at = monotonicMs();
    traffic.received++;
    traffic.latencies.push(at - readStamp(data, PAYLOAD_MARKER));
  }

  /** Sends one stamped message to `to` (a peer: `peerPrefix` + `index`); its answer is timed. */
  sendMessage(to: TrafficTarget, index: number, bytes: number): void {
    if (this.ws.readyState !== WebSocket.OPEN) {
      traffic.refused++;
      return;
    }
    const sentAt = monotonicMs();
    const data = stampedPayload(sentAt, bytes);
    const id = ++this.requestId;
    const target = 'channel' in to ? to.channel : `${to.peerPrefix}${index}`;
    this.replies.push((ok) => {
      if (!ok) traffic.refused++;
      else if (traffic.recording) traffic.answers.push(monotonicMs() - sentAt);
    });
    if (sio) this.ws.send(`42${id}${JSON.stringify(['channel' in to ? 'send' : 'peer', target, data])}`);
    else if ('channel' in to)
      this.ws.send(`{"t":"sendChannel","id":${id},"channel":${JSON.stringify(target)},"type":"TEXT","data":"${data}"}`);
    else this.ws.send(`{"t":"sendPeer","id":${id},"to":${JSON.stringify(target)},"type":"TEXT","data":"${data}"}`);
  }

  /** Joins `channel` (socket.io: the room, with an ack); resolves with the answer. */
  join(channel: string): Promise<boolean> {
    const id = ++this.requestId;
    return this.request(
      sio ? `42${id}${JSON.stringify(['join', channel])}` : JSON.stringify({ t: 'join', id, channel }),
    );
  }

  private event(data: Buffer): void {
    if (!expected || this.heardAt !== 0) return;
    const at = monotonicMs();
    const frame = JSON.parse(data.toString()) as { uid?: string; joined?: boolean };
    if (frame.uid === expected.uid && frame.joined === expected.joined) {
      this.heardAt = at;
      arrivals.push(at);
    }
  }

  /** Sends a request and resolves when its answer (or the socket's end) comes. */
  request(text: string): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.ws.readyState !== WebSocket.OPEN) return resolve(false);
      this.replies.push(resolve);
      this.ws.send(text);
    });
  }

  stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    pinged.delete(this);
  }

  /**
   * Ends the session without a close handshake, with a TCP reset, so no
   * port of the source address is left in TIME_WAIT for the next step.
   */
  drop(): void {
    this.dropping = true;
    this.stopHeartbeat();
    const socket = (this.ws as unknown as { _socket?: Socket })._socket;
    if (socket && !socket.destroyed) socket.resetAndDestroy();
    else this.ws.terminate();
  }
}

const LOOP_DELAY_RESOLUTION_MS = 10;
/** This process's own event-loop delay: a round trip includes it. */
const loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
loopDelay.enable();

const sessions: Session[] = [];
let opened = 0;
let failed = 0;
let lost = 0;
const lostReasons: Record<string, number> = {};
let firstFailure: string | undefined;
let pings = 0;
let pongs = 0;
/** Sessions the server pings: they are owed a ping per interval. */
const pinged = new Set<Session>();
let measuring = false;
const rtt = new Samples();
const arrivals = new Samples();
let expected: { uid: string; joined: boolean } | undefined;
let nextUid = 0;
let nextAddress = 0;
let complained = false;
/** Message traffic: what is noted while `recording` (the window of a `traffic` command). */
const traffic = { recording: false, received: 0, refused: 0, latencies: new Samples(), answers: new Samples() };

const localAddress = () => config.localAddresses[nextAddress++ % config.localAddresses.length];
const noteLost = (_session: Session, why: string) => {
  lost++;
  lostReasons[why] = (lostReasons[why] ?? 0) + 1;
};

/** Opens `count` sessions, `concurrency` in the handshake at once; resolves when all are up or failed. */
function open(count: number, concurrency: number, deadlineMs: number): Promise<void> {
  return new Promise((resolve) => {
    let started = 0;
    let settled = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      resolve();
    };
    // Past the deadline no session is started, and those still waiting count as failed.
    const deadline = setTimeout(() => {
      const waiting = sessions.filter((s) => s.phase === 'connecting');
      for (const session of waiting) session.drop();
      failed += waiting.length + (count - started);
      firstFailure ??= `the ramp did not finish within ${Math.round(deadlineMs / 1000)} s`;
      finish();
    }, deadlineMs);
    const settle = () => {
      settled++;
      if (done) return;
      if (started < count) start();
      else if (settled === count) finish();
    };
    const start = () => {
      started++;
      const session = new Session(
        `${config.uidPrefix}${nextUid++}`,
        localAddress(),
        () => {
          opened++;
          settle();
        },
        (_s, why) => {
          failed++;
          firstFailure ??= why;
          settle();
        },
        noteLost,
      );
      sessions.push(session);
    };
    if (count === 0) return finish();
    for (let i = 0; i < Math.min(concurrency, count); i++) start();
  });
}

/**
 * Log in, be welcomed, drop: as many as possible in `ms`, `concurrency` at
 * a time. These sessions speak WebSocket over plain TCP with a fixed
 * handshake (same request line, headers and frames as `ws` sends, a
 * constant key, the accept header not checked, a zero mask): a `ws` client
 * costs about as much CPU per connection as the server it measures, and on
 * two cores the generator would set the pace.
 */
function logins(ms: number, concurrency: number): Promise<FromGenerator> {
  const target = new URL(url);
  const path = `${target.pathname}${target.search}`;
  const request = Buffer.from(
    `GET ${path} HTTP/1.1\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n` +
      'Connection: Upgrade\r\nUpgrade: websocket\r\n' +
      (protocols ? `Sec-WebSocket-Protocol: ${protocols.join(', ')}\r\n` : '') +
      `Host: ${target.host}\r\n\r\n`,
  );
  return new Promise((resolve) => {
    const latencies = new Samples();
    let count = 0;
    let bad = 0;
    let failure: string | undefined;
    let active = 0;
    const end = monotonicMs() + ms;
    const next = () => {
      if (monotonicMs() >= end) {
        if (active === 0)
          resolve({ type: 'logins', count, failed: bad, latencies: latencies.take(), firstFailure: failure });
        return;
      }
      active++;
      const startedAt = monotonicMs();
      const uid = `${config.uidPrefix}l${nextUid++}`;
      const token = createToken({ appId: config.app, appSecret: config.secret, uid, expiresInSeconds: 24 * 3600 });
      let settled = false;
      const settle = (why?: string) => {
        if (settled) return;
        settled = true;
        if (why === undefined) {
          count++;
          latencies.push(monotonicMs() - startedAt);
        } else {
          bad++;
          failure ??= why;
        }
        socket.destroy();
        active--;
        // The next handshake on the next turn, not inside this socket's callbacks.
        setImmediate(next);
      };
      // No source address: the kernel then picks the port at connect time, reusing ports in TIME_WAIT on
      // loopback (tcp_tw_reuse), while a bound source address would run out of them at these rates.
      const socket = connect({ host: target.hostname, port: Number(target.port), noDelay: true });
      let upgraded = false;
      let pending: Buffer = Buffer.alloc(0);
      socket.on('connect', () => socket.write(request));
      socket.on('error', (error) => settle(`error: ${error.message}`));
      socket.on('close', () => settle('closed before welcome'));
      socket.on('data', (chunk: Buffer) => {
        pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
        if (!upgraded) {
          const headEnd = pending.indexOf('\r\n\r\n');
          if (headEnd < 0) return;
          if (!pending.subarray(0, 13).toString().startsWith('HTTP/1.1 101'))
            return settle(`handshake: ${pending.subarray(0, pending.indexOf('\r\n')).toString()}`);
          upgraded = true;
          pending = pending.subarray(headEnd + 4);
          if (!sio) socket.write(clientFrame(JSON.stringify({ t: 'login', app: config.app, uid, token })));
        }
        for (;;) {
          const frame = serverFrame(pending);
          if (!frame) return;
          pending = pending.subarray(frame.length);
          const text = frame.text;
          if (sio) {
            if (text.startsWith('0')) socket.write(clientFrame(`40${JSON.stringify({ uid, token })}`));
            else if (text.startsWith('40')) return settle();
            else if (text.startsWith('44')) return settle(`refused: ${text}`);
          } else if (text.startsWith('{"t":"welcome"')) return settle();
          else if (text.startsWith('{"t":"refused"')) return settle(`refused: ${text}`);
        }
      });
    };
    for (let i = 0; i < concurrency; i++) next();
  });
}

/** A text frame as a client sends it: masked, with a zero mask (RFC 6455 lets the key be any value). */
function clientFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const n = payload.length;
  const header =
    n < 126 ? Buffer.from([0x81, 0x80 | n, 0, 0, 0, 0]) : Buffer.from([0x81, 0x80 | 126, n >> 8, n & 0xff, 0, 0, 0, 0]);
  return Buffer.concat([header, payload]);
}

/** The first whole (unmasked, unfragmented) server frame in `data`, if there is one. */
function serverFrame(data: Buffer): { length: number; text: string } | undefined {
  if (data.length < 2) return undefined;
  let n = data[1] & 0x7f;
  let at = 2;
  if (n === 126) {
    if (data.length < 4) return undefined;
    n = data.readUInt16BE(2);
    at = 4;
  } else if (n === 127) {
    if (data.length < 10) return undefined;
    n = Number(data.readBigUInt64BE(2));
    at = 10;
  }
  if (data.length < at + n) return undefined;
  return { length: at + n, text: data.subarray(at, at + n).toString() };
}

/** Every session joins `channel`, `concurrency` joins in flight at once. */
async function joinAll(channel: string, concurrency: number): Promise<{ ok: number; failed: number }> {
  let ok = 0;
  let bad = 0;
  let at = 0;
  const up = sessions.filter((s) => s.phase === 'up');
  const worker = async () => {
    while (at < up.length) {
      const session = up[at++];
      if (await session.join(channel)) ok++;
      else bad++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, up.length) }, worker));
  return { ok, failed: bad };
}

/** How often due messages are sent. */
const SEND_TICK_MS = 5;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends the traffic a `traffic` command asks for and notes what arrives in its window. */
async function runTraffic(command: Extract<ToGenerator, { type: 'traffic' }>): Promise<FromGenerator> {
  const senders = sessions.slice(0, command.senders);
  traffic.received = 0;
  traffic.refused = 0;
  traffic.latencies.take();
  traffic.answers.take();
  loopDelay.reset();
  const perMs = (senders.length * command.perSecond) / 1000;
  const started = monotonicMs();
  const end = started + command.warmupMs + command.ms;
  let sent = 0;
  // Sends fall due evenly over time, and go round the senders so each sends at its own even pace.
  const tick = () => {
    const due = Math.floor((Math.min(monotonicMs(), end) - started) * perMs);
    for (; sent < due; sent++)
      senders[sent % senders.length].sendMessage(command.to, sent % senders.length, command.bytes);
  };
  const timer = senders.length > 0 ? setInterval(tick, SEND_TICK_MS) : undefined;
  await sleep(command.warmupMs);
  traffic.recording = true;
  await sleep(command.ms);
  traffic.recording = false;
  clearInterval(timer);
  return {
    type: 'traffic',
    sent,
    refused: traffic.refused,
    received: traffic.received,
    latencies: traffic.latencies.take(),
    answers: traffic.answers.take(),
    loopDelayP99Ms: Math.max(0, loopDelay.percentile(99) / 1e6 - LOOP_DELAY_RESOLUTION_MS),
  };
}

process.on('message', (message: ToGenerator) => {
  void handle(message).catch((error: unknown) => {
    console.error('generator:', error);
    process.exit(1);
  });
});
process.on('disconnect', () => process.exit(0));

async function handle(message: ToGenerator): Promise<void> {
  switch (message.type) {
    case 'open': {
      const started = monotonicMs();
      const progress = setInterval(() => send({ type: 'progress', open: opened, failed }), 1000);
      await open(message.count, message.concurrency, message.deadlineMs);
      clearInterval(progress);
      send({ type: 'opened', open: opened, failed, ms: monotonicMs() - started, firstFailure });
      return;
    }
    case 'measure': {
      rtt.take();
      loopDelay.reset();
      const pings0 = pings;
      const pongs0 = pongs;
      measuring = true;
      await sleep(message.ms);
      measuring = false;
      pings += Math.round((pinged.size * message.ms) / config.heartbeatMs);
      const held = sessions.reduce((n, s) => n + (s.phase === 'up' ? 1 : 0), 0);
      const loopDelayP99Ms = Math.max(0, loopDelay.percentile(99) / 1e6 - LOOP_DELAY_RESOLUTION_MS);
      const loopDelayMaxMs = Math.max(0, loopDelay.max / 1e6 - LOOP_DELAY_RESOLUTION_MS);
      send({
        type: 'measured',
        rtt: rtt.take(),
        pings: pings - pings0,
        pongs: pongs - pongs0,
        held,
        lost,
        failed,
        lostReasons,
        loopDelayP99Ms,
        loopDelayMaxMs,
      });
      return;
    }
    case 'logins':
      send(await logins(message.ms, message.concurrency));
      return;
    case 'join': {
      const started = monotonicMs();
      const result = await joinAll(message.channel, message.concurrency);
      send({
        type: 'joined',
        ...result,
        ms: monotonicMs() - started,
        events: sessions.reduce((n, s) => n + s.events, 0),
      });
      return;
    }
    case 'expect':
      expected = { uid: message.uid, joined: message.joined };
      arrivals.take();
      for (const session of sessions) session.heardAt = 0;
      send({ type: 'expecting' });
      return;
    case 'collect': {
      const pending = sessions.reduce((n, s) => n + (s.phase === 'up' && s.heardAt === 0 ? 1 : 0), 0);
      send({ type: 'collected', arrivals: arrivals.take(), pending });
      return;
    }
    case 'act': {
      const subject = sessions.find((s) => s.phase === 'up');
      if (!subject) throw new Error('act: no session is up');
      const sentAt = monotonicMs();
      const ok = await subject.request(JSON.stringify({ t: message.action, id: 2, channel: message.channel }));
      if (!ok) throw new Error(`act: ${message.action} failed`);
      send({ type: 'acted', sentAt, repliedAt: monotonicMs() });
      return;
    }
    case 'traffic':
      send(await runTraffic(message));
      return;
    case 'close': {
      for (const session of sessions) session.drop();
      sessions.length = 0;
      send({ type: 'closed', lost });
      return;
    }
  }
}

send({ type: 'ready' });
