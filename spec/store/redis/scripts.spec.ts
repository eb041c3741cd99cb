/**
 * The Redis store's scripts without Redis: the arguments each one sends
 * and how its decoder reads the replies the Lua beside it returns (and
 * refuses any other shape). What the Lua does is shown over a real Redis
 * in ../redis-store.spec.ts.
 */
import { expect } from 'chai';
import { attributesScript } from '../../../lib/store/redis/scripts/attributes-script.js';
import { banScript, unbanScript } from '../../../lib/store/redis/scripts/ban-scripts.js';
import { channelsScript, joinScript, leaveScript } from '../../../lib/store/redis/scripts/channel-scripts.js';
import { epochScript, restoreBansScript, restoreScript } from '../../../lib/store/redis/scripts/recovery-scripts.js';
import { isEpochChanged, MalformedReplyError, type RedisScript } from '../../../lib/store/redis/scripts/script.js';
import {
  claimScript,
  endScript,
  refreshScript,
  statusesScript,
  statusScript,
} from '../../../lib/store/redis/scripts/session-scripts.js';
import { sweepScript } from '../../../lib/store/redis/scripts/sweep-script.js';

const lease = { graceMs: 30_000, unreachableMs: 6_000 };

function refuses(script: RedisScript<never, unknown>, reply: unknown): void {
  expect(() => script.decode(reply), JSON.stringify(reply))
    .to.throw(MalformedReplyError)
    .with.property('message')
    .that.satisfies((message: string) =>
      message.startsWith(`Redis script ${script.name} answered ${JSON.stringify(reply)}: `),
    );
}

