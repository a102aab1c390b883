/**
 * The checks every decoded message goes through before a state handler sees it (bzrtp's
 * split: `bzrtp_packetCheck` and the repetition check run before the state function does its
 * own parsing, src/bzrtp.c, src/stateMachine.c). Pure: it reads the context and says what to
 * do; the session does it.
 *
 * Repetition (RFC 6189 §6, bzrtp BZRTP_ERROR_UNMATCHINGPACKETREPETITION): a message whose kind
 * we already stored from the peer (Hello, Commit, its DHPart, its Confirm) is either a faithful
 * retransmission — byte-identical, answered by the state as §6 asks — or something else in
 * the same place of the exchange. The latter is DROPPED and counted, never fatal, in every
 * state: on UDP anyone who can guess the SSRC and a sequence number can send it with a valid
 * CRC, and our stored copy (which fed the hash chain, hvi and total_hash) is the authentic one.
 * bzrtp returns the error code to its caller and carries on the same way.
 */

import { equalBytes } from '@noble/ciphers/utils.js';
import type { ZrtpMessage } from '../messages/index.ts';
import type { MachineContext } from './context.ts';
import type { Inbound } from './handler.ts';
import type { ZrtpDropReason } from './types.ts';

export type InboundRoute =
  /** Not for the state machine: count it, nothing else. */
  | { kind: 'drop'; reason: ZrtpDropReason }
  /** §5.9 Error while the exchange is in progress: acknowledge (§5.10) and fail. */
  | { kind: 'peer-error'; code: number }
  /** A faithful repeat of the peer's Hello: our HelloACK was lost (§4.1), ACK again. */
  | { kind: 'ack-hello' }
  /** A message for the state handler: a first one (checked and acted on) or a faithful repeat (answered, §6). */
  | { kind: 'dispatch'; input: Inbound };

/** Message kinds the exchange never uses here (Ping is answered by the UDP transport). */
const UNSUPPORTED = new Set<ZrtpMessage['type']>(['Ping', 'PingACK', 'GoClear', 'ClearACK', 'SASrelay', 'RelayACK']);

/** The copy of `type` we stored from the peer, if any (the peer's DHPart/Confirm: its role's one). */
export function storedPeerCopy(ctx: MachineContext, type: ZrtpMessage['type']): Uint8Array | null {
  switch (type) {
    case 'Hello':
      return ctx.peerHello?.bytes ?? null;
    case 'Commit':
      return ctx.peerCommit?.bytes ?? null;
    case 'DHPart1':
    case 'DHPart2':
      return ctx.peerDhPart?.message.type === type ? ctx.peerDhPart.bytes : null;
    case 'Confirm1':
    case 'Confirm2':
      // The initiator receives Confirm1, the responder Confirm2 (§4.6).
      if (ctx.peerConfirm === null) return null;
      return (type === 'Confirm1') === (ctx.role === 'initiator') ? ctx.peerConfirm : null;
    default:
      return null; // ACKs, Error...: nothing stored, nothing to compare
  }
}

/** Decides what happens to one decoded message in the current (live, non-failed) state. */
export function routeInbound(ctx: MachineContext, bytes: Uint8Array, message: ZrtpMessage): InboundRoute {
  if (message.type === 'Error') {
    // §5.9: "The Error message is sent to terminate an in-process ZRTP key agreement exchange".
    // Once secure there is no exchange in progress (and no check of ours that the peer could
    // still fail), and Error is unauthenticated: obeying it would let one forged packet end
    // the call. bzrtp's state_secure does not act on Error either.
    if (ctx.state === 'secure') return { kind: 'drop', reason: 'error-after-secure' };
    return { kind: 'peer-error', code: message.code };
  }
  if (message.type === 'ErrorACK') return { kind: 'drop', reason: 'unexpected' }; // we sent no Error (not failed)
  if (UNSUPPORTED.has(message.type)) return { kind: 'drop', reason: 'unsupported' };
  const stored = storedPeerCopy(ctx, message.type);
  if (stored === null) return { kind: 'dispatch', input: { bytes, message, repeat: false } };
  if (stored.length !== bytes.length || !equalBytes(stored, bytes)) return { kind: 'drop', reason: 'unmatched-repetition' };
  if (message.type === 'Hello' && ctx.state !== 'secure') return { kind: 'ack-hello' };
  return { kind: 'dispatch', input: { bytes, message, repeat: true } };
}
