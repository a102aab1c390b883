/**
 * Secrets are zeroised once used (best effort, see ../../../src/zrtp/README.md): the DH private
 * values and DH results, after a completed exchange, after a failure and after close().
 * A recording key-agreement backend (wrapping the default one) keeps references to them.
 */
import { describe, expect, it } from 'vitest';
import { PURE_JS_PRIMITIVES, type KeyAgreementPrimitives } from '../../../src/zrtp/crypto/key-agreement.ts';
import { decodeMessage, encodeMessage } from '../../../src/zrtp/messages/index.ts';
import { handshake, makeEndpoint, runUntilQuiet } from '../support/harness.ts';

function recordingBackend() {
  const secrets: Uint8Array[] = [];
  const results: Uint8Array[] = [];
  const primitives: KeyAgreementPrimitives = {
    name: 'recording',
    supports: (alg) => PURE_JS_PRIMITIVES.supports(alg),
    publicValue(alg, secret) {
      secrets.push(secret);
      return PURE_JS_PRIMITIVES.publicValue(alg, secret);
    },
    sharedSecret(alg, secret, peer) {
      const r = PURE_JS_PRIMITIVES.sharedSecret(alg, secret, peer);
      results.push(r);
      return r;
    },
  };
  return { primitives, secrets, results };
}

const allZero = (b: Uint8Array) => b.every((x) => x === 0);

describe('zeroisation', () => {
  for (const ka of ['X255', 'DH3k'] as const) {
    it(`${ka}: DH private values and DH results are zero after a completed exchange`, async () => {
      const ra = recordingBackend();
      const rb = recordingBackend();
      const a = makeEndpoint({ name: 'alice', preferences: { keyAgreement: [ka] }, keyAgreementPrimitives: ra.primitives });
      const b = makeEndpoint({ name: 'bob', preferences: { keyAgreement: [ka] }, keyAgreementPrimitives: rb.primitives });
      await handshake(a, b);
      expect(a.secure!.sas).toBe(b.secure!.sas);
      const secrets = [...ra.secrets, ...rb.secrets];
      const results = [...ra.results, ...rb.results];
      expect(secrets.length).toBeGreaterThanOrEqual(2);
      expect(results).toHaveLength(2);
      expect(secrets.every(allZero)).toBe(true);
      expect(results.every(allZero)).toBe(true);
    });
  }

  it('a failed exchange (Error from the peer) and close() mid-exchange wipe the DH private value', async () => {
    const ra = recordingBackend();
    const a = makeEndpoint({ name: 'alice', keyAgreementPrimitives: ra.primitives });
    const b = makeEndpoint({ name: 'bob', commit: 'wait' });
    b.outbound.tap = (bytes) => (decodeMessage(bytes).type === 'DHPart1' ? null : bytes); // stall after Commit
    await handshake(a, b);
    expect(a.session.state).toBe('initiator-sent-commit');
    expect(ra.secrets.some((s) => !allZero(s))).toBe(true); // still needed, still there
    a.session.close();
    expect(ra.secrets.every(allZero)).toBe(true);

    const rc = recordingBackend();
    const c = makeEndpoint({ name: 'carol', keyAgreementPrimitives: rc.primitives });
    const d = makeEndpoint({ name: 'dave', commit: 'wait' });
    d.outbound.tap = (bytes) => (decodeMessage(bytes).type === 'DHPart1' ? encodeMessage({ type: 'Error', code: 0x20 }) : bytes);
    c.session.start();
    d.session.start();
    await runUntilQuiet(c, d);
    expect(c.errors.map((e) => e.code)).toEqual(['SUSURRO_ZRTP_PEER_ERROR']);
    expect(rc.secrets.every(allZero)).toBe(true);
  });
});
