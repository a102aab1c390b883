/**
 * WebCrypto key agreement (X25519, ECDH P-256) as an {@link AsyncKeyAgreementPrimitives}
 * backend, for browsers (Chromium 133+, Firefox 130+ ship X25519) and Node's webcrypto. The
 * engine's native, constant-time code replaces @noble's pure JS: one X255 exchange for both sides
 * was 7.08 ms in pure JS and 0.20 ms through Chromium's WebCrypto (src/zrtp/README.md).
 *
 * Pure: the SubtleCrypto object is injected, nothing is read from globals. The ZRTP rules stay in
 * key-agreement.ts (secrets drawn from the injected randomness, peer values validated before they
 * get here); this file only moves the same bytes through SubtleCrypto:
 * - the secret is imported as PKCS#8 (RFC 8410 §7 for X25519; RFC 5915 ECPrivateKey without the
 *   optional public key for P-256), so the key is the one the injected randomness drew and seeded
 *   transcripts equal the other backends' byte for byte;
 * - our public value is read back from the JWK export (x, or x || y: the §5.1.5 wire format);
 * - the result is deriveBits(256): the X25519 output, or the P-256 shared x-coordinate (§4.4.1.4).
 * DH2k/DH3k are not in WebCrypto: supports() is false and they stay on the synchronous path.
 */
import type { AsyncKeyAgreementPrimitives, DhKeyAgreement } from './key-agreement.ts';

/** PKCS#8 PrivateKeyInfo up to the 32 secret bytes: version 0, id-X25519 (1.3.101.110). */
const X25519_PKCS8_PREFIX = hex('302e020100300506032b656e04220420');
/** PKCS#8 for id-ecPublicKey / prime256v1 wrapping ECPrivateKey { version 1, privateKey OCTET STRING(32) }. */
const P256_PKCS8_PREFIX = hex('3041020100301306072a8648ce3d020106082a8648ce3d030107042730250201010420');

function hex(s: string): Uint8Array {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function fromBase64Url(s: string): Uint8Array {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

type Algorithm = { name: 'X25519' } | { name: 'ECDH'; namedCurve: 'P-256' };

function algorithmOf(alg: DhKeyAgreement): Algorithm {
  return alg === 'X255' ? { name: 'X25519' } : { name: 'ECDH', namedCurve: 'P-256' };
}

/**
 * The backend over `subtle`, for the algorithms in `supported` (see {@link detectWebCryptoKeyAgreement}).
 * Private CryptoKeys are kept per secret (one import per key pair) until release().
 */
export function webCryptoKeyAgreement(subtle: SubtleCrypto, supported: ReadonlySet<'X255' | 'EC25'>): AsyncKeyAgreementPrimitives {
  const keys = new WeakMap<Uint8Array, Promise<CryptoKey>>();
  const privateKey = (alg: DhKeyAgreement, secret: Uint8Array): Promise<CryptoKey> => {
    let key = keys.get(secret);
    if (!key) {
      const der = concat(alg === 'X255' ? X25519_PKCS8_PREFIX : P256_PKCS8_PREFIX, secret);
      // Extractable only so the public half can be read from the JWK export (no other way in WebCrypto).
      key = subtle.importKey('pkcs8', der, algorithmOf(alg), true, ['deriveBits']);
      der.fill(0);
      keys.set(secret, key);
    }
    return key;
  };
  return Object.freeze({
    name: `WebCrypto (${[...supported].join(', ')})`,
    supports: (alg: DhKeyAgreement) => (alg === 'X255' || alg === 'EC25') && supported.has(alg),
    async publicValue(alg: DhKeyAgreement, secret: Uint8Array): Promise<Uint8Array> {
      const jwk = await subtle.exportKey('jwk', await privateKey(alg, secret));
      if (alg === 'X255') return fromBase64Url(jwk.x ?? '');
      return concat(fromBase64Url(jwk.x ?? ''), fromBase64Url(jwk.y ?? ''));
    },
    async sharedSecret(alg: DhKeyAgreement, secret: Uint8Array, peerPublic: Uint8Array): Promise<Uint8Array> {
      // EC25's wire form is x || y without the SEC1 0x04 prefix (§5.1.5).
      const raw = alg === 'X255' ? peerPublic.slice() : concat(new Uint8Array([4]), peerPublic);
      const peer = await subtle.importKey('raw', raw, algorithmOf(alg), false, []);
      const bits = await subtle.deriveBits({ name: algorithmOf(alg).name, public: peer } as EcdhKeyDeriveParams, await privateKey(alg, secret), 256);
      return new Uint8Array(bits);
    },
    release(secret: Uint8Array): void {
      keys.delete(secret);
    },
  });
}

/**
 * Feature detection: which of X25519 / ECDH P-256 this engine's SubtleCrypto can do, tried with
 * a real key import and agreement (an engine may know the name and still refuse PKCS#8 import).
 * Resolves to null when neither works (or there is no `subtle`): the caller keeps @noble.
 */
export async function detectWebCryptoKeyAgreement(subtle: SubtleCrypto | undefined): Promise<AsyncKeyAgreementPrimitives | null> {
  if (!subtle || typeof subtle.importKey !== 'function') return null;
  const supported = new Set<'X255' | 'EC25'>();
  const probe = webCryptoKeyAgreement(subtle, new Set(['X255', 'EC25']));
  // Fixed, public test scalars: this only checks that the operations run.
  const trial: Record<'X255' | 'EC25', Uint8Array> = { X255: new Uint8Array(32).fill(9), EC25: new Uint8Array(32).fill(1) };
  for (const alg of ['X255', 'EC25'] as const) {
    try {
      const pv = await probe.publicValue(alg, trial[alg]);
      const shared = await probe.sharedSecret(alg, trial[alg], pv);
      if (shared.length === 32) supported.add(alg);
    } catch {
      /* not in this engine */
    }
    probe.release?.(trial[alg]);
  }
  return supported.size > 0 ? webCryptoKeyAgreement(subtle, supported) : null;
}
