/** Where an app's data lives in Redis, and how stream ids are ordered. */
import { expect } from 'chai';
import { appKeys, appTag } from '../../../lib/store/redis/served-app.js';
import { compareStreamIds } from '../../../lib/store/redis/stream-id.js';

describe('Redis store keys', () => {
  it('a plain app id stands in keys as it is; any other is base64url after ~', () => {
    // So it cannot reach into another app's keys.
    expect(appTag('app_1.x-y')).to.equal('app_1.x-y');
    expect(appTag('a}:b')).to.equal(`~${Buffer.from('a}:b').toString('base64url')}`);
    expect(appTag('~YQ')).to.not.equal('~YQ');
  });

  it('every key of an app shares its prefix and hash tag', () => {
    const keys = appKeys('rtm', 'app1');
    expect([
      keys.prefix,
      keys.epoch,
      keys.events,
      keys.banned,
      keys.members('room'),
      keys.attributes('alice'),
    ]).to.deep.equal([
      'rtm:{app1}:',
      'rtm:{app1}:epoch',
      'rtm:{app1}:events',
      'rtm:{app1}:banned',
      'rtm:{app1}:c:room',
      'rtm:{app1}:ua:alice',
    ]);
  });

  it('stream ids order by time, then sequence', () => {
    expect(['10-0', '9-5', '10-1', '9-10'].sort(compareStreamIds)).to.deep.equal(['9-5', '9-10', '10-0', '10-1']);
    expect(compareStreamIds('7-3', '7-3')).to.equal(0);
  });
});
