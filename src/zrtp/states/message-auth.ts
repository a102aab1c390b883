/**
 * Message authentication with the hash chain (RFC 6189 §9): each message carries a 64-bit MAC
 * keyed by the hash-chain element the sender reveals in its NEXT message, so a MAC can only be
 * checked one message later:
 *   Hello  (MAC key H2) — checked when the Commit (responder) / DHPart1 (initiator) reveals H2/H1
 *   Commit (MAC key H1) — checked when DHPart2 reveals H1
 *   DHPart (MAC key H0) — checked when the Confirm reveals H0
 * As in bzrtp (src/packetParser.c), these MACs are HMAC-SHA-256 whatever hash was negotiated:
 * the hash chain itself is SHA-256 and the Hello MAC predates negotiation.
 *
 * A message failing these checks is unauthenticated: anyone on the path could have sent it, so
 * it is dropped (as bzrtp's parser does) rather than allowed to end the call; the genuine
 * message, retransmitted by the peer, still gets through. The errors carry no protocolCode and
 * are recognised by {@link isUnauthenticatedMessage}. (A Confirm with a bad confirm_mac is
 * different: RFC 6189 §5.7 answers it with Error 0x70, see ../states/confirmation.ts.)
 */
import { equalBytes } from '@noble/ciphers/utils.js';
import { hmac } from '../crypto/hash.ts';
import { ZrtpError } from '../errors.ts';
import { hashImage } from '../hash-chain.ts';

const MAC_LENGTH = 8;

/** The 8-byte MAC of an encoded message whose last 8 bytes are the MAC field (ignored). */
export function chainMac(key: Uint8Array, encoded: Uint8Array): Uint8Array {
  return hmac('S256', key, encoded.subarray(0, encoded.length - MAC_LENGTH)).slice(0, MAC_LENGTH);
}

/** Writes the MAC into the last 8 bytes of `encoded` (in place) and returns it. */
export function sealWithChainMac(key: Uint8Array, encoded: Uint8Array): Uint8Array {
  encoded.set(chainMac(key, encoded), encoded.length - MAC_LENGTH);
  return encoded;
}

/** Throws SUSURRO_ZRTP_BAD_MAC unless the stored message's MAC verifies under `key`. */
export function verifyChainMac(key: Uint8Array, encoded: Uint8Array, what: string): void {
  const expected = chainMac(key, encoded);
  if (!equalBytes(expected, encoded.subarray(encoded.length - MAC_LENGTH))) {
    throw new ZrtpError('SUSURRO_ZRTP_BAD_MAC', `${what} MAC does not verify (RFC 6189 §9)`);
  }
}

/** hash^steps(preimage) == image, else SUSURRO_ZRTP_HASH_CHAIN. */
export function verifyChain(preimage: Uint8Array, image: Uint8Array, steps: 1 | 2, what: string): void {
  let h = preimage;
  for (let i = 0; i < steps; i++) h = hashImage(h);
  if (!equalBytes(h, image)) {
    throw new ZrtpError('SUSURRO_ZRTP_HASH_CHAIN', `${what}: hash chain link does not hold (RFC 6189 §9)`);
  }
}

/** True for the hash-chain / chain-MAC failures above: the message is dropped, not fatal. */
export function isUnauthenticatedMessage(e: unknown): boolean {
  return (
    e instanceof ZrtpError &&
    e.protocolCode === undefined &&
    (e.code === 'SUSURRO_ZRTP_HASH_CHAIN' || e.code === 'SUSURRO_ZRTP_BAD_MAC')
  );
}
