/**
 * SFrame encryption and decryption, RFC 9605 §4.4.3, for one direction each.
 *
 *   nonce = sframe_salt XOR CTR (CTR big-endian, left-padded to Nn bytes)
 *   aad   = header || metadata
 *   frame = header || AEAD.Encrypt(sframe_key, nonce, aad, plaintext)
 *
 * SframeSender holds one current key; its CTR starts at 0 for each KID and a KID can never be
 * installed twice in one sender, so a (key, nonce) pair can never repeat. SframeReceiver holds
 * a bounded set of keys (current + previous during a rekey) with one replay window each.
 * Counters are assigned synchronously when encrypt() is called, so frames may be encrypted
 * concurrently and keep their order.
 */
import { assertBytes } from '../zrtp/bytes.ts';
import { SframeError } from './errors.ts';
import { decodeHeader, encodeHeader, MAX_UINT64 } from './header.ts';
import { assertSframeKey, type SframeKey } from './key-schedule.ts';
import { DEFAULT_REPLAY_WINDOW, ReplayWindow } from './replay-window.ts';

const EMPTY = new Uint8Array(0);

/** nonce = salt XOR CTR, RFC 9605 §4.4.3 (CTR occupies the low 8 bytes of the Nn-byte nonce). */
function nonceFor(salt: Uint8Array, ctr: bigint): Uint8Array {
  const nonce = salt.slice();
  const view = new DataView(nonce.buffer, nonce.length - 8, 8);
  view.setBigUint64(0, view.getBigUint64(0) ^ ctr);
  return nonce;
}

/** Public, checked form of the nonce computation (RFC 9605 §4.4.3). */
export function frameNonce(salt: Uint8Array, ctr: bigint): Uint8Array {
  assertBytes(salt, 'salt');
  if (salt.length < 8) throw new RangeError('salt must be at least 8 bytes');
  if (typeof ctr !== 'bigint') throw new TypeError('ctr must be a bigint');
  if (ctr < 0n || ctr > MAX_UINT64) throw new RangeError('ctr must be in 0..2^64-1');
  return nonceFor(salt, ctr);
}

function aadOf(header: Uint8Array, metadata: Uint8Array): Uint8Array {
  if (metadata.length === 0) return header;
  const aad = new Uint8Array(header.length + metadata.length);
  aad.set(header, 0);
  aad.set(metadata, header.length);
  return aad;
}

/**
 * Encrypt one frame under `key` with an explicit counter (RFC 9605 §4.4.3). The caller must
 * never reuse a counter with the same key; SframeSender does this bookkeeping.
 */
export function encryptFrame(key: SframeKey, ctr: bigint, plaintext: Uint8Array, metadata: Uint8Array = EMPTY): Promise<Uint8Array> {
  assertSframeKey(key);
  assertBytes(plaintext, 'plaintext');
  assertBytes(metadata, 'metadata');
  return sealFrame(key, ctr, plaintext, metadata);
}

/** encryptFrame without argument checks (callers already validated). */
function sealFrame(key: SframeKey, ctr: bigint, plaintext: Uint8Array, metadata: Uint8Array): Promise<Uint8Array> {
  const header = encodeHeader(key.kid, ctr);
  return key.aead.seal(nonceFor(key.salt, ctr), aadOf(header, metadata), plaintext).then((sealed) => {
    const out = new Uint8Array(header.length + sealed.length);
    out.set(header, 0);
    out.set(sealed, header.length);
    return out;
  });
}

export class SframeSender {
  private key: SframeKey | null = null;
  private ctr = 0n;
  private readonly usedKids = new Set<bigint>();

  /** Install the key to send with from now on; its counter starts at 0. */
  setKey(key: SframeKey): void {
    assertSframeKey(key);
    if (this.usedKids.has(key.kid)) {
      // Re-installing a KID would restart its counter at 0 and repeat nonces (RFC 9605 §4.4.2).
      throw new SframeError('SUSURRO_SFRAME_INVALID_ARGUMENT', `KID ${key.kid} was already used by this sender`);
    }
    this.usedKids.add(key.kid);
    this.key = key;
    this.ctr = 0n;
  }

  /** Forget the send key: every later encrypt() fails with NO_KEY (fail closed). */
  clearKey(): void {
    this.key = null;
  }

  get kid(): bigint | null {
    return this.key ? this.key.kid : null;
  }

