/**
 * The WebCrypto key agreement backend (src/zrtp/crypto/webcrypto-key-agreement.ts), here over
 * Node's webcrypto (the same backend runs in Chromium: test/zrtp/browser/): known answers,
 * the same public values and results as @noble from the same randomness, feature detection
 * (X25519 hidden → @noble fallback chosen), and full sessions with the async backend whose
 * transcripts equal the pure-JS ones byte for byte, on both sides or one, including a hostile
 * DHPart refused with 0x61 exactly as on the sync path.
 */
import { webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  generateKeyPair,
  generateKeyPairAsync,
  type DhKeyAgreement,
} from '../../../src/zrtp/crypto/key-agreement.ts';
import { detectWebCryptoKeyAgreement } from '../../../src/zrtp/crypto/webcrypto-key-agreement.ts';
import { encodeMessage, decodeMessage, type DhPartMessage } from '../../../src/zrtp/messages/index.ts';
import { sealWithChainMac } from '../../../src/zrtp/states/message-auth.ts';
import { handshake, hex as toHex, makeEndpoint, seededRandom } from '../support/harness.ts';
import { hex } from '../wire/vectors.ts';
import { counted, subtleWithout } from '../support/webcrypto-doubles.ts';

const without = (...names: string[]) => subtleWithout(subtle, ...names);

const subtle = webcrypto.subtle as unknown as SubtleCrypto;

