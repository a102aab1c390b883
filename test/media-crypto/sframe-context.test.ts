import { describe, it, expect } from 'vitest';
import { deriveSframeKey } from '../../src/media-crypto/key-schedule.ts';
import { encryptFrame, SframeReceiver, SframeSender } from '../../src/media-crypto/sframe-context.ts';
import { SframeError } from '../../src/media-crypto/errors.ts';
import { decodeHeader } from '../../src/media-crypto/header.ts';

const base = (seed: number) => new Uint8Array(32).map((_, i) => (i * 31 + seed) & 0xff);
const frame = (n: number) => new Uint8Array(100).map((_, i) => (i + n) & 0xff);

async function pair(suite = 4, kid = 0n, seed = 1) {
  const tx = new SframeSender();
  tx.setKey(await deriveSframeKey(suite, kid, base(seed)));
  const rx = new SframeReceiver();
  rx.addKey(await deriveSframeKey(suite, kid, base(seed)));
  return { tx, rx };
}

describe('SframeSender / SframeReceiver (RFC 9605 §4.4.3)', () => {
  for (const suite of [1, 2, 3, 4, 5]) {
    it(`suite ${suite}: round trips with counters 0,1,2 and metadata bound as AAD`, async () => {
      const { tx, rx } = await pair(suite);
      const meta = new Uint8Array([1, 2, 3]);
      for (let n = 0; n < 3; n++) {
        const f = await tx.encrypt(frame(n), meta);
        expect(decodeHeader(f).ctr).toBe(BigInt(n));
        const out = await rx.decrypt(f, meta);
        expect(out.plaintext).toEqual(frame(n));
      }
      const f = await tx.encrypt(frame(9), meta);
      await expect(rx.decrypt(f, new Uint8Array([1, 2, 4]))).rejects.toMatchObject({ code: 'SUSURRO_SFRAME_AUTH_FAILED' });
    });
  }

  it('fails closed without a send key', async () => {
    const tx = new SframeSender();
    await expect(tx.encrypt(frame(0))).rejects.toMatchObject({ code: 'SUSURRO_SFRAME_NO_KEY' });
    tx.setKey(await deriveSframeKey(4, 0n, base(1)));
    await tx.encrypt(frame(0));
    tx.clearKey();
    await expect(tx.encrypt(frame(0))).rejects.toMatchObject({ code: 'SUSURRO_SFRAME_NO_KEY' });
  });

  it('refuses to reinstall a KID (its counter would restart and repeat nonces)', async () => {
    const tx = new SframeSender();
    tx.setKey(await deriveSframeKey(4, 3n, base(1)));
    const sameKidOtherBase = await deriveSframeKey(4, 3n, base(2));
    expect(() => tx.setKey(sameKidOtherBase)).toThrow(SframeError);
    tx.setKey(await deriveSframeKey(4, 4n, base(2))); // a new KID is fine
  });

  it('rejects every single-bit flip anywhere in the frame', async () => {
    const { tx, rx } = await pair();
    const f = await tx.encrypt(frame(0));
    for (let bit = 0; bit < f.length * 8; bit += 7) {
      const bad = f.slice();
      bad[bit >> 3]! ^= 1 << (bit & 7);
      await expect(rx.decrypt(bad), `bit ${bit}`).rejects.toBeInstanceOf(SframeError);
    }
    expect((await rx.decrypt(f)).plaintext).toEqual(frame(0)); // the original still opens: nothing was recorded
  });

  it('rejects a replay, including two concurrent copies of one frame', async () => {
    const { tx, rx } = await pair();
    const f = await tx.encrypt(frame(0));
    const results = await Promise.allSettled([rx.decrypt(f), rx.decrypt(f)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    await expect(rx.decrypt(f)).rejects.toMatchObject({ code: 'SUSURRO_SFRAME_REPLAY' });
  });

  it('accepts reordered frames, drops too-old ones', async () => {
    const { tx, rx } = await pair();
    const frames = [];
    for (let n = 0; n < 140; n++) frames.push(await tx.encrypt(frame(n)));
    await rx.decrypt(frames[139]!);
    await rx.decrypt(frames[20]!); // 119 behind: inside the 128 window
    await expect(rx.decrypt(frames[5]!)).rejects.toMatchObject({ code: 'SUSURRO_SFRAME_REPLAY' });
  });

  it('rejects a frame under the wrong key, and an unknown KID', async () => {
    const { tx } = await pair(4, 0n, 1);
    const other = new SframeReceiver();
    other.addKey(await deriveSframeKey(4, 0n, base(2)));
    const f = await tx.encrypt(frame(0));
    await expect(other.decrypt(f)).rejects.toMatchObject({ code: 'SUSURRO_SFRAME_AUTH_FAILED' });
    const noKid = new SframeReceiver();
    noKid.addKey(await deriveSframeKey(4, 1n, base(1)));
    await expect(noKid.decrypt(f)).rejects.toMatchObject({ code: 'SUSURRO_SFRAME_UNKNOWN_KID' });
  });

  it('holds the previous key during a rekey and evicts beyond maxKeys', async () => {
    const rx = new SframeReceiver({ maxKeys: 2 });
    const k0 = await deriveSframeKey(4, 0n, base(1));
    const k1 = await deriveSframeKey(4, 1n, base(2));
    const k2 = await deriveSframeKey(4, 2n, base(3));
    rx.addKey(k0);
    rx.addKey(k1);
    expect((await rx.decrypt(await encryptFrame(k0, 7n, frame(1)))).kid).toBe(0n);
    expect((await rx.decrypt(await encryptFrame(k1, 0n, frame(2)))).kid).toBe(1n);
    rx.addKey(k2);
    expect(rx.kids).toEqual([1n, 2n]);
    await expect(rx.decrypt(await encryptFrame(k0, 8n, frame(3)))).rejects.toMatchObject({ code: 'SUSURRO_SFRAME_UNKNOWN_KID' });
  });

  it('re-adding a KID keeps its replay window', async () => {
    const k0 = await deriveSframeKey(4, 0n, base(1));
    const rx = new SframeReceiver();
    rx.addKey(k0);
    const f = await encryptFrame(k0, 0n, frame(0));
    await rx.decrypt(f);
    rx.addKey(k0);
    await expect(rx.decrypt(f)).rejects.toMatchObject({ code: 'SUSURRO_SFRAME_REPLAY' });
  });

  it('rejects frames shorter than header + tag', async () => {
    const { rx } = await pair();
    await expect(rx.decrypt(new Uint8Array([0x00, 1, 2, 3]))).rejects.toMatchObject({ code: 'SUSURRO_SFRAME_MALFORMED_HEADER' });
  });
});
