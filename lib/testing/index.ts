/**
 * `rx-rtm/testing`: doubles for marble-testing code that uses an rx-rtm
 * client, on the same scheduler as the test.
 */
export {
  FakeRtmServer,
  FakeSession,
  FakeSocket,
  type FakeRtmServerOptions,
  type LoginAnswer,
  type RequestType,
} from './fake-rtm-server.js';
