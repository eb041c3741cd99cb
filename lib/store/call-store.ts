/**
 * Call invitations shared by the nodes of a cluster (BEHAVIOUR §7.5): each
 * invitation is a record in the store, and every change to it is a
 * compare-and-set on its version, so of two nodes deciding one invitation at
 * once (an accept on the callee's node, a cancel on the caller's) exactly
 * one writes; the other reads the outcome. What to decide is the server's
 * pure transition (lib/server/invitation-life.ts), never the store's. The
 * parties hear of it through the store's events (`callEvent`), addressed to
 * their sessions on whichever node holds them, as peer messages are.
 */
import type { CallStatus } from '../server/invitation-life.js';

/** An invitation as the store keeps it. */
export interface CallRecord {
  readonly id: string;
  readonly caller: string;
  readonly callerSession: string;
  readonly callee: string;
  /** '' when the callee was not logged in (then FAILED PEER_OFFLINE from the start). */
  readonly calleeSession: string;
  readonly status: CallStatus;
  /** Counts the writes: a step names the version it read. */
  readonly version: number;
  /** When it was sent, on the store's clock (ms). */
  readonly sentAt: number;
}

/** A new invitation `call`, by the caller's request `id` (a repeat of that id is the same invitation). */
export interface CallInvite {
  readonly uid: string;
  readonly session: string;
  readonly id: number;
  readonly call: string;
  readonly to: string;
  /** The callee's `invitation` event, encoded. */
  readonly body: string;
  /** How long it waits to be received: its first deadline, after the sending (ms). */
  readonly ackMs: number;
  /** How long a record is kept from the sending (ms); once decided, that long again. */
  readonly keepMs: number;
}

/** A change of an invitation, as the transition gave it. */
export interface CallChange {
  readonly status: CallStatus;
  /** The sessions to tell, each with `body`, the `callState` event, encoded. */
  readonly tell: readonly string[];
  readonly body: string;
  /** The record's next deadline (store clock, ms); none once decided. */
  readonly deadline: number | undefined;
  readonly keepMs: number;
}

export type CallInviteResult =
  | { readonly outcome: 'gone' }
  /** `repeated`: the request id was seen before; this is its invitation as it is now. */
  | { readonly outcome: 'created' | 'repeated'; readonly record: CallRecord };

export type CallStepResult = { readonly ok: true } | { readonly ok: false; readonly record: CallRecord | undefined };

export interface CallStore {
  /** Rings `to`'s live session (a `callEvent` for it) or records FAILED PEER_OFFLINE; `gone`: not the uid's session. */
  invite(appId: string, invite: CallInvite): Promise<CallInviteResult>;
  read(appId: string, call: string): Promise<CallRecord | undefined>;
  /** Writes `change` if the record is still at `version`, and tells its sessions; else the record as it is now. */
  step(appId: string, call: string, version: number, change: CallChange): Promise<CallStepResult>;
  /** The invitations of a session, as caller or callee, not yet forgotten. */
  ofSession(appId: string, session: string): Promise<string[]>;
  /** Invitations whose deadline passed, and the store's clock now (ms). */
  due(): Promise<{ readonly now: number; readonly calls: ReadonlyArray<{ appId: string; call: string }> }>;
}
