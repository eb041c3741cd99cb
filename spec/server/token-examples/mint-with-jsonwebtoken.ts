import jwt from 'jsonwebtoken';

/** Mints an rx-rtm token for `uid` of app `appId`, valid for an hour. */
export function mintToken(appId: string, appSecret: string, uid: string): string {
  return jwt.sign({}, appSecret, { algorithm: 'HS256', subject: uid, audience: appId, expiresIn: '1h' });
}
