/**
 * The client's table-driven check of server frames against the valibot
 * schema that defines them: for every frame type, valid frames (with and
 * without optional fields, with unknown extra fields) and every field
 * broken in every way, both must agree on acceptance and on the output.
 */
import { expect } from 'chai';
import { decodeServerFrame } from '../../lib/protocol/codec.js';
import type { ServerFrame } from '../../lib/protocol/frames.js';
import { readServerFrame } from '../../lib/protocol/read-server-frame.js';
import { addPartFrames } from '../support/part-frames.js';

// The parts' tables (BEHAVIOUR §8.2) are held to the schema like the client's own.
addPartFrames();
const attribute = { value: 'v', by: 'a', ts: 1.7e12 };

const valid: ServerFrame[] = [
  { t: 'welcome', session: 's1', resumed: false, tokenExpiresInMs: 3600 },
  { t: 'welcome', session: 's1', resumed: true, tokenExpiresInMs: -5, gap: true },
  { t: 'refused', code: 'INVALID_TOKEN', message: 'token invalid' },
  { t: 'pong' },
  { t: 'kicked', reason: 'REMOTE_LOGIN' },
  { t: 'kicked', reason: 'BANNED_BY_SERVER' },
  { t: 'goaway' },
  { t: 'renewed', id: 0, tokenExpiresInMs: 1.5 },
  { t: 'done', id: 7 },
  { t: 'joined', id: 1, members: ['a', 'b'] },
  { t: 'joined', id: 1, members: [] },
  { t: 'members', id: 2, members: ['a'] },
  { t: 'attributes', id: 3, attributes: { k: 'v', empty: '' } },
  { t: 'attributes', id: 3, attributes: {} },
  { t: 'online', id: 4, online: { a: true, b: false } },
  { t: 'member', seq: 1, channel: 'room', uid: 'a', joined: true, count: 2 },
  { t: 'status', seq: 9, statuses: { a: 'ONLINE', b: 'UNREACHABLE', c: 'OFFLINE' } },
  { t: 'sent', id: 6, received: false },
  { t: 'peerMessage', seq: 3, from: 'a', type: 'TEXT', data: 'aGk=', ts: 1.7e12 },
  { t: 'peerMessage', seq: 3, from: 'a', type: 'RAW', data: '', desc: 'ZA==', ts: 1, offline: true },
  { t: 'channelMessage', seq: 4, channel: 'room', from: 'b', type: 'RAW', data: 'AA==', ts: 2 },
  // The parts' frames (call invitations, channel attributes), added above as their first use would.
  { t: 'call', id: 8, call: 'c1', state: 'SENT' },
  { t: 'call', id: 8, call: 'c1', state: 'ACCEPTED', response: 'ok' },
  { t: 'invitation', seq: 5, call: 'c1', from: 'a', content: '', channel: 'room' },
  { t: 'callState', seq: 6, call: 'c1', state: 'FAILED', reason: 'PEER_OFFLINE' },
  { t: 'callState', seq: 6, call: 'c1', state: 'REFUSED', response: '' },
  { t: 'chanAttributes', id: 8, attributes: { k: attribute, empty: { value: '', by: 'b', ts: 0 } } },
  { t: 'chanAttributes', id: 8, attributes: {} },
  { t: 'counts', id: 9, counts: { room: 2, none: 0 } },
  { t: 'chanAttrsUpdated', seq: 5, channel: 'room', attributes: { k: attribute } },
  { t: 'fail', id: 5, code: 'TOO_OFTEN', message: 'slow down' },
  { t: 'error', code: 'PROTOCOL_ERROR', message: 'bad' },
];

/** Values of every JSON kind, and a few near misses, to put in place of each field. */
const replacements: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  2 ** 60,
  '',
  'x',
  'ONLINE',
  'REMOTE_LOGIN',
  'TOO_OFTEN',
  'TEXT',
  'RAW',
  'ACCEPTED',
  'INVITATION_EXPIRE',
  [],
  ['a'],
  [1],
  {},
  { k: 'v' },
  { k: 1 },
  { k: true },
  { k: 'NOPE' },
  { k: attribute },
  { k: { ...attribute, value: 1 } },
  { k: { ...attribute, by: null } },
  { k: { value: 'v', by: 'a' } },
  { k: { ...attribute, extra: 1 } },
];

const RECORD_FIELDS = new Set(['attributes', 'online', 'statuses', 'counts']);

function agree(text: string): void {
  const schema = decodeServerFrame(text);
  const table = readServerFrame(text);
  expect(table, text).to.deep.equal(schema.ok ? schema.frame : undefined);
}

describe('readServerFrame', () => {
  it('accepts every valid frame exactly as the schema does', () => {
    for (const frame of valid) {
      expect(readServerFrame(JSON.stringify(frame)), frame.t).to.deep.equal(frame);
      agree(JSON.stringify(frame));
    }
  });

  it('drops unknown fields as the schema does', () => {
    for (const frame of valid) agree(JSON.stringify({ ...frame, extra: 1, nested: { x: [1] } }));
  });

  it('agrees with the schema on every field removed or replaced by any JSON value', () => {
    let cases = 0;
    for (const frame of valid) {
      for (const key of Object.keys(frame)) {
        const { [key]: _removed, ...without } = frame as Record<string, unknown>;
        agree(JSON.stringify(without));
        for (const value of replacements) {
          // The one known difference: valibot's record takes an array as an object; the reader does not.
          if (Array.isArray(value) && RECORD_FIELDS.has(key)) continue;
          agree(JSON.stringify({ ...frame, [key]: value }));
          cases++;
        }
      }
    }
    expect(cases).to.be.greaterThan(800);
  });

  it('refuses an array where a map is expected (stricter than the schema)', () => {
    expect(readServerFrame('{"t":"attributes","id":3,"attributes":["v"]}')).to.equal(undefined);
    expect(readServerFrame('{"t":"online","id":4,"online":[true]}')).to.equal(undefined);
    expect(readServerFrame('{"t":"status","seq":1,"statuses":["ONLINE"]}')).to.equal(undefined);
    expect(readServerFrame('{"t":"counts","id":9,"counts":[1]}')).to.equal(undefined);
  });

  it('agrees on text that is not a frame', () => {
    for (const text of [
      '',
      'x',
      '42',
      'null',
      '[]',
      '"pong"',
      '{}',
      '{"t":1}',
      '{"t":"nope"}',
      '{"t":"PONG"}',
      '{"t":"toString"}',
      '{"t":"__proto__"}',
      '{"t":"pong"',
    ])
      agree(text);
    expect(readServerFrame(42)).to.equal(undefined);
    expect(readServerFrame(`{"t":"pong","pad":"${'x'.repeat(50 * 1024)}"}`)).to.equal(undefined);
  });
});
