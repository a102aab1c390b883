/** The shape of a per-state handler, and the repeated-message rule shared by several states. */
import { constantTimeEqual } from '../crypto/hash.ts';
import { ZrtpError } from '../errors.ts';
import type { ZrtpMessage } from '../messages/index.ts';
import type { MachineContext, Received } from './context.ts';

/** Handles one decoded message in one state. Throws ZrtpError for fatal protocol failures. */
export type StateHandler = (ctx: MachineContext, input: Received<ZrtpMessage>) => void;

/**
 * RFC 6189 §6 / bzrtp: a retransmitted message must be byte-identical to the copy we stored;
 * returns true for a faithful repeat, throws SUSURRO_ZRTP_REPEATED_MISMATCH otherwise (a
 * different message claiming the same place in the exchange is an attack or a broken peer).
 */
export function isFaithfulRepeat(stored: Uint8Array, received: Uint8Array, what: string, protocolCode?: number): true {
  if (stored.length === received.length && constantTimeEqual(stored, received)) return true;
  throw new ZrtpError('SUSURRO_ZRTP_REPEATED_MISMATCH', `repeated ${what} differs from the first one`, protocolCode === undefined ? undefined : { protocolCode });
}
