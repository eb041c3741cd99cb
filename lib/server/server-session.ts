/**
 * A session as the node that holds it sees it: its socket (while attached),
 * when it was last heard, what it receives events for, and the buffer that
 * makes those events survive a dropped link.
 */
import { PeerStatus } from '../protocol/frames.js';
import { EventBuffer } from './event-buffer.js';
import type { Peer } from './peer.js';

/** How much a session may hold for a client whose link is down. */
export const EVENT_BUFFER = { maxEvents: 1000, maxBytes: 256 * 1024 } as const;

export class ServerSession {
  /** The socket carrying the session; attached only after the welcome went out. */
  peer: Peer | undefined;
  /** Monotonic time of the last frame received. */
  lastFrameAt: number;
  /** ONLINE while heard from within the unreachable threshold, then UNREACHABLE. */
  status: typeof PeerStatus.Online | typeof PeerStatus.Unreachable = PeerStatus.Online;
  tokenExpiresAt: number;
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
  readonly events = new EventBuffer(EVENT_BUFFER.maxEvents, EVENT_BUFFER.maxBytes);
  /** False once the session has ended on this node. */
  live = true;

  constructor(
    readonly id: string,
    readonly appId: string,
    readonly uid: string,
    now: number,
    tokenExpiresAt: number,
  ) {
    this.lastFrameAt = now;
    this.tokenExpiresAt = tokenExpiresAt;
  }

  /** Numbers and buffers an encoded event, and sends it if the socket is attached. */
  deliver(body: string): void {
    const text = this.events.add(body);
    this.peer?.sendText(text);
  }
}