describe('WebCrypto key agreement backend (Node webcrypto)', () => {
  it('feature detection: X25519 and P-256 here; X25519 hidden → only EC25; neither or no subtle → null (@noble stays)', async () => {
    const full = await detectWebCryptoKeyAgreement(subtle);
    expect(full && (['X255', 'EC25', 'DH3k', 'DH2k'] as const).map((a) => full.supports(a))).toEqual([true, true, false, false]);
    const noX = await detectWebCryptoKeyAgreement(without('X25519'));
    expect(noX && [noX.supports('X255'), noX.supports('EC25')]).toEqual([false, true]);
    expect(await detectWebCryptoKeyAgreement(without('X25519', 'ECDH'))).toBeNull();
    expect(await detectWebCryptoKeyAgreement(undefined)).toBeNull();
  });

  it('RFC 7748 §6.1 and RFC 5903 §8.1 known answers through WebCrypto', async () => {
    const wc = (await detectWebCryptoKeyAgreement(subtle))!;
    const alice = await generateKeyPairAsync('X255', () => hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'), wc);
    expect(toHex(alice.publicValue)).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    const bobPv = hex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    await alice.prepareShared!(bobPv);
    expect(toHex(alice.shared(bobPv))).toBe('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
    const i = hex('c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433');
    const gr = hex('d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63' + '56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab');
    expect(toHex(await wc.publicValue('EC25', i))).toBe('dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180' + '5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3');
    expect(toHex(await wc.sharedSecret('EC25', i, gr))).toBe('d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de');
  });

  for (const alg of ['X255', 'EC25'] as const satisfies readonly DhKeyAgreement[]) {
    it(`${alg}: same randomness → same public value and result as @noble; the prepared result is the one used`, async () => {
      const { backend, calls } = counted((await detectWebCryptoKeyAgreement(subtle))!);
      const pure = generateKeyPair(alg, seededRandom(7));
      const viaWc = await generateKeyPairAsync(alg, seededRandom(7), backend);
      expect(toHex(viaWc.publicValue)).toBe(toHex(pure.publicValue));
      const peer = generateKeyPair(alg, seededRandom(8));
      await viaWc.prepareShared!(peer.publicValue);
      expect(calls).toEqual({ publicValue: 1, sharedSecret: 1 });
      expect(toHex(viaWc.shared(peer.publicValue))).toBe(toHex(peer.shared(pure.publicValue)));
    });
  }

  it('a small-order X25519 value: prepareShared does not throw, shared() refuses it with 0x61 as the sync path', async () => {
    const wc = (await detectWebCryptoKeyAgreement(subtle))!;
    const pair = await generateKeyPairAsync('X255', seededRandom(3), wc);
    const zero = new Uint8Array(32);
    await expect(pair.prepareShared!(zero)).resolves.toBeUndefined();
    expect(() => pair.shared(zero)).toThrow(expect.objectContaining({ code: 'SUSURRO_ZRTP_BAD_DH_VALUE' }));
  });
});

describe('sessions with the async WebCrypto backend', () => {
  for (const ka of ['X255', 'EC25', 'DH3k'] as const) {
    it(`${ka}: both sides async → same SAS and byte-identical transcripts as pure JS (DH3k: not in WebCrypto, sync path)`, async () => {
      const preferences = { keyAgreement: [ka] };
      const wc = counted((await detectWebCryptoKeyAgreement(subtle))!);
      const pure = [makeEndpoint({ name: 'alice', seed: 7, preferences }), makeEndpoint({ name: 'bob', seed: 8, preferences })] as const;
      const fast = [
        makeEndpoint({ name: 'alice', seed: 7, preferences, asyncKeyAgreementPrimitives: wc.backend }),
        makeEndpoint({ name: 'bob', seed: 8, preferences, asyncKeyAgreementPrimitives: wc.backend }),
      ] as const;
      await handshake(...pure);
      await handshake(...fast);
      expect(fast[0].errors.concat(fast[1].errors)).toEqual([]);
      expect(fast[0].secure!.sas).toBe(fast[1].secure!.sas);
      expect(fast[0].secure!.sas).toBe(pure[0].secure!.sas);
      for (const side of [0, 1] as const) expect(fast[side].outbound.log.map(toHex)).toEqual(pure[side].outbound.log.map(toHex));
      expect(toHex(fast[0].secure!.srtp.initiator.key)).toBe(toHex(pure[0].secure!.srtp.initiator.key));
      // Both key pairs and both DH results went through WebCrypto (or, for DH3k, none did).
      expect(wc.calls).toEqual(ka === 'DH3k' ? { publicValue: 0, sharedSecret: 0 } : { publicValue: 2, sharedSecret: 2 });
    });
  }

  it('one side async, the other pure JS: interoperates, transcript unchanged', async () => {
    const wc = (await detectWebCryptoKeyAgreement(subtle))!;
    const pure = [makeEndpoint({ name: 'alice', seed: 11 }), makeEndpoint({ name: 'bob', seed: 12 })] as const;
    const mixed = [makeEndpoint({ name: 'alice', seed: 11 }), makeEndpoint({ name: 'bob', seed: 12, asyncKeyAgreementPrimitives: wc })] as const;
    await handshake(...pure);
    await handshake(...mixed);
    expect(mixed[0].secure!.sas).toBe(mixed[1].secure!.sas);
    expect(mixed[1].outbound.log.map(toHex)).toEqual(pure[1].outbound.log.map(toHex));
  });

  it('X25519 hidden from subtle: detection gives EC25 only, an X255 session runs on @noble with the same transcript', async () => {
    const noX = counted((await detectWebCryptoKeyAgreement(without('X25519')))!);
    const pure = [makeEndpoint({ name: 'alice', seed: 5 }), makeEndpoint({ name: 'bob', seed: 6 })] as const;
    const fallback = [makeEndpoint({ name: 'alice', seed: 5, asyncKeyAgreementPrimitives: noX.backend }), makeEndpoint({ name: 'bob', seed: 6 })] as const;
    await handshake(...pure);
    await handshake(...fallback);
    expect(fallback[0].secure!.keyAgreement).toBe('X255');
    expect(fallback[0].outbound.log.map(toHex)).toEqual(pure[0].outbound.log.map(toHex));
    expect(noX.calls).toEqual({ publicValue: 0, sharedSecret: 0 });
  });

  it('a hostile DHPart1 (X255 pv = 0, validly MACed) is refused with Error 0x61 by an async initiator', async () => {
    const wc = (await detectWebCryptoKeyAgreement(subtle))!;
    const a = makeEndpoint({ name: 'alice', seed: 1, preferences: { keyAgreement: ['X255'] }, asyncKeyAgreementPrimitives: wc });
    const b = makeEndpoint({ name: 'bob', seed: 2, commit: 'wait', preferences: { keyAgreement: ['X255'] } });
    b.outbound.tap = (bytes) => {
      const m = decodeMessage(bytes);
      return m.type === 'DHPart1' ? sealWithChainMac(seededRandom(2)(32), encodeMessage({ ...(m as DhPartMessage), pv: new Uint8Array(32) })) : bytes;
    };
    await handshake(a, b);
    expect(a.errors.map((e) => [e.code, e.protocolCode])).toEqual([['SUSURRO_ZRTP_BAD_DH_VALUE', 0x61]]);
    expect(b.errors.map((e) => e.protocolCode)).toEqual([0x61]);
  });
});
