/**
 * Validation of ZrtpSessionOptions (TypeError for a wrong type, RangeError for a wrong value,
 * naming the option) and defaults, producing the machine's immutable configuration.
 */
import { withMandatory } from '../algorithms.ts';
import { assertZid } from '../cache/retained-secret-cache.ts';
import type { MachineConfig } from './context.ts';
import type { ZrtpSessionOptions } from './types.ts';

export const DEFAULT_CLIENT_ID = 'susurro 0.1';

/** Bytes fetched per refill: one session draws about 110-150 (H0, DH secret, IDs, Confirm IV). */
const RANDOM_POOL_BYTES = 256;

/**
 * The default randomness of one session: crypto.getRandomValues, fetched a pool at a time. Each
 * call costs a trip into the platform's CSPRNG (several µs in Node), and a session draws in 7
 * small pieces; one fill serves the whole exchange. Every byte is handed out once and zeroed in
 * the pool, so no copy of a drawn secret stays behind.
 */
function defaultRandomSource(): (n: number) => Uint8Array {
  const pool = new Uint8Array(RANDOM_POOL_BYTES);
  let used = pool.length;
  return (n) => {
    if (n > pool.length) return globalThis.crypto.getRandomValues(new Uint8Array(n));
    if (used + n > pool.length) {
      globalThis.crypto.getRandomValues(pool);
      used = 0;
    }
    const out = pool.slice(used, used + n);
    pool.fill(0, used, used + n);
    used += n;
    return out;
  };
}

export function validateOptions(opts: ZrtpSessionOptions): MachineConfig {
  if (typeof opts !== 'object' || opts === null) throw new TypeError('options must be an object');
  assertZid(opts.zid, 'options.zid');
  const clientId = opts.clientId ?? DEFAULT_CLIENT_ID;
  if (typeof clientId !== 'string' || !/^[\x20-\x7e]{1,16}$/.test(clientId)) {
    throw new RangeError('options.clientId must be 1..16 printable ASCII characters');
  }
  const cache = opts.cache;
  for (const m of ['get', 'put', 'setVerified', 'delete'] as const) {
    if (typeof cache?.[m] !== 'function') throw new TypeError(`options.cache.${m} must be a function`);
  }
  if (opts.random !== undefined && typeof opts.random !== 'function') throw new TypeError('options.random must be a function');
  if (opts.now !== undefined && typeof opts.now !== 'function') throw new TypeError('options.now must be a function');
  if (opts.auxSecret !== undefined) {
    if (!(opts.auxSecret instanceof Uint8Array)) throw new TypeError('options.auxSecret must be a Uint8Array');
    if (opts.auxSecret.length === 0) throw new RangeError('options.auxSecret must not be empty');
  }
  if (opts.peerHelloHash !== undefined && typeof opts.peerHelloHash !== 'string') throw new TypeError('options.peerHelloHash must be a string');
  const commitMode = opts.commit ?? 'eager';
  if (commitMode !== 'eager' && commitMode !== 'wait') throw new RangeError("options.commit must be 'eager' or 'wait'");
  const expiry = opts.cacheExpirySeconds ?? 0xffffffff;
  if (!Number.isInteger(expiry) || expiry < 0 || expiry > 0xffffffff) throw new RangeError('options.cacheExpirySeconds must be a 32-bit unsigned integer');
  if (typeof opts.delegate?.onSend !== 'function') throw new TypeError('options.delegate.onSend must be a function');
  const primitives = opts.keyAgreementPrimitives ?? null;
  if (primitives !== null && (typeof primitives !== 'object' || typeof primitives.supports !== 'function')) {
    throw new TypeError('options.keyAgreementPrimitives must implement KeyAgreementPrimitives');
  }
  const asyncPrimitives = opts.asyncKeyAgreementPrimitives ?? null;
  if (asyncPrimitives !== null && (typeof asyncPrimitives !== 'object' || typeof asyncPrimitives.supports !== 'function')) {
    throw new TypeError('options.asyncKeyAgreementPrimitives must implement AsyncKeyAgreementPrimitives');
  }
  const random = opts.random ?? defaultRandomSource();
  return {
    zid: opts.zid.slice(),
    clientId,
    preferences: withMandatory(opts.preferences ?? {}),
    cache,
    random: (n) => {
      const r = random(n);
      if (!(r instanceof Uint8Array) || r.length !== n) throw new RangeError('options.random returned the wrong number of bytes');
      return r;
    },
    now: opts.now ?? Date.now,
    auxSecret: opts.auxSecret ? opts.auxSecret.slice() : null,
    peerHelloHash: opts.peerHelloHash ?? null,
    commitMode,
    cacheExpirySeconds: expiry,
    keyAgreementPrimitives: primitives,
    asyncKeyAgreementPrimitives: asyncPrimitives,
    delegate: opts.delegate,
  };
}

