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
 * Peer values are validated here, before any backend sees them (§4.4.1.1): for DH, 1 < pv < p-1
 * (0, 1, p-1 and anything >= p are rejected); for EC25 the point must be on the curve; for X255 an
 * all-zero shared secret (a small-order peer value) is rejected. Each rejection is ZrtpError
 * SUSURRO_ZRTP_BAD_DH_VALUE with protocol code DhBadPv (0x61).
 *
 * The arithmetic itself comes from a {@link KeyAgreementPrimitives} backend: by default the
 * portable pure-JS one below (@noble/curves, native BigInt); a Node process may inject OpenSSL's
 * (./node-key-agreement.ts) for speed. Secrets always come from the injected `random`, so both
 * backends produce the same public values for the same randomness.
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
  /** Zero the secret. */
  destroy(): void;
}

/**
 * Stateless arithmetic of a key agreement backend. `secret` is what {@link generateKeyPair} drew
 * from the injected randomness: the big-endian DH exponent, the 32-byte P-256 scalar (already
 * reduced, non-zero), or the 32 raw X25519 bytes (clamped by the primitive, RFC 7748 §5).
 * `peerPublic` has already been validated.
 */
export interface KeyAgreementPrimitives {
  readonly name: string;
  supports(alg: DhKeyAgreement): boolean;
  publicValue(alg: DhKeyAgreement, secret: Uint8Array): Uint8Array;
  sharedSecret(alg: DhKeyAgreement, secret: Uint8Array, peerPublic: Uint8Array): Uint8Array;
  /** Optional: drop anything derived from `secret` (called by KeyPair.destroy before zeroing it). */
  release?(secret: Uint8Array): void;
}

