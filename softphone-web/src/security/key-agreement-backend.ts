import type { AsyncKeyAgreementPrimitives } from '../../../src/zrtp/crypto/key-agreement.ts';
import { detectWebCryptoKeyAgreement } from '../../../src/zrtp/crypto/webcrypto-key-agreement.ts';

/**
 * The ZRTP key agreement backend of this browser, detected once when the app loads: WebCrypto's
 * X25519 / ECDH P-256 where the engine has them (Chromium, Firefox: native code, ~35× faster
 * than @noble for X25519), else null and the ZRTP engine keeps @noble (feature-detected
 * fallback). Detection takes a few ms, long before the first call; a call started earlier simply
 * uses @noble. Same transcript either way (src/zrtp/crypto/webcrypto-key-agreement.ts).
 */
let detected: AsyncKeyAgreementPrimitives | null = null;

export const keyAgreementDetected: Promise<AsyncKeyAgreementPrimitives | null> = detectWebCryptoKeyAgreement(globalThis.crypto?.subtle).then(
  (backend) => (detected = backend),
  () => null,
);

/** The detected backend, or null (not detected yet, or this engine has neither algorithm). */
export function keyAgreementBackend(): AsyncKeyAgreementPrimitives | null {
  return detected;
}
