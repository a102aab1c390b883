/**
 * Two ZrtpSessions over in-memory queues (data-channel style, no loss): every key agreement,
 * hash, cipher, auth tag and SAS type at least once. Both sides must agree on the SAS and on
 * every derived key, with complementary roles.
 */
import { describe, expect, it } from 'vitest';
import type {
  AuthTagAlgorithm,
  CipherAlgorithm,
  HashAlgorithm,
  KeyAgreementAlgorithm,
  SasAlgorithm,
} from '../../../src/zrtp/algorithms.ts';
import { B32_ALPHABET } from '../../../src/zrtp/sas.ts';
import { decodeMessage } from '../../../src/zrtp/messages/index.ts';
import { NODE_PRIMITIVES } from '../../../src/zrtp/crypto/node-key-agreement.ts';
import { handshake, hex, makeEndpoint } from '../support/harness.ts';

interface Combo {
  ka: Exclude<KeyAgreementAlgorithm, 'Mult'>;
  hash: HashAlgorithm;
  cipher: CipherAlgorithm;
  auth: AuthTagAlgorithm;
  sas: SasAlgorithm;
}

const COMBOS: Combo[] = [
  { ka: 'X255', hash: 'S256', cipher: 'AES1', auth: 'HS32', sas: 'B32' },
  { ka: 'X255', hash: 'S384', cipher: 'AES3', auth: 'HS80', sas: 'B256' },
  { ka: 'DH3k', hash: 'S256', cipher: 'AES3', auth: 'HS80', sas: 'B32' },
  { ka: 'DH3k', hash: 'S384', cipher: 'AES1', auth: 'HS32', sas: 'B256' },
  { ka: 'DH2k', hash: 'S256', cipher: 'AES1', auth: 'HS80', sas: 'B256' },
  { ka: 'DH2k', hash: 'S384', cipher: 'AES3', auth: 'HS32', sas: 'B32' },
  { ka: 'EC25', hash: 'S256', cipher: 'AES3', auth: 'HS32', sas: 'B256' },
  { ka: 'EC25', hash: 'S384', cipher: 'AES1', auth: 'HS80', sas: 'B32' },
];

const prefsOf = (c: Combo) => ({ keyAgreement: [c.ka], hash: [c.hash], cipher: [c.cipher], authTag: [c.auth], sas: [c.sas] });

