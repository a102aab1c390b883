/**
 * Builders for the messages we send (RFC 6189 §5). Each returns the exact bytes (which the
 * handlers store: they feed hvi, total_hash and the repetition check) with the MAC in place.
 */
import { withMandatory, type AlgorithmPreferences, type NegotiatedAlgorithms } from '../algorithms.ts';
import { hmac } from '../crypto/hash.ts';
import { cfbEncrypt } from '../crypto/confirm-cipher.ts';
import type { HashChain } from '../hash-chain.ts';
import { computeHvi } from '../key-derivation.ts';
import { encodeConfirmBody, encodeMessage } from '../messages/index.ts';
import type { CommitDhMessage } from '../messages/commit.ts';
import type { DhPartMessage } from '../messages/dh-part.ts';
import type { HelloMessage } from '../messages/hello.ts';
import type { Received } from './context.ts';
import { sealWithChainMac } from './message-auth.ts';

/** RFC 6189 §4.1.1: the protocol version we speak. */
export const ZRTP_VERSION = '1.10';
const ZERO_MAC = new Uint8Array(8);

/** Decoded form plus bytes, keeping both in sync (the MAC is patched into both). */
function sealed<T extends { mac: Uint8Array }>(message: T, key: Uint8Array): Received<T> {
  const bytes = sealWithChainMac(key, encodeMessage(message as never));
  return { bytes, message: { ...message, mac: bytes.slice(bytes.length - 8) } };
}

/**
 * §5.2 Hello. We list our preferences (mandatory algorithms appended, §4.1.2) but not 'Mult':
 * this engine runs one DH stream per session and never does Multistream mode.
 */
export function buildHello(
  clientId: string,
  zid: Uint8Array,
  chain: HashChain,
  preferences: Partial<AlgorithmPreferences>,
): Received<HelloMessage> {
  const prefs = withMandatory(preferences);
  return sealed<HelloMessage>(
    {
      type: 'Hello',
      version: ZRTP_VERSION,
      clientId,
      h3: chain.h3,
      zid,
      flags: { signatureCapable: false, mitm: false, passive: false },
      hash: prefs.hash,
      cipher: prefs.cipher,
      authTag: prefs.authTag,
      keyAgreement: prefs.keyAgreement.filter((k) => k !== 'Mult'),
      sas: prefs.sas,
      mac: ZERO_MAC,
    },
    chain.h2,
  );
}

export interface DhPartIds {
  rs1Id: Uint8Array;
  rs2Id: Uint8Array;
  auxSecretId: Uint8Array;
  pbxSecretId: Uint8Array;
}

/** §5.5/§5.6 DHPart1/DHPart2, MAC keyed by our H0. */
export function buildDhPart(
  type: 'DHPart1' | 'DHPart2',
  chain: HashChain,
  ids: DhPartIds,
  pv: Uint8Array,
): Received<DhPartMessage> {
  return sealed<DhPartMessage>({ type, h1: chain.h1, ...ids, pv, mac: ZERO_MAC }, chain.h0);
}

/** §5.4 Commit (DH mode): hvi = hash(DHPart2 || responder's Hello) (§4.4.1.1), MAC keyed by H1. */
export function buildCommit(
  chain: HashChain,
  zid: Uint8Array,
  algorithms: NegotiatedAlgorithms,
  dhPart2: Uint8Array,
  responderHello: Uint8Array,
): Received<CommitDhMessage> {
  return sealed<CommitDhMessage>(
    {
      type: 'Commit',
      mode: 'dh',
      h2: chain.h2,
      zid,
      hash: algorithms.hash,
      cipher: algorithms.cipher,
      authTag: algorithms.authTag,
      keyAgreement: algorithms.keyAgreement,
      sas: algorithms.sas,
      hvi: computeHvi(algorithms.hash, dhPart2, responderHello),
      mac: ZERO_MAC,
    },
    chain.h1,
  );
}

/**
 * §5.7 Confirm1/Confirm2: body (H0, flags, cache expiry) encrypted with AES-CFB under zrtpkey
 * and a fresh random IV; confirm_mac = MAC(mackey, encrypted part) with the negotiated hash,
 * truncated to 64 bits (bzrtp: src/packetParser.c).
 */
export function buildConfirm(
  type: 'Confirm1' | 'Confirm2',
  algorithms: NegotiatedAlgorithms,
  chain: HashChain,
  keys: { mac: Uint8Array; cipher: Uint8Array },
  flags: { verified: boolean },
  cacheExpirySeconds: number,
  random: (n: number) => Uint8Array,
): Uint8Array {
  const body = encodeConfirmBody({
    h0: chain.h0,
    flags: { E: false, V: flags.verified, A: false, D: false },
    cacheExpiry: cacheExpirySeconds,
  });
  const cfbIv = random(16);
  const encrypted = cfbEncrypt(algorithms.cipher, keys.cipher, cfbIv, body);
  body.fill(0);
  const confirmMac = hmac(algorithms.hash, keys.mac, encrypted).slice(0, 8);
  return encodeMessage({ type, confirmMac, cfbIv, encrypted });
}
