/** Loads test/vectors/sframe-rfc9605.json (sframe-wg reference vectors; source and licence in test/vectors/README.md). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface HeaderVector { kid: number | bigint; ctr: number | bigint; encoded: string }
export interface AeadVector { cipher_suite: number; key: string; enc_key: string; auth_key: string; nonce: string; aad: string; pt: string; ct: string }
export interface SframeVector {
  cipher_suite: number; kid: number; ctr: number; base_key: string; sframe_key_label: string; sframe_salt_label: string;
  sframe_secret: string; sframe_key: string; sframe_salt: string; metadata: string; nonce: string; aad: string; pt: string; ct: string;
}

const VECTORS_PATH = fileURLToPath(new URL('../vectors/sframe-rfc9605.json', import.meta.url));
// JSON.parse loses precision above 2^53; header vectors reach 2^64-1, so integers are parsed as bigint.
const raw = readFileSync(VECTORS_PATH, 'utf8').replace(/"(kid|ctr)": (\d+)/g, '"$1": "$2"');
const parsed = JSON.parse(raw) as Record<string, Array<Record<string, unknown>>>;

export const headerVectors: { kid: bigint; ctr: bigint; encoded: string }[] = parsed['header']!.map((v) => ({
  kid: BigInt(v['kid'] as string),
  ctr: BigInt(v['ctr'] as string),
  encoded: v['encoded'] as string,
}));
export const aeadVectors = [...parsed['aes_ctr_hmac']!, ...parsed['aes_256_ctr_hmac']!] as unknown as AeadVector[];
export const sframeVectors = parsed['sframe']!.map((v) => ({ ...v, kid: Number(v['kid']), ctr: Number(v['ctr']) })) as unknown as SframeVector[];

// Hex both ways from @noble/hashes/utils (strict: a malformed vector fails instead of truncating).
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
export const hex = hexToBytes;
export const toHex = bytesToHex;
