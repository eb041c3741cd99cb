/**
 * fast-check arbitraries for the protocol's frames, derived from the
 * valibot schemas in lib/protocol/frames.ts, so every frame kind is covered
 * and a frame added there is generated without a change here.
 */
import fc from 'fast-check';
import { ClientFrame, ServerFrame } from '../../lib/protocol/frames.js';

/** The parts of a valibot schema the frames use, as the schema objects carry them. */
interface SchemaNode {
  readonly type: string;
  readonly entries?: Readonly<Record<string, SchemaNode>>;
  readonly literal?: unknown;
  readonly options?: readonly unknown[];
  readonly item?: SchemaNode;
  readonly value?: SchemaNode;
  readonly wrapped?: SchemaNode;
  readonly pipe?: ReadonlyArray<{ readonly type: string; readonly requirement?: unknown }>;
}

/** Any text, lone surrogates and all, and now and then a name JavaScript objects treat specially. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', maxLength: 12 }), weight: 8 },
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'),
);

function arbitraryOf(node: SchemaNode): fc.Arbitrary<unknown> {
  switch (node.type) {
    case 'variant':
      return fc.oneof(...(node.options as SchemaNode[]).map(arbitraryOf));
    case 'object': {
      const entries = Object.entries(node.entries ?? {});
      const model = Object.fromEntries(entries.map(([key, field]) => [key, arbitraryOf(field)]));
      const requiredKeys = entries.filter(([, field]) => field.type !== 'optional').map(([key]) => key);
      return fc.record(model, { requiredKeys });
    }
    case 'optional':
      return arbitraryOf(node.wrapped!);
    case 'literal':
      return fc.constant(node.literal);
    case 'picklist':
      return fc.constantFrom(...node.options!);
    case 'string':
      return anyText;
    case 'boolean':
      return fc.boolean();
    case 'number': {
      const min = node.pipe?.find((action) => action.type === 'min_value')?.requirement;
      if (node.pipe?.some((action) => action.type === 'integer')) {
        return fc.integer({ min: typeof min === 'number' ? min : Number.MIN_SAFE_INTEGER });
      }
      // JSON carries neither -0 nor the infinities: a sender never puts them in a frame.
      return fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0));
    }
    case 'array':
      return fc.array(arbitraryOf(node.item!), { maxLength: 4 });
    case 'record':
    case 'custom': // frames.ts `anyKeys`, a record that keeps every key
      return fc.dictionary(anyText, arbitraryOf(node.value!), { maxKeys: 4 });
    case 'unknown':
      return fc.jsonValue();
    default:
      throw new Error(`frame-arbitraries: no arbitrary for a valibot ${node.type} schema`);
  }
}

const schemaNode = (schema: unknown) => schema as SchemaNode;

/** Every frame a client may send. */
export const clientFrameArb = arbitraryOf(schemaNode(ClientFrame)) as fc.Arbitrary<ClientFrame>;
/** Every frame a server may send. */
export const serverFrameArb = arbitraryOf(schemaNode(ServerFrame)) as fc.Arbitrary<ServerFrame>;

/** The kinds (`t`) of the frames of a schema. */
export const kindsOf = (schema: typeof ClientFrame | typeof ServerFrame): string[] =>
  schemaNode(schema).options!.map((option) => String((option as SchemaNode).entries!['t'].literal));
