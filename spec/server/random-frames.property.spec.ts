/**
 * The server under a stream of random frames from several sessions, through
 * real sockets (the raw protocol): valid requests on a few names, frames of
 * every kind with random content, broken frames, binary and oversized ones,
 * and logins as another user. Whatever arrives, the server reports no
 * failure of its own, answers every socket still open, and a witness
 * session that sends nothing random keeps its channels, attributes and
 * socket, and gets only well-formed frames with its events numbered
 * 1, 2, 3, … (BEHAVIOUR §5.5).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { MAX_FRAME_BYTES } from '../../lib/protocol/frames.js';
import { readServerFrame } from '../../lib/protocol/read-server-frame.js';
import { createToken, startServer, type RtmServer } from '../../lib/server/index.js';
import { anyText, clientFrameArb } from '../support/frame-arbitraries.js';
import { addPartFrames } from '../support/part-frames.js';
import { runs } from '../support/property-runs.js';
import { RawClient, type Frame } from './raw-client.js';

const APP = 'app1';
const SECRET = 'secret1';
const SENDERS = ['s0', 's1', 's2'];
const WITNESS = 'w';
const CHANNELS = ['c0', 'c1', 'c2'];
/** A request id no random frame carries (theirs are 32-bit), marking the end of a socket's stream. */
const LAST_ID = Number.MAX_SAFE_INTEGER;

const token = (uid: string) => createToken({ appId: APP, appSecret: SECRET, uid, expiresInSeconds: 60 });
const uidArb = fc.constantFrom(...SENDERS, WITNESS, 'nobody');
const channelArb = fc.constantFrom(...CHANNELS);
const idArb = fc.nat(1000);
const textArb = fc.constantFrom('aGk=', 'AA==', '', 'not base64!');

/** Requests on the few names the sessions share, so that most do something. */
const validArb: fc.Arbitrary<object> = fc.oneof(
  fc.record({ t: fc.constantFrom('join', 'leave', 'members'), id: idArb, channel: channelArb }),
  fc.record({
    t: fc.constant('attrs'),
    id: idArb,
    op: fc.constantFrom('set', 'merge', 'delete', 'clear'),
    attributes: fc.dictionary(anyText, fc.string({ maxLength: 8 }), { maxKeys: 3 }),
    keys: fc.array(anyText, { maxLength: 3 }),
  }),
  fc.record({ t: fc.constant('getAttrs'), id: idArb, uid: uidArb }),
  fc.record({
    t: fc.constantFrom('query', 'subscribe', 'unsubscribe'),
    id: idArb,
    uids: fc.array(uidArb, { maxLength: 4 }),
  }),
  fc.record({ t: fc.constant('sendPeer'), id: idArb, to: uidArb, type: fc.constant('TEXT'), data: textArb }),
  fc.record({
    t: fc.constant('sendChannel'),
    id: idArb,
    channel: channelArb,
    type: fc.constant('TEXT'),
    data: textArb,
  }),
  fc.record({ t: fc.constantFrom('ping', 'pong'), ack: fc.nat(50) }),
  fc.record({ t: fc.constant('renew'), id: idArb, token: uidArb.map(token) }),
  // Another user's valid login on a logged-in socket, or (rarely) the sender's own logout first.
  uidArb.map((uid) => ({ t: 'login', app: APP, uid, token: token(uid) })),
);

/** What a socket may carry that is no request: any text, any JSON, binary, too big. */
type Raw = { raw: string } | { binary: Uint8Array } | { oversized: true };
const invalidArb: fc.Arbitrary<Raw> = fc.oneof(
  fc.record({ raw: fc.string({ unit: 'binary', maxLength: 40 }) }),
  fc.record({ raw: fc.jsonValue().map((value) => JSON.stringify(value)) }),
  fc.record({ binary: fc.uint8Array({ maxLength: 16 }) }),
  fc.record({ oversized: fc.constant(true as const) }),
);

type Item = { from: number } & ({ frame: object } | Raw);
const itemArb: fc.Arbitrary<Item> = fc
  .tuple(
    fc.nat(SENDERS.length - 1),
    fc.oneof(
      { arbitrary: validArb.map((frame) => ({ frame })), weight: 6 },
      { arbitrary: clientFrameArb.map((frame): { frame: object } => ({ frame })), weight: 2 },
      { arbitrary: fc.constant({ frame: { t: 'logout' } }), weight: 1 },
      { arbitrary: invalidArb, weight: 2 },
    ),
  )
  .map(([from, what]) => ({ from, ...what }));

