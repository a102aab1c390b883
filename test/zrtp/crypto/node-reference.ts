/**
 * Independent reference implementations from node:crypto (OpenSSL), used only by tests to
 * cross-check the pure-JS primitives in src/zrtp/crypto.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac } from 'node:crypto';

export function hmac(alg: 'sha256' | 'sha384', key: Uint8Array, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac(alg, key).update(data).digest());
}

export function digest(alg: 'sha256' | 'sha384', data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(alg).update(data).digest());
}

export function aesCfb(direction: 'encrypt' | 'decrypt', key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const name = key.length === 16 ? 'aes-128-cfb' : 'aes-256-cfb';
  const c = direction === 'encrypt' ? createCipheriv(name, key, iv) : createDecipheriv(name, key, iv);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}
