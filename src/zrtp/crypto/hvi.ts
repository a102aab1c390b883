/**
 * The hash commitment (RFC 6189 §4.4.1.1): hvi = hash(initiator's DHPart2 message || responder's
 * Hello message), truncated to 256 bits, with the negotiated hash. The initiator puts it in
 * Commit; the responder recomputes it when DHPart2 arrives and aborts with DHhviMismatch (0x62)
 * if it differs — this is what binds the initiator to its DH value before seeing the responder's.
 */
import { equalBytes } from '@noble/ciphers/utils.js';
import type { HashAlgorithm } from '../algorithms.ts';
import { assertBytes } from '../bytes.ts';
import { ProtocolErrorCode, ZrtpError } from '../errors.ts';
import { hash } from './hash.ts';

/** hvi (32 bytes) from the encoded DHPart2 and the encoded responder Hello (whole messages). */
export function computeHvi(alg: HashAlgorithm, encodedDhPart2: Uint8Array, encodedResponderHello: Uint8Array): Uint8Array {
  assertBytes(encodedDhPart2, 'encodedDhPart2');
  assertBytes(encodedResponderHello, 'encodedResponderHello');
  return hash(alg, encodedDhPart2, encodedResponderHello).slice(0, 32);
}

/**
 * Responder side check of the Commit's hvi against the DHPart2 that arrived.
 * @throws ZrtpError SUSURRO_ZRTP_HVI_MISMATCH (protocol code DhHviMismatch 0x62)
 */
export function verifyHvi(alg: HashAlgorithm, commitHvi: Uint8Array, encodedDhPart2: Uint8Array, encodedResponderHello: Uint8Array): void {
  assertBytes(commitHvi, 'commitHvi', 32);
  if (!equalBytes(computeHvi(alg, encodedDhPart2, encodedResponderHello), commitHvi)) {
    throw new ZrtpError('SUSURRO_ZRTP_HVI_MISMATCH', 'hvi in Commit does not match DHPart2 (RFC 6189 §4.4.1.1)', {
      protocolCode: ProtocolErrorCode.DhHviMismatch,
    });
  }
}
