/**
 * Known answers for src/zrtp/key-derivation.ts and the Confirm/MAC steps of the state machine,
 * from bzrtp's own test suite (vectors/zrtp-kdf-bzrtp.json: KDF patterns generated with GNU
 * ZRTP C++; vectors/zrtp-exchange-bzrtp.json: a captured bzrtp DH3k exchange).
 */
import { bytesToHex as hex } from '@noble/hashes/utils.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { HashChain } from '../../../src/zrtp/hash-chain.ts';
import {
  computeHvi,
  computeS0,
  computeTotalHash,
  deriveConfirmKeys,
  deriveSessionSecrets,
  deriveSrtpKeys,
  kdfContext,
} from '../../../src/zrtp/key-derivation.ts';
import { decodeMessage, type ConfirmMessage, type DhPartMessage, type HelloMessage } from '../../../src/zrtp/messages/index.ts';
import { MachineContext, type MachineConfig } from '../../../src/zrtp/states/context.ts';
import { openPeerConfirm } from '../../../src/zrtp/states/confirmation.ts';
import { verifyChain, verifyChainMac } from '../../../src/zrtp/states/message-auth.ts';
import { MemoryRetainedSecretCache } from '../../../src/zrtp/cache/memory-cache.ts';
import { withMandatory } from '../../../src/zrtp/algorithms.ts';

const h = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

const kdfVectors = JSON.parse(readFileSync(new URL('../../vectors/zrtp-kdf-bzrtp.json', import.meta.url), 'utf8'));
const exchange = JSON.parse(readFileSync(new URL('../../vectors/zrtp-exchange-bzrtp.json', import.meta.url), 'utf8'));

/** The ZRTP message inside a captured packet: strip the 12-byte header and the 4-byte CRC. */
const messageOf = (index: number): Uint8Array => {
  const p = h(exchange.packets[index].packet_hex);
  return p.subarray(12, p.length - 4);
};

describe('KDF labels and lengths (RFC 6189 §4.5, bzrtpCryptoTest.cc zrtpKDF)', () => {
  const { zidi, zidr, total_hash } = kdfVectors.kdf.context_parts;
  const context = kdfContext(h(zidi), h(zidr), h(total_hash));
  const byLabel = new Map<string, { key: string; output: string; context: string }>();
  for (const v of kdfVectors.kdf.vectors) byLabel.set(v.label, v);
  const s0 = h(byLabel.get('SAS')!.key);

  it('kdfContext is ZIDi || ZIDr || total_hash, as in the vectors', () => {
    expect(hex(context)).toBe(byLabel.get('SAS')!.context);
  });

  it('Confirm keys: Initiator/Responder HMAC key (256 bits), ZRTP key (AES1: 128 bits)', () => {
    const keys = deriveConfirmKeys('S256', 'AES1', s0, context);
    expect(hex(keys.macKeyInitiator)).toBe(byLabel.get('Initiator HMAC key')!.output);
    expect(hex(keys.macKeyResponder)).toBe(byLabel.get('Responder HMAC key')!.output);
    expect(hex(keys.zrtpKeyInitiator)).toBe(byLabel.get('Initiator ZRTP key')!.output);
    expect(hex(keys.zrtpKeyResponder)).toBe(byLabel.get('Responder ZRTP key')!.output);
  });

  it('SRTP master key (AES1) and 112-bit master salt', () => {
    const srtp = deriveSrtpKeys('S256', 'AES1', s0, context);
    expect(hex(srtp.responder.key)).toBe(byLabel.get('Responder SRTP master key')!.output);
    expect(hex(srtp.responder.salt)).toBe(byLabel.get('Responder SRTP master salt')!.output);
    expect(srtp.initiator.key).toHaveLength(16);
    expect(srtp.initiator.salt).toHaveLength(14);
    expect(hex(srtp.initiator.key)).not.toBe(hex(srtp.responder.key));
  });

  it('SAS hash, ZRTP Session Key and the next retained secret', () => {
    const s = deriveSessionSecrets('S256', s0, context);
    expect(hex(s.sasHash)).toBe(byLabel.get('SAS')!.output);
    expect(hex(s.sasHash)).toBe(kdfVectors.sas_rendering_derived.sashash);
    expect(hex(s.zrtpSessionKey)).toBe(byLabel.get('ZRTP Session Key')!.output);
    expect(hex(s.newRetainedSecret)).toBe(byLabel.get('retained secret')!.output);
    expect(s.exportedKey).toHaveLength(32);
  });

  it('AES3 doubles the SRTP and ZRTP key lengths; S384 lengthens the MAC keys', () => {
    expect(deriveSrtpKeys('S256', 'AES3', s0, context).initiator.key).toHaveLength(32);
    const k = deriveConfirmKeys('S384', 'AES3', s0, context);
    expect(k.macKeyInitiator).toHaveLength(48);
    expect(k.zrtpKeyResponder).toHaveLength(32);
  });
});

