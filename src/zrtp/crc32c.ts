/**
 * CRC-32C (Castagnoli; RFC 3309, RFC 4960 Appendix B), the ZRTP packet checksum (RFC 6189 §5).
 * Reflected polynomial 0x82f63b78, initial value and final XOR 0xffffffff. Returns the standard
 * value as an unsigned number; on the wire ZRTP (as bzrtp and GNU ZRTP write it) stores it
 * least-significant byte first — see packet.ts.
 */
import { assertBytes } from './bytes.ts';

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC-32C of `data`; crc32c(ascii "123456789") === 0xe3069283. */
export function crc32c(data: Uint8Array): number {
  assertBytes(data, 'data');
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = (crc >>> 8) ^ TABLE[(crc ^ data[i]!) & 0xff]!;
  return (crc ^ 0xffffffff) >>> 0;
}
