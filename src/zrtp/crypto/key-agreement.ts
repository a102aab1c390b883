/**
 * Key agreement for ZRTP DH mode (RFC 6189 §4.4.1, §5.1.5): DH3k and DH2k (RFC 3526 MODP),
 * EC25 (NIST P-256, RFC 5903) and X255 (Curve25519, RFC 7748, as Linphone's bzrtp names it).
 *
 * Wire formats of the public value pv (DHPart1/DHPart2) and of the DH result:
 * - DH3k / DH2k: g^x mod p, big-endian, padded to 384 / 256 bytes; the result likewise (§4.4.1.4).
 * - EC25: x || y, 32 bytes each, big-endian (no 0x04 prefix, §5.1.5); result = x coordinate of
 *   the shared point, 32 bytes (§4.4.1.4, as in RFC 5903).
 * - X255: the 32-byte little-endian u-coordinate of RFC 7748 (what bctoolbox/libdecaf's
 *   decaf_x25519 reads and writes); result = the 32-byte X25519 output.
 *
 * Peer values are validated before use (§4.4.1.1): for DH, 1 < pv < p-1 (0, 1, p-1 and anything
 * >= p are rejected); for EC25 the point must be on the curve; for X255 an all-zero shared secret
 * (a small-order peer value) is rejected. Each rejection is ZrtpError SUSURRO_ZRTP_BAD_DH_VALUE with
 * protocol code DhBadPv (0x61).
 */
import { p256 } from '@noble/curves/nist.js';
import { x25519 } from '@noble/curves/ed25519.js';
import type { CipherAlgorithm, KeyAgreementAlgorithm } from '../algorithms.ts';
import { assertBytes, assertInteger } from '../bytes.ts';
import { ProtocolErrorCode, ZrtpError } from '../errors.ts';
import { bigIntToBytes, bytesToBigInt, modPow, MODP_2048, MODP_3072, type ModpGroup } from './modp.ts';

/** The key agreements that run a DH exchange. */
export type DhKeyAgreement = Exclude<KeyAgreementAlgorithm, 'Mult'>;

export interface KeyPair {
  readonly algorithm: KeyAgreementAlgorithm;
  /** Our public value pv, in the wire format above. */
  readonly publicValue: Uint8Array;
  /**
   * DHResult with the peer's pv (§4.4.1.4). Validates `peerPublic` first.
   * @throws ZrtpError SUSURRO_ZRTP_BAD_DH_VALUE (protocolCode 0x61) for a hostile or malformed value
   * @throws Error if called after destroy()
   */
  shared(peerPublic: Uint8Array): Uint8Array;
  /** Forget the secret (zeroes byte secrets; a BigInt exponent can only be dropped). */
  destroy(): void;
}

export interface KeyPairOptions {
  /**
   * DH2k/DH3k secret exponent size in bits. §4.4.1.1 / §5.1.5 want it at least twice the AES key
   * size; bzrtp uses 256 bits with AES1 and 512 with AES3 (see dhSecretBits). Default 512.
   */
  dhSecretBits?: number;
}

/** Length in bytes of a public value on the wire (§5.1.5; bzrtp's computeKeyAgreementPublicValueLength). */
export function publicValueLength(alg: KeyAgreementAlgorithm): number {
  switch (alg) {
    case 'DH3k':
      return 384;
    case 'DH2k':
      return 256;
    case 'EC25':
      return 64;
    case 'X255':
      return 32;
    default:
      throw new RangeError(`alg: ${String(alg)} has no public value`);
  }
}

/** DH secret exponent size for a cipher: twice the AES key length (§5.1.5), as bzrtp does. */
export function dhSecretBits(cipher: CipherAlgorithm): 256 | 512 {
  if (cipher === 'AES1') return 256;
  if (cipher === 'AES3') return 512;
  throw new RangeError(`cipher: unknown cipher ${String(cipher)}`);
}

function badPv(message: string): ZrtpError {
  return new ZrtpError('SUSURRO_ZRTP_BAD_DH_VALUE', message, { protocolCode: ProtocolErrorCode.DhBadPv });
}

type Random = (n: number) => Uint8Array;

function randomBytes(random: Random, n: number): Uint8Array {
  const out = random(n);
  if (!(out instanceof Uint8Array) || out.length !== n) throw new TypeError(`random(${n}) must return ${n} bytes`);
  return out;
}

function checkPeerLength(alg: DhKeyAgreement, peerPublic: Uint8Array): void {
  if (!(peerPublic instanceof Uint8Array)) throw new TypeError('peerPublic must be a Uint8Array');
  const expected = publicValueLength(alg);
  if (peerPublic.length !== expected) throw badPv(`${alg} public value must be ${expected} bytes, got ${peerPublic.length}`);
}

class DestroyedGuard {
  destroyed = false;
  check(): void {
    if (this.destroyed) throw new Error('key pair was destroyed');
  }
}

