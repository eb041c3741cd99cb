/**
 * The server frames of the parts outside the client's entry (BEHAVIOUR §8.2), whose checks the client adds on
 * first use: specs that hold the client's reader to the schema add them all first, whatever ran before.
 */
import { CALL_FRAMES } from '../../lib/client/call-wire.js';
import { CHANNEL_ATTRIBUTE_FRAMES } from '../../lib/client/channel-attributes.js';
import { addServerFrames } from '../../lib/protocol/read-server-frame.js';

export function addPartFrames(): void {
  addServerFrames(CALL_FRAMES);
  addServerFrames(CHANNEL_ATTRIBUTE_FRAMES);
}
