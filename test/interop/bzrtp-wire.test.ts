/**
 * Our wire codec and crypto primitives against packets that libbzrtp 5.1 produces live, today,
 * on this machine: two bzrtp peers run over UDP on loopback with --capture, and every packet
 * both of them sent is then checked with susurro's code, no session involved:
 *   §5    packet framing and CRC-32C (bzrtp writes it little-endian);
 *   §5.x  strict decode of every message, and re-encoding to the identical bytes;
 *   §9    hash chain: H3 = SHA-256(H2), H2 = SHA-256(H1) across Hello, Commit, DHPart;
 *   §5.2/§5.4 message MACs: Hello keyed by H2, Commit keyed by H1 (HMAC-SHA-256, 64 bits);
 *   §4.4.1.1 the Commit's hvi = hash(DHPart2 || responder's Hello), with the negotiated hash;
 *   §8.1  a=zrtp-hash: SHA-256 of the Hello, as bzrtp prints it for its own Hello.
 * This complements the vectors in test/vectors (one old capture) with fresh captures in
 * every key agreement and hash bzrtp offers.
 */
import { bytesToHex as hex } from '@noble/hashes/utils.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePacket } from '../../src/zrtp/packet.ts';
import { decodeMessage, encodeMessage, type ZrtpMessage } from '../../src/zrtp/messages/index.ts';
import { hash, hmac } from '../../src/zrtp/crypto/hash.ts';
import { computeHvi, verifyHvi } from '../../src/zrtp/crypto/hvi.ts';
import { messageMac, verifyMessageMac } from '../../src/zrtp/crypto/message-mac.ts';
import { generateKeyPair, publicValueLength, type DhKeyAgreement } from '../../src/zrtp/crypto/key-agreement.ts';
import { verifyZrtpHash, zrtpHashAttribute } from '../../src/zrtp/zrtp-hash.ts';
import type { HashAlgorithm } from '../../src/zrtp/algorithms.ts';
import { ensureBzrtpPeer } from './build-bzrtp-peer.ts';
import { bothSecure, killAllPeers, runPair } from './peers.ts';

let dir: string;
beforeAll(() => {
  ensureBzrtpPeer();
  dir = mkdtempSync(join(tmpdir(), 'susurro-wire-'));
});
afterAll(() => {
  killAllPeers();
  rmSync(dir, { recursive: true, force: true });
});

const sha256 = (b: Uint8Array) => hash('S256', b);
/** §5.2 ff.: MAC = first 64 bits of HMAC-SHA-256 keyed by the next hash-chain preimage. */
const chainMac = (key: Uint8Array, message: Uint8Array) => hmac('S256', key, message.subarray(0, message.length - 8)).slice(0, 8);

interface Captured {
  raw: Uint8Array;
  message: Uint8Array;
  decoded: ZrtpMessage;
}

/** Every packet a peer sent, first copy of each message type (retransmissions are equal). */
function sentMessages(captureFile: string): Map<string, Captured> {
  const out = new Map<string, Captured>();
  for (const line of readFileSync(captureFile, 'utf8').trim().split('\n')) {
    const { dir: direction, packet } = JSON.parse(line) as { dir: 'in' | 'out'; packet: string };
    if (direction !== 'out') continue;
    const raw = new Uint8Array(Buffer.from(packet, 'hex'));
    const { message } = decodePacket(raw); // throws on a CRC or framing mismatch
    const decoded = decodeMessage(message);
    expect(hex(encodeMessage(decoded)), `${decoded.type} re-encodes byte-identical`).toBe(hex(message));
    if (!out.has(decoded.type)) out.set(decoded.type, { raw, message, decoded });
  }
  return out;
}

function pick<T extends ZrtpMessage['type']>(m: Map<string, Captured>, type: T): Captured & { decoded: ZrtpMessage & { type: T } } {
  const c = m.get(type);
  if (!c) throw new Error(`no ${type} captured`);
  return c as Captured & { decoded: ZrtpMessage & { type: T } };
}

const CASES: { ka: DhKeyAgreement; hash: HashAlgorithm; extra: string[] }[] = [
  { ka: 'X255', hash: 'S256', extra: [] },
  { ka: 'DH3k', hash: 'S384', extra: ['--cipher', 'AES3', '--sas', 'B256'] },
  { ka: 'DH2k', hash: 'S256', extra: ['--auth', 'HS80'] },
];

