/**
 * Every message a real client received, peer and channel alike, in arrival order, with what the
 * app is told about each (sender, the server's acceptance time, the offline flag): for integration
 * tests of BEHAVIOUR §7 that compare exact outcomes, not counts.
 */
import type { RtmClient } from '../../lib/node.js';
import type { RtmMessage } from '../../lib/client/rtm-message.js';
import { sleep } from './state-recorder.js';

export interface Received {
  readonly message: RtmMessage;
  readonly from: string;
  /** `serverReceivedTs`. */
  readonly ts: number;
  /** `isOfflineMessage`; false for channel messages. */
  readonly offline: boolean;
  /** The channel, or undefined for a peer message. */
  readonly channel: string | undefined;
}

export class MessageInbox {
  readonly got: Received[] = [];

  /** Listens to `client`'s peer messages and to those of each of `channels` (created here, not joined). */
  constructor(client: RtmClient, channels: readonly string[] = []) {
    client.messageFromPeer$.subscribe(({ message, peerId, serverReceivedTs, isOfflineMessage }) =>
      this.got.push({ message, from: peerId, ts: serverReceivedTs, offline: isOfflineMessage, channel: undefined }),
    );
    for (const channel of channels)
      client
        .createChannel(channel)
        .message$.subscribe(({ message, memberId, serverReceivedTs }) =>
          this.got.push({ message, from: memberId, ts: serverReceivedTs, offline: false, channel }),
        );
  }

  /** Each message as `from:text` (a channel message as `channel/from:text`; a raw one's text is `<raw>`). */
  get texts(): string[] {
    return this.got.map(({ message, from, channel }) => {
      const text = message.messageType === 'TEXT' ? message.text : `<${message.messageType.toLowerCase()}>`;
      return `${channel === undefined ? '' : `${channel}/`}${from}:${text}`;
    });
  }

  /** Resolves once `count` messages arrived, then waits `settleMs` more for any that should not come. */
  async count(count: number, timeoutMs: number, settleMs = 300): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.got.length < count) {
      if (Date.now() > deadline) throw new Error(`${this.got.length} of ${count} messages: ${this.texts.join(', ')}`);
      await sleep(20);
    }
    await sleep(settleMs);
  }
}
