/**
 * The one shape of a refusal on the server side: a request, a login or a
 * store operation that did nothing, with the code and message its `fail`
 * or `refused` frame carries. A value, never thrown: every check returns
 * `Refusal | undefined` and every operation `{ ok: true, … } | Refusal`.
 */
import type { ErrorCode } from './error-code.js';

export interface Refusal {
  readonly ok: false;
  readonly code: ErrorCode;
  readonly message: string;
}

export function refusal(code: ErrorCode, message: string): Refusal {
  return { ok: false, code, message };
}
