/**
 * ZRTP algorithm names and their negotiation (RFC 6189 §4.1.2, §5.1.2–§5.1.6).
 *
 * Wire names are 4-character ASCII blocks. In the TypeScript API the SAS types are 'B32' and
 * 'B256'; the codec pads them to "B32 " / "B256" on the wire (§5.1.6).
 */
import { ZrtpError, ProtocolErrorCode } from './errors.ts';

/** Hash algorithms (§5.1.2). S256 is mandatory. */
export type HashAlgorithm = 'S256' | 'S384';
/** Cipher algorithms (§5.1.3). AES1 is mandatory. */
export type CipherAlgorithm = 'AES1' | 'AES3';
/** SRTP auth tag types (§5.1.4). HS32 and HS80 are mandatory. */
export type AuthTagAlgorithm = 'HS32' | 'HS80';
/**
 * Key agreement types (§5.1.5). DH3k is mandatory; 'Mult' is Multistream mode (no DH, §4.4.3).
 * 'X255' (Curve25519) is the name Linphone's bzrtp uses; it is not in RFC 6189 itself.
 */
export type KeyAgreementAlgorithm = 'DH3k' | 'DH2k' | 'EC25' | 'X255' | 'Mult';
/** SAS rendering types (§5.1.6). B32 is mandatory. */
export type SasAlgorithm = 'B32' | 'B256';

/**
 * A name as carried in a Hello or Commit: one of the known ones, or any other string
 * (unknown names are kept, not rejected, so newer peers stay interoperable).
 */
export type AlgorithmName<Known extends string> = Known | (string & {});

/** Local preferences, most preferred first, as advertised in our Hello. */
export interface AlgorithmPreferences {
  hash: HashAlgorithm[];
  cipher: CipherAlgorithm[];
  authTag: AuthTagAlgorithm[];
  keyAgreement: KeyAgreementAlgorithm[];
  sas: SasAlgorithm[];
}

/** The algorithm lists of a peer's Hello (a HelloMessage satisfies this shape). */
export interface PeerAlgorithmLists {
  readonly hash: readonly string[];
  readonly cipher: readonly string[];
  readonly authTag: readonly string[];
  readonly keyAgreement: readonly string[];
  readonly sas: readonly string[];
}

/** One algorithm of each kind: what a Commit carries (§5.4). */
export interface NegotiatedAlgorithms {
  hash: HashAlgorithm;
  cipher: CipherAlgorithm;
  authTag: AuthTagAlgorithm;
  keyAgreement: Exclude<KeyAgreementAlgorithm, 'Mult'>;
  sas: SasAlgorithm;
}

export const HASH_ALGORITHMS: readonly HashAlgorithm[] = ['S256', 'S384'];
export const CIPHER_ALGORITHMS: readonly CipherAlgorithm[] = ['AES1', 'AES3'];
export const AUTH_TAG_ALGORITHMS: readonly AuthTagAlgorithm[] = ['HS32', 'HS80'];
export const KEY_AGREEMENT_ALGORITHMS: readonly KeyAgreementAlgorithm[] = ['DH3k', 'DH2k', 'EC25', 'X255', 'Mult'];
export const SAS_ALGORITHMS: readonly SasAlgorithm[] = ['B32', 'B256'];

/**
 * Mandatory-to-implement algorithms (§5.1.2–§5.1.6). An endpoint may leave them out of its Hello;
 * they are still supported, so negotiation appends them to both lists when absent (bzrtp does the
 * same in bzrtp_addMandatoryCryptoTypesIfNeeded, for its own and the peer's lists).
 */
export const MANDATORY_ALGORITHMS: Readonly<AlgorithmPreferences> = Object.freeze<AlgorithmPreferences>({
  hash: ['S256'],
  cipher: ['AES1'],
  authTag: ['HS32', 'HS80'],
  keyAgreement: ['DH3k', 'Mult'],
  sas: ['B32'],
});

/**
 * Key agreements from fastest to slowest, for the §4.1.2 rule "choose the faster of the two".
 * Same relative order as bzrtp's ZRTP_KEYAGREEMENT_* values (DH2k < X255 < EC25 < DH3k).
 */