function send(client: RawClient, item: Item): void {
  if (!client.isOpen) return;
  if ('frame' in item) client.send(item.frame);
  else if ('raw' in item) client.send(item.raw);
  else if ('binary' in item) client.send(Buffer.from(item.binary));
  else client.send('x'.repeat(MAX_FRAME_BYTES + 1));
}

/**
 * Every frame up to the answer to a last request, which the server handles after all the others on that
 * socket; `answered` false if the socket closed (or stayed silent) first.
 */
async function drain(client: RawClient): Promise<{ frames: Frame[]; answered: boolean }> {
  const frames: Frame[] = [];
  if (client.isOpen) client.send({ t: 'members', id: LAST_ID, channel: 'c0' });
  for (;;) {
    const frame = await client.next(3000).catch(() => undefined);
    if (!frame || frame.id === LAST_ID) return { frames, answered: frame !== undefined };
    frames.push(frame);
  }
}

describe('the server under random frames from several sessions (property, real sockets)', function () {
  this.timeout(60_000);
  // Replies to the parts' requests (counts, calls, …) are read as a client with every part would read them.
  before(addPartFrames);

  it('reports no failure, answers every open socket, and leaves a witness session as it was', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(itemArb, { minLength: 1, maxLength: 40 }), async (items) => {
        const failures: unknown[] = [];
        let server: RtmServer | undefined;
        try {
          server = await startServer({ port: 0, apps: { [APP]: SECRET }, onError: (error) => failures.push(error) });
          const login = async (uid: string) => {
            const client = await RawClient.connect(server!.url);
            const welcome = await client.request({ t: 'login', app: APP, uid, token: token(uid) });
            expect(welcome.t).to.equal('welcome');
            return client;
          };
          const witness = await login(WITNESS);
          for (const [i, channel] of ['c0', 'c1'].entries()) {
            expect(await witness.request({ t: 'join', id: i + 1, channel })).to.include({ t: 'joined' });
          }
          expect(await witness.request({ t: 'attrs', id: 3, op: 'set', attributes: { mine: 'yes' } })).to.deep.equal({
            t: 'done',
            id: 3,
          });
          witness.send({ t: 'subscribe', id: 4, uids: SENDERS });
          const senders = await Promise.all(SENDERS.map(login));
          // In the witness's channel, so that what they do reaches it.
          for (const sender of senders)
            expect(await sender.request({ t: 'join', id: 1, channel: 'c0' })).to.include({ t: 'joined' });

          for (const item of items) send(senders[item.from], item);
          for (const sender of senders) {
            const { frames, answered } = await drain(sender);
            for (const frame of frames) expect(readServerFrame(JSON.stringify(frame)), JSON.stringify(frame)).to.be.ok;
            expect(answered || !sender.isOpen, 'an open sender socket answers').to.equal(true);
          }
          const { frames: seen, answered } = await drain(witness);
          expect(answered, 'the witness answers').to.equal(true);

          expect(failures, 'onError').to.deep.equal([]);
          expect(witness.isOpen, 'the witness socket is open').to.equal(true);
          for (const frame of seen) {
            expect(readServerFrame(JSON.stringify(frame)), JSON.stringify(frame)).to.deep.equal(frame);
            expect(['kicked', 'goaway', 'error', 'fail'], JSON.stringify(frame)).to.not.include(frame.t);
          }
          const seqs = seen.flatMap((frame) => (typeof frame.seq === 'number' ? [frame.seq] : []));
          expect(seqs).to.deep.equal(seqs.map((_, i) => i + 1));
          expect(await witness.request({ t: 'getAttrs', id: 5, uid: WITNESS })).to.deep.equal({
            t: 'attributes',
            id: 5,
            attributes: { mine: 'yes' },
          });
          for (const channel of ['c0', 'c1']) {
            const reply = await witness.request({ t: 'members', id: 6, channel });
            expect(reply.t, JSON.stringify(reply)).to.equal('members');
            expect(reply.members).to.include(WITNESS);
          }
        } finally {
          RawClient.terminateAll();
          await server?.close();
        }
      }),
      runs(50),
    );
  });
});
