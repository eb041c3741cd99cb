/**
 * `rx-rtm/channel-attributes`: channel attributes and member counts (BEHAVIOUR §5.6), apart from the client's
 * entry so that an app without them does not carry their code: `channelAttributes(client)` gives a client's.
 *
 * @module rx-rtm/channel-attributes
 */
export {
  channelAttributes,
  ChannelAttributeCalls,
  type ChannelAttribute,
  type ChannelAttributeOptions,
  type ChannelAttributes,
} from './client/channel-attributes.js';
