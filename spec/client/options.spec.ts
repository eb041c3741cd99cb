/**
 * The client's options (lib/client/options.ts): defaults filled in, and every setting that could not work refused
 * with INVALID_ARGUMENT before anything starts.
 */
import { expect } from 'chai';
import { asyncScheduler } from 'rxjs';
import { clientSettings, LONGEST_WAIT_MS, type RtmClientOptions } from '../../lib/client/options.js';
import { RtmError } from '../../lib/protocol/rtm-error.js';
import { WebSocket } from 'ws';
import type { WebSocketConstructor } from '../../lib/client/link.js';

const base: RtmClientOptions = { url: 'ws://rtm.test/', appId: 'app' };
const platform: WebSocketConstructor = WebSocket;

/** The code and message `clientSettings` throws with these options, or `undefined` if it takes them. */
function refusal(options: RtmClientOptions, platformWebSocket: WebSocketConstructor | undefined) {
  try {
    clientSettings(options, platformWebSocket);
  } catch (error) {
    expect(error).to.be.instanceOf(RtmError);
    return { code: (error as RtmError).code, message: (error as RtmError).message };
  }
  return undefined;
}

describe('client options', () => {
  it("fills in BEHAVIOUR §3's durations, the platform's WebSocket, the async scheduler and Math.random", () => {
    expect(clientSettings(base, platform)).to.deep.equal({
      url: 'ws://rtm.test/',
      appId: 'app',
      WebSocket: platform,
      scheduler: asyncScheduler,
      random: Math.random,
      loginTimeoutMs: 6_000,
      interruptionThresholdMs: 4_000,
      heartbeatIntervalMs: 1_000,
      tokenWarningMs: 30_000,
      requestTimeoutMs: 10_000,
      reconnect: { minDelayMs: 500, maxDelayMs: 15_000 },
    });
  });

  it('refuses a URL that is not ws:// or wss://, and no WebSocket at all', () => {
    const badUrl = { code: 'INVALID_ARGUMENT', message: 'url must be ws:// or wss://' };
    expect(refusal({ ...base, url: 'http://rtm.test/' }, platform)).to.deep.equal(badUrl);
    expect(refusal({ ...base, url: 42 as unknown as string }, platform)).to.deep.equal(badUrl);
    expect(refusal({ ...base, url: 'wss://rtm.test/' }, platform)).to.equal(undefined);
    expect(refusal({ ...base, WebSocket: undefined }, undefined)).to.deep.equal({
      code: 'INVALID_ARGUMENT',
      message: 'no WebSocket: pass the WebSocket option',
    });
  });

  it('refuses a duration that is not a positive number a platform timer can wait (at most 2^31 − 1 ms)', () => {
    const message = `requestTimeoutMs must be a positive number, at most ${LONGEST_WAIT_MS}`;
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, LONGEST_WAIT_MS + 1, '5']) {
      const options = { ...base, requestTimeoutMs: bad as number };
      expect(refusal(options, platform), String(bad)).to.deep.equal({ code: 'INVALID_ARGUMENT', message });
    }
    expect(clientSettings({ ...base, requestTimeoutMs: LONGEST_WAIT_MS }, platform).requestTimeoutMs).to.equal(
      LONGEST_WAIT_MS,
    );
    expect(LONGEST_WAIT_MS).to.equal(2_147_483_647);
  });

  it('refuses a longest reconnect wait below the shortest', () => {
    expect(refusal({ ...base, reconnectMinDelayMs: 2_000, reconnectMaxDelayMs: 1_000 }, platform)).to.deep.equal({
      code: 'INVALID_ARGUMENT',
      message: 'reconnectMaxDelayMs is below reconnectMinDelayMs',
    });
    expect(
      clientSettings({ ...base, reconnectMinDelayMs: 1_000, reconnectMaxDelayMs: 1_000 }, platform).reconnect,
    ).to.deep.equal({ minDelayMs: 1_000, maxDelayMs: 1_000 });
  });
});
