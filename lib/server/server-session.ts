/**
 * A session as the node that holds it sees it: its socket (while attached),
 * when it was last heard, what it receives events for, and the buffer that
 * makes those events survive a dropped link.
 */
import { encodeEventBody, type EventBody } from '../protocol/encode.js';
import { ChannelAttributeRates } from '../protocol/channel-attribute-limits.js';
import { RateLimits } from '../protocol/limits.js';
import type { Handoff } from '../store/presence-store.js';
import { SlidingWindow } from '../protocol/sliding-window.js';
import { EventBuffer } from './event-buffer.js';
import type { CallSession } from './invitation-desk.js';
import type { Peer } from './peer.js';
import { SessionPhase, type SessionSnapshot } from './session-life.js';

/** How much a session may hold for a client whose link is down. */
export interface EventBufferBounds {
  readonly maxEvents: number;
  readonly maxBytes: number;
}

/**
 * The default bounds: room for messages (BEHAVIOUR §7). One sender at the full
 * rate of 32 KB messages (180 in 3 s, 7.9 MB in base64) fills it in about
 * 3 s; 5 000 small messages are 28 s of one sender at full rate.
 */
export const EVENT_BUFFER: EventBufferBounds = { maxEvents: 5000, maxBytes: 8 * 1024 * 1024 };

export class ServerSession implements SessionSnapshot, CallSession {
  /** The socket carrying the session; attached only after the welcome went out. */
  peer: Peer | undefined;
  /** Monotonic time of the last frame received. */
  lastFrameAt: number;
  /** Where the session is in its life (session-life.ts); only the registry moves it. */
  phase: SessionPhase = SessionPhase.Online;
  tokenExpiresAt: number;
  /** The ping-wheel slot (ping-wheel.ts) that pings it; undefined: the client pings, the server answers. */
  pingSlot: Set<ServerSession> | undefined;
  /** Channels joined, mirrored from the store so the node can index and clean up without asking it. */
  private channelSet: Set<string> | undefined;
  /** Created on first use: most sessions never join a channel. */
  get channels(): Set<string> {
    return (this.channelSet ??= new Set());
  }
  /** Uids whose online status this session is subscribed to. */
  private subscriptionSet: Set<string> | undefined;
  /** Created on first use: most sessions never subscribe. */
  get subscriptions(): Set<string> {
    return (this.subscriptionSet ??= new Set());
  }
  /** Messages sent in the last 3 s (BEHAVIOUR §7), exactly, as the client counts them; created on first use. */
  private messageWindow: SlidingWindow | undefined;
  get messageRate(): SlidingWindow {
    return (this.messageWindow ??= new SlidingWindow(RateLimits.messages));
  }

  /**
   * Member count queries in the last second (BEHAVIOUR §5.6), exactly: at one a
   * second, the estimate of request-limits.ts would refuse a client keeping to it.
   */
  private countWindow: SlidingWindow | undefined;
  get memberCountRate(): SlidingWindow {
    return (this.countWindow ??= new SlidingWindow(ChannelAttributeRates.memberCount));
  }
  readonly events: EventBuffer;

  constructor(
    readonly id: string,
    readonly appId: string,
    readonly uid: string,
    now: number,
    tokenExpiresAt: number,
    { maxEvents, maxBytes }: EventBufferBounds = EVENT_BUFFER,
  ) {
    this.events = new EventBuffer(maxEvents, maxBytes);
    this.lastFrameAt = now;
    this.tokenExpiresAt = tokenExpiresAt;
  }

  /** False once the session has ended on this node. */
  get live(): boolean {
    return this.phase !== SessionPhase.Ended;
  }

  /** Numbers and buffers an encoded event, and sends it if the socket is attached. */
  deliver(body: string): void {
    const text = this.events.add(body);
    if (text !== undefined) this.peer?.sendText(text);
  }

  /**
   * What this node hands over when the session moves to another node whose
   * client saw events up to `seq` (BEHAVIOUR §7); undefined if some of the
   * later ones are lost already.
   */
  handoff(seq: number): Handoff | undefined {
    const { gap, events } = this.events.since(seq);
    return gap ? undefined : { seq: seq + events.length, events, subscriptions: [...(this.subscriptionSet ?? [])] };
  }

  /** {@link deliver} for one session's event: call invitations (invitation-desk.ts). */
  deliverEvent(event: EventBody): void {
    this.deliver(encodeEventBody(event));
  }

  get attached(): boolean {
    return this.peer !== undefined;
  }
}
