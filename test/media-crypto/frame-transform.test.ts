import { describe, it, expect } from 'vitest';
import { emptyStats, sframeTransformer, type EncodedFrameLike } from '../../src/media-crypto/frame-transform.ts';
import { deriveSframeKey } from '../../src/media-crypto/key-schedule.ts';
import { SframeReceiver, SframeSender } from '../../src/media-crypto/sframe-context.ts';
import { decodeHeader } from '../../src/media-crypto/header.ts';
import type { TransformSide } from '../../src/media-crypto/worker-protocol.ts';

const base = new Uint8Array(32).fill(7);
const payload = (n: number) => new Uint8Array(80).fill(n & 0xff);

async function through(side: TransformSide, sender: SframeSender, receiver: SframeReceiver, frames: Uint8Array[], maxInFlight?: number) {
  const stats = emptyStats();
  const ts = new TransformStream<EncodedFrameLike, EncodedFrameLike>(
    sframeTransformer<EncodedFrameLike>({ side, sender, receiver, stats, ...(maxInFlight ? { maxInFlight } : {}) }),
  );
  const out: Uint8Array[] = [];
  const reading = (async () => {
    const r = ts.readable.getReader();
    for (;;) {
      const { value, done } = await r.read();
      if (done) break;
      out.push(new Uint8Array(value.data));
    }
  })();
  const w = ts.writable.getWriter();
  for (const f of frames) await w.write({ data: f.slice().buffer });
  await w.close();
  await reading;
  return { out, stats };
}

describe('sframeTransformer (worker frame path)', () => {
  it('drops every non-empty outgoing frame while no key is installed (fail closed)', async () => {
    const { out, stats } = await through('send', new SframeSender(), new SframeReceiver(), [payload(1), payload(2), new Uint8Array(0)]);
    expect(out.map((f) => f.length)).toEqual([0]); // only the empty frame passed
    expect(stats).toMatchObject({ droppedNoKey: 2, encrypted: 0, emptyPassed: 1 });
  });

  it('encrypts in order under pipelining, and the receiver restores the exact frames', async () => {
    const tx = new SframeSender();
    tx.setKey(await deriveSframeKey(4, 1n, base));
    const rx = new SframeReceiver();
    rx.addKey(await deriveSframeKey(4, 1n, base));
    const frames = Array.from({ length: 100 }, (_, i) => payload(i));
    const sent = await through('send', tx, new SframeReceiver(), frames, 8);
    expect(sent.stats.encrypted).toBe(100);
    expect(sent.out.map((f) => decodeHeader(f).ctr)).toEqual(frames.map((_, i) => BigInt(i)));
    const received = await through('receive', new SframeSender(), rx, sent.out);
    expect(received.out).toEqual(frames);
    expect(received.stats).toMatchObject({ decrypted: 100, droppedAuth: 0, replayed: 0 });
  });

  it('keeps order and loses nothing when slots settle out of order under continuous flow', async () => {
    // A fake sender whose encryptions settle in a scrambled order, never letting the queue empty.
    const resolvers: Array<() => void> = [];
    const fake = {
      encrypt: (data: Uint8Array) =>
        new Promise<Uint8Array>((resolve) => resolvers.push(() => resolve(data.map((b) => b ^ 0xff)))),
    } as unknown as SframeSender;
    const stats = emptyStats();
    const ts = new TransformStream<EncodedFrameLike, EncodedFrameLike>(
      sframeTransformer<EncodedFrameLike>({ side: 'send', sender: fake, receiver: new SframeReceiver(), stats, maxInFlight: 8 }),
    );
    const out: number[] = [];
    const reading = (async () => {
      const r = ts.readable.getReader();
      for (;;) {
        const { value, done } = await r.read();
        if (done) break;
        out.push(new Uint8Array(value.data)[0]! ^ 0xff);
      }
    })();
    const w = ts.writable.getWriter();
    const total = 500;
    let settled = 0;
    for (let n = 0; n < total; n++) {
      const writing = w.write({ data: new Uint8Array([n & 0xff, n >> 8]).buffer });
      // Settle every pending one except the newest, newest-first: the head is always last to settle.
      if (resolvers.length >= 3) {
        const batch = resolvers.splice(0, resolvers.length - 1).reverse();
        for (const r of batch) r();
        settled += batch.length;
      }
      await writing;
    }
    const closing = w.close();
    while (resolvers.length) resolvers.shift()!();
    await closing;
    await reading;
    expect(settled).toBeGreaterThan(400);
    expect(out).toEqual(Array.from({ length: total }, (_, n) => n & 0xff));
    expect(stats.encrypted).toBe(total);
  }, 10_000);

  it('drops forged, replayed, unknown-KID and truncated frames and counts each kind', async () => {
    const tx = new SframeSender();
    tx.setKey(await deriveSframeKey(4, 1n, base));
    const { out: good } = await through('send', tx, new SframeReceiver(), [payload(1), payload(2)]);
    const forged = good[1]!.slice();
    forged[5]! ^= 1;
    const otherKid = new SframeSender();
    otherKid.setKey(await deriveSframeKey(4, 2n, base));
    const { out: foreign } = await through('send', otherKid, new SframeReceiver(), [payload(3)]);
    const rx = new SframeReceiver();
    rx.addKey(await deriveSframeKey(4, 1n, base));
    const { out, stats } = await through('receive', new SframeSender(), rx, [
      good[0]!, forged, good[0]!, foreign[0]!, new Uint8Array([0x10, 1, 2]), good[1]!, new Uint8Array(0),
    ]);
    expect(out).toEqual([payload(1), payload(2), new Uint8Array(0)]);
    expect(stats).toMatchObject({ decrypted: 2, droppedAuth: 1, replayed: 1, droppedUnknownKid: 1, droppedMalformed: 1, emptyPassed: 1 });
  });
});
