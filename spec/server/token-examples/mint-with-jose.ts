import { SignJWT } from 'jose';

/** Mints an rx-rtm token for `uid` of app `appId`, valid for an hour. */
export function mintToken(appId: string, appSecret: string, uid: string): Promise<string> {
  return new SignJWT()
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(uid)
    .setAudience(appId)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(appSecret));
}
