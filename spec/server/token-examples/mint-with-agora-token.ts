import agoraToken from 'agora-token';

/** Mints the vendor's RTM token (AccessToken2) for `uid` of app `appId`, valid for an hour. */
export function mintToken(appId: string, appCertificate: string, uid: string): string {
  return agoraToken.RtmTokenBuilder.buildToken(appId, appCertificate, uid, 3600);
}
