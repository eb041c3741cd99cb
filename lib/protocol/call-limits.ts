/**
 * Bytes of a call invitation's content, and of its answer's response (BEHAVIOUR §7.5), for the client (which
 * refuses early) and the server (which refuses for certain). Apart from limits.ts, whose module the client's entry
 * carries whole, so that an app without invitations does not carry it.
 */
export const CALL_TEXT_BYTES = 8 * 1024;