export const KEY_AGREEMENT_SPEED_ORDER: readonly Exclude<KeyAgreementAlgorithm, 'Mult'>[] = ['DH2k', 'X255', 'EC25', 'DH3k'];

/** Our defaults: Curve25519 first (fast, what Linphone prefers), DH3k always present. */
export const DEFAULT_PREFERENCES: Readonly<AlgorithmPreferences> = Object.freeze<AlgorithmPreferences>({
  hash: ['S256', 'S384'],
  cipher: ['AES1', 'AES3'],
  authTag: ['HS80', 'HS32'],
  keyAgreement: ['X255', 'DH3k', 'EC25', 'DH2k', 'Mult'],
  sas: ['B32', 'B256'],
});

export function isHashAlgorithm(name: unknown): name is HashAlgorithm {
  return typeof name === 'string' && (HASH_ALGORITHMS as readonly string[]).includes(name);
}
export function isCipherAlgorithm(name: unknown): name is CipherAlgorithm {
  return typeof name === 'string' && (CIPHER_ALGORITHMS as readonly string[]).includes(name);
}
export function isAuthTagAlgorithm(name: unknown): name is AuthTagAlgorithm {
  return typeof name === 'string' && (AUTH_TAG_ALGORITHMS as readonly string[]).includes(name);
}
export function isKeyAgreementAlgorithm(name: unknown): name is KeyAgreementAlgorithm {
  return typeof name === 'string' && (KEY_AGREEMENT_ALGORITHMS as readonly string[]).includes(name);
}
export function isSasAlgorithm(name: unknown): name is SasAlgorithm {
  return typeof name === 'string' && (SAS_ALGORITHMS as readonly string[]).includes(name);
}

/** Key agreement algorithms that run a DH exchange (everything but Multistream). */
export function isDhKeyAgreement(name: unknown): name is Exclude<KeyAgreementAlgorithm, 'Mult'> {
  return isKeyAgreementAlgorithm(name) && name !== 'Mult';
}

/** `list` followed by the mandatory names it lacks (order preserved, duplicates dropped). */
function withMandatoryList(list: readonly string[], mandatory: readonly string[]): string[] {
  const out: string[] = [];
  for (const n of [...list, ...mandatory]) if (!out.includes(n)) out.push(n);
  return out;
}

/**
 * Local preferences completed with the mandatory algorithms (§5.1), validated. Use this to build
 * the Hello so what we advertise is what {@link negotiate} assumes.
 * @throws TypeError / RangeError for unknown names or empty lists.
 */
export function withMandatory(prefs: Partial<AlgorithmPreferences> = {}): AlgorithmPreferences {
  if (prefs === null || typeof prefs !== 'object') throw new TypeError('preferences must be an object');
  const pick = <T extends string>(key: keyof AlgorithmPreferences, guard: (n: unknown) => n is T): T[] => {
    const given = prefs[key] ?? DEFAULT_PREFERENCES[key];
    if (!Array.isArray(given)) throw new TypeError(`preferences.${key} must be an array`);
    if (given.length === 0) throw new RangeError(`preferences.${key} must not be empty`);
    for (const n of given) if (!guard(n)) throw new RangeError(`preferences.${key}: unknown algorithm ${String(n)}`);
    const merged = withMandatoryList(given, MANDATORY_ALGORITHMS[key]) as T[];
    // §5.2: at most 7 of each kind fit the 4-bit Hello counts (values 0..7).
    if (merged.length > 7) throw new RangeError(`preferences.${key}: at most 7 algorithms`);
    return merged;
  };
  return {
    hash: pick('hash', isHashAlgorithm),
    cipher: pick('cipher', isCipherAlgorithm),
    authTag: pick('authTag', isAuthTagAlgorithm),
    keyAgreement: pick('keyAgreement', isKeyAgreementAlgorithm),
    sas: pick('sas', isSasAlgorithm),
  };
}

function firstCommon<T extends string>(
  mine: readonly string[],
  theirs: readonly string[],
  guard: (n: unknown) => n is T,
  protocolCode: number,
  what: string,
): T {
  for (const n of mine) if (guard(n) && theirs.includes(n)) return n;
  throw new ZrtpError('SUSURRO_ZRTP_NO_COMMON_ALGORITHM', `no common ${what} algorithm`, { protocolCode });
}