describe('full DH-mode handshake between two sessions', () => {
  for (const c of COMBOS) {
    it(`${c.ka} ${c.hash} ${c.cipher} ${c.auth} ${c.sas}`, async () => {
      const a = makeEndpoint({ name: 'alice', preferences: prefsOf(c) });
      const b = makeEndpoint({ name: 'bob', preferences: prefsOf(c) });
      await handshake(a, b);
      expect(a.errors).toEqual([]);
      expect(b.errors).toEqual([]);
      const ra = a.secure!;
      const rb = b.secure!;
      expect(a.session.state).toBe('secure');
      expect(b.session.state).toBe('secure');
      expect(new Set([ra.role, rb.role])).toEqual(new Set(['initiator', 'responder']));
      for (const r of [ra, rb]) {
        expect([r.keyAgreement, r.hash, r.cipher, r.authTag, r.sasType]).toEqual([c.ka, c.hash, c.cipher, c.auth, c.sas]);
        expect(r.cacheMismatch).toBe(false);
        expect(r.previouslyVerified).toBe(false);
        expect(r.auxSecretMatched).toBeNull();
        expect(r.peerClientId).toBe('susurro 0.1');
        const keyLength = c.cipher === 'AES1' ? 16 : 32;
        expect(r.srtp.initiator.key).toHaveLength(keyLength);
        expect(r.srtp.responder.key).toHaveLength(keyLength);
        expect(r.srtp.initiator.salt).toHaveLength(14);
        expect(r.exportedKey).toHaveLength(c.hash === 'S256' ? 32 : 48);
      }
      expect(hex(ra.peerZid)).toBe(hex(b.zid));
      expect(hex(rb.peerZid)).toBe(hex(a.zid));
      expect(ra.sas).toBe(rb.sas);
      expect(hex(ra.sasHash)).toBe(hex(rb.sasHash));
      if (c.sas === 'B32') expect(ra.sas).toMatch(new RegExp(`^[${B32_ALPHABET}]{4}$`));
      else expect(ra.sas).toMatch(/^[A-Za-z]+ [A-Za-z]+$/);
      expect(hex(ra.srtp.initiator.key)).toBe(hex(rb.srtp.initiator.key));
      expect(hex(ra.srtp.initiator.salt)).toBe(hex(rb.srtp.initiator.salt));
      expect(hex(ra.srtp.responder.key)).toBe(hex(rb.srtp.responder.key));
      expect(hex(ra.srtp.responder.salt)).toBe(hex(rb.srtp.responder.salt));
      expect(hex(ra.srtp.initiator.key)).not.toBe(hex(ra.srtp.responder.key));
      expect(hex(ra.exportedKey)).toBe(hex(rb.exportedKey));
      expect(hex(ra.zrtpSessionKey)).toBe(hex(rb.zrtpSessionKey));
      // The Commit on the wire names exactly the negotiated algorithms.
      const commits = [...a.outbound.log, ...b.outbound.log].map((m) => decodeMessage(m)).filter((m) => m.type === 'Commit');
      expect(commits.length).toBeGreaterThanOrEqual(1);
      for (const m of commits) expect(m.type === 'Commit' && [m.keyAgreement, m.hash, m.cipher, m.authTag, m.sas]).toEqual([c.ka, c.hash, c.cipher, c.auth, c.sas]);
    });
  }

  it("commit: 'wait' forces the responder role on that side, in both directions", async () => {
    for (const waiter of ['alice', 'bob'] as const) {
      const a = makeEndpoint({ name: 'alice', commit: waiter === 'alice' ? 'wait' : 'eager' });
      const b = makeEndpoint({ name: 'bob', commit: waiter === 'bob' ? 'wait' : 'eager' });
      await handshake(a, b);
      expect(a.secure!.role).toBe(waiter === 'alice' ? 'responder' : 'initiator');
      expect(b.secure!.role).toBe(waiter === 'bob' ? 'responder' : 'initiator');
      expect(a.secure!.sas).toBe(b.secure!.sas);
      const waiterEp = waiter === 'alice' ? a : b;
      expect(waiterEp.states).toEqual(['waiting-commit', 'responder-sent-dhpart1', 'responder-sent-confirm1', 'secure']);
      expect(waiterEp.outbound.log.map((m) => decodeMessage(m).type)).not.toContain('Commit');
    }
  });

  it('different preferences still meet on common algorithms (§4.1.2)', async () => {
    const a = makeEndpoint({ name: 'alice', preferences: { keyAgreement: ['EC25', 'DH3k'], cipher: ['AES3', 'AES1'], sas: ['B256', 'B32'] } });
    const b = makeEndpoint({ name: 'bob', preferences: { keyAgreement: ['X255', 'EC25'], cipher: ['AES1'], sas: ['B32'] } });
    await handshake(a, b);
    expect(a.secure!.sas).toBe(b.secure!.sas);
    expect(a.secure!.keyAgreement).toBe(b.secure!.keyAgreement);
    expect(['EC25', 'DH3k']).toContain(a.secure!.keyAgreement);
    expect(a.secure!.cipher).toBe('AES1');
  });

  for (const ka of ['X255', 'EC25', 'DH2k', 'DH3k'] as const) {
    it(`${ka}: the OpenSSL backend on one side interoperates, and with the same randomness sends byte-identical messages`, async () => {
      const preferences = { keyAgreement: [ka] };
      const pure = [makeEndpoint({ name: 'alice', seed: 7, preferences }), makeEndpoint({ name: 'bob', seed: 8, preferences })] as const;
      const mixed = [
        makeEndpoint({ name: 'alice', seed: 7, preferences, keyAgreementPrimitives: NODE_PRIMITIVES }),
        makeEndpoint({ name: 'bob', seed: 8, preferences }),
      ] as const;
      await handshake(...pure);
      await handshake(...mixed);
      expect(mixed[0].secure!.sas).toBe(mixed[1].secure!.sas);
      expect(mixed[0].outbound.log.map(hex)).toEqual(pure[0].outbound.log.map(hex));
      expect(hex(mixed[0].secure!.srtp.initiator.key)).toBe(hex(pure[0].secure!.srtp.initiator.key));
    });
  }

  it('exposes the a=zrtp-hash of its own Hello before start (§8.1)', () => {
    const a = makeEndpoint({ name: 'alice' });
    expect(a.session.helloHash).toMatch(/^1\.10 [0-9a-f]{64}$/);
    a.session.start();
    expect(a.outbound.log).toHaveLength(1);
    expect(a.retransmitRequests).toEqual(['T1']);
    expect(decodeMessage(a.outbound.log[0]!).type).toBe('Hello');
  });
});