describe('live bzrtp packets through our codec and primitives', () => {
  for (const c of CASES) {
    it(`${c.ka} ${c.hash}: framing, re-encoding, hash chain, MACs, hvi, zrtp-hash`, async () => {
      const capI = join(dir, `${c.ka}-i.jsonl`);
      const capR = join(dir, `${c.ka}-r.jsonl`);
      const algos = ['--ka', c.ka, '--hash', c.hash, ...c.extra];
      const outcome = await runPair(
        { impl: 'bzrtp', args: ['--role', 'initiator', '--capture', capI, ...algos] },
        { impl: 'bzrtp', args: ['--role', 'responder', '--capture', capR, ...algos] },
      );
      const [ri] = bothSecure(outcome);
      expect(ri.keyAgreement).toBe(c.ka);
      expect(ri.hash).toBe(c.hash);

      const fromI = sentMessages(capI);
      const fromR = sentMessages(capR);
      expect([...fromI.keys()].sort()).toEqual(['Commit', 'Confirm2', 'DHPart2', 'Hello', 'HelloACK']);
      expect([...fromR.keys()].sort()).toEqual(['Conf2ACK', 'Confirm1', 'DHPart1', 'Hello', 'HelloACK']);

      const helloI = pick(fromI, 'Hello');
      const helloR = pick(fromR, 'Hello');
      const commit = pick(fromI, 'Commit');
      const dh1 = pick(fromR, 'DHPart1');
      const dh2 = pick(fromI, 'DHPart2');

      // Hello fields as bzrtp was configured (its mandatory algorithms appended, §5.1).
      expect(helloI.decoded.version).toBe('1.10');
      expect(helloI.decoded.keyAgreement[0]).toBe(c.ka);
      expect(helloI.decoded.hash[0]).toBe(c.hash);
      expect(helloI.decoded.keyAgreement).toContain('DH3k');
      expect(commit.decoded.keyAgreement).toBe(c.ka);
      expect(commit.decoded.hash).toBe(c.hash);
      expect(hex(commit.decoded.zid)).toBe(hex(helloI.decoded.zid));

      // §9 hash chain of the initiator: Hello H3 ← Commit H2 ← DHPart2 H1.
      expect(hex(sha256(commit.decoded.h2))).toBe(hex(helloI.decoded.h3));
      expect(hex(sha256(dh2.decoded.h1))).toBe(hex(commit.decoded.h2));
      // ... and of the responder, which never sends H2: H3 = SHA-256(SHA-256(H1)).
      expect(hex(sha256(sha256(dh1.decoded.h1)))).toBe(hex(helloR.decoded.h3));

      // §5.2 / §5.4 MACs, keyed by the preimage revealed in the next message.
      expect(hex(helloI.decoded.mac)).toBe(hex(chainMac(commit.decoded.h2, helloI.message)));
      expect(hex(helloR.decoded.mac)).toBe(hex(chainMac(sha256(dh1.decoded.h1), helloR.message)));
      expect(hex(commit.decoded.mac)).toBe(hex(chainMac(dh2.decoded.h1, commit.message)));
      // ... and the same through our engine's own MAC functions (which throw on a mismatch)
      expect(hex(messageMac('S256', commit.decoded.h2, helloI.message.subarray(0, helloI.message.length - 8)))).toBe(hex(helloI.decoded.mac));
      verifyMessageMac('S256', dh2.decoded.h1, commit.message);
      expect(() => verifyMessageMac('S256', dh1.decoded.h1, commit.message)).toThrow(expect.objectContaining({ code: 'SUSURRO_ZRTP_BAD_MAC' }));
      // a MAC check that can fail: flip one byte of the Hello
      const tampered = helloI.message.slice();
      tampered[40]! ^= 1;
      expect(hex(chainMac(commit.decoded.h2, tampered))).not.toBe(hex(helloI.decoded.mac));

      // §4.4.1.1 hash commitment, in the negotiated hash.
      if (commit.decoded.mode !== 'dh') throw new Error('expected a DH-mode Commit');
      const hvi = commit.decoded.hvi;
      expect(hex(hvi)).toBe(hex(computeHvi(c.hash, dh2.message, helloR.message)));
      verifyHvi(c.hash, hvi, dh2.message, helloR.message);
      expect(() => verifyHvi(c.hash, hvi, dh2.message, helloI.message)).toThrow(
        expect.objectContaining({ code: 'SUSURRO_ZRTP_HVI_MISMATCH' }),
      );

      // §5.1.5 public values: bzrtp's have our expected length and pass our validation
      // (range / on-curve / non-zero result) when we compute a shared secret with them.
      const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
      for (const pv of [dh1.decoded.pv, dh2.decoded.pv]) {
        expect(pv).toHaveLength(publicValueLength(c.ka));
        const ours = generateKeyPair(c.ka, random);
        expect(ours.shared(pv).length).toBeGreaterThan(0);
        ours.destroy();
      }

      // §8.1 a=zrtp-hash: bzrtp printed "1.10 <SHA-256 of its Hello>" before starting.
      const [outI, outR] = outcome;
      expect(outI.helloHash).toBe(`1.10 ${hex(sha256(helloI.message))}`);
      expect(outR.helloHash).toBe(`1.10 ${hex(sha256(helloR.message))}`);
      expect(zrtpHashAttribute(helloI.message)).toBe(outI.helloHash);
      verifyZrtpHash(outR.helloHash!, helloR.message);
      expect(() => verifyZrtpHash(outR.helloHash!, helloI.message)).toThrow(expect.objectContaining({ code: 'SUSURRO_ZRTP_ZRTP_HASH_MISMATCH' }));
    });
  }
});
