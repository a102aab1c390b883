import { equalBytes } from '@noble/ciphers/utils.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { hashLength, type HashAlgorithm } from '../../../src/zrtp/algorithms.ts';
import { hmac } from '../../../src/zrtp/crypto/hash.ts';
import { kdf } from '../../../src/zrtp/kdf.ts';
import { latin1Bytes, u32be } from '../../../src/zrtp/bytes.ts';

/**
 * Mutual SAS confirmation: each side tells the other "the code matches" or "does not match",
 * and "verified" is shown (and the cache's V flag set, RFC 6189 §7.1) only when both said
 * "matches". Modelled on Matrix's SAS verification (each side sends an authenticated MAC,
 * verified appears only when both arrived).
 *
 * This is our own application protocol on top of ZRTP, not part of RFC 6189, so it lives with
 * the softphone and src/zrtp stays untouched. It is keyed from the ZRTP ExportedKey, which
 * §4.5.2 provides exactly for this ("for use by applications"):
 *
 *   confirmKey = KDF(ExportedKey, "susurro SAS confirmation", ZIDi || ZIDr, hash length)  (§4.5.1)
 *   mac        = HMAC(confirmKey, "susurro-sas/1" || 0x00 || direction || verdict || counter32 || sashash)
 *
 * - Signalling cannot forge one: the key exists only at the two ZRTP endpoints (a signalling
 *   MitM that swapped DTLS fingerprints still has no ZRTP DH secret; one running its own ZRTP
 *   with each side gets different SAS values, which is what the humans compare).
 * - No reflection: the direction byte (initiator→responder or back) is fixed by our role, so
 *   our own message echoed back fails the MAC.
 * - No replay: the counter must grow strictly; a message of another call has another key.
 * - The MAC is compared in constant time.
 *
 * Framing: ZRTP messages on the shared data channel are binary (message-channel.ts drops text
 * frames), so a confirmation is a *text* frame "susurro-sas/1 <verdict> <counter> <mac hex>":
 * it can never be taken for a ZRTP message, and ZRTP's binary frames are never parsed here.
 *
 * Pure: no I/O, no timers; the object only remembers the counters of this call.
 */

export type SasVerdict = 'match' | 'mismatch';

export interface SasConfirmationParams {
  /** The negotiated ZRTP hash (the HMAC and KDF use it, like every ZRTP MAC). */
  hash: HashAlgorithm;
  /** ExportedKey of this ZRTP session (§4.5.2). Copied; the caller may wipe its own. */
  exportedKey: Uint8Array;
  /** sashash of this session (§4.5.2): the MAC names the very code that was compared. */
  sasHash: Uint8Array;
  role: 'initiator' | 'responder';
  /** Our ZID and the peer's (§4.2), in no particular order; placed as ZIDi || ZIDr by role. */
  zid: Uint8Array;
  peerZid: Uint8Array;
}

export const SAS_CONFIRMATION_LABEL = 'susurro SAS confirmation';
const FRAME_TAG = 'susurro-sas/1';
const VERDICT_BYTE: Record<SasVerdict, number> = { match: 1, mismatch: 2 };
const DIRECTION_BYTE = { initiator: 1, responder: 2 } as const;
/** Far more than a call ever sends; bounds the counter so it stays a u32. */
const MAX_COUNTER = 0xffff;
const FRAME = /^susurro-sas\/1 (match|mismatch) ([1-9][0-9]{0,4}) ([0-9a-f]{64}|[0-9a-f]{96})$/;

export class SasConfirmation {
  readonly #hash: HashAlgorithm;
  readonly #key: Uint8Array;
  readonly #sasHash: Uint8Array;
  readonly #role: 'initiator' | 'responder';
  #sent = 0;
  #lastReceived = 0;

  constructor(params: SasConfirmationParams) {
    const { hash, exportedKey, sasHash, role, zid, peerZid } = params;
    if (role !== 'initiator' && role !== 'responder') throw new TypeError('role must be initiator or responder');
    if (!(sasHash instanceof Uint8Array) || sasHash.length === 0) throw new TypeError('sasHash must be non-empty bytes');
    if (!(zid instanceof Uint8Array) || !(peerZid instanceof Uint8Array)) throw new TypeError('zid and peerZid must be bytes');
    const [zidI, zidR] = role === 'initiator' ? [zid, peerZid] : [peerZid, zid];
    const context = new Uint8Array(zidI.length + zidR.length);
    context.set(zidI, 0);
    context.set(zidR, zidI.length);
    this.#hash = hash;
    this.#key = kdf(hash, exportedKey, SAS_CONFIRMATION_LABEL, context, hashLength(hash) * 8);
    this.#sasHash = sasHash.slice();
    this.#role = role;
  }

  /** Our verdict as a text frame for the data channel (each call to seal uses a new counter). */
  seal(verdict: SasVerdict): string {
    if (verdict !== 'match' && verdict !== 'mismatch') throw new TypeError('verdict must be match or mismatch');
    if (this.#sent >= MAX_COUNTER) throw new RangeError('too many confirmation messages in one call');
    const counter = ++this.#sent;
    return `${FRAME_TAG} ${verdict} ${counter} ${bytesToHex(this.#mac(this.#role, verdict, counter))}`;
  }

  /**
   * The peer's verdict if `frame` is a well-formed confirmation that the peer sealed for this
   * session and has not been seen before; null for anything else (forged, replayed,
   * reflected, another call's, malformed, not text). Never throws on input.
   */
  open(frame: unknown): SasVerdict | null {
    if (typeof frame !== 'string' || frame.length > 200) return null;
    const m = FRAME.exec(frame);
    if (!m) return null;
    const verdict = m[1] as SasVerdict;
    const counter = Number(m[2]);
    const mac = hexToBytes(m[3]!);
    if (counter > MAX_COUNTER || mac.length !== hashLength(this.#hash)) return null;
    const peerRole = this.#role === 'initiator' ? 'responder' : 'initiator';
    // MAC first, in constant time; the counter only for authentic messages.
    if (!equalBytes(this.#mac(peerRole, verdict, counter), mac)) return null;
    if (counter <= this.#lastReceived) return null; // replay
    this.#lastReceived = counter;
    return verdict;
  }

  /** Wipes the key (the call is over). */
  close(): void {
    this.#key.fill(0);
    this.#sasHash.fill(0);
  }

  #mac(sender: 'initiator' | 'responder', verdict: SasVerdict, counter: number): Uint8Array {
    const header = new Uint8Array([0, DIRECTION_BYTE[sender], VERDICT_BYTE[verdict]]);
    return hmac(this.#hash, this.#key, latin1Bytes(FRAME_TAG, 'tag'), header, u32be(counter), this.#sasHash);
  }
}
