/**
 * Error (RFC 6189 §5.9): one 32-bit error code word (see ProtocolErrorCode). It carries no MAC:
 * an attacker can forge it, which is why an Error only ever ends a session, never weakens it.
 */
import { MessageReader } from './framing.ts';
import { MessageWriter } from './writer.ts';

export interface ErrorMessage {
  type: 'Error';
  /** §5.9 error code, e.g. 0x10 malformed packet. Unknown codes are kept. */
  code: number;
}

export function encodeError(m: ErrorMessage): Uint8Array {
  return new MessageWriter('Error').u32(m.code, 'Error.code').finish();
}

export function decodeError(bytes: Uint8Array): ErrorMessage {
  const r = new MessageReader(bytes, 'Error');
  const code = r.u32('error code');
  r.end();
  return { type: 'Error', code };
}
