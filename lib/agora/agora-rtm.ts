/**
 * The original SDK's default export, `AgoraRTM` (BEHAVIOUR §8): `createInstance`, its constants and enum objects,
 * made for a platform's WebSocket (the browser's, or `ws` in Node).
 */
import { asyncScheduler } from 'rxjs';
import type { WebSocketConstructor } from '../client/link.js';
import { RtmClient as CoreClient } from '../client/rtm-client.js';
import { asAgoraError } from './agora-error.js';
import { RtmClient } from './agora-client.js';
import { serverUrl, type LogFilterType, type RtmConfig } from './config.js';
import {
  AreaCode,
  ConnectionChangeReason,
  ConnectionState,
  LocalInvitationFailureReason,
  LocalInvitationState,
  MessageType,
  PeerOnlineState,
  PeerSubscriptionOption,
  RemoteInvitationFailureReason,
  RemoteInvitationState,
} from './status-codes.js';

const logFilter = (error: boolean, warn: boolean, info: boolean): LogFilterType => ({
  error,
  warn,
  info,
  track: false,
  debug: false,
});

/** `AgoraRTM` for a platform whose WebSocket class is `platformWebSocket` (none: pass `config.WebSocket`). */
export function agoraRtm(platformWebSocket: WebSocketConstructor | undefined) {
  return {
    /** The SDK version whose API this implements. */
    VERSION: '1.5.1',
    BUILD: 'rx-rtm',
    /** The SDK's prefix for messages that end a legacy call; kept for code that builds such messages. */
    END_CALL_PREFIX: 'AgoraRTMLegacyEndcallCompatibleMessagePrefix',
    LOG_FILTER_OFF: logFilter(false, false, false),
    LOG_FILTER_ERROR: logFilter(true, false, false),
    LOG_FILTER_WARNING: logFilter(true, true, false),
    LOG_FILTER_INFO: logFilter(true, true, true),
    ConnectionChangeReason,
    ConnectionState,
    LocalInvitationFailureReason,
    LocalInvitationState,
    RemoteInvitationState,
    RemoteInvitationFailureReason,
    MessageType,
    PeerOnlineState,
    PeerSubscriptionOption,
    AreaCode,
    /**
     * An independent client of `appId` on the server at `config.url` (default: the page's origin); throws
     * INVALID_ARGUMENT (1) without a URL outside a page, or for a bad option. Area codes are ignored.
     */
    createInstance: (appId: string, config: RtmConfig = {}, _areaCodes?: AreaCode[]): RtmClient => {
      try {
        const url = serverUrl(config);
        const core = new CoreClient({ ...config, url, appId }, platformWebSocket);
        return new RtmClient(core, { url, appId }, config.scheduler ?? asyncScheduler);
      } catch (error) {
        throw asAgoraError('createInstance', error);
      }
    },
    /** Ignored: the app's own server has no regions. */
    setArea: (_areaConfig: { areaCodes: AreaCode[]; excludedArea?: AreaCode }): void => {},
  };
}

/** The type of the default export of `rx-rtm/agora`. */
export type AgoraRTM = ReturnType<typeof agoraRtm>;
