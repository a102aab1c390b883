/**
 * Generator of zrtp-sframe-vector.json, the known-answer vector of SPEC.md. It uses only
 * node:crypto (HMAC, HKDF, AES-GCM), independent of src/, so the vector checks our code rather
 * than echoing it. Run: npx tsx test/media-crypto/zrtp-sframe-vector.gen.mts > test/media-crypto/zrtp-sframe-vector.json
 */
import { createCipheriv, createHmac, hkdfSync } from 'node:crypto';

const h = (b: Uint8Array) => Buffer.from(b).toString('hex');
const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
const u64 = (n: bigint) => { const b = Buffer.alloc(8); b.writeBigUInt64BE(n); return b; };
const u16 = (n: number) => { const b = Buffer.alloc(2); b.writeUInt16BE(n); return b; };

/** RFC 6189 §4.5.1: HMAC(KI, 00000001 || Label || 00 || Context || L). */
function zrtpKdf(hash: 'sha256' | 'sha384', ki: Buffer, label: string, context: Buffer, bits: number): Buffer {
  return createHmac(hash, ki).update(Buffer.concat([u32(1), Buffer.from(label, 'ascii'), Buffer.from([0]), context, u32(bits)])).digest().subarray(0, bits / 8);
}

function case_(name: string, zrtpHash: 'S256' | 'S384', cipher: 'AES1' | 'AES3', epoch: number) {
  const nodeHash = zrtpHash === 'S256' ? 'sha256' : 'sha384';
  const lh = zrtpHash === 'S256' ? 256 : 384;
  const exportedKey = Buffer.from(Array.from({ length: lh / 8 }, (_, i) => (i * 11 + 3) & 0xff));
  const zidi = Buffer.from('a1a2a3a4a5a6a7a8a9aaabac', 'hex');
  const zidr = Buffer.from('b1b2b3b4b5b6b7b8b9babbbc', 'hex');
  const context = Buffer.concat([zidi, zidr, u32(epoch)]);
  const baseIr = zrtpKdf(nodeHash, exportedKey, 'SFrame base key initiator to responder', context, lh);
  const baseRi = zrtpKdf(nodeHash, exportedKey, 'SFrame base key responder to initiator', context, lh);
  const suite = cipher === 'AES1' ? 4 : 5;
  const sfHash = suite === 4 ? 'sha256' : 'sha512';
  const nk = suite === 4 ? 16 : 32;
  const kid = BigInt(epoch);
  const keyLabel = Buffer.concat([Buffer.from('SFrame 1.0 Secret key '), u64(kid), u16(suite)]);
  const saltLabel = Buffer.concat([Buffer.from('SFrame 1.0 Secret salt '), u64(kid), u16(suite)]);
  const direction = (base: Buffer) => {
    const key = Buffer.from(hkdfSync(sfHash, base, Buffer.alloc(0), keyLabel, nk));
    const salt = Buffer.from(hkdfSync(sfHash, base, Buffer.alloc(0), saltLabel, 12));
    const frames = [0n, 1n, 300n].map((ctr) => {
      const nonce = Buffer.from(salt);
      nonce.writeBigUInt64BE(nonce.readBigUInt64BE(4) ^ ctr, 4);
      // RFC 9605 §4.3 header for small KID (< 8) and the given CTR.
      const header = ctr < 8n ? Buffer.from([(Number(kid) << 4) | Number(ctr)]) : Buffer.from([(Number(kid) << 4) | 0x08 | 1, Number(ctr >> 8n), Number(ctr & 0xffn)]);
      const pt = Buffer.from(`susurro frame ${ctr}`);
      const c = createCipheriv(suite === 4 ? 'aes-128-gcm' : 'aes-256-gcm', key, nonce);
      c.setAAD(header);
      const ct = Buffer.concat([header, c.update(pt), c.final(), c.getAuthTag()]);
      return { ctr: Number(ctr), plaintext: h(pt), nonce: h(nonce), frame: h(ct) };
    });
    return { base_key: h(base), sframe_key: h(key), sframe_salt: h(salt), frames };
  };
  return {
    name, zrtp_hash: zrtpHash, zrtp_cipher: cipher, epoch, exported_key: h(exportedKey), zid_initiator: h(zidi), zid_responder: h(zidr),
    kdf_context: h(context), sframe_suite: suite, kid: Number(kid),
    initiator_to_responder: direction(baseIr), responder_to_initiator: direction(baseRi),
  };
}

process.stdout.write(JSON.stringify({
  generator: 'test/media-crypto/zrtp-sframe-vector.gen.mts (node:crypto only)',
  cases: [case_('S256 AES1 epoch 0', 'S256', 'AES1', 0), case_('S384 AES3 epoch 1', 'S384', 'AES3', 1)],
}, null, 2) + '\n');
