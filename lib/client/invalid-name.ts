import { ErrorCode } from '../protocol/error-code.js';
import { nameProblem } from '../protocol/names.js';
import { RtmError } from '../protocol/rtm-error.js';

/**
 * The error for a uid, channel id or app id that breaks the shared name
 * rule (BEHAVIOUR §5), or `undefined` for a valid one; `what` starts the message.
 */
export function invalidName(
  what: string,
  name: unknown,
  code: ErrorCode = ErrorCode.InvalidArgument,
): RtmError | undefined {
  const problem = nameProblem(name);
  return problem ? new RtmError(code, `${what} ${problem}`) : undefined;
}
