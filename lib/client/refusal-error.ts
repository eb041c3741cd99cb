import type { Refusal } from '../protocol/refusal.js';
import { RtmError } from '../protocol/rtm-error.js';

/** A shared check's refusal as the error the app gets; none for none. */
export const refusalError = (problem: Refusal | undefined): RtmError | undefined =>
  problem && new RtmError(problem.code, problem.message);
