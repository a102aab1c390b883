/**
 * The AEAD of each SFrame cipher suite (RFC 9605 §4.5), on WebCrypto keys so the same code runs
 * in browsers, workers and Node, and keys stay non-extractable.
 *
 * - AES-GCM suites: WebCrypto AES-GCM with a 128-bit tag; output is ciphertext || tag.
 * - AES-CTR + HMAC suites (§4.5.1): AES-CTR with initial counter block nonce || 0x00000000
 *   (WebCrypto counter length 32 bits), then
 *   tag = truncate(HMAC(auth_key, len64(aad) || len64(ct) || len64(Nt) || nonce || aad || ct), Nt).
 *   Verification compares the truncated tag in constant time before decrypting.
 */
import { equalBytes } from '@noble/ciphers/utils.js';
import type { CipherSuite } from './cipher-suites.ts';
import { SframeError } from './errors.ts';
import { concatBytes } from '@noble/hashes/utils.js';
import { u64be } from '../zrtp/bytes.ts';

export interface SframeAead {
  readonly suite: CipherSuite;
  /** Returns ciphertext || tag. */
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>;
  /** Returns the plaintext; throws SframeError SUSURRO_SFRAME_AUTH_FAILED. */
  open(nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Promise<Uint8Array>;
}

const subtle = (): SubtleCrypto => globalThis.crypto.subtle;

/** WebCrypto wants a BufferSource backed by an ArrayBuffer; this view-preserving cast satisfies TS 5.9. */
export function bs(u: Uint8Array): Uint8Array<ArrayBuffer> {
  return u as Uint8Array<ArrayBuffer>;
}

class GcmAead implements SframeAead {
  constructor(
    readonly suite: CipherSuite,
    private readonly key: CryptoKey,
  ) {}

  async seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
    const out = await subtle().encrypt(
      { name: 'AES-GCM', iv: bs(nonce), additionalData: bs(aad), tagLength: 128 },
      this.key,
      bs(plaintext),
    );
    return new Uint8Array(out);
  }

  async open(nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Promise<Uint8Array> {
    try {
      const out = await subtle().decrypt(
        { name: 'AES-GCM', iv: bs(nonce), additionalData: bs(aad), tagLength: 128 },
        this.key,
        bs(sealed),
      );
      return new Uint8Array(out);
    } catch {
      throw new SframeError('SUSURRO_SFRAME_AUTH_FAILED', 'AES-GCM tag mismatch');
    }
  }
}

class CtrHmacAead implements SframeAead {
  constructor(
    readonly suite: CipherSuite,
    private readonly encKey: CryptoKey,
    private readonly authKey: CryptoKey,
  ) {}

  private counterBlock(nonce: Uint8Array): Uint8Array {
    const block = new Uint8Array(16);
    block.set(nonce, 0); // nonce || 0x00000000, RFC 9605 §4.5.1
    return block;
  }

  private async tag(nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array): Promise<Uint8Array> {
    const authData = concatBytes(
      u64be(BigInt(aad.length)),
      u64be(BigInt(ct.length)),
      u64be(BigInt(this.suite.nt)),
      nonce,
      aad,
      ct,
    );
    const full = new Uint8Array(await subtle().sign('HMAC', this.authKey, bs(authData)));
    return full.subarray(0, this.suite.nt);
  }

  async seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
    const ct = new Uint8Array(
      await subtle().encrypt({ name: 'AES-CTR', counter: bs(this.counterBlock(nonce)), length: 32 }, this.encKey, bs(plaintext)),
    );
    return concatBytes(ct, await this.tag(nonce, aad, ct));
  }

  async open(nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Promise<Uint8Array> {
    if (sealed.length < this.suite.nt) throw new SframeError('SUSURRO_SFRAME_AUTH_FAILED', 'shorter than the tag');
    const ct = sealed.subarray(0, sealed.length - this.suite.nt);
    const tag = sealed.subarray(sealed.length - this.suite.nt);
    if (!equalBytes(tag, await this.tag(nonce, aad, ct))) {
      throw new SframeError('SUSURRO_SFRAME_AUTH_FAILED', 'HMAC tag mismatch');
    }
    return new Uint8Array(
      await subtle().decrypt({ name: 'AES-CTR', counter: bs(this.counterBlock(nonce)), length: 32 }, this.encKey, bs(ct)),
    );
  }
}

/** An AEAD over an existing non-extractable AES-GCM key (the key schedule's path). */
export function gcmAead(suite: CipherSuite, key: CryptoKey): SframeAead {
  return new GcmAead(suite, key);
}

/** An AEAD over existing non-extractable AES-CTR and HMAC keys. */
export function ctrHmacAead(suite: CipherSuite, encKey: CryptoKey, authKey: CryptoKey): SframeAead {
  return new CtrHmacAead(suite, encKey, authKey);
}

/**
 * Import raw sframe_key bytes (Nk) as a non-extractable AEAD. For CTR+HMAC suites the key is
 * split as §4.5.1 says: enc_key = key[..Nka], auth_key = key[Nka..]. The caller should zero
 * `key` afterwards.
 */
export async function importAead(suite: CipherSuite, key: Uint8Array): Promise<SframeAead> {
  if (!(key instanceof Uint8Array)) throw new TypeError('key must be a Uint8Array');
  if (key.length !== suite.nk) throw new RangeError(`${suite.name} needs a ${suite.nk}-byte key`);
  if (suite.kind === 'gcm') {
    const k = await subtle().importKey('raw', bs(key), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
    return new GcmAead(suite, k);
  }
  const encBytes = key.slice(0, suite.nka);
  const authBytes = key.slice(suite.nka);
  try {
    const enc = await subtle().importKey('raw', bs(encBytes), { name: 'AES-CTR' }, false, ['encrypt', 'decrypt']);
    const auth = await subtle().importKey(
      'raw',
      bs(authBytes),
      { name: 'HMAC', hash: suite.hash, length: authBytes.length * 8 },
      false,
      ['sign'],
    );
    return new CtrHmacAead(suite, enc, auth);
  } finally {
    encBytes.fill(0);
    authBytes.fill(0);
  }
}
