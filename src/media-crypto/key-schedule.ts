/**
 * SFrame key schedule, RFC 9605 §4.4.2:
 *
 *   sframe_secret = HKDF-Extract("", base_key)
 *   sframe_key    = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret key "  || KID || suite, Nk)
 *   sframe_salt   = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret salt " || KID || suite, Nn)
 *
 * KID is encoded as 8 bytes and the cipher suite as 2 bytes, both big-endian; HKDF uses the
 * suite's hash. WebCrypto's HKDF is Extract-then-Expand, so one call with salt = "" and
 * info = label computes each value; the AES-GCM key is derived straight into a
 * non-extractable CryptoKey and never exists as bytes in JavaScript. (CTR+HMAC suites must split
 * sframe_key into two keys, §4.5.1, so their bytes pass briefly through memory and are zeroed.)
 */
import { bs, gcmAead, importAead, type SframeAead } from './aead.ts';
import { concatBytes } from '@noble/hashes/utils.js';
import { assertBytes, u16be, u64be } from '../zrtp/bytes.ts';
import { cipherSuite, type CipherSuite } from './cipher-suites.ts';
import { SframeError } from './errors.ts';
import { MAX_UINT64 } from './header.ts';

const encoder = new TextEncoder();
const KEY_LABEL = encoder.encode('SFrame 1.0 Secret key ');
const SALT_LABEL = encoder.encode('SFrame 1.0 Secret salt ');

/** Shape check for keys handed to SframeSender / SframeReceiver (they must come from deriveSframeKey). */
export function assertSframeKey(key: unknown): asserts key is SframeKey {
  const k = key as Partial<SframeKey> | null;
  if (
    typeof k !== 'object' || k === null || typeof k.kid !== 'bigint' || typeof k.aead?.seal !== 'function' ||
    !(k.salt instanceof Uint8Array) || typeof k.suite?.nt !== 'number' || k.salt.length !== k.suite.nn
  ) {
    throw new TypeError('key must be an SframeKey from deriveSframeKey');
  }
}

/** Everything needed to protect frames under one KID. */
export interface SframeKey {
  readonly kid: bigint;
  readonly suite: CipherSuite;
  readonly aead: SframeAead;
  /** sframe_salt (Nn bytes). Treated as secret: never logged. */
  readonly salt: Uint8Array;
}

function assertKid(kid: bigint): void {
  if (typeof kid !== 'bigint') throw new TypeError('kid must be a bigint');
  if (kid < 0n || kid > MAX_UINT64) throw new RangeError('kid must be in 0..2^64-1');
}

/** "SFrame 1.0 Secret key " || KID (8 bytes BE) || suite (2 bytes BE). */
export function sframeKeyLabel(kid: bigint, suiteId: number): Uint8Array {
  assertKid(kid);
  return concatBytes(KEY_LABEL, u64be(kid), u16be(suiteId));
}

/** "SFrame 1.0 Secret salt " || KID (8 bytes BE) || suite (2 bytes BE). */
export function sframeSaltLabel(kid: bigint, suiteId: number): Uint8Array {
  assertKid(kid);
  return concatBytes(SALT_LABEL, u64be(kid), u16be(suiteId));
}

/** Import raw base key bytes as a non-extractable HKDF key (usable only for derivation). */
export async function importBaseKey(baseKey: Uint8Array): Promise<CryptoKey> {
  assertBytes(baseKey, 'baseKey');
  if (baseKey.length === 0) throw new SframeError('SUSURRO_SFRAME_INVALID_ARGUMENT', 'empty base key');
  return globalThis.crypto.subtle.importKey('raw', bs(baseKey), 'HKDF', false, ['deriveKey', 'deriveBits']);
}

function assertHkdfKey(key: CryptoKey): void {
  if (typeof CryptoKey === 'function' && !(key instanceof CryptoKey)) throw new TypeError('base key must be a CryptoKey or a Uint8Array');
  if (key.algorithm.name !== 'HKDF' || !key.usages.includes('deriveBits') || !key.usages.includes('deriveKey')) {
    throw new TypeError('base key must be an HKDF CryptoKey with deriveKey and deriveBits usages');
  }
}

function hkdfParams(suite: CipherSuite, info: Uint8Array): HkdfParams {
  return { name: 'HKDF', hash: suite.hash, salt: new Uint8Array(0), info: bs(info) };
}

/**
 * Derive the SFrame key and salt for `kid` from a base key (RFC 9605 §4.4.2). The base key may be
 * raw bytes (imported non-extractable at once) or an HKDF CryptoKey, e.g. posted by the page.
 */
export async function deriveSframeKey(suiteId: number, kid: bigint, baseKey: CryptoKey | Uint8Array): Promise<SframeKey> {
  const suite = cipherSuite(suiteId);
  assertKid(kid);
  const base = baseKey instanceof Uint8Array ? await importBaseKey(baseKey) : baseKey;
  assertHkdfKey(base);
  const subtle = globalThis.crypto.subtle;
  const salt = new Uint8Array(await subtle.deriveBits(hkdfParams(suite, sframeSaltLabel(kid, suite.id)), base, suite.nn * 8));
  let aead: SframeAead;
  if (suite.kind === 'gcm') {
    const key = await subtle.deriveKey(
      hkdfParams(suite, sframeKeyLabel(kid, suite.id)),
      base,
      { name: 'AES-GCM', length: suite.nk * 8 },
      false,
      ['encrypt', 'decrypt'],
    );
    aead = gcmAead(suite, key);
  } else {
    const bytes = new Uint8Array(await subtle.deriveBits(hkdfParams(suite, sframeKeyLabel(kid, suite.id)), base, suite.nk * 8));
    try {
      aead = await importAead(suite, bytes);
    } finally {
      bytes.fill(0);
    }
  }
  return Object.freeze({ kid, suite, aead, salt });
}

/**
 * The raw sframe_secret-derived key and salt bytes, for known-answer tests and SPEC.md vectors
 * only: the media path never materialises AES-GCM key bytes.
 */
export async function deriveSframeKeyBytes(
  suiteId: number,
  kid: bigint,
  baseKey: Uint8Array,
): Promise<{ key: Uint8Array; salt: Uint8Array }> {
  const suite = cipherSuite(suiteId);
  assertKid(kid);
  const base = await importBaseKey(baseKey);
  const subtle = globalThis.crypto.subtle;
  const key = new Uint8Array(await subtle.deriveBits(hkdfParams(suite, sframeKeyLabel(kid, suite.id)), base, suite.nk * 8));
  const salt = new Uint8Array(await subtle.deriveBits(hkdfParams(suite, sframeSaltLabel(kid, suite.id)), base, suite.nn * 8));
  return { key, salt };
}
