/**
 * The codec over random input (docs/PROTOCOL.md): decoding anything never
 * throws and rejects what is not a frame, every frame kind survives encode
 * then decode unchanged, and the client's compact reader
 * (read-server-frame.ts) agrees with the server's schema on random frames,
 * valid and broken.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { decodeClientFrame, decodeServerFrame, encodeFrame } from '../../lib/protocol/codec.js';
import { ClientFrame, ServerFrame } from '../../lib/protocol/frames.js';
import { readServerFrame } from '../../lib/protocol/read-server-frame.js';
import { anyText, clientFrameArb, kindsOf, serverFrameArb } from '../support/frame-arbitraries.js';
import { addPartFrames } from '../support/part-frames.js';
import { runs } from '../support/property-runs.js';

addPartFrames();

const clientKinds = new Set(kindsOf(ClientFrame));
const serverKinds = new Set(kindsOf(ServerFrame));

/** What a socket may hand over: text of any kind, JSON of any shape, bytes, or something else entirely. */
const anyInput: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => new TextDecoder().decode(bytes)),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
  fc.anything(),
);

/** The kind a text names, if it is a JSON object with a string `t`. */
function kindOf(input: unknown): string | undefined {
  if (typeof input !== 'string') return undefined;
  try {
    const json: unknown = JSON.parse(input);
    const t = typeof json === 'object' && json !== null ? (json as { t?: unknown }).t : undefined;
    return typeof t === 'string' ? t : undefined;
  } catch {
    return undefined;
  }
}

/** A frame broken or stretched: a field given any JSON value, a field dropped, an unknown field added, `t` changed. */
const mutationArb = fc.oneof(
  fc.record({ op: fc.constant('set' as const), key: fc.nat(), value: fc.jsonValue() }),
  fc.record({ op: fc.constant('drop' as const), key: fc.nat() }),
  fc.record({ op: fc.constant('add' as const), name: anyText, value: fc.jsonValue() }),
  fc.record({ op: fc.constant('retag' as const), t: fc.constantFrom(...serverKinds) }),
);
type Mutation = typeof mutationArb extends fc.Arbitrary<infer M> ? M : never;

function mutate(frame: object, mutations: readonly Mutation[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...frame };
  for (const m of mutations) {
    const keys = Object.keys(out);
    if (m.op === 'set' && keys.length > 0) out[keys[m.key % keys.length]] = m.value;
    else if (m.op === 'drop' && keys.length > 0) delete out[keys[m.key % keys.length]];
    else if (m.op === 'add')
      Object.defineProperty(out, m.name, { value: m.value, enumerable: true, writable: true, configurable: true });
    else if (m.op === 'retag') out.t = m.t;
  }
  return out;
}

describe('codec (properties)', () => {
  it('never throws on any input, and rejects whatever is not an object of a known kind', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const client = decodeClientFrame(input);
        const server = decodeServerFrame(input);
        const read = readServerFrame(input);
        const kind = kindOf(input);
        if (kind === undefined || !clientKinds.has(kind)) expect(client.ok).to.equal(false);
        if (kind === undefined || !serverKinds.has(kind)) {
          expect(server.ok).to.equal(false);
          expect(read).to.equal(undefined);
        }
      }),
      runs(1000),
    );
  });

  it('decodes every client frame kind to itself after encoding', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(clientFrameArb, (frame) => {
        seen.add(frame.t);
        expect(decodeClientFrame(encodeFrame(frame))).to.deep.equal({ ok: true, frame });
      }),
      runs(500),
    );
    expect([...seen].sort()).to.deep.equal([...clientKinds].sort());
  });

  it('decodes every server frame kind to itself after encoding, by the schema and by the client reader', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(serverFrameArb, (frame) => {
        seen.add(frame.t);
        const text = encodeFrame(frame);
        expect(decodeServerFrame(text)).to.deep.equal({ ok: true, frame });
        expect(readServerFrame(text)).to.deep.equal(frame);
      }),
      runs(500),
    );
    expect([...seen].sort()).to.deep.equal([...serverKinds].sort());
  });

  it('the client reader and the schema agree on random frames, valid and broken', () => {
    fc.assert(
      fc.property(serverFrameArb, fc.array(mutationArb, { maxLength: 3 }), (frame, mutations) => {
        const text = JSON.stringify(mutate(frame, mutations));
        const schema = decodeServerFrame(text);
        expect(readServerFrame(text)).to.deep.equal(schema.ok ? schema.frame : undefined);
      }),
      runs(1000),
    );
  });
});