describe('Redis store scripts', () => {
  it('every script has its own command name, one key, and the prelude unless it is the epoch reading', () => {
    const scripts = [
      claimScript,
      endScript,
      statusScript,
      refreshScript,
      statusesScript,
      sweepScript,
      joinScript,
      leaveScript,
      channelsScript,
      attributesScript,
      banScript,
      unbanScript,
      epochScript,
      restoreBansScript,
      restoreScript,
    ];
    expect(new Set(scripts.map((script) => script.name)).size).to.equal(scripts.length);
    for (const script of scripts) {
      expect(script.keys).to.equal(1);
      expect(script.lua.includes("return {'epoch'}"), script.name).to.equal(script.checksEpoch);
    }
    expect(scripts.filter((script) => !script.checksEpoch).map((script) => script.name)).to.deep.equal(['rtmEpoch']);
  });

  it('only the one-word reply `epoch` means the data changed under a script', () => {
    expect(isEpochChanged(['epoch'])).to.equal(true);
    expect(isEpochChanged(['epoch', ''])).to.equal(false);
    expect(isEpochChanged('epoch')).to.equal(false);
    expect(isEpochChanged(['ok'])).to.equal(false);
  });

  it("a malformed reply is told by the script's name, the reply and what is wrong with it", () => {
    const message = (reply: unknown) => {
      try {
        claimScript.decode(reply);
      } catch (error) {
        return String(error);
      }
      return 'decoded';
    };
    expect(message(['resumed', '9-0', '', ['room'], ['odd'], '0'])).to.equal(
      'MalformedReplyError: Redis script rtmClaim answered ["resumed","9-0","",["room"],["odd"],"0"]: ' +
        'a flattened hash has an even length at 4',
    );
    expect(message(null)).to.equal(
      'MalformedReplyError: Redis script rtmClaim answered null: none of its replies is of that shape',
    );
  });

  describe('claim', () => {
    it('sends uid, session, resume (empty for none), node, lease, the replaced ids kept and seq, in ARGV order', () => {
      const fixed = { node: 'n1', lease, replacedKept: 8 };
      expect(claimScript.args({ uid: 'alice', session: 's2', resume: undefined, ...fixed, seq: 0 })).to.deep.equal([
        'alice',
        's2',
        '',
        'n1',
        30_000,
        6_000,
        8,
        0,
      ]);
      expect(claimScript.args({ uid: 'alice', session: 't2', resume: 's1', ...fixed, seq: 41 })).to.deep.equal([
        'alice',
        't2',
        's1',
        'n1',
        30_000,
        6_000,
        8,
        41,
      ]);
    });

    it('reads each outcome', () => {
      expect(claimScript.decode(['banned'])).to.deep.equal({ outcome: 'banned' });
      expect(claimScript.decode(['superseded'])).to.deep.equal({ outcome: 'superseded' });
      expect(claimScript.decode(['created', '5-0', '', ''])).to.deep.equal({
        outcome: 'created',
        position: '5-0',
        previous: undefined,
        replaced: '',
      });
      expect(claimScript.decode(['created', '7-1', 's1', 's1 s0'])).to.deep.equal({
        outcome: 'created',
        position: '7-1',
        previous: 's1',
        replaced: 's1 s0',
      });
      const hash = ['mood', 'fine', 'k', 'v'];
      expect(claimScript.decode(['resumed', '9-0', 's0', ['room', 'hall'], hash, '1'])).to.deep.equal({
        outcome: 'resumed',
        position: '9-0',
        replaced: 's0',
        channels: ['room', 'hall'],
        attributes: new Map([
          ['mood', 'fine'],
          ['k', 'v'],
        ]),
        moved: true,
      });
      expect(claimScript.decode(['resumed', '9-0', '', [], [], '0'])).to.deep.include({ moved: false });
    });

    it('refuses other shapes', () => {
      refuses(claimScript, null);
      refuses(claimScript, ['created', '', '', '']);
      refuses(claimScript, ['created', '5-0', '']);
      refuses(claimScript, ['resumed', '9-0', '', ['room'], ['odd'], '0']);
      refuses(claimScript, ['resumed', '9-0', '', 'room', [], '0']);
      refuses(claimScript, ['resumed', '9-0', '', ['room'], []]);
      refuses(claimScript, ['taken']);
    });
  });

  it('end, status, leave: the outcome and the position (none when nothing was written)', () => {
    expect(endScript.args({ uid: 'alice', session: 's1', token: '', reason: 'banned' })).to.deep.equal([
      'alice',
      's1',
      '',
      'banned',
    ]);
    expect(endScript.decode(['ok', '12-0'])).to.deep.equal({ outcome: 'ok', position: '12-0' });
    expect(endScript.decode(['moved', ''])).to.deep.equal({ outcome: 'moved', position: undefined });
    expect(statusScript.args({ uid: 'alice', session: 's1', token: 't1', status: 'UNREACHABLE' })).to.deep.equal([
      'alice',
      's1',
      't1',
      'UNREACHABLE',
    ]);
    expect(statusScript.decode(['gone', ''])).to.deep.equal({ outcome: 'gone', position: undefined });
    expect(leaveScript.decode(['ok', ''])).to.deep.equal({ outcome: 'ok', position: undefined });
    refuses(endScript, ['ok']);
    refuses(statusScript, ['moved', '']);
    refuses(leaveScript, ['ok', 3]);
  });

  it('refresh: four arguments per session heard (ms rounded), and how many it refreshed', () => {
    const heard = [
      { uid: 'a', session: 's1', token: 't1', agoMs: 4.6 },
      { uid: 'b', session: 's2', token: 't2', agoMs: 0 },
    ];
    expect(refreshScript.args(heard)).to.deep.equal(['a', 's1', 't1', 5, 'b', 's2', 't2', 0]);
    expect(refreshScript.decode(['ok', '', 2])).to.deep.equal({ position: undefined, refreshed: 2 });
    refuses(refreshScript, ['ok', '', '2']);
  });

  it('statuses: ONLINE, UNREACHABLE or none (OFFLINE) for each uid, read at a position', () => {
    expect(statusesScript.args(['a', 'b', 'c'])).to.deep.equal(['a', 'b', 'c']);
    expect(statusesScript.decode(['ok', '3-0', ['ONLINE', null, 'UNREACHABLE']])).to.deep.equal({
      position: '3-0',
      statuses: ['ONLINE', null, 'UNREACHABLE'],
    });
    refuses(statusesScript, ['ok', '3-0', ['OFFLINE']]);
  });

  it('sweep: the limit, the stall and the hold, and how many sessions it ended', () => {
    expect(sweepScript.args({ limit: 200, stallMs: 1000, holdMs: 2500 })).to.deep.equal([200, 1000, 2500]);
    expect(sweepScript.decode(['ok', '4-2', 3])).to.deep.equal({ position: '4-2', ended: 3 });
    refuses(sweepScript, ['ok', '4-2', -1]);
  });

  it('join: refused (gone, limit) or the members', () => {
    expect(joinScript.args({ uid: 'alice', session: 's1', channel: 'room', mostChannels: 20 })).to.deep.equal([
      'alice',
      's1',
      'room',
      20,
    ]);
    expect(joinScript.decode(['gone'])).to.deep.equal({ outcome: 'gone' });
    expect(joinScript.decode(['limit'])).to.deep.equal({ outcome: 'limit' });
    expect(joinScript.decode(['ok', '', ['bob', 'alice']])).to.deep.equal({
      outcome: 'ok',
      position: undefined,
      members: ['bob', 'alice'],
    });
    refuses(joinScript, ['ok', '1-0']);
    refuses(joinScript, ['gone', '']);
  });

  it("channels: the session's channels", () => {
    expect(channelsScript.args({ uid: 'alice', session: 's1' })).to.deep.equal(['alice', 's1']);
    expect(channelsScript.decode(['ok', '', ['room', 'hall']])).to.deep.equal(['room', 'hall']);
    refuses(channelsScript, ['ok', '', 'room']);
  });

  it('attributes: op, limits and the attributes and keys as JSON; one word back', () => {
    expect(
      attributesScript.args({
        uid: 'alice',
        session: 's1',
        op: 'merge',
        mostAttributes: 32,
        attributes: { k: 'v' },
        keys: [],
        mostBytes: 16_384,
      }),
    ).to.deep.equal(['alice', 's1', 'merge', 32, '{"k":"v"}', '[]', 16_384]);
    for (const outcome of ['ok', 'gone', 'limit', 'bytes'])
      expect(attributesScript.decode([outcome])).to.equal(outcome);
    refuses(attributesScript, ['full']);
  });

  it('ban and unban: the uid; the position of their last event', () => {
    expect(banScript.args('mallory')).to.deep.equal(['mallory']);
    expect(banScript.decode(['ok', '8-0'])).to.deep.equal({ position: '8-0' });
    expect(unbanScript.decode(['ok', '9-0'])).to.deep.equal({ position: '9-0' });
    refuses(unbanScript, ['ok', '']);
  });

  it("epoch: a random candidate and the epoch to replace; the epoch, when it was set and Redis's clock", () => {
    expect(epochScript.args({ candidate: 'ab12' })).to.deep.equal(['ab12', '']);
    expect(epochScript.args({ candidate: 'ab12', replacing: 'cd34:1' })).to.deep.equal(['ab12', 'cd34:1']);
    expect(epochScript.decode(['ab12:1700000000000', '1700000000450'])).to.deep.equal({
      epoch: 'ab12:1700000000000',
      createdAt: 1_700_000_000_000,
      now: 1_700_000_000_450,
    });
    refuses(epochScript, [null, '1700000000450']);
    refuses(epochScript, ['ab12', '1700000000450']);
  });

  it('restore: the bans as they are; sessions as JSON after the late flag, each answered ok or conflict', () => {
    expect(restoreBansScript.args(new Set(['m1', 'm2']))).to.deep.equal(['m1', 'm2']);
    expect(restoreBansScript.decode(['ok', ''])).to.equal(undefined);
    const session = {
      uid: 'alice',
      session: 's1',
      token: 't1',
      node: 'n1',
      replaced: 's0',
      status: 'ONLINE' as const,
      agoMs: -2.4,
      lease,
      channels: ['room', 'hall'],
      attributes: new Map([['mood', 'fine']]),
    };
    const args = restoreScript.args({ late: true, sessions: [session] });
    expect(args[0]).to.equal('1');
    expect(JSON.parse(String(args[1]))).to.deep.equal({
      uid: 'alice',
      s: 's1',
      t: 't1',
      n: 'n1',
      r: 's0',
      st: 'ONLINE',
      ago: 0,
      g: 30_000,
      w: 6_000,
      ch: ['room', 'hall'],
      a: { mood: 'fine' },
    });
    expect(restoreScript.args({ late: false, sessions: [] })).to.deep.equal(['0']);
    expect(restoreScript.decode(['ok', '', ['ok', 'conflict']])).to.deep.equal({
      position: undefined,
      results: ['ok', 'conflict'],
    });
    refuses(restoreScript, ['ok', '', ['maybe']]);
  });
});
