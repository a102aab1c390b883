/**
 * Confirm/SASrelay protection (RFC 6189 §5.7, §5.13): AES in full-block CFB mode (CFB-128) with
 * the negotiated cipher (AES1 = AES-128, AES3 = AES-256), keyed by zrtpkeyi/zrtpkeyr with a
 * random 128-bit IV carried in the message; then confirm_mac = the negotiated HMAC keyed by
 * mackeyi/mackeyr over the ENCRYPTED part, truncated to 64 bits (encrypt-then-MAC).
 * Via @noble/ciphers; CFB is a stream mode here, so lengths need not be multiples of 16.
 */
import { equalBytes } from '@noble/ciphers/utils.js';
import { cfb } from '@noble/ciphers/aes.js';
import { cipherKeyLength, type CipherAlgorithm, type HashAlgorithm } from '../algorithms.ts';
import { assertBytes } from '../bytes.ts';
import { ZrtpError, ProtocolErrorCode } from '../errors.ts';
import { hmac } from './hash.ts';

function checkArgs(cipher: CipherAlgorithm, key: Uint8Array, iv: Uint8Array, data: Uint8Array, dataName: string): void {
  assertBytes(key, 'key', cipherKeyLength(cipher));
  assertBytes(iv, 'iv', 16);
  assertBytes(data, dataName);
}

/** AES-CFB-128 encryption (§5.7). */
export function cfbEncrypt(cipher: CipherAlgorithm, key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
  checkArgs(cipher, key, iv, plaintext, 'plaintext');
  return cfb(key, iv).encrypt(plaintext);
}

/** AES-CFB-128 decryption (§5.7). Authenticate first with verifyConfirmMac. */
export function cfbDecrypt(cipher: CipherAlgorithm, key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  checkArgs(cipher, key, iv, ciphertext, 'ciphertext');
  return cfb(key, iv).decrypt(ciphertext);
}

/** confirm_mac (§5.7): HMAC(mackey, encrypted part) truncated to 64 bits. */
export function confirmMac(hash: HashAlgorithm, macKey: Uint8Array, encrypted: Uint8Array): Uint8Array {
  assertBytes(macKey, 'macKey');
  assertBytes(encrypted, 'encrypted');
  return hmac(hash, macKey, encrypted).slice(0, 8);
}

/**
 * Check confirm_mac in constant time.
 * @throws ZrtpError SUSURRO_ZRTP_BAD_MAC with protocol code BadConfirmMac (0x70)
 */
export function verifyConfirmMac(hash: HashAlgorithm, macKey: Uint8Array, encrypted: Uint8Array, mac: Uint8Array): void {
  assertBytes(mac, 'mac', 8);
  if (!equalBytes(confirmMac(hash, macKey, encrypted), mac)) {
    throw new ZrtpError('SUSURRO_ZRTP_BAD_MAC', 'Confirm MAC mismatch (RFC 6189 §5.7)', {
      protocolCode: ProtocolErrorCode.BadConfirmMac,
    });
  }
}

/** Encrypt a Confirm body and MAC it: the {confirmMac, encrypted} pair of a ConfirmMessage. */
export function sealConfirmBody(
  hash: HashAlgorithm,
  cipher: CipherAlgorithm,
  keys: { zrtpKey: Uint8Array; macKey: Uint8Array },
  iv: Uint8Array,
  body: Uint8Array,
): { confirmMac: Uint8Array; encrypted: Uint8Array } {
  const encrypted = cfbEncrypt(cipher, keys.zrtpKey, iv, body);
  return { confirmMac: confirmMac(hash, keys.macKey, encrypted), encrypted };
}

/**
 * Verify the MAC, then decrypt (never decrypt unauthenticated data).
 * @throws ZrtpError SUSURRO_ZRTP_BAD_MAC
 */
export function openConfirmBody(
  hash: HashAlgorithm,
  cipher: CipherAlgorithm,
  keys: { zrtpKey: Uint8Array; macKey: Uint8Array },
  message: { confirmMac: Uint8Array; cfbIv: Uint8Array; encrypted: Uint8Array },
): Uint8Array {
  verifyConfirmMac(hash, keys.macKey, message.encrypted, message.confirmMac);
  return cfbDecrypt(cipher, keys.zrtpKey, message.cfbIv, message.encrypted);
}
