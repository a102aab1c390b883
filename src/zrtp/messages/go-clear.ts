/**
 * GoClear (RFC 6189 §5.11): clear_hmac (2 words), the negotiated HMAC keyed by mackeyi/mackeyr
 * over the type block "GoClear ", truncated to 64 bits (§4.7.2). This engine never goes clear
 * (susurro fails closed) but must parse the message to answer it.
 */
import { MessageReader } from './framing.ts';
import { MessageWriter } from './writer.ts';

export interface GoClearMessage {
  type: 'GoClear';
  /** 8 bytes. */
  clearMac: Uint8Array;
}

export function encodeGoClear(m: GoClearMessage): Uint8Array {
  return new MessageWriter('GoClear').bytes(m.clearMac, 'GoClear.clearMac', 8).finish();
}

export function decodeGoClear(bytes: Uint8Array): GoClearMessage {
  const r = new MessageReader(bytes, 'GoClear');
  const clearMac = r.take(8, 'clear_hmac');
  r.end();
  return { type: 'GoClear', clearMac };
}
