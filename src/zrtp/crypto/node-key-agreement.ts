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
import { createDiffieHellman, createECDH, createPrivateKey, createPublicKey, diffieHellman } from 'node:crypto';
import type { DhKeyAgreement, KeyAgreementPrimitives } from './key-agreement.ts';
import { modpGroup } from './key-agreement.ts';
import { bigIntToBytes } from './modp.ts';

const GENERATOR = Buffer.from([2]);
// RFC 8410 §7 / RFC 5958 DER wrappers for raw X25519 keys (OID 1.3.101.110).
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

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

function x25519Private(secret: Uint8Array) {
  return createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, secret]), format: 'der', type: 'pkcs8' });
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
    const pub = createPublicKey(x25519Private(secret)).export({ format: 'der', type: 'spki' });
    return new Uint8Array(pub.subarray(pub.length - 32));
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
    const publicKey = createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, peerPublic]), format: 'der', type: 'spki' });
    try {
      return new Uint8Array(diffieHellman({ privateKey: x25519Private(secret), publicKey }));
    } catch {
      // OpenSSL refuses an all-zero X25519 output; key-agreement.ts reports it as a bad pv.
      return new Uint8Array(32);
    }
  },
});
