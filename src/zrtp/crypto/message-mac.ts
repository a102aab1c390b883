/**
 * The MAC that ends Hello, Commit, DHPart1 and DHPart2 (RFC 6189 §5.2, §5.4–§5.6, §9): an HMAC
 * keyed by the sender's next hash-chain preimage over the whole message except the MAC itself,
 * truncated to 64 bits. Hello is keyed by H2, Commit by H1, DHPart by H0; the receiver checks it
 * when the next message reveals the key. bzrtp and GNU ZRTP use HMAC-SHA-256 for these MACs
 * whatever hash is negotiated (Hello is sent before any negotiation), so callers pass 'S256'.
 */
import { equalBytes } from '@noble/ciphers/utils.js';
import type { HashAlgorithm } from '../algorithms.ts';
import { assertBytes } from '../bytes.ts';
import { ZrtpError, ProtocolErrorCode } from '../errors.ts';
import { MESSAGE_HEADER_LENGTH } from '../messages/framing.ts';
import { hmac } from './hash.ts';

export const MESSAGE_MAC_LENGTH = 8;

/** HMAC(key, encodedMessageWithoutMac) truncated to 64 bits. */
export function messageMac(alg: HashAlgorithm, key: Uint8Array, encodedMessageWithoutMac: Uint8Array): Uint8Array {
  assertBytes(key, 'key');
  assertBytes(encodedMessageWithoutMac, 'encodedMessageWithoutMac');
  return hmac(alg, key, encodedMessageWithoutMac).slice(0, MESSAGE_MAC_LENGTH);
}

function checkEncoded(encoded: Uint8Array): void {
  assertBytes(encoded, 'encodedMessage');
  if (encoded.length < MESSAGE_HEADER_LENGTH + MESSAGE_MAC_LENGTH) throw new RangeError('encodedMessage is too short to carry a MAC');
}

/**
 * A copy of an encoded message (built with any placeholder MAC) whose last 8 bytes are replaced by
 * the MAC computed over everything before them.
 */
export function withMessageMac(alg: HashAlgorithm, key: Uint8Array, encodedMessage: Uint8Array): Uint8Array {
  checkEncoded(encodedMessage);
  const out = encodedMessage.slice();
  const cut = out.length - MESSAGE_MAC_LENGTH;
  out.set(messageMac(alg, key, out.subarray(0, cut)), cut);
  return out;
}

/**
 * Check the trailing MAC of an encoded Hello/Commit/DHPart against `key`, in constant time.
 * @throws ZrtpError SUSURRO_ZRTP_BAD_MAC (protocol code MalformedPacket 0x10: §5.9 has no
 *   dedicated code; bzrtp drops such packets)
 */
export function verifyMessageMac(alg: HashAlgorithm, key: Uint8Array, encodedMessage: Uint8Array): void {
  checkEncoded(encodedMessage);
  const cut = encodedMessage.length - MESSAGE_MAC_LENGTH;
  const expected = messageMac(alg, key, encodedMessage.subarray(0, cut));
  if (!equalBytes(expected, encodedMessage.subarray(cut))) {
    throw new ZrtpError('SUSURRO_ZRTP_BAD_MAC', 'message MAC does not match the revealed hash-chain key (RFC 6189 §9)', {
      protocolCode: ProtocolErrorCode.MalformedPacket,
    });
  }
}
