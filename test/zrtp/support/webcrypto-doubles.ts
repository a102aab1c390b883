/**
 * Test doubles around a real SubtleCrypto, shared by the Node test
 * (test/zrtp/crypto/webcrypto-key-agreement.test.ts) and the Chromium page
 * (test/zrtp/browser/key-agreement-page.ts): an engine without some algorithms, and a backend
 * that counts its calls so a test can tell WebCrypto was used, not silently bypassed.
 */
import type { AsyncKeyAgreementPrimitives } from '../../../src/zrtp/crypto/key-agreement.ts';

/** `subtle` with the algorithm names in `names` refused, as an engine without them behaves. */
export function subtleWithout(subtle: SubtleCrypto, ...names: string[]): SubtleCrypto {
  const refuses = (alg: unknown) => names.includes(String(typeof alg === 'string' ? alg : (alg as { name?: string } | null)?.name));
  return new Proxy(subtle, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        args.some(refuses) ? Promise.reject(new DOMException('Unrecognized name', 'NotSupportedError')) : (value as (...a: unknown[]) => unknown).apply(target, args);
    },
  });
}

/** `inner`, counting what reaches it. */
export function counted(inner: AsyncKeyAgreementPrimitives): { backend: AsyncKeyAgreementPrimitives; calls: { publicValue: number; sharedSecret: number } } {
  const calls = { publicValue: 0, sharedSecret: 0 };
  const backend: AsyncKeyAgreementPrimitives = {
    name: inner.name,
    supports: (alg) => inner.supports(alg),
    publicValue: (alg, s) => (calls.publicValue++, inner.publicValue(alg, s)),
    sharedSecret: (alg, s, p) => (calls.sharedSecret++, inner.sharedSecret(alg, s, p)),
    release: (s) => inner.release?.(s),
  };
  return { backend, calls };
}
