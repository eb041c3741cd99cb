/**
 * rx-rtm/agora has the original SDK's shape (BEHAVIOUR §8): its default export, client and channel are assigned
 * where `agora-rtm-sdk@1.5.1`'s published types are expected, and its enums and event names are those of the SDK.
 * The assignments are the test: `npm run typecheck` fails when the shapes diverge. The SDK is a devDependency for
 * its types only (`import type`); nothing of it runs.
 */
import { expect } from 'chai';
import type * as Sdk from 'agora-rtm-sdk';
import type { RtmChannel as SdkChannel, RtmClient as SdkClient, RtmEvents, RtmStatusCode } from 'agora-rtm-sdk';
import AgoraRTM, { type RtmChannel, type RtmClient } from '../../lib/agora/node.js';
import type * as Ours from '../../lib/agora/public-api.js';

/** The SDK's default export: under NodeNext, an import of its CommonJS module holds it as `default`. */
type SdkAgoraRTM = (typeof Sdk)['default']['default'];

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const same = <A, B>(equal: Equal<A, B>) => equal;

export const defaultExport: SdkAgoraRTM = AgoraRTM;
export const asSdkClient = (client: RtmClient): SdkClient => client;
export const asSdkChannel = (channel: RtmChannel): SdkChannel => channel;
export const createInstance: SdkAgoraRTM['createInstance'] = AgoraRTM.createInstance;

describe('rx-rtm/agora against agora-rtm-sdk@1.5.1 types', () => {
  it('has the same event names on the client and the channel', () => {
    expect(same<keyof RtmEvents.RtmClientEvents, keyof Ours.RtmEvents.RtmClientEvents>(true)).to.equal(true);
    expect(same<keyof RtmEvents.RtmChannelEvents, keyof Ours.RtmEvents.RtmChannelEvents>(true)).to.equal(true);
  });

  it('has the same enum strings', () => {
    expect(
      same<`${RtmStatusCode.ConnectionState}`, `${Ours.RtmStatusCode.ConnectionState}`>(true) &&
        same<`${RtmStatusCode.ConnectionChangeReason}`, `${Ours.RtmStatusCode.ConnectionChangeReason}`>(true) &&
        same<`${RtmStatusCode.PeerOnlineState}`, `${Ours.RtmStatusCode.PeerOnlineState}`>(true) &&
        same<`${RtmStatusCode.MessageType}`, `${Ours.RtmStatusCode.MessageType}`>(true) &&
        same<`${RtmStatusCode.AreaCode}`, `${Ours.RtmStatusCode.AreaCode}`>(true),
    ).to.equal(true);
    expect(Object.values(AgoraRTM.ConnectionState)).to.deep.equal([
      'DISCONNECTED',
      'CONNECTING',
      'CONNECTED',
      'RECONNECTING',
      'ABORTED',
    ]);
  });

  it('lets a listener typed against the SDK listen to the facade', () => {
    const listen = (client: RtmClient) =>
      client.on('ConnectionStateChanged', (state: RtmStatusCode.ConnectionState) => state);
    expect(listen).to.be.a('function');
  });
});
