/**
 * Loads the bzrtp-derived ZRTP vectors (test/vectors, source and licence in its README.md): the
 * KDF/CRC/SAS answers and the captured DH3k exchange.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('../../vectors/', import.meta.url));

// Hex both ways from @noble/hashes/utils (strict: a malformed vector fails instead of truncating).
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
export const hex = hexToBytes;
export const toHex = bytesToHex;

export interface KdfVector {
  index: number;
  label: string;
  key: string;
  context: string;
  length_bits: number;
  hash: 'S256';
  output: string;
}
export interface CrcVector {
  input: string;
  crc32c_value: string;
  wire_crc_bytes: string;
  full_packet_on_wire: string;
}
export interface KdfFile {
  kdf: { vectors: KdfVector[]; example_hmac_input_vector0: { hex: string }; context_parts: Record<string, string> };
  crc32c: { vectors: CrcVector[] };
  sas_rendering_derived: { sashash: string; sasvalue: string; b32: { rendering: string }; b256: { bytes: string; rendering: string[] } };
}

export interface ExchangePacket {
  index: number;
  sender_ssrc: string;
  sender_role: 'initiator' | 'responder';
  message_type: string;
  sequence_number: number;
  packet_hex: string;
  crc_wire_hex: string;
  message_length_words: number;
  parsed: Record<string, unknown>;
}
export interface Endpoint {
  ssrc: string;
  zid: string;
  client_id: string;
  hash_chain: { h0: string; h1: string; h2: string; h3: string };
  hello_zrtp_hash: string;
}
export interface ExchangeFile {
  endpoints: { initiator: Endpoint; responder: Endpoint };
  negotiated_algorithms: Record<string, string>;
  session_keys: { mackeyi: string; mackeyr: string; zrtpkeyi: string; zrtpkeyr: string };
  packets: ExchangePacket[];
  derived_by_extractor: { hvi: { value: string }; total_hash: { value: string }; kdf_context: { value: string } };
  zrtp_hash_case: { packet_hex: string; sender_ssrc: string; sequence_number: number; parsed: Record<string, unknown>; zrtp_hash_correct: string; zrtp_hash_wrong: string };
  negative_cases: Array<Record<string, string>>;
}

export const kdfFile = JSON.parse(readFileSync(join(DIR, 'zrtp-kdf-bzrtp.json'), 'utf8')) as KdfFile;
export const exchange = JSON.parse(readFileSync(join(DIR, 'zrtp-exchange-bzrtp.json'), 'utf8')) as ExchangeFile;

/** The message bytes of a captured packet (header and CRC stripped), without using our codec. */
export function rawMessage(packetHex: string): Uint8Array {
  const p = hex(packetHex);
  return p.slice(12, p.length - 4);
}