/**
 * Choose the algorithms for a Commit from our preferences and the peer's Hello (RFC 6189 §4.1.2).
 *
 * - Both lists are completed with the mandatory algorithms (§5.1).
 * - Key agreement: each side's list is reduced to the common DH types ('Mult' excluded, it is not
 *   a DH mode); if the first entries of our reduced list and of the peer's reduced list (each in
 *   its owner's order) are equal, that one, otherwise the faster of the two (§4.1.2,
 *   {@link KEY_AGREEMENT_SPEED_ORDER}). Both endpoints compute the same result, so whoever
 *   becomes initiator proposes the same key agreement.
 * - Hash, cipher, auth tag, SAS: the first of OUR list also in the peer's list. The initiator's
 *   Commit has the final word on these (§4.1.2); a responder checks the Commit's choices against
 *   its own Hello instead of calling this.
 *
 * @param local our preferences (as advertised; mandatory ones are added if missing)
 * @param peer the algorithm lists from the peer's Hello (unknown names are ignored)
 * @throws ZrtpError SUSURRO_ZRTP_NO_COMMON_ALGORITHM with the §5.9 protocol code
 *   (UnsupportedHash 0x51 … UnsupportedSas 0x55) when a kind has nothing in common
 */
export function negotiate(local: Partial<AlgorithmPreferences>, peer: PeerAlgorithmLists): NegotiatedAlgorithms {
  const mine = withMandatory(local);
  if (peer === null || typeof peer !== 'object') throw new TypeError('peer must be an object');
  const theirs = {} as Record<keyof AlgorithmPreferences, string[]>;
  for (const key of ['hash', 'cipher', 'authTag', 'keyAgreement', 'sas'] as const) {
    const list = peer[key];
    if (!Array.isArray(list)) throw new TypeError(`peer.${key} must be an array`);
    theirs[key] = withMandatoryList(list as string[], MANDATORY_ALGORITHMS[key]);
  }

  const mineKa = mine.keyAgreement.filter((n) => n !== 'Mult' && theirs.keyAgreement.includes(n));
  const theirsKa = theirs.keyAgreement.filter((n) => n !== 'Mult' && (mineKa as string[]).includes(n));
  const a = mineKa[0];
  const b = theirsKa[0];
  if (!isDhKeyAgreement(a) || !isDhKeyAgreement(b)) {
    throw new ZrtpError('SUSURRO_ZRTP_NO_COMMON_ALGORITHM', 'no common key agreement algorithm', {
      protocolCode: ProtocolErrorCode.UnsupportedKeyExchange,
    });
  }
  const keyAgreement =
    a === b ? a : KEY_AGREEMENT_SPEED_ORDER.indexOf(a) <= KEY_AGREEMENT_SPEED_ORDER.indexOf(b) ? a : b;

  return {
    hash: firstCommon(mine.hash, theirs.hash, isHashAlgorithm, ProtocolErrorCode.UnsupportedHash, 'hash'),
    cipher: firstCommon(mine.cipher, theirs.cipher, isCipherAlgorithm, ProtocolErrorCode.UnsupportedCipher, 'cipher'),
    authTag: firstCommon(mine.authTag, theirs.authTag, isAuthTagAlgorithm, ProtocolErrorCode.UnsupportedAuthTag, 'auth tag'),
    keyAgreement,
    sas: firstCommon(mine.sas, theirs.sas, isSasAlgorithm, ProtocolErrorCode.UnsupportedSas, 'SAS'),
  };
}

/** Output length in bytes of a ZRTP hash (§5.1.2). */
export function hashLength(alg: HashAlgorithm): 32 | 48 {
  if (alg === 'S256') return 32;
  if (alg === 'S384') return 48;
  throw new RangeError(`alg: unknown hash algorithm ${String(alg)}`);
}

/** Key length in bytes of a ZRTP cipher (§5.1.3): AES1 = AES-128, AES3 = AES-256. */
export function cipherKeyLength(alg: CipherAlgorithm): 16 | 32 {
  if (alg === 'AES1') return 16;
  if (alg === 'AES3') return 32;
  throw new RangeError(`cipher: unknown cipher algorithm ${String(alg)}`);
}
