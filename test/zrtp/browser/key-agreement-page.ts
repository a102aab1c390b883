/**
 * Runs in Chromium (test/zrtp/webcrypto-browser.test.ts, bench/zrtp-compute.bench.ts): the
 * WebCrypto key agreement backend against the page's own crypto.subtle, with @noble as the
 * reference. Exposes `zrtpKaPage` on globalThis; every function returns plain JSON.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { generateKeyPair, generateKeyPairAsync, type AsyncKeyAgreementPrimitives, type DhKeyAgreement } from '../../../src/zrtp/crypto/key-agreement.ts';
import { detectWebCryptoKeyAgreement } from '../../../src/zrtp/crypto/webcrypto-key-agreement.ts';
import { makeEndpoint, type Endpoint } from '../support/harness.ts';
import { counted, subtleWithout } from '../support/webcrypto-doubles.ts';

/** Delivers both links until both sides are secure or failed (bounded). */
async function exchange(a: Endpoint, b: Endpoint): Promise<void> {
  a.session.start();
  b.session.start();
  for (let step = 0; step < 2000; step++) {
    const fromA = a.outbound.queue.shift();
    if (fromA) b.deliver(fromA);
    const fromB = b.outbound.queue.shift();
    if (fromB) a.deliver(fromB);
    if (fromA || fromB) continue;
    const done = (e: Endpoint) => e.secure !== null || e.errors.length > 0;
    if (done(a) && done(b)) break;
    await Promise.all([a.session.idle(), b.session.idle()]);
    await new Promise((r) => setTimeout(r, 0));
  }
  await Promise.all([a.session.idle(), b.session.idle()]);
}

export interface Run {
  sas: string | null;
  errors: string[];
  transcript: string[][];
  keyAgreement: string | null;
  calls: { publicValue: number; sharedSecret: number };
}

async function handshake(ka: DhKeyAgreement, seeds: [number, number], backend: 'none' | 'webcrypto' | 'no-x25519'): Promise<Run> {
  const detected = backend === 'none' ? null : await detectWebCryptoKeyAgreement(backend === 'webcrypto' ? crypto.subtle : subtleWithout(crypto.subtle, 'X25519'));
  const wc = detected ? counted(detected) : null;
  const preferences = { keyAgreement: [ka] };
  const extra = wc ? { asyncKeyAgreementPrimitives: wc.backend } : {};
  const a = makeEndpoint({ name: 'alice', seed: seeds[0], preferences, ...extra });
  const b = makeEndpoint({ name: 'bob', seed: seeds[1], preferences, ...extra });
  await exchange(a, b);
  return {
    sas: a.secure && b.secure && a.secure.sas === b.secure.sas ? a.secure.sas : null,
    errors: [...a.errors, ...b.errors].map((e) => e.code),
    transcript: [a.outbound.log.map(bytesToHex), b.outbound.log.map(bytesToHex)],
    keyAgreement: a.secure?.keyAgreement ?? null,
    calls: wc?.calls ?? { publicValue: 0, sharedSecret: 0 },
  };
}

/** One exchange's key-agreement work for both sides (2 key pairs + 2 shared secrets), in ms. */
async function computeSamples(ka: DhKeyAgreement, backend: 'purejs' | 'webcrypto', samples: number, warmup: number): Promise<number[]> {
  const wc = backend === 'webcrypto' ? await detectWebCryptoKeyAgreement(crypto.subtle) : null;
  if (backend === 'webcrypto' && !wc?.supports(ka)) throw new Error(`WebCrypto has no ${ka} here`);
  const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
  const out: number[] = [];
  for (let i = 0; i < warmup + samples; i++) {
    const t0 = performance.now();
    let sa: Uint8Array;
    let sb: Uint8Array;
    if (wc) {
      const [a, b] = await Promise.all([generateKeyPairAsync(ka, random, wc, { dhSecretBits: 256 }), generateKeyPairAsync(ka, random, wc, { dhSecretBits: 256 })]);
      await Promise.all([a.prepareShared!(b.publicValue), b.prepareShared!(a.publicValue)]);
      sa = a.shared(b.publicValue);
      sb = b.shared(a.publicValue);
      a.destroy();
      b.destroy();
    } else {
      const a = generateKeyPair(ka, random, { dhSecretBits: 256 });
      const b = generateKeyPair(ka, random, { dhSecretBits: 256 });
      sa = a.shared(b.publicValue);
      sb = b.shared(a.publicValue);
    }
    const elapsed = performance.now() - t0;
    if (bytesToHex(sa) !== bytesToHex(sb)) throw new Error(`${ka}: the two sides disagree`);
    if (i >= warmup) out.push(elapsed);
  }
  return out;
}

async function detect(hide: string[]): Promise<string[]> {
  const wc = await detectWebCryptoKeyAgreement(hide.length ? subtleWithout(crypto.subtle, ...hide) : crypto.subtle);
  return (['X255', 'EC25', 'DH2k', 'DH3k'] as const).filter((a) => wc?.supports(a));
}

Object.assign(globalThis, { zrtpKaPage: { handshake, computeSamples, detect } });