function modpKeyPair(group: ModpGroup, random: Random, secretBits: number): KeyPair {
  assertInteger(secretBits, 'dhSecretBits', 160, group.byteLength * 8 - 8);
  if (secretBits % 8 !== 0) throw new RangeError('dhSecretBits must be a multiple of 8');
  // Random exponent of secretBits bits with the top bit set (so it is never tiny) — the
  // "svi/svr" of §4.4.1.1.
  const raw = randomBytes(random, secretBits / 8);
  raw[0] = raw[0]! | 0x80;
  let x: bigint | null = bytesToBigInt(raw);
  raw.fill(0);
  const publicValue = bigIntToBytes(modPow(group.g, x, group.p), group.byteLength);
  const guard = new DestroyedGuard();
  return {
    algorithm: group.name,
    publicValue,
    shared(peerPublic) {
      guard.check();
      checkPeerLength(group.name, peerPublic);
      const y = bytesToBigInt(peerPublic);
      // §4.4.1.1: pvi/pvr of 0, 1, p-1 (and values >= p) MUST be rejected.
      if (y <= 1n || y >= group.p - 1n) throw badPv(`${group.name} public value out of range (1 < pv < p-1)`);
      const result = modPow(y, x!, group.p);
      if (result <= 1n) throw badPv(`${group.name} result is degenerate`);
      return bigIntToBytes(result, group.byteLength);
    },
    destroy() {
      guard.destroyed = true;
      x = null;
    },
  };
}

function p256KeyPair(random: Random): KeyPair {
  // 48 random bytes reduced mod n (FIPS 186-5 A.2.1 style; noble's randomSecretKey(seed)) —
  // negligible bias, never zero.
  const seed = randomBytes(random, 48);
  const secret = p256.utils.randomSecretKey(seed);
  seed.fill(0);
  const publicValue = p256.getPublicKey(secret, false).slice(1); // drop the 0x04 prefix: x || y
  const guard = new DestroyedGuard();
  return {
    algorithm: 'EC25',
    publicValue,
    shared(peerPublic) {
      guard.check();
      checkPeerLength('EC25', peerPublic);
      const sec1 = new Uint8Array(65);
      sec1[0] = 0x04;
      sec1.set(peerPublic, 1);
      let point: Uint8Array;
      try {
        // Decoding checks the coordinates are < p and the point is on the curve and not infinity.
        point = p256.getSharedSecret(secret, sec1, true);
      } catch (err) {
        throw badPv(`EC25 public value is not a valid P-256 point (${err instanceof Error ? err.message : 'invalid'})`);
      }
      return point.slice(1); // x coordinate only (§4.4.1.4)
    },
    destroy() {
      guard.destroyed = true;
      secret.fill(0);
    },
  };
}

function x25519KeyPair(random: Random): KeyPair {
  // RFC 7748 §5: any 32 random bytes; clamping happens inside the scalar multiplication.
  const secret = randomBytes(random, 32).slice();
  const publicValue = x25519.getPublicKey(secret);
  const guard = new DestroyedGuard();
  return {
    algorithm: 'X255',
    publicValue,
    shared(peerPublic) {
      guard.check();
      checkPeerLength('X255', peerPublic);
      let out: Uint8Array;
      try {
        out = x25519.getSharedSecret(secret, peerPublic);
      } catch (err) {
        // noble refuses an all-zero result (RFC 7748 §6.1): the peer sent a small-order point.
        throw badPv(`X255 public value gives a degenerate result (${err instanceof Error ? err.message : 'invalid'})`);
      }
      let acc = 0;
      for (const b of out) acc |= b;
      if (acc === 0) throw badPv('X255 shared secret is all zero (small-order public value, RFC 7748 §6.1)');
      return out;
    },
    destroy() {
      guard.destroyed = true;
      secret.fill(0);
    },
  };
}

/**
 * A fresh ephemeral key pair.
 * @param alg DH3k, DH2k, EC25 or X255 ('Mult' has no key pair: RangeError)
 * @param random injected randomness, e.g. (n) => crypto.getRandomValues(new Uint8Array(n))
 */
export function generateKeyPair(alg: KeyAgreementAlgorithm, random: Random, options: KeyPairOptions = {}): KeyPair {
  if (typeof random !== 'function') throw new TypeError('random must be a function');
  switch (alg) {
    case 'DH3k':
      return modpKeyPair(MODP_3072, random, options.dhSecretBits ?? 512);
    case 'DH2k':
      return modpKeyPair(MODP_2048, random, options.dhSecretBits ?? 512);
    case 'EC25':
      return p256KeyPair(random);
    case 'X255':
      return x25519KeyPair(random);
    default:
      throw new RangeError(`alg: ${String(alg)} is not a DH key agreement`);
  }
}

/** Check a peer's pv format without a key pair (length only; range checks need shared()). */
export function assertPublicValueLength(alg: DhKeyAgreement, pv: Uint8Array): void {
  assertBytes(pv, 'pv');
  checkPeerLength(alg, pv);
}
