/**
 * Text frame <-> typed frame. Decoding never throws: bad input becomes a
 * value the caller answers with an error frame, so no frame can crash a peer.
 */
import * as v from 'valibot';
import { ClientFrame, MAX_FRAME_BYTES, ServerFrame } from './frames.js';

/** A decoded frame, or why not; `id` is the request id a malformed request still carried. */
export type Decoded<F> = { ok: true; frame: F } | { ok: false; problem: string; id?: number };

function decoderFor<S extends typeof ClientFrame | typeof ServerFrame>(schema: S) {
  return (data: unknown): Decoded<v.InferOutput<S>> => {
    if (typeof data !== 'string') return { ok: false, problem: 'frames must be JSON text' };
    // UTF-16 length bounds the UTF-8 size from below; the exact size was
    // already bounded by the transport (ws maxPayload) on the server.
    if (data.length > MAX_FRAME_BYTES) return { ok: false, problem: `frame larger than ${MAX_FRAME_BYTES} bytes` };
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return { ok: false, problem: 'frame is not valid JSON' };
    }
    const result = v.safeParse(schema, json);
    if (result.success) return { ok: true, frame: result.output };
    const issue = result.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join('.');
    const problem = path ? `${path}: ${issue.message}` : issue.message;
    const id = (json as { id?: unknown } | null)?.id;
    return Number.isSafeInteger(id) && (id as number) >= 0
      ? { ok: false, problem, id: id as number }
      : { ok: false, problem };
  };
}

/** Decodes a frame a client sent. */
export const decodeClientFrame = decoderFor(ClientFrame);
/** Decodes a frame a server sent. */
export const decodeServerFrame = decoderFor(ServerFrame);

export { encodeEventBody, encodeFrame, type EventBody } from './encode.js';
