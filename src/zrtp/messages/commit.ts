/**
 * Commit (RFC 6189 §5.4). Common part: H2 (8 words), ZID (3 words) and the chosen hash, cipher,
 * auth tag, key agreement and SAS type (1 word each). What follows depends on the key agreement:
 *
 * - DH mode (any DH/EC type): hvi (8 words), §4.4.1.1 — 29 words in all
 * - Multistream ('Mult'): nonce (4 words), §4.4.3 — 25 words
 * - Preshared ('Prsh'): nonce (4 words) and key ID (2 words), §4.4.2 — 27 words
 *
 * then the MAC (2 words), HMAC-SHA-256 keyed by H1 (§5.4, §9). This engine runs DH mode only;
 * the other two forms decode so that they can be refused with a proper Error.
 */
import type {
  AlgorithmName,
  AuthTagAlgorithm,
  CipherAlgorithm,
  HashAlgorithm,
  KeyAgreementAlgorithm,
  SasAlgorithm,
} from '../algorithms.ts';
import { MessageReader } from './framing.ts';
import { MessageWriter } from './writer.ts';

interface CommitCommon {
  type: 'Commit';
  /** Hash image H2, 32 bytes (§9). */
  h2: Uint8Array;
  /** Initiator's ZID, 12 bytes. */
  zid: Uint8Array;
  hash: AlgorithmName<HashAlgorithm>;
  cipher: AlgorithmName<CipherAlgorithm>;
  authTag: AlgorithmName<AuthTagAlgorithm>;
  keyAgreement: AlgorithmName<KeyAgreementAlgorithm | 'Prsh'>;
  /** 'B32' or 'B256' (no wire padding). */
  sas: AlgorithmName<SasAlgorithm>;
  /** 8-byte MAC (§5.4). */
  mac: Uint8Array;
}

/** DH mode Commit: carries the hash commitment hvi (§4.4.1.1), 32 bytes. */
export interface CommitDhMessage extends CommitCommon {
  mode: 'dh';
  hvi: Uint8Array;
}

/** Multistream Commit (§4.4.3): a 16-byte nonce instead of hvi. */
export interface CommitMultistreamMessage extends CommitCommon {
  mode: 'multistream';
  nonce: Uint8Array;
}

/** Preshared Commit (§4.4.2): a 16-byte nonce and an 8-byte key ID. */
export interface CommitPresharedMessage extends CommitCommon {
  mode: 'preshared';
  nonce: Uint8Array;
  keyId: Uint8Array;
}

export type CommitMessage = CommitDhMessage | CommitMultistreamMessage | CommitPresharedMessage;

/** Which Commit form a key agreement name implies (§5.4). */
export function commitModeOf(keyAgreement: string): CommitMessage['mode'] {
  return keyAgreement === 'Mult' ? 'multistream' : keyAgreement === 'Prsh' ? 'preshared' : 'dh';
}

export function encodeCommit(m: CommitMessage): Uint8Array {
  const expected = commitModeOf(m.keyAgreement);
  if (m.mode !== expected) throw new RangeError(`Commit.mode must be '${expected}' for key agreement ${m.keyAgreement}`);
  const w = new MessageWriter('Commit')
    .bytes(m.h2, 'Commit.h2', 32)
    .bytes(m.zid, 'Commit.zid', 12)
    .name(m.hash, 'Commit.hash')
    .name(m.cipher, 'Commit.cipher')
    .name(m.authTag, 'Commit.authTag')
    .name(m.keyAgreement, 'Commit.keyAgreement')
    .name(m.sas, 'Commit.sas');
  if (m.mode === 'dh') w.bytes(m.hvi, 'Commit.hvi', 32);
  else {
    w.bytes(m.nonce, 'Commit.nonce', 16);
    if (m.mode === 'preshared') w.bytes(m.keyId, 'Commit.keyId', 8);
  }
  return w.bytes(m.mac, 'Commit.mac', 8).finish();
}

export function decodeCommit(bytes: Uint8Array): CommitMessage {
  const r = new MessageReader(bytes, 'Commit');
  const common = {
    type: 'Commit' as const,
    h2: r.take(32, 'H2'),
    zid: r.take(12, 'ZID'),
    hash: r.name('hash'),
    cipher: r.name('cipher'),
    authTag: r.name('auth tag'),
    keyAgreement: r.name('key agreement'),
    sas: r.name('SAS type'),
  };
  const mode = commitModeOf(common.keyAgreement);
  let m: CommitMessage;
  if (mode === 'dh') {
    const hvi = r.take(32, 'hvi');
    m = { ...common, mode, hvi, mac: r.take(8, 'MAC') };
  } else if (mode === 'multistream') {
    const nonce = r.take(16, 'nonce');
    m = { ...common, mode, nonce, mac: r.take(8, 'MAC') };
  } else {
    const nonce = r.take(16, 'nonce');
    const keyId = r.take(8, 'key ID');
    m = { ...common, mode, nonce, keyId, mac: r.take(8, 'MAC') };
  }
  r.end();
  return m;
}
