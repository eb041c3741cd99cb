/**
 * The two attribute scripts over a real redis-server, on what they share (attribute-write.ts): the session check,
 * how an op counts attributes and bytes, and which limit refuses first. Each case runs both scripts on the same
 * data, so they are shown to answer alike; the stores' contracts show the rest of what they do.
 */
import { expect } from 'chai';
import { Redis } from 'ioredis';
import type { AttributeOp } from '../../../lib/protocol/frames.js';
import type { AttributeWriteInput } from '../../../lib/store/redis/scripts/attribute-write.js';
import { attributesScript } from '../../../lib/store/redis/scripts/attributes-script.js';
import { channelAttributesScript } from '../../../lib/store/redis/scripts/channel-attributes-script.js';
import type { RedisScript } from '../../../lib/store/redis/scripts/script.js';
import { RedisProcess, requireRedis } from '../../support/redis-process.js';

const PREFIX = 'rtm:{app}:';
const EPOCH = 'e1:0';
/** Small limits, so the edges are a few attributes and bytes away. */
const limits = { mostAttributes: 2, mostBytes: 10 };

describe('Redis attribute scripts (real redis-server)', function () {
  let redis: RedisProcess;
  let admin: Redis;

  before(async function () {
    requireRedis(this, 'Redis attribute script tests');
    redis = await RedisProcess.start();
    admin = new Redis(redis.url, { protocol: 2 });
  });
  after(async () => {
    admin?.disconnect();
    await redis?.stop();
  });
  beforeEach(async () => {
    await admin.flushall();
    await admin.set(`${PREFIX}epoch`, EPOCH);
    await admin.hset(`${PREFIX}u:alice`, 's', 's1');
  });

  async function run<Input>(script: RedisScript<Input, unknown>, input: Input, epoch = EPOCH): Promise<unknown> {
    return admin.eval(script.lua, 1, `${PREFIX}epoch`, epoch, 1000, ...script.args(input));
  }

  /** The outcome of the same write by both scripts: the user's and the channel `room`'s. */
  async function outcomes(op: AttributeOp, attributes: Record<string, string>, keys: string[] = [], session = 's1') {
    const input: AttributeWriteInput = { uid: 'alice', session, op, attributes, keys, ...limits };
    const user = attributesScript.decode(await run(attributesScript, input));
    const channel = channelAttributesScript.decode(
      await run(channelAttributesScript, { ...input, channel: 'room', ts: 5, notify: false }),
    );
    return { user, channel: channel.outcome };
  }

  const both = (outcome: string) => ({ user: outcome, channel: outcome });

  async function stored() {
    const channel = await admin.hgetall(`${PREFIX}ca:room`);
    return {
      user: await admin.hgetall(`${PREFIX}ua:alice`),
      channel: Object.fromEntries(
        Object.entries(channel).map(([key, json]) => [key, (JSON.parse(json) as { value: string }).value]),
      ),
    };
  }

  it('another session than the uid’s is gone, and changes nothing', async () => {
    expect(await outcomes('set', { a: '1' }, [], 's2')).to.deep.equal(both('gone'));
    expect(await stored()).to.deep.equal({ user: {}, channel: {} });
  });

  it('another epoch changes nothing and answers epoch', async () => {
    const input: AttributeWriteInput = {
      uid: 'alice',
      session: 's1',
      op: 'set',
      attributes: { a: '1' },
      keys: [],
      ...limits,
    };
    expect(await run(attributesScript, input, 'old')).to.deep.equal(['epoch']);
    expect(
      await run(channelAttributesScript, { ...input, channel: 'room', ts: 5, notify: false }, 'old'),
    ).to.deep.equal(['epoch']);
    expect(await stored()).to.deep.equal({ user: {}, channel: {} });
  });

  it('set: exactly the most attributes is ok, one more is limit', async () => {
    expect(await outcomes('set', { a: '1', b: '2', c: '3' })).to.deep.equal(both('limit'));
    expect(await stored()).to.deep.equal({ user: {}, channel: {} });
    expect(await outcomes('set', { a: '1', b: '2' })).to.deep.equal(both('ok'));
    expect(await stored()).to.deep.equal({ user: { a: '1', b: '2' }, channel: { a: '1', b: '2' } });
  });

  it('set: exactly the most bytes of keys and values is ok, one more is bytes; counted in UTF-8', async () => {
    expect(await outcomes('set', { key: 'valuexy' })).to.deep.equal(both('ok')); // 3 + 7 = 10 bytes
    expect(await outcomes('set', { key: 'valuexyz' })).to.deep.equal(both('bytes'));
    expect(await outcomes('set', { key: 'ééééé' })).to.deep.equal(both('bytes')); // 3 + 5 × 2 = 13 bytes
    expect(await outcomes('set', { k: 'éééé' })).to.deep.equal(both('ok')); // 1 + 4 × 2 = 9 bytes
    expect(await stored()).to.deep.equal({ user: { k: 'éééé' }, channel: { k: 'éééé' } });
  });

  it('too many attributes is told before too many bytes', async () => {
    expect(await outcomes('set', { a: '1234567890', b: '2', c: '3' })).to.deep.equal(both('limit'));
  });

  it('set replaces: the attributes stored before count for nothing', async () => {
    expect(await outcomes('set', { a: '1', b: '2' })).to.deep.equal(both('ok'));
    expect(await outcomes('set', { c: '12345678' })).to.deep.equal(both('ok'));
    expect(await stored()).to.deep.equal({ user: { c: '12345678' }, channel: { c: '12345678' } });
  });

  it('merge counts the stored attributes it keeps, and a key it overwrites once, with its new value', async () => {
    expect(await outcomes('set', { a: '1' })).to.deep.equal(both('ok'));
    expect(await outcomes('merge', { b: '2', c: '3' })).to.deep.equal(both('limit'));
    expect(await outcomes('merge', { a: '9', b: '2' })).to.deep.equal(both('ok'));
    expect(await stored()).to.deep.equal({ user: { a: '9', b: '2' }, channel: { a: '9', b: '2' } });
    expect(await outcomes('merge', { a: '12345' })).to.deep.equal(both('ok')); // 1 + 5 + 1 + 1 = 8 bytes
    expect(await outcomes('merge', { b: '12345' })).to.deep.equal(both('bytes')); // 1 + 5 + 1 + 5 = 12 bytes
    expect(await stored()).to.deep.equal({ user: { a: '12345', b: '2' }, channel: { a: '12345', b: '2' } });
  });

  it('delete drops the keys named (a missing one is no matter), clear drops them all', async () => {
    expect(await outcomes('set', { a: '1', b: '2' })).to.deep.equal(both('ok'));
    expect(await outcomes('delete', {}, ['a', 'z'])).to.deep.equal(both('ok'));
    expect(await stored()).to.deep.equal({ user: { b: '2' }, channel: { b: '2' } });
    expect(await outcomes('clear', {})).to.deep.equal(both('ok'));
    expect(await stored()).to.deep.equal({ user: {}, channel: {} });
  });
});
