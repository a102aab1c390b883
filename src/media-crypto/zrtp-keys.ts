/**
 * SFrame base keys from a ZRTP session (susurro's binding; SPEC.md is the normative text).
 *
 * RFC 6189 §4.5.2 gives applications the ZRTP Exported Key, "ExportedKey = KDF(s0, "Exported
 * key", KDF_Context, negotiated hash length)", for their own keying. We derive one base key per
 * direction and per epoch with the same ZRTP KDF (§4.5.1):
 *
 *   context     = ZIDi (12) || ZIDr (12) || epoch (4 bytes, big-endian)
 *   base_key_ir = KDF(ExportedKey, "SFrame base key initiator to responder", context, Lh)
 *   base_key_ri = KDF(ExportedKey, "SFrame base key responder to initiator", context, Lh)
 *
 * Lh = the negotiated hash length in bits (256 for S256, 384 for S384), hash = the negotiated
 * ZRTP hash. The SFrame KID of epoch e is e; the cipher suite follows the ZRTP cipher:
 * AES1 -> AES_128_GCM_SHA256_128 (0x0004), AES3 -> AES_256_GCM_SHA512_128 (0x0005).
 * Then RFC 9605 §4.4.2 turns (base_key, KID, suite) into sframe_key / sframe_salt.
 *
 * Distinct labels per direction mean the two directions never share a (key, nonce) space even
 * though both count CTR from 0, and a frame reflected back to its sender fails authentication.
 */
import type { CipherAlgorithm, HashAlgorithm } from '../zrtp/algorithms.ts';
import { kdf } from '../zrtp/kdf.ts';
import { assertBytes } from '../zrtp/bytes.ts';
import { AES_128_GCM_SHA256_128, AES_256_GCM_SHA512_128 } from './cipher-suites.ts';
import { SframeError } from './errors.ts';
import { importBaseKey } from './key-schedule.ts';

export const LABEL_INITIATOR_TO_RESPONDER = 'SFrame base key initiator to responder';
export const LABEL_RESPONDER_TO_INITIATOR = 'SFrame base key responder to initiator';
export const MAX_EPOCH = 0xffffffff;

/** The fields of ZrtpSecureResult (src/zrtp/session.ts) we need, plus our own ZID. */
export interface ZrtpKeySource {
  role: 'initiator' | 'responder';
  hash: HashAlgorithm;
  cipher: CipherAlgorithm;
  exportedKey: Uint8Array;
  peerZid: Uint8Array;
  /** This endpoint's ZID (ZrtpSessionOptions.zid). */
  localZid: Uint8Array;
}

export interface SframeBaseKeys {
  /** SFrame cipher suite id (RFC 9605 §4.5). */
  suite: number;
  /** KID for this epoch (= epoch). */
  kid: bigint;
  /** Base key for frames this endpoint sends. Secret: zero it after import. */
  send: Uint8Array;
  /** Base key for frames this endpoint receives. */
  receive: Uint8Array;
}

/** SFrame suite that follows the ZRTP cipher. */
export function suiteForZrtpCipher(cipher: CipherAlgorithm): number {
  if (cipher === 'AES1') return AES_128_GCM_SHA256_128;
  if (cipher === 'AES3') return AES_256_GCM_SHA512_128;
  throw new SframeError('SUSURRO_SFRAME_UNSUPPORTED_SUITE', `no SFrame suite for ZRTP cipher ${String(cipher)}`);
}

function epochContext(zidi: Uint8Array, zidr: Uint8Array, epoch: number): Uint8Array {
  const context = new Uint8Array(28);
  context.set(zidi, 0);
  context.set(zidr, 12);
  new DataView(context.buffer).setUint32(24, epoch);
  return context;
}

/** Per-direction SFrame base keys for `epoch` (see the header comment and SPEC.md). */
export function deriveSframeBaseKeys(source: ZrtpKeySource, epoch: number): SframeBaseKeys {
  if (typeof source !== 'object' || source === null) throw new TypeError('source must be an object');
  if (source.role !== 'initiator' && source.role !== 'responder') throw new TypeError('role must be initiator or responder');
  if (source.hash !== 'S256' && source.hash !== 'S384') throw new TypeError('hash must be S256 or S384');
  assertBytes(source.exportedKey, 'exportedKey');
  assertBytes(source.peerZid, 'peerZid');
  assertBytes(source.localZid, 'localZid');
  if (source.peerZid.length !== 12 || source.localZid.length !== 12) throw new RangeError('ZIDs are 12 bytes (RFC 6189 §4.9)');
  const lengthBits = source.hash === 'S256' ? 256 : 384;
  if (source.exportedKey.length * 8 !== lengthBits) throw new RangeError(`exportedKey must be ${lengthBits / 8} bytes for ${source.hash}`);
  if (!Number.isInteger(epoch) || epoch < 0 || epoch > MAX_EPOCH) throw new RangeError('epoch must be an integer in 0..2^32-1');
  const suite = suiteForZrtpCipher(source.cipher);
  const initiator = source.role === 'initiator';
  const context = initiator
    ? epochContext(source.localZid, source.peerZid, epoch)
    : epochContext(source.peerZid, source.localZid, epoch);
  const ir = kdf(source.hash, source.exportedKey, LABEL_INITIATOR_TO_RESPONDER, context, lengthBits);
  const ri = kdf(source.hash, source.exportedKey, LABEL_RESPONDER_TO_INITIATOR, context, lengthBits);
  return { suite, kid: BigInt(epoch), send: initiator ? ir : ri, receive: initiator ? ri : ir };
}

/** What the page posts to the worker: base keys as non-extractable HKDF CryptoKeys. */
export interface SframeKeyBundle {
  suite: number;
  kid: bigint;
  send: CryptoKey;
  receive: CryptoKey;
}

/**
 * deriveSframeBaseKeys, then import both base keys as non-extractable HKDF CryptoKeys and zero
 * the bytes. The result is structured-cloneable and is what SframeWorker.installEpoch takes.
 */
export async function sframeKeysFromZrtp(source: ZrtpKeySource, epoch: number): Promise<SframeKeyBundle> {
  const keys = deriveSframeBaseKeys(source, epoch);
  try {
    return {
      suite: keys.suite,
      kid: keys.kid,
      send: await importBaseKey(keys.send),
      receive: await importBaseKey(keys.receive),
    };
  } finally {
    keys.send.fill(0);
    keys.receive.fill(0);
  }
}
