/** The sessions a Redis store node holds, and why a late claim answer cannot bring back one that left. */
import { expect } from 'chai';
import { HeldSessions, type Held } from '../../../lib/store/redis/held-sessions.js';

const held = (appId: string, session: string): Held => ({
  appId,
  uid: `u-${session}`,
  session,
  token: session,
  replaced: '',
  status: 'ONLINE',
  channels: [],
  attributes: new Map(),
  lease: { graceMs: 1000, unreachableMs: 500 },
  heardAt: 0,
});

describe('HeldSessions', () => {
  let now: number;
  let sessions: HeldSessions;
  beforeEach(() => {
    now = 0;
    sessions = new HeldSessions(() => now);
  });

  it('holds sessions per app and lets them go', () => {
    sessions.hold('1-0', held('a', 's1'));
    sessions.hold('2-0', held('a', 's2'));
    sessions.hold('3-0', held('b', 's1'));
    expect(sessions.size).to.equal(3);
    expect(sessions.ofApp('a').map((h) => h.session)).to.deep.equal(['s1', 's2']);
    expect(sessions.get('b', 's1')?.appId).to.equal('b');
    sessions.letGo('a', 's1', undefined);
    expect(sessions.get('a', 's1')).to.equal(undefined);
    expect(sessions.size).to.equal(2);
  });

  it('a claim answered after the stream took the session away is not held; one claimed after that is', () => {
    sessions.letGo('a', 's1', '5-0');
    sessions.hold('4-9', held('a', 's1'));
    expect(sessions.get('a', 's1')).to.equal(undefined);
    sessions.hold('5-1', held('a', 's1'));
    expect(sessions.get('a', 's1')?.session).to.equal('s1');
  });

  it('a session ended here is never held again while remembered, and is forgotten after a minute', () => {
    sessions.letGo('a', 's1', undefined);
    sessions.hold('9-0', held('a', 's1'));
    expect(sessions.get('a', 's1')).to.equal(undefined);
    now = 59_999;
    sessions.pruneGone();
    sessions.hold('9-0', held('a', 's1'));
    expect(sessions.get('a', 's1')).to.equal(undefined);
    now = 60_000;
    sessions.pruneGone();
    sessions.hold('9-0', held('a', 's1'));
    expect(sessions.get('a', 's1')?.session).to.equal('s1');
  });
});
