/**
 * OpenSSL-backed key agreement primitives for Node (node:crypto), injected through
 * `generateKeyPair(..., { primitives: NODE_PRIMITIVES })` where speed matters (the zrtp-peer CLI,
 * benchmarks). OpenSSL's constant-time, assembler-optimised X25519/P-256/modexp are 10-30x faster
 * than pure JS.
 *
 * NODE ONLY, like cache/file-cache.ts: never imported by src/zrtp/index.ts or browser code. The
 * ZRTP rules stay in key-agreement.ts: secrets are drawn there from the injected randomness and peer
 * values are validated there before they reach these functions; this file only does arithmetic in
 * the same wire formats, so it is interchangeable with PURE_JS_PRIMITIVES (tests check both agree
 * byte for byte).
 */
import { createDiffieHellman, createECDH, createPrivateKey, createPublicKey, diffieHellman, type DiffieHellman, type KeyObject } from 'node:crypto';
import type { DhKeyAgreement, KeyAgreementPrimitives } from './key-agreement.ts';
import { modpGroup } from './key-agreement.ts';
import { bigIntToBytes } from './modp.ts';

const GENERATOR = Buffer.from([2]);

/**
 * One DiffieHellman object per MODP group, reused: OpenSSL 3.5 (Node 24) checks the prime on
 * every createDiffieHellman, 0.3-0.6 s for 2048/3072 bits, more than the whole handshake.
 * Uses are synchronous, so two never interleave; the secret is set just before each use and
 * overwritten with a throwaway value right after, so none stays in the shared object.
 */
const groupCache = new Map<DhKeyAgreement, DiffieHellman>();
const SCRUB = Buffer.from([1]);

function withGroup(alg: DhKeyAgreement, secret: Uint8Array, use: (dh: DiffieHellman) => Buffer): Uint8Array {
  const group = modpGroup(alg)!;
  let dh = groupCache.get(alg);
  if (!dh) {
    dh = createDiffieHellman(Buffer.from(bigIntToBytes(group.p, group.byteLength)), GENERATOR);
    groupCache.set(alg, dh);
  }
  dh.setPrivateKey(Buffer.from(secret));
  try {
    return pad(use(dh), group.byteLength);
  } finally {
    dh.setPrivateKey(SCRUB);
  }
}

function pad(value: Buffer, length: number): Uint8Array {
  // OpenSSL drops leading zero bytes of public values and secrets; ZRTP pads to |p| (§4.4.1.4).
  const out = new Uint8Array(length);
  out.set(value, length - value.length);
  return out;
}

/**
 * X25519 private KeyObjects by secret, so a key pair imports its secret once (OpenSSL 3's key
 * import is the dominant cost). Entries go when the key pair releases its secret (destroy) or
 * is garbage-collected.
 */
const x25519Keys = new WeakMap<Uint8Array, KeyObject>();

/**
 * PKCS#8 PrivateKeyInfo for X25519 up to the 32 secret bytes (RFC 8410 §7: version 0,
 * id-X25519 1.3.101.110, OCTET STRING wrapping the CurvePrivateKey). A JWK without `x` was
 * cheaper, but Node 24 refuses it ("Invalid JWK OKP key").
 */
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

function x25519Private(secret: Uint8Array): KeyObject {
  let key = x25519Keys.get(secret);
  if (!key) {
    key = createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, secret]), format: 'der', type: 'pkcs8' });
    x25519Keys.set(secret, key);
  }
  return key;
}

export const NODE_PRIMITIVES: KeyAgreementPrimitives = Object.freeze({
  name: 'node:crypto (OpenSSL)',
  supports: (alg: DhKeyAgreement) => alg === 'DH3k' || alg === 'DH2k' || alg === 'EC25' || alg === 'X255',
  publicValue(alg: DhKeyAgreement, secret: Uint8Array): Uint8Array {
    if (modpGroup(alg)) return withGroup(alg, secret, (dh) => dh.generateKeys());
    if (alg === 'EC25') {
      const ecdh = createECDH('prime256v1');
      ecdh.setPrivateKey(Buffer.from(secret));
      return new Uint8Array(ecdh.getPublicKey().subarray(1));
    }
    const x = createPublicKey(x25519Private(secret)).export({ format: 'jwk' }).x;
    return new Uint8Array(Buffer.from(x ?? '', 'base64url'));
  },
  sharedSecret(alg: DhKeyAgreement, secret: Uint8Array, peerPublic: Uint8Array): Uint8Array {
    if (modpGroup(alg)) return withGroup(alg, secret, (dh) => dh.computeSecret(Buffer.from(peerPublic)));
    if (alg === 'EC25') {
      const ecdh = createECDH('prime256v1');
      ecdh.setPrivateKey(Buffer.from(secret));
      return new Uint8Array(ecdh.computeSecret(Buffer.from([0x04, ...peerPublic])));
    }
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(peerPublic).toString('base64url') }, format: 'jwk' });
    try {
      return new Uint8Array(diffieHellman({ privateKey: x25519Private(secret), publicKey }));
    } catch {
      // OpenSSL refuses an all-zero X25519 output; key-agreement.ts reports it as a bad pv.
      return new Uint8Array(32);
    }
  },
  release(secret: Uint8Array): void {
    x25519Keys.delete(secret);
  },
});
