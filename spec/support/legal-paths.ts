/**
 * What a client's connection state may do (BEHAVIOUR §1–§2), as tables, and
 * the check of one recorded path against them, shared by the transition's
 * property test and the soak.
 */
import {
  ConnectionChangeReason as R,
  ConnectionState as S,
  type ConnectionChangeReason,
  type ConnectionState,
  type ConnectionStatePair,
} from '../../lib/client/connection-state.js';

/** BEHAVIOUR §1: the reasons each state is entered with. */
export const legalReasons: Record<ConnectionState, readonly ConnectionChangeReason[]> = {
  DISCONNECTED: [R.Logout, R.LoginFailure, R.LoginTimeout],
  CONNECTING: [R.Login],
  CONNECTED: [R.LoginSuccess],
  RECONNECTING: [R.Interrupted],
  ABORTED: [R.RemoteLogin, R.BannedByServer],
};

/** BEHAVIOUR §2: the states each state can move to. */
export const legalMoves: Record<ConnectionState, readonly ConnectionState[]> = {
  DISCONNECTED: [S.Connecting],
  CONNECTING: [S.Connected, S.Disconnected],
  CONNECTED: [S.Reconnecting, S.Aborted, S.Disconnected],
  RECONNECTING: [S.Connected, S.Aborted, S.Disconnected],
  ABORTED: [S.Disconnected],
};

/**
 * The problems of a path as seen on `connectionState$` (the first entry is
 * the replayed DISCONNECTED/LOGOUT): an illegal reason, an illegal move, or
 * the same pair twice in a row. Empty when the path is legal.
 */
export function pathProblems(path: readonly ConnectionStatePair[]): string[] {
  const problems: string[] = [];
  path.forEach(({ state, reason }, i) => {
    const pair = `${state}/${reason}`;
    if (!legalReasons[state].includes(reason)) problems.push(`#${i} ${pair}: illegal reason`);
    if (i === 0) return;
    const before = path[i - 1];
    if (before.state === state && before.reason === reason) problems.push(`#${i} ${pair}: repeated`);
    else if (before.state !== state && !legalMoves[before.state].includes(state))
      problems.push(`#${i} ${before.state} → ${state}: illegal move`);
  });
  return problems;
}
