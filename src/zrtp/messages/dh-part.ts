/**
 * DHPart1 and DHPart2 (RFC 6189 §5.5, §5.6), identical layouts:
 *
 *   H1 (8 words) | rs1IDr/i (2) | rs2IDr/i (2) | auxsecretIDr/i (2) | pbxsecretIDr/i (2)
 *   | pvr/pvi (variable) | MAC (2)
 *
 * The public value's length depends on the negotiated key agreement (DH3k 384, DH2k 256, EC25 64,
 * X255 32 bytes; §5.1.5), which the codec does not know: it takes everything between the IDs and
 * the MAC (at least one word). The state machine checks the length with publicValueLength().
 * The MAC is HMAC-SHA-256 keyed by H0 (§5.5, §9).
 */
import { malformed } from '../errors.ts';
import { MessageReader } from './framing.ts';
import { MessageWriter } from './writer.ts';

export interface DhPartMessage {
  type: 'DHPart1' | 'DHPart2';
  /** Hash image H1, 32 bytes (§9). */
  h1: Uint8Array;
  /** Retained secret IDs (§4.3.1), 8 bytes each. */
  rs1Id: Uint8Array;
  rs2Id: Uint8Array;
  auxSecretId: Uint8Array;
  pbxSecretId: Uint8Array;
  /** DH/ECDH public value, a whole number of words. */
  pv: Uint8Array;
  /** 8-byte MAC. */
  mac: Uint8Array;
}

/** Fixed part of a DHPart body (H1, four IDs, MAC), bytes. */
const FIXED_BODY = 32 + 4 * 8 + 8;

export function encodeDhPart(m: DhPartMessage): Uint8Array {
  if (m.pv instanceof Uint8Array && m.pv.length === 0) throw new RangeError(`${m.type}.pv must not be empty`);
  return new MessageWriter(m.type)
    .bytes(m.h1, `${m.type}.h1`, 32)
    .bytes(m.rs1Id, `${m.type}.rs1Id`, 8)
    .bytes(m.rs2Id, `${m.type}.rs2Id`, 8)
    .bytes(m.auxSecretId, `${m.type}.auxSecretId`, 8)
    .bytes(m.pbxSecretId, `${m.type}.pbxSecretId`, 8)
    .words(m.pv, `${m.type}.pv`)
    .bytes(m.mac, `${m.type}.mac`, 8)
    .finish();
}

export function decodeDhPart(bytes: Uint8Array, type: 'DHPart1' | 'DHPart2'): DhPartMessage {
  const r = new MessageReader(bytes, type);
  const pvLength = r.remaining - FIXED_BODY;
  if (pvLength < 4) throw malformed(`${type}: no room for a public value`);
  const m: DhPartMessage = {
    type,
    h1: r.take(32, 'H1'),
    rs1Id: r.take(8, 'rs1ID'),
    rs2Id: r.take(8, 'rs2ID'),
    auxSecretId: r.take(8, 'auxsecretID'),
    pbxSecretId: r.take(8, 'pbxsecretID'),
    pv: r.take(pvLength, 'pv'),
    mac: r.take(8, 'MAC'),
  };
  r.end();
  return m;
}
