import { describe, it, expect } from 'vitest';
import { createHmac } from 'node:crypto';
import { SasConfirmation, SAS_CONFIRMATION_LABEL, type SasConfirmationParams } from '../../../softphone-web/src/security/sas-confirmation.ts';

const zidI = Uint8Array.from({ length: 12 }, (_, i) => 0x10 + i);
const zidR = Uint8Array.from({ length: 12 }, (_, i) => 0x40 + i);
const exportedKey = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
const sasHash = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);

function pair(over: Partial<SasConfirmationParams> = {}) {
  const base = { hash: 'S256' as const, exportedKey, sasHash, ...over };
  return {
    initiator: new SasConfirmation({ ...base, role: 'initiator', zid: zidI, peerZid: zidR }),
    responder: new SasConfirmation({ ...base, role: 'responder', zid: zidR, peerZid: zidI }),
  };
}

describe('SasConfirmation: mutual, authenticated SAS verdicts', () => {
  it('matches an independent computation (RFC 6189 §4.5.1 KDF from the ExportedKey, then HMAC)', () => {
    // KDF(KI, Label, Context, L) = HMAC(KI, i || Label || 0x00 || Context || L), computed here with node:crypto.
    const u32 = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
    const key = createHmac('sha256', exportedKey)
      .update(Buffer.concat([u32(1), Buffer.from(SAS_CONFIRMATION_LABEL, 'latin1'), Buffer.from([0]), zidI, zidR, u32(256)]))
      .digest();
    const mac = createHmac('sha256', key)
      .update(Buffer.concat([Buffer.from('susurro-sas/1', 'latin1'), Buffer.from([0, 1, 1]), u32(1), sasHash]))
      .digest('hex');
    expect(pair().initiator.seal('match')).toBe(`susurro-sas/1 match 1 ${mac}`);
  });

  it('each side opens what the other sealed, both verdicts, both directions, S256 and S384', () => {
    for (const hash of ['S256', 'S384'] as const) {
      const { initiator, responder } = pair({ hash, exportedKey: new Uint8Array(hash === 'S256' ? 32 : 48).fill(9) });
      expect(responder.open(initiator.seal('match'))).toBe('match');
      expect(initiator.open(responder.seal('match'))).toBe('match');
      expect(initiator.open(responder.seal('mismatch'))).toBe('mismatch');
    }
  });

  it('rejects a forged MAC, a flipped verdict and a truncated MAC', () => {
    const { initiator, responder } = pair();
    const frame = initiator.seal('mismatch');
    const last = frame.at(-1) === '0' ? '1' : '0';
    expect(responder.open(frame.slice(0, -1) + last)).toBeNull();
    expect(responder.open(frame.replace(' mismatch ', ' match '))).toBeNull();
    expect(responder.open(frame.slice(0, -2))).toBeNull();
    expect(responder.open(`susurro-sas/1 match 1 ${'0'.repeat(64)}`)).toBeNull();
    // The genuine frame still opens: rejections left no state behind.
    expect(responder.open(frame)).toBe('mismatch');
  });

  it('rejects a replay, and an old counter after a newer one', () => {
    const { initiator, responder } = pair();
    const first = initiator.seal('match');
    const second = initiator.seal('mismatch');
    expect(responder.open(first)).toBe('match');
    expect(responder.open(first)).toBeNull();
    expect(responder.open(second)).toBe('mismatch');
    expect(responder.open(first)).toBeNull();
  });

  it('rejects our own message reflected back to us (the direction is in the MAC)', () => {
    const { initiator, responder } = pair();
    expect(initiator.open(initiator.seal('match'))).toBeNull();
    expect(responder.open(responder.seal('match'))).toBeNull();
  });

  it('rejects a message of another session: other ExportedKey, other SAS hash, other ZIDs', () => {
    const genuine = pair().initiator.seal('match');
    const otherKey = pair({ exportedKey: exportedKey.map((b) => b ^ 1) });
    const otherSas = pair({ sasHash: sasHash.map((b) => b ^ 0x80) });
    const otherZid = new SasConfirmation({ hash: 'S256', exportedKey, sasHash, role: 'responder', zid: zidR.map((b) => b ^ 1), peerZid: zidI });
    expect(otherKey.responder.open(genuine)).toBeNull();
    expect(otherSas.responder.open(genuine)).toBeNull();
    expect(otherZid.open(genuine)).toBeNull();
    expect(pair().responder.open(genuine)).toBe('match'); // positive control
  });

  it('ignores hostile or foreign input without throwing (binary ZRTP frames, junk, huge, wrong types)', () => {
    const { responder } = pair();
    const zrtpHello = new Uint8Array([0x50, 0x5a, 0x00, 0x1e, ...new TextEncoder().encode('Hello   ')]);
    const frame = pair().initiator.seal('match');
    for (const input of [zrtpHello, zrtpHello.buffer, '', 'match', `${frame} `, ` ${frame}`, frame.toUpperCase(), frame.replace(' 1 ', ' 01 '),
      frame.replace(' 1 ', ' 0 '), frame.replace(' 1 ', ' 99999999999 '), frame.replace('/1', '/2'), 'x'.repeat(1e6), null, undefined, 42, { data: frame }]) {
      expect(responder.open(input)).toBeNull();
    }
  });

  it('copies the SAS hash (a caller wiping its copy changes nothing) and wipes its key on close', () => {
    const mine = sasHash.slice();
    const sealer = new SasConfirmation({ hash: 'S256', exportedKey, sasHash: mine, role: 'initiator', zid: zidI, peerZid: zidR });
    mine.fill(0);
    const frame = sealer.seal('match');
    const { responder } = pair();
    expect(responder.open(frame)).toBe('match');
    responder.close();
    expect(responder.open(pair().initiator.seal('match'))).toBeNull();
  });
});
