/**
 * UDP packet framing (RFC 6189 §5): header layout, CRC-32C little-endian, strict checks.
 */
import { describe, it, expect } from 'vitest';
import { decodePacket, encodePacket, isZrtpPacket, MAGIC_COOKIE } from '../../../src/zrtp/packet.ts';
import { crc32c } from '../../../src/zrtp/crc32c.ts';
import { ZrtpError } from '../../../src/zrtp/errors.ts';
import { encodeMessage } from '../../../src/zrtp/messages/index.ts';
import { kdfFile, hex, toHex } from './vectors.ts';

const ack = encodeMessage({ type: 'HelloACK' });

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ZrtpError) return e.code;
    throw e;
  }
  return 'none';
}

/** Re-seal a (modified) packet with a correct CRC so only the targeted defect remains. */
function reseal(p: Uint8Array): Uint8Array {
  const out = p.slice();
  const crc = crc32c(out.subarray(0, out.length - 4));
  out.set([crc & 0xff, (crc >>> 8) & 0xff, (crc >>> 16) & 0xff, crc >>> 24], out.length - 4);
  return out;
}

describe('encodePacket', () => {
  it('writes 0x1000, sequence, "ZRTP", SSRC, message, CRC-32C little-endian', () => {
    const p = encodePacket({ sequence: 0x18cd, ssrc: 0x63674bfb, message: hex('505a000348656c6c6f41434b') });
    // bzrtp CRC vector 1 is exactly this HelloACK packet.
    expect(toHex(p)).toBe(kdfFile.crc32c.vectors[1]!.full_packet_on_wire);
    expect(MAGIC_COOKIE).toBe(0x5a525450);
  });

  it('validates arguments', () => {
    expect(() => encodePacket({ sequence: 0x10000, ssrc: 1, message: ack })).toThrow(/sequence/);
    expect(() => encodePacket({ sequence: 1, ssrc: -1, message: ack })).toThrow(/ssrc/);
    expect(() => encodePacket({ sequence: 1, ssrc: 1, message: ack.subarray(0, 10) })).toThrow(RangeError);
    expect(() => encodePacket({ sequence: 1, ssrc: 1, message: 'x' as unknown as Uint8Array })).toThrow(TypeError);
    expect(() => encodePacket(null as unknown as Parameters<typeof encodePacket>[0])).toThrow(TypeError);
  });
});

describe('decodePacket', () => {
  const good = encodePacket({ sequence: 65535, ssrc: 0xffffffff, message: ack });

  it('round-trips extreme sequence and SSRC values', () => {
    expect(decodePacket(good)).toEqual({ sequence: 65535, ssrc: 0xffffffff, message: ack });
  });

  it('a big-endian CRC (the classic interop mistake) is refused', () => {
    const be = good.slice();
    const crc = crc32c(be.subarray(0, be.length - 4));
    be.set([crc >>> 24, (crc >>> 16) & 0xff, (crc >>> 8) & 0xff, crc & 0xff], be.length - 4);
    expect(codeOf(() => decodePacket(be))).toBe('SUSURRO_ZRTP_BAD_CRC');
  });

  it.each([
    ['too short', () => good.subarray(0, 27)],
    ['wrong version nibble', () => reseal(Object.assign(good.slice(), { 0: 0x20 }))],
    ['non-zero reserved header bits', () => reseal(Object.assign(good.slice(), { 1: 0x01 }))],
    ['fragmented packet (0x11)', () => reseal(Object.assign(good.slice(), { 0: 0x11 }))],
    ['bad magic cookie', () => reseal(Object.assign(good.slice(), { 4: 0x5b }))],
    ['message not whole words', () => reseal(new Uint8Array([...good.subarray(0, good.length - 4), 0, 0, 0, 0, 0, 0]))],
  ])('%s -> MALFORMED', (_name, make) => {
    expect(codeOf(() => decodePacket(make()))).toBe('SUSURRO_ZRTP_MALFORMED');
  });

  it('non-Uint8Array input -> ZrtpError', () => {
    expect(codeOf(() => decodePacket(null as unknown as Uint8Array))).toBe('SUSURRO_ZRTP_MALFORMED');
  });

  it('isZrtpPacket tells ZRTP from RTP (§5: version nibble 1 and the cookie)', () => {
    expect(isZrtpPacket(good)).toBe(true);
    const rtp = good.slice();
    rtp[0] = 0x80;
    expect(isZrtpPacket(rtp)).toBe(false);
    expect(isZrtpPacket(good.subarray(0, 8))).toBe(false);
  });
});
