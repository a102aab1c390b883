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
import { equalBytes } from '@noble/ciphers/utils.js';
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
  /**
   * Only on pairs from {@link generateKeyPairAsync}: computes the DHResult for `peerPublic` through
   * the asynchronous backend ahead of the synchronous shared(), which then returns it (the state
   * machine is synchronous; the session awaits this before dispatching a DHPart). Never rejects:
   * a value the backend refuses is left to shared(), which reports it exactly as the sync path.
   */
  prepareShared?(peerPublic: Uint8Array): Promise<void>;
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

/**
 * An asynchronous backend (WebCrypto: every SubtleCrypto call returns a promise). Same contract
 * as {@link KeyAgreementPrimitives}, same wire formats; results are validated by the same code.
 */
export interface AsyncKeyAgreementPrimitives {
  readonly name: string;
  supports(alg: DhKeyAgreement): boolean;
  publicValue(alg: DhKeyAgreement, secret: Uint8Array): Promise<Uint8Array>;
  sharedSecret(alg: DhKeyAgreement, secret: Uint8Array, peerPublic: Uint8Array): Promise<Uint8Array>;
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

/** DHResult length (§4.4.1.4): |p| for DH, 32 bytes (an x/u-coordinate) for EC25 and X255. */
function resultLength(alg: DhKeyAgreement): number {
  return alg === 'EC25' || alg === 'X255' ? 32 : publicValueLength(alg);
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

function checkedSync(alg: DhKeyAgreement, options: KeyPairOptions): KeyAgreementPrimitives {
  const chosen = options.primitives ?? PURE_JS_PRIMITIVES;
  if (typeof chosen.supports !== 'function') throw new TypeError('options.primitives must implement KeyAgreementPrimitives');
  return chosen.supports(alg) ? chosen : PURE_JS_PRIMITIVES;
}

function checkedAlgorithm(alg: KeyAgreementAlgorithm, random: Random): DhKeyAgreement {
  if (!isDh(alg)) throw new RangeError(`alg: ${String(alg)} is not a DH key agreement`);
  if (typeof random !== 'function') throw new TypeError('random must be a function');
  return alg;
}

function checkLength(alg: DhKeyAgreement, name: string, publicValue: Uint8Array): Uint8Array {
  if (publicValue.length !== publicValueLength(alg)) throw new Error(`${name}: ${alg} public value has the wrong length`);
  return publicValue;
}

/**
 * The pair around a drawn secret. `sync` computes shared() unless `ahead` (an async backend)
 * already prepared the result for exactly that peer value.
 */
function makeKeyPair(
  alg: DhKeyAgreement,
  secret: Uint8Array,
  publicValue: Uint8Array,
  sync: KeyAgreementPrimitives,
  ahead: AsyncKeyAgreementPrimitives | null,
): KeyPair {
  let destroyed = false;
  let prepared: { peerPublic: Uint8Array; result: Uint8Array } | null = null;
  const pair: KeyPair = {
    algorithm: alg,
    publicValue,
    shared(peerPublic: Uint8Array): Uint8Array {
      if (destroyed) throw new Error('key pair was destroyed');
      validatePeerPublicValue(alg, peerPublic);
      if (prepared && equalBytes(prepared.peerPublic, peerPublic)) {
        const { result } = prepared;
        prepared = null;
        return checkResult(alg, result);
      }
      return checkResult(alg, sync.sharedSecret(alg, secret, peerPublic));
    },
    destroy(): void {
      destroyed = true;
      prepared?.result.fill(0);
      prepared = null;
      sync.release?.(secret);
      ahead?.release?.(secret);
      secret.fill(0);
    },
  };
  if (ahead) {
    pair.prepareShared = async (peerPublic: Uint8Array): Promise<void> => {
      if (destroyed) return;
      try {
        validatePeerPublicValue(alg, peerPublic);
        const result = await ahead.sharedSecret(alg, secret, peerPublic);
        if (destroyed || result.length !== resultLength(alg)) return;
        prepared?.result.fill(0);
        prepared = { peerPublic: peerPublic.slice(), result };
      } catch {
        // Refused (e.g. a small-order X25519 value): shared() computes and reports it.
      }
    };
  }
  return pair;
}

/**
 * A fresh ephemeral key pair.
 * @param alg DH3k, DH2k, EC25 or X255 ('Mult' has no key pair: RangeError)
 * @param random injected randomness, e.g. (n) => crypto.getRandomValues(new Uint8Array(n))
 */
export function generateKeyPair(alg: KeyAgreementAlgorithm, random: Random, options: KeyPairOptions = {}): KeyPair {
  const dh = checkedAlgorithm(alg, random);
  const primitives = checkedSync(dh, options);
  const secret = drawSecret(dh, random, options.dhSecretBits ?? 512);
  return makeKeyPair(dh, secret, checkLength(dh, primitives.name, primitives.publicValue(dh, secret)), primitives, null);
}

/**
 * The same pair through an asynchronous backend (WebCrypto). The secret is drawn from `random`
 * synchronously, before this returns, so the randomness is consumed in the same order as by
 * generateKeyPair and seeded transcripts are byte-identical across backends. The public value
 * comes from `asyncPrimitives` (or, if it does not support `alg` or fails, from the sync backend);
 * prepareShared() lets the caller have the DH result computed the same way ahead of shared().
 */
export function generateKeyPairAsync(
  alg: KeyAgreementAlgorithm,
  random: Random,
  asyncPrimitives: AsyncKeyAgreementPrimitives,
  options: KeyPairOptions = {},
): Promise<KeyPair> {
  const dh = checkedAlgorithm(alg, random);
  const sync = checkedSync(dh, options);
  const secret = drawSecret(dh, random, options.dhSecretBits ?? 512);
  if (!asyncPrimitives.supports(dh)) return Promise.resolve(makeKeyPair(dh, secret, checkLength(dh, sync.name, sync.publicValue(dh, secret)), sync, null));
  return asyncPrimitives.publicValue(dh, secret).then(
    (publicValue) => makeKeyPair(dh, secret, checkLength(dh, asyncPrimitives.name, publicValue), sync, asyncPrimitives),
    () => makeKeyPair(dh, secret, checkLength(dh, sync.name, sync.publicValue(dh, secret)), sync, null),
  );
}

/** Check a peer's pv format and range without a key pair (same checks as shared()). */
export function assertPublicValue(alg: DhKeyAgreement, pv: Uint8Array): void {
  assertBytes(pv, 'pv');
  validatePeerPublicValue(alg, pv);
}
