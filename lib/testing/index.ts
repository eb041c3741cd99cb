/**
 * `rx-rtm/testing`: doubles for marble-testing code that uses an rx-rtm
 * client, on the same scheduler as the test.
 *
 * @module rx-rtm/testing
 */
export {
  FakeRtmServer,
  FakeSession,
  FakeSocket,
  type EventFrame,
  type FakeRtmServerOptions,
  type Handler as FakeSocketHandler,
  type LoginAnswer,
  type RequestType,
} from './fake-rtm-server.js';
export type { EventBody } from '../protocol/codec.js';
export type { ClientFrame, ServerFrame } from '../protocol/frames.js';