export interface KeyPairOptions {
  /**
   * DH2k/DH3k secret exponent size in bits. §4.4.1.1 / §5.1.5 want it at least twice the AES key
   * size; bzrtp uses 256 bits with AES1 and 512 with AES3 (see dhSecretBits). Default 512.
   */
  dhSecretBits?: number;
  /** Arithmetic backend; default {@link PURE_JS_PRIMITIVES}. Falls back to it for unsupported algorithms. */
  primitives?: KeyAgreementPrimitives;
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

/** The MODP group of a finite-field key agreement, or null for the elliptic ones. */
export function modpGroup(alg: DhKeyAgreement): ModpGroup | null {
  return alg === 'DH3k' ? MODP_3072 : alg === 'DH2k' ? MODP_2048 : null;
}

function badPv(message: string): ZrtpError {
  return new ZrtpError('SUSURRO_ZRTP_BAD_DH_VALUE', message, { protocolCode: ProtocolErrorCode.DhBadPv });
}

type Random = (n: number) => Uint8Array;

function randomBytes(random: Random, n: number): Uint8Array {
  const out = random(n);
  if (!(out instanceof Uint8Array) || out.length !== n) throw new TypeError(`random(${n}) must return ${n} bytes`);
  return out.slice();
}

/**
 * Check a peer's pv before it reaches any arithmetic (§4.4.1.1).
 * @throws TypeError if not bytes; ZrtpError SUSURRO_ZRTP_BAD_DH_VALUE if hostile or malformed
 */
export function validatePeerPublicValue(alg: DhKeyAgreement, peerPublic: Uint8Array): void {
  if (!(peerPublic instanceof Uint8Array)) throw new TypeError('peerPublic must be a Uint8Array');
  const expected = publicValueLength(alg);
  if (peerPublic.length !== expected) throw badPv(`${alg} public value must be ${expected} bytes, got ${peerPublic.length}`);
  const group = modpGroup(alg);
  if (group) {
    const y = bytesToBigInt(peerPublic);
    // §4.4.1.1: pvi/pvr of 0, 1, p-1 (and values >= p) MUST be rejected.
    if (y <= 1n || y >= group.p - 1n) throw badPv(`${alg} public value out of range (1 < pv < p-1)`);
  } else if (alg === 'EC25') {
    try {
      // Decoding checks that both coordinates are < p and that the point is on the curve.
      p256.Point.fromBytes(new Uint8Array([0x04, ...peerPublic])).assertValidity();
    } catch {
      throw badPv('EC25 public value is not a valid P-256 point');
    }
  }
  // X255: every 32-byte string is a u-coordinate (RFC 7748 §5); small-order ones are caught by
  // the all-zero result check.
}

function checkResult(alg: DhKeyAgreement, result: Uint8Array): Uint8Array {
  let acc = 0;
  for (const b of result) acc |= b;
  if (acc === 0) throw badPv(`${alg} shared secret is all zero (small-order public value, RFC 7748 §6.1)`);
  if (modpGroup(alg) && bytesToBigInt(result) <= 1n) throw badPv(`${alg} result is degenerate`);
  return result;
}

/** The portable backend: native BigInt for MODP, @noble/curves for P-256 and X25519. */
export const PURE_JS_PRIMITIVES: KeyAgreementPrimitives = Object.freeze({
  name: 'pure-js (BigInt, @noble/curves)',
  supports: () => true,
  publicValue(alg: DhKeyAgreement, secret: Uint8Array): Uint8Array {
    const group = modpGroup(alg);
    if (group) return bigIntToBytes(modPow(group.g, bytesToBigInt(secret), group.p), group.byteLength);
    if (alg === 'EC25') return p256.getPublicKey(secret, false).slice(1);
    return x25519.getPublicKey(secret);
  },
  sharedSecret(alg: DhKeyAgreement, secret: Uint8Array, peerPublic: Uint8Array): Uint8Array {
    const group = modpGroup(alg);
    if (group) return bigIntToBytes(modPow(bytesToBigInt(peerPublic), bytesToBigInt(secret), group.p), group.byteLength);
    if (alg === 'EC25') return p256.getSharedSecret(secret, new Uint8Array([0x04, ...peerPublic]), true).slice(1);
    try {
      return x25519.getSharedSecret(secret, peerPublic);
    } catch {
      // noble refuses an all-zero result itself; report it like checkResult does.
      return new Uint8Array(32);
    }
  },
});

/** Draw the secret for `alg` from the injected randomness (see KeyAgreementPrimitives). */
function drawSecret(alg: DhKeyAgreement, random: Random, secretBits: number): Uint8Array {
  const group = modpGroup(alg);
  if (group) {
    assertInteger(secretBits, 'dhSecretBits', 160, group.byteLength * 8 - 8);
    if (secretBits % 8 !== 0) throw new RangeError('dhSecretBits must be a multiple of 8');
    // The top bit is set so the exponent ("svi"/"svr", §4.4.1.1) always has secretBits bits.
    const raw = randomBytes(random, secretBits / 8);
    raw[0] = raw[0]! | 0x80;
    return raw;
  }
  if (alg === 'EC25') {
    // 48 random bytes reduced to [1, n-1] (FIPS 186-5 A.2.1; noble's randomSecretKey(seed)).
    const seed = randomBytes(random, 48);
    const secret = p256.utils.randomSecretKey(seed);
    seed.fill(0);
    return secret;
  }
  return randomBytes(random, 32); // RFC 7748 §5: clamping happens in the scalar multiplication
}

function isDh(alg: unknown): alg is DhKeyAgreement {
  return alg === 'DH3k' || alg === 'DH2k' || alg === 'EC25' || alg === 'X255';
}

/**
 * A fresh ephemeral key pair.
 * @param alg DH3k, DH2k, EC25 or X255 ('Mult' has no key pair: RangeError)
 * @param random injected randomness, e.g. (n) => crypto.getRandomValues(new Uint8Array(n))
 */
export function generateKeyPair(alg: KeyAgreementAlgorithm, random: Random, options: KeyPairOptions = {}): KeyPair {
  if (!isDh(alg)) throw new RangeError(`alg: ${String(alg)} is not a DH key agreement`);
  if (typeof random !== 'function') throw new TypeError('random must be a function');
  const chosen = options.primitives ?? PURE_JS_PRIMITIVES;
  if (typeof chosen.supports !== 'function') throw new TypeError('options.primitives must implement KeyAgreementPrimitives');
  const primitives = chosen.supports(alg) ? chosen : PURE_JS_PRIMITIVES;
  const secret = drawSecret(alg, random, options.dhSecretBits ?? 512);
  const publicValue = primitives.publicValue(alg, secret);
  if (publicValue.length !== publicValueLength(alg)) throw new Error(`${primitives.name}: ${alg} public value has the wrong length`);
  let destroyed = false;
  return {
    algorithm: alg,
    publicValue,
    shared(peerPublic: Uint8Array): Uint8Array {
      if (destroyed) throw new Error('key pair was destroyed');
      validatePeerPublicValue(alg, peerPublic);
      return checkResult(alg, primitives.sharedSecret(alg, secret, peerPublic));
    },
    destroy(): void {
      destroyed = true;
      primitives.release?.(secret);
      secret.fill(0);
    },
  };
}

/** Check a peer's pv format and range without a key pair (same checks as shared()). */
export function assertPublicValue(alg: DhKeyAgreement, pv: Uint8Array): void {
  assertBytes(pv, 'pv');
  validatePeerPublicValue(alg, pv);
}