  /** Protect one frame. Throws SUSURRO_SFRAME_NO_KEY while no key is installed. */
  encrypt(plaintext: Uint8Array, metadata: Uint8Array = EMPTY): Promise<Uint8Array> {
    assertBytes(plaintext, 'plaintext');
    assertBytes(metadata, 'metadata');
    const key = this.key;
    if (!key) return Promise.reject(new SframeError('SUSURRO_SFRAME_NO_KEY', 'no send key installed'));
    if (this.ctr > MAX_UINT64) {
      return Promise.reject(new SframeError('SUSURRO_SFRAME_COUNTER_EXHAUSTED', `KID ${key.kid} needs replacing`));
    }
    return sealFrame(key, this.ctr++, plaintext, metadata);
  }
}

export interface DecryptedFrame {
  plaintext: Uint8Array;
  kid: bigint;
  ctr: bigint;
}

export interface SframeReceiverOptions {
  /** Counters per KID remembered for replay detection, default 128. */
  replayWindow?: number;
  /** Keys held at once; adding one more evicts the oldest, default 2 (current + previous). */
  maxKeys?: number;
}

export class SframeReceiver {
  private readonly keys = new Map<bigint, { key: SframeKey; window: ReplayWindow }>();
  private readonly windowSize: number;
  private readonly maxKeys: number;

  constructor(options: SframeReceiverOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
    this.windowSize = options.replayWindow ?? DEFAULT_REPLAY_WINDOW;
    this.maxKeys = options.maxKeys ?? 2;
    if (!Number.isInteger(this.maxKeys) || this.maxKeys < 1 || this.maxKeys > 16) {
      throw new RangeError('maxKeys must be an integer in 1..16');
    }
    new ReplayWindow(this.windowSize); // validates the size early
  }

  /**
   * Hold a key for its KID. Re-adding an existing KID keeps its replay window (a reinstalled
   * key must not make old frames acceptable again). Holding more than maxKeys evicts the
   * oldest-added KID.
   */
  addKey(key: SframeKey): void {
    assertSframeKey(key);
    const existing = this.keys.get(key.kid);
    this.keys.delete(key.kid);
    this.keys.set(key.kid, { key, window: existing ? existing.window : new ReplayWindow(this.windowSize) });
    while (this.keys.size > this.maxKeys) {
      const oldest = this.keys.keys().next().value as bigint;
      this.keys.delete(oldest);
    }
  }

  removeKey(kid: bigint): void {
    if (typeof kid !== 'bigint') throw new TypeError('kid must be a bigint');
    this.keys.delete(kid);
  }

  clearKeys(): void {
    this.keys.clear();
  }

  get kids(): bigint[] {
    return [...this.keys.keys()];
  }

  /**
   * Check and open one frame. Throws SframeError: MALFORMED_HEADER, UNKNOWN_KID, REPLAY (before
   * or after authentication) or AUTH_FAILED. The replay window only records authenticated
   * counters.
   */
  async decrypt(frame: Uint8Array, metadata: Uint8Array = EMPTY): Promise<DecryptedFrame> {
    assertBytes(frame, 'frame');
    assertBytes(metadata, 'metadata');
    const header = decodeHeader(frame);
    const entry = this.keys.get(header.kid);
    if (!entry) throw new SframeError('SUSURRO_SFRAME_UNKNOWN_KID', `no receive key for KID ${header.kid}`);
    const { key, window } = entry;
    if (frame.length < header.length + key.suite.nt) {
      throw new SframeError('SUSURRO_SFRAME_MALFORMED_HEADER', 'frame shorter than header + tag');
    }
    if (window.check(header.ctr) !== 'new') {
      throw new SframeError('SUSURRO_SFRAME_REPLAY', `KID ${header.kid} CTR ${header.ctr} ${window.check(header.ctr)}`);
    }
    const headerBytes = frame.subarray(0, header.length);
    const plaintext = await key.aead.open(
      nonceFor(key.salt, header.ctr),
      aadOf(headerBytes, metadata),
      frame.subarray(header.length),
    );
    // Re-check after the await: a copy of this frame may have been accepted meanwhile.
    const verdict = window.accept(header.ctr);
    if (verdict !== 'new') throw new SframeError('SUSURRO_SFRAME_REPLAY', `KID ${header.kid} CTR ${header.ctr} ${verdict}`);
    return { plaintext, kid: header.kid, ctr: header.ctr };
  }
}
