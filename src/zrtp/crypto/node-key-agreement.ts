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
import { createDiffieHellman, createECDH, createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import type { DhKeyAgreement, KeyAgreementPrimitives } from './key-agreement.ts';
import { modpGroup } from './key-agreement.ts';
import { bigIntToBytes } from './modp.ts';

const GENERATOR = Buffer.from([2]);

const primeCache = new Map<DhKeyAgreement, Buffer>();
function prime(alg: DhKeyAgreement): Buffer {
  let p = primeCache.get(alg);
  if (!p) {
    const group = modpGroup(alg)!;
    p = Buffer.from(bigIntToBytes(group.p, group.byteLength));
    primeCache.set(alg, p);
  }
  return p;
}

function pad(value: Buffer, length: number): Uint8Array {
  // OpenSSL drops leading zero bytes of public values and secrets; ZRTP pads to |p| (§4.4.1.4).
  const out = new Uint8Array(length);
  out.set(value, length - value.length);
  return out;
}

/**
 * X25519 private KeyObjects by secret, so a key pair imports its secret once (OpenSSL 3's key
 * import is the dominant cost; JWK import is ~10x cheaper than PKCS#8 DER). Entries go when the
 * key pair releases its secret (destroy) or is garbage-collected.
 */
const x25519Keys = new WeakMap<Uint8Array, KeyObject>();

function x25519Private(secret: Uint8Array): KeyObject {
  let key = x25519Keys.get(secret);
  if (!key) {
    // RFC 8037 OKP JWK; Node derives the public part from d, so x may be empty.
    key = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: Buffer.from(secret).toString('base64url'), x: '' }, format: 'jwk' });
    x25519Keys.set(secret, key);
  }
  return key;
}

export const NODE_PRIMITIVES: KeyAgreementPrimitives = Object.freeze({
  name: 'node:crypto (OpenSSL)',
  supports: (alg: DhKeyAgreement) => alg === 'DH3k' || alg === 'DH2k' || alg === 'EC25' || alg === 'X255',
  publicValue(alg: DhKeyAgreement, secret: Uint8Array): Uint8Array {
    const group = modpGroup(alg);
    if (group) {
      const dh = createDiffieHellman(prime(alg), GENERATOR);
      dh.setPrivateKey(Buffer.from(secret));
      return pad(dh.generateKeys(), group.byteLength);
    }
    if (alg === 'EC25') {
      const ecdh = createECDH('prime256v1');
      ecdh.setPrivateKey(Buffer.from(secret));
      return new Uint8Array(ecdh.getPublicKey().subarray(1));
    }
    const x = createPublicKey(x25519Private(secret)).export({ format: 'jwk' }).x;
    return new Uint8Array(Buffer.from(x ?? '', 'base64url'));
  },
  sharedSecret(alg: DhKeyAgreement, secret: Uint8Array, peerPublic: Uint8Array): Uint8Array {
    const group = modpGroup(alg);
    if (group) {
      const dh = createDiffieHellman(prime(alg), GENERATOR);
      dh.setPrivateKey(Buffer.from(secret));
      return pad(dh.computeSecret(Buffer.from(peerPublic)), group.byteLength);
    }
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
