/**
 * Validation of ZrtpSessionOptions (TypeError for a wrong type, RangeError for a wrong value,
 * naming the option) and defaults, producing the machine's immutable configuration.
 */
import { withMandatory } from '../algorithms.ts';
import { assertZid } from '../cache/retained-secret-cache.ts';
import type { MachineConfig } from './context.ts';
import type { ZrtpSessionOptions } from './types.ts';

export const DEFAULT_CLIENT_ID = 'susurro 0.1';

function defaultRandom(n: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
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
  const random = opts.random ?? defaultRandom;
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
    delegate: opts.delegate,
  };
}

