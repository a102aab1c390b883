/**
 * Hello (RFC 6189 §5.2): version, client id, H3, ZID, flags, the algorithm lists and a MAC.
 *
 *   preamble/length | "Hello   " | version (1 word) | client id (4 words) | H3 (8 words)
 *   | ZID (3 words) | 0|S|M|P| unused (8 bits) | hc | cc | ac | kc | sc (4 bits each)
 *   | hash types (hc words) | ciphers (cc) | auth tags (ac) | key agreements (kc) | SAS types (sc)
 *   | MAC (2 words)
 *
 * The MAC is HMAC-SHA-256 keyed by H2 over the whole message but the MAC itself (§5.2, §9); the
 * receiver can only check it once Commit or DHPart1 reveals H2.
 */
import type {
  AlgorithmName,
  AuthTagAlgorithm,
  CipherAlgorithm,
  HashAlgorithm,
  KeyAgreementAlgorithm,
  SasAlgorithm,
} from '../algorithms.ts';
import { malformed } from '../errors.ts';
import { MessageReader } from './framing.ts';
import { MessageWriter } from './writer.ts';

export interface HelloFlags {
  /** S: the endpoint can verify signatures in Confirm (§5.2, §7.2). */
  signatureCapable: boolean;
  /** M: the endpoint is a trusted MiTM (PBX) (§5.2, §7.3). */
  mitm: boolean;
  /** P: passive endpoint, never sends Commit (§5.2). */
  passive: boolean;
}

export interface HelloMessage {
  type: 'Hello';
  /** 4 characters, "1.10" for RFC 6189 (§4.1.1). */
  version: string;
  /** Client identifier, up to 16 characters; trailing spaces are padding (§5.2). */
  clientId: string;
  /** Hash image H3, 32 bytes (§9). */
  h3: Uint8Array;
  /** ZRTP identifier, 12 bytes (§4.9). */
  zid: Uint8Array;
  flags: HelloFlags;
  /** Algorithm lists in preference order; unknown names are kept as given (forward compatible). */
  hash: AlgorithmName<HashAlgorithm>[];
  cipher: AlgorithmName<CipherAlgorithm>[];
  authTag: AlgorithmName<AuthTagAlgorithm>[];
  keyAgreement: AlgorithmName<KeyAgreementAlgorithm>[];
  /** SAS types without wire padding: 'B32', not "B32 " (§5.1.6). */
  sas: AlgorithmName<SasAlgorithm>[];
  /** 8-byte MAC (§5.2). */
  mac: Uint8Array;
}

/** §5.2: each 4-bit count field may hold 0..7. */
export const MAX_ALGORITHMS_PER_KIND = 7;

const S_FLAG = 0x40000000;
const M_FLAG = 0x20000000;
const P_FLAG = 0x10000000;
/** The leading zero bit and the 8 unused bits must be zero (§5.2). */
const RESERVED_BITS = 0x8ff00000;

export function encodeHello(m: HelloMessage): Uint8Array {
  const lists = [m.hash, m.cipher, m.authTag, m.keyAgreement, m.sas] as const;
  const names = ['hash', 'cipher', 'authTag', 'keyAgreement', 'sas'] as const;
  let word = 0;
  lists.forEach((list, i) => {
    if (!Array.isArray(list)) throw new TypeError(`Hello.${names[i]} must be an array`);
    if (list.length > MAX_ALGORITHMS_PER_KIND) throw new RangeError(`Hello.${names[i]}: at most 7 algorithms`);
    word |= list.length << (16 - 4 * i);
  });
  if (m.flags === null || typeof m.flags !== 'object') throw new TypeError('Hello.flags must be an object');
  if (m.flags.signatureCapable) word |= S_FLAG;
  if (m.flags.mitm) word |= M_FLAG;
  if (m.flags.passive) word |= P_FLAG;
  const w = new MessageWriter('Hello')
    .text(m.version, 'Hello.version', 4)
    .text(m.clientId, 'Hello.clientId', 16)
    .bytes(m.h3, 'Hello.h3', 32)
    .bytes(m.zid, 'Hello.zid', 12)
    .u32(word >>> 0, 'Hello.flags');
  lists.forEach((list, i) => list.forEach((n, j) => w.name(n, `Hello.${names[i]}[${j}]`)));
  return w.bytes(m.mac, 'Hello.mac', 8).finish();
}

export function decodeHello(bytes: Uint8Array): HelloMessage {
  const r = new MessageReader(bytes, 'Hello');
  const version = r.name('version');
  const clientId = r.take(16, 'client id');
  const h3 = r.take(32, 'H3');
  const zid = r.take(12, 'ZID');
  const word = r.u32('flags');
  if ((word & RESERVED_BITS) !== 0) throw malformed('Hello: reserved flag bits are not zero');
  const counts = [16, 12, 8, 4, 0].map((shift) => (word >>> shift) & 0xf);
  for (const c of counts) if (c > MAX_ALGORITHMS_PER_KIND) throw malformed(`Hello: algorithm count ${c} out of range 0..7`);
  const lists = counts.map((c, i) => Array.from({ length: c }, (_, j) => r.name(`algorithm ${i}.${j}`)));
  const mac = r.take(8, 'MAC');
  r.end();
  return {
    type: 'Hello',
    version,
    clientId: String.fromCharCode(...clientId).replace(/ +$/, ''),
    h3,
    zid,
    flags: { signatureCapable: (word & S_FLAG) !== 0, mitm: (word & M_FLAG) !== 0, passive: (word & P_FLAG) !== 0 },
    hash: lists[0]!,
    cipher: lists[1]!,
    authTag: lists[2]!,
    keyAgreement: lists[3]!,
    sas: lists[4]!,
    mac,
  };
}
