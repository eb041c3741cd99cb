import type { ErrorCode } from './error-code.js';

/**
 * The one error type rx-rtm rejects promises with: an `Error` whose `code`
 * tells a program what happened without parsing the message.
 */
export class RtmError extends Error {
  override readonly name = 'RtmError';

  constructor(
    readonly code: ErrorCode,
    message: string = code,
  ) {
    super(message);
  }
}
