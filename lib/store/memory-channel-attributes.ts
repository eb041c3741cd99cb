/**
 * The channel attributes of one app in the memory store (BEHAVIOUR §5.6): kept
 * while the channel has members and for {@link EMPTY_CHANNEL_ATTRIBUTES_MS}
 * after it has none (its last member left, or a write to it while it had
 * none), then dropped, as a Redis key expires.
 */
import { applyChannelAttributeOp, type ChannelAttributeWrite } from '../protocol/channel-attribute-op.js';
import type { WireChannelAttribute } from '../protocol/frames.js';
import type { Refusal } from '../protocol/refusal.js';
import { EMPTY_CHANNEL_ATTRIBUTES_MS } from './presence-store.js';

interface Kept {
  attributes: Map<string, WireChannelAttribute>;
  /** When the channel was last found without members (absent: it has some). */
  emptySince?: number;
}

export class MemoryChannelAttributes {
  private readonly channels = new Map<string, Kept>();

  constructor(private readonly now: () => number) {}

  /** Applies `write`; the new attributes, or the refusal (nothing changed). */
  write(
    channel: string,
    write: ChannelAttributeWrite,
    hasMembers: boolean,
  ): Map<string, WireChannelAttribute> | Refusal {
    this.sweep();
    const next = applyChannelAttributeOp(this.channels.get(channel)?.attributes ?? new Map(), write);
    if (!(next instanceof Map)) return next;
    if (next.size === 0) this.channels.delete(channel);
    else this.channels.set(channel, { attributes: next, ...(hasMembers ? {} : { emptySince: this.now() }) });
    return next;
  }

  read(channel: string): ReadonlyMap<string, WireChannelAttribute> {
    this.sweep();
    return this.channels.get(channel)?.attributes ?? new Map<string, WireChannelAttribute>();
  }

  /** The channel's first member joined: its attributes stay as long as it has members. */
  joined(channel: string): void {
    const kept = this.channels.get(channel);
    if (kept) delete kept.emptySince;
  }

  /** The channel's last member left: its attributes go in {@link EMPTY_CHANNEL_ATTRIBUTES_MS}. */
  emptied(channel: string): void {
    const kept = this.channels.get(channel);
    if (kept) kept.emptySince = this.now();
  }

  /** Drops the attributes of channels empty for too long (writes are rate-limited, so this stays cheap). */
  private sweep(): void {
    const now = this.now();
    for (const [channel, { emptySince }] of this.channels)
      if (emptySince !== undefined && now - emptySince >= EMPTY_CHANNEL_ATTRIBUTES_MS) this.channels.delete(channel);
  }
}
