/**
 * The ONE JSON line both interop peers print once secure: `npm run zrtp-peer` (ours) and
 * test/interop/bzrtp-peer.c (libbzrtp). Same keys, so tests compare them field by field.
 * It carries SRTP keys on purpose: this is a test tool on loopback, and the keys must be
 * compared across implementations. Never print s0, rs1/rs2 or the Exported Key itself.
 */
import { bytesToHex as hex } from '@noble/hashes/utils.js';
import type { ZrtpSecureResult } from '../../zrtp/session.ts';

export interface PeerResultLine {
  implementation: 'susurro' | 'bzrtp';
  /** B32: 4 characters; B256: "word1 word2" (bzrtp's "word1:word2" normalised). */
  sas: string;
  /** The SAS exactly as the implementation rendered it. */
  sasRaw: string;
  sasType: string;
  hash: string;
  cipher: string;
  authTag: string;
  keyAgreement: string;
  role: 'initiator' | 'responder';
  cacheMismatch: boolean;
  previouslyVerified: boolean;
  auxSecretMatched: boolean | null;
  /** SRTP master key and salt (hex) we send with and the peer's, which we receive with (§4.5.3). */
  srtp: { send: { key: string; salt: string }; recv: { key: string; salt: string } };
  /** KDF(ExportedKey, "susurro interop probe", KDF_Context, 256) in hex (§4.5.2), or null. */
  exportProbe: string | null;
  timing: { firstHelloToSecureMs: number };
}


export function resultLine(result: ZrtpSecureResult, exportProbe: Uint8Array | null, firstHelloToSecureMs: number): PeerResultLine {
  const mine = result.role === 'initiator' ? result.srtp.initiator : result.srtp.responder;
  const theirs = result.role === 'initiator' ? result.srtp.responder : result.srtp.initiator;
  return {
    implementation: 'susurro',
    sas: result.sas,
    sasRaw: result.sas,
    sasType: result.sasType,
    hash: result.hash,
    cipher: result.cipher,
    authTag: result.authTag,
    keyAgreement: result.keyAgreement,
    role: result.role,
    cacheMismatch: result.cacheMismatch,
    previouslyVerified: result.previouslyVerified,
    auxSecretMatched: result.auxSecretMatched,
    srtp: { send: { key: hex(mine.key), salt: hex(mine.salt) }, recv: { key: hex(theirs.key), salt: hex(theirs.salt) } },
    exportProbe: exportProbe ? hex(exportProbe) : null,
    timing: { firstHelloToSecureMs: Math.round(firstHelloToSecureMs * 1000) / 1000 },
  };
}
