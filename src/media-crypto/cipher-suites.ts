/**
 * SFrame cipher suites, RFC 9605 §4.5 and the IANA registry of §8.1.
 *
 * Nh: hash output length; Nka: AES key part of sframe_key (CTR+HMAC only); Nk: sframe_key length;
 * Nn: nonce length; Nt: tag length (all in bytes).
 *
 * Suites 0x0006..0x0008 are NOT in RFC 9605: they are the AES-256-CTR + HMAC-SHA-512
 * construction of §4.5.1 with a 256-bit key, exercised by the sframe-wg reference vectors
 * (`aes_256_ctr_hmac` in vectors/sframe-rfc9605.json). They are kept for vector coverage and
 * are never chosen by the ZRTP key schedule.
 */
import { SframeError } from './errors.ts';

export type SframeHash = 'SHA-256' | 'SHA-512';

export interface CipherSuite {
  id: number;
  name: string;
  kind: 'gcm' | 'ctr-hmac';
  hash: SframeHash;
  nh: number;
  nka: number;
  nk: number;
  nn: number;
  nt: number;
}

function ctrHmac(id: number, name: string, hash: SframeHash, nka: number, nt: number): CipherSuite {
  const nh = hash === 'SHA-256' ? 32 : 64;
  return { id, name, kind: 'ctr-hmac', hash, nh, nka, nk: nka + nh, nn: 12, nt };
}

export const CIPHER_SUITES: Readonly<Record<number, CipherSuite>> = Object.freeze({
  // RFC 9605 §4.5 table / §8.1 registry.
  0x0001: ctrHmac(0x0001, 'AES_128_CTR_HMAC_SHA256_80', 'SHA-256', 16, 10),
  0x0002: ctrHmac(0x0002, 'AES_128_CTR_HMAC_SHA256_64', 'SHA-256', 16, 8),
  0x0003: ctrHmac(0x0003, 'AES_128_CTR_HMAC_SHA256_32', 'SHA-256', 16, 4),
  0x0004: { id: 0x0004, name: 'AES_128_GCM_SHA256_128', kind: 'gcm', hash: 'SHA-256', nh: 32, nka: 0, nk: 16, nn: 12, nt: 16 },
  0x0005: { id: 0x0005, name: 'AES_256_GCM_SHA512_128', kind: 'gcm', hash: 'SHA-512', nh: 64, nka: 0, nk: 32, nn: 12, nt: 16 },
  // Not registered (see above): reference-vector coverage only.
  0x0006: ctrHmac(0x0006, 'AES_256_CTR_HMAC_SHA512_80', 'SHA-512', 32, 10),
  0x0007: ctrHmac(0x0007, 'AES_256_CTR_HMAC_SHA512_64', 'SHA-512', 32, 8),
  0x0008: ctrHmac(0x0008, 'AES_256_CTR_HMAC_SHA512_32', 'SHA-512', 32, 4),
});

export const AES_128_GCM_SHA256_128 = 0x0004;
export const AES_256_GCM_SHA512_128 = 0x0005;

export function cipherSuite(id: number): CipherSuite {
  if (typeof id !== 'number' || !Number.isInteger(id)) throw new TypeError('cipher suite id must be an integer');
  const suite = CIPHER_SUITES[id];
  if (!suite) throw new SframeError('SUSURRO_SFRAME_UNSUPPORTED_SUITE', `cipher suite 0x${id.toString(16).padStart(4, '0')}`);
  return suite;
}
