/**
 * The a=zrtp-hash SDP attribute (RFC 6189 §8.1): "<version> <hex SHA-256 of the Hello message>",
 * e.g. "1.10 8a28…df77". It binds the Hello (and with it H3, so the whole hash chain) to the
 * signalling, so a MiTM on the media path cannot substitute its own Hello. The hash covers the
 * Hello MESSAGE only (preamble through MAC), not the packet header or CRC; hex is lowercase.
 */
import { equalBytes } from '@noble/ciphers/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { assertBytes, assertString } from './bytes.ts';

import { ZrtpError } from './errors.ts';
import { MESSAGE_TYPE_BLOCKS } from './messages/framing.ts';

export const ZRTP_HASH_VERSION = '1.10';

function checkHello(encodedHello: Uint8Array): void {
  assertBytes(encodedHello, 'encodedHello');
  const block = String.fromCharCode(...encodedHello.subarray(4, 12));
  if (encodedHello.length < 12 || block !== MESSAGE_TYPE_BLOCKS.Hello) {
    throw new RangeError('encodedHello must be an encoded Hello message');
  }
}

/** The a=zrtp-hash value for our encoded Hello (§8.1). */
export function zrtpHashAttribute(encodedHello: Uint8Array): string {
  checkHello(encodedHello);
  return `${ZRTP_HASH_VERSION} ${bytesToHex(sha256(encodedHello))}`;
}

/** Split an a=zrtp-hash value into version and 32-byte hash; null if it is not well-formed. */
export function parseZrtpHashAttribute(value: string): { version: string; hash: Uint8Array } | null {
  assertString(value, 'value');
  const m = /^\s*(\d\.\d{1,2})\s+([0-9a-fA-F]{64})\s*$/.exec(value);
  if (!m) return null;
  const hex = m[2]!.toLowerCase();
  const hash = new Uint8Array(32);
  for (let i = 0; i < 32; i++) hash[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return { version: m[1]!, hash };
}

/**
 * Check a peer's Hello against the a=zrtp-hash value from its SDP (§8.1), in constant time.
 * @throws ZrtpError SUSURRO_ZRTP_ZRTP_HASH_MISMATCH if it does not match or is unparsable
 */
export function verifyZrtpHash(attribute: string, encodedHello: Uint8Array): void {
  checkHello(encodedHello);
  const parsed = parseZrtpHashAttribute(attribute);
  if (parsed === null || !equalBytes(parsed.hash, sha256(encodedHello))) {
    throw new ZrtpError('SUSURRO_ZRTP_ZRTP_HASH_MISMATCH', 'Hello does not match the signalled a=zrtp-hash (RFC 6189 §8.1)');
  }
}