describe('hvi, total_hash and KDF_Context of the captured bzrtp exchange (§4.4.1.1, §4.4.1.4)', () => {
  // Packet 0 is the responder's Hello (SSRC 12345678), then Commit, DHPart1, DHPart2.
  const responderHello = messageOf(0);
  it('the first Hello in the capture is the responder one', () => {
    expect(exchange.packets[0].sender_role).toBe('responder');
  });

  it('hvi = SHA-256(DHPart2 || responder Hello) equals the Commit hvi', () => {
    const hvi = computeHvi('S256', messageOf(5), responderHello);
    expect(hex(hvi)).toBe(exchange.derived_by_extractor.hvi.value);
    const commit = decodeMessage(messageOf(3));
    expect(commit.type === 'Commit' && commit.mode === 'dh' && hex(commit.hvi)).toBe(hex(hvi));
  });

  it('total_hash and KDF_Context', () => {
    const total = computeTotalHash('S256', responderHello, messageOf(3), messageOf(4), messageOf(5));
    expect(hex(total)).toBe(exchange.derived_by_extractor.total_hash.value);
    const ctx = kdfContext(h(exchange.endpoints.initiator.zid), h(exchange.endpoints.responder.zid), total);
    expect(hex(ctx)).toBe(exchange.derived_by_extractor.kdf_context.value);
  });

  it('s0 follows the §4.4.1.4 layout byte for byte (independent node:crypto computation)', () => {
    const dh = new Uint8Array(384).fill(7);
    const ctx = h(exchange.derived_by_extractor.kdf_context.value);
    const s1 = new Uint8Array(32).fill(1);
    const aux = new Uint8Array(5).fill(2);
    const u32 = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
    const expected = createHash('sha256')
      .update(u32(1))
      .update(dh)
      .update('ZRTP-HMAC-KDF')
      .update(ctx)
      .update(u32(32))
      .update(s1)
      .update(u32(5))
      .update(aux)
      .update(u32(0))
      .digest('hex');
    expect(hex(computeS0('S256', dh, ctx, s1, aux, null))).toBe(expected);
    const noSecrets = createHash('sha384').update(u32(1)).update(dh).update('ZRTP-HMAC-KDF').update(ctx)
      .update(u32(0)).update(u32(0)).update(u32(0)).digest('hex');
    expect(hex(computeS0('S384', dh, ctx, null, null, null))).toBe(noSecrets);
  });
});

describe('hash-chain MACs and Confirm opening on the captured exchange (§9, §5.7)', () => {
  const ini = exchange.endpoints.initiator.hash_chain;
  const res = exchange.endpoints.responder.hash_chain;

  it('each Hello/Commit/DHPart MAC verifies with the revealed key and fails with another', () => {
    verifyChainMac(h(res.h2), messageOf(0), 'responder Hello');
    verifyChainMac(h(ini.h2), messageOf(1), 'initiator Hello');
    verifyChainMac(h(ini.h1), messageOf(3), 'Commit');
    verifyChainMac(h(res.h0), messageOf(4), 'DHPart1');
    verifyChainMac(h(ini.h0), messageOf(5), 'DHPart2');
    expect(() => verifyChainMac(h(ini.h0), messageOf(4), 'DHPart1')).toThrow(expect.objectContaining({ code: 'SUSURRO_ZRTP_BAD_MAC' }));
    verifyChain(h(ini.h1), h(ini.h3), 2, 'H1');
    expect(() => verifyChain(h(res.h1), h(ini.h3), 2, 'H1')).toThrow(expect.objectContaining({ code: 'SUSURRO_ZRTP_HASH_CHAIN' }));
  });

  /** A context holding just what openPeerConfirm needs, from the capture's keys. */
  function contextFor(role: 'initiator' | 'responder', peerDhPartIndex: number): MachineContext {
    const config = {
      zid: new Uint8Array(12), clientId: 'x', preferences: withMandatory({}), cache: new MemoryRetainedSecretCache(),
      random: () => new Uint8Array(0), now: () => 0, auxSecret: null, peerHelloHash: null, commitMode: 'eager',
      cacheExpirySeconds: 0, keyAgreementPrimitives: null, asyncKeyAgreementPrimitives: null, delegate: { onSend() {} },
    } satisfies MachineConfig;
    const ctx = new MachineContext(config, {} as HashChain, { bytes: messageOf(0), message: decodeMessage(messageOf(0)) as HelloMessage });
    ctx.role = role;
    ctx.algorithms = { hash: 'S256', cipher: 'AES1', authTag: 'HS32', keyAgreement: 'DH3k', sas: 'B32' };
    const k = exchange.session_keys;
    ctx.confirmKeys = {
      macKeyInitiator: h(k.mackeyi), macKeyResponder: h(k.mackeyr), zrtpKeyInitiator: h(k.zrtpkeyi), zrtpKeyResponder: h(k.zrtpkeyr),
    };
    ctx.peerDhPart = { bytes: messageOf(peerDhPartIndex), message: decodeMessage(messageOf(peerDhPartIndex)) as DhPartMessage };
    return ctx;
  }

  it('the initiator opens Confirm1 (mackeyr/zrtpkeyr) and finds the responder H0', () => {
    const body = openPeerConfirm(contextFor('initiator', 4), decodeMessage(messageOf(6)) as ConfirmMessage);
    expect(hex(body.h0)).toBe(res.h0);
  });

  it('the responder opens Confirm2 (mackeyi/zrtpkeyi) and finds the initiator H0', () => {
    const body = openPeerConfirm(contextFor('responder', 5), decodeMessage(messageOf(7)) as ConfirmMessage);
    expect(hex(body.h0)).toBe(ini.h0);
  });

  it('a flipped bit in the encrypted part is rejected with BAD_MAC / Error 0x70', () => {
    const confirm = decodeMessage(messageOf(6)) as ConfirmMessage;
    const tampered = { ...confirm, encrypted: confirm.encrypted.slice() };
    tampered.encrypted[3]! ^= 1;
    expect(() => openPeerConfirm(contextFor('initiator', 4), tampered)).toThrow(
      expect.objectContaining({ code: 'SUSURRO_ZRTP_BAD_MAC', protocolCode: 0x70 }),
    );
  });
});
