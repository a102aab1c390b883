/**
 * Per-frame SFrame cost measurements, shared by bench/sframe.bench.ts (Node) and the bench
 * worker in Chromium (bench-worker.ts). Measures; never asserts.
 *
 * Four measures over `frames` frames of `size` bytes, encrypt then decrypt each:
 * - ours.sequential:  SframeSender.encrypt + SframeReceiver.decrypt, one frame at a time (latency).
 * - ref.sequential:   the common way: one await crypto.subtle.encrypt/decrypt per frame, AES-128-GCM,
 *                     IV = SSRC (4 bytes) || frame counter (8 bytes).
 * - ours.stream:      frames pushed through two TransformStreams (send -> receive) built by
 *                     sframeTransformer, as in the worker; per-frame cost = gap between successive
 *                     decrypted outputs (steady-state service time), so p99 shows stalls.
 * - ref.stream:       the same with the common transformer `async transform(f, c) { f.data = await
 *                     encrypt(...); c.enqueue(f) }` (and its decrypting twin).
 */
import { emptyStats, sframeTransformer, type EncodedFrameLike } from '../../../src/media-crypto/frame-transform.ts';
import { deriveSframeKey } from '../../../src/media-crypto/key-schedule.ts';
import { SframeReceiver, SframeSender } from '../../../src/media-crypto/sframe-context.ts';

export interface BenchSamples {
  oursSequential: number[];
  refSequential: number[];
  oursStream: number[];
  refStream: number[];
  /** Frames that failed to round-trip (must be 0). */
  errors: number;
}

const now = () => performance.now();

function frame(size: number, n: number): Uint8Array {
  const f = new Uint8Array(size);
  for (let i = 0; i < size; i++) f[i] = (i * 13 + n) & 0xff;
  return f;
}

async function oursPair(kid: bigint): Promise<{ tx: SframeSender; rx: SframeReceiver }> {
  const base = crypto.getRandomValues(new Uint8Array(32));
  const tx = new SframeSender();
  tx.setKey(await deriveSframeKey(4, kid, base));
  const rx = new SframeReceiver({ replayWindow: 128 });
  rx.addKey(await deriveSframeKey(4, kid, base));
  return { tx, rx };
}

/** The common per-frame AES-GCM transform (IV from SSRC + counter), as found in many E2EE demos. */
function refTransformer(key: CryptoKey, side: 'send' | 'receive', ssrc: number): Transformer<EncodedFrameLike, EncodedFrameLike> {
  let counter = 0;
  return {
    async transform(f, c) {
      if (side === 'send') {
        const iv = new Uint8Array(12);
        const dv = new DataView(iv.buffer);
        dv.setUint32(0, ssrc);
        dv.setBigUint64(4, BigInt(counter++));
        const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, f.data));
        const out = new Uint8Array(12 + ct.length);
        out.set(iv, 0);
        out.set(ct, 12);
        f.data = out.buffer;
      } else {
        const d = new Uint8Array(f.data);
        f.data = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: d.subarray(0, 12) }, key, d.subarray(12));
      }
      c.enqueue(f);
    },
  };
}

async function streamGaps(
  send: Transformer<EncodedFrameLike, EncodedFrameLike>,
  receive: Transformer<EncodedFrameLike, EncodedFrameLike>,
  frames: number,
  size: number,
  check: (n: number, out: Uint8Array) => boolean,
): Promise<{ gaps: number[]; errors: number }> {
  const source = new ReadableStream<EncodedFrameLike>({
    start(c) {
      for (let n = 0; n < frames; n++) c.enqueue({ data: frame(size, n).buffer as ArrayBuffer });
      c.close();
    },
  }, { highWaterMark: frames });
  const times: number[] = [];
  let errors = 0;
  let n = 0;
  const t0 = now();
  await source
    .pipeThrough(new TransformStream(send))
    .pipeThrough(new TransformStream(receive))
    .pipeTo(
      new WritableStream({
        write(f) {
          times.push(now());
          if (!check(n++, new Uint8Array(f.data))) errors++;
        },
      }),
    );
  errors += frames - n;
  const gaps = times.map((t, i) => t - (i === 0 ? t0 : times[i - 1]!));
  return { gaps: gaps.slice(Math.min(50, Math.floor(gaps.length / 10))), errors }; // drop pipeline fill
}

export async function measureSframe(frames: number, size: number, maxInFlight = 16): Promise<BenchSamples> {
  const result: BenchSamples = { oursSequential: [], refSequential: [], oursStream: [], refStream: [], errors: 0 };
  const same = (n: number, out: Uint8Array) => out.length === size && out[0] === (n & 0xff) && out[size - 1] === (((size - 1) * 13 + n) & 0xff);

  // Warm-up (JIT, WebCrypto thread pool) on throwaway keys.
  {
    const { tx, rx } = await oursPair(99n);
    for (let n = 0; n < 200; n++) await rx.decrypt(await tx.encrypt(frame(size, n)));
  }

  {
    const { tx, rx } = await oursPair(1n);
    for (let n = 0; n < frames; n++) {
      const pt = frame(size, n);
      const t = now();
      const out = await rx.decrypt(await tx.encrypt(pt));
      result.oursSequential.push(now() - t);
      if (!same(n, out.plaintext)) result.errors++;
    }
  }

  const refKey = await crypto.subtle.importKey('raw', crypto.getRandomValues(new Uint8Array(16)), 'AES-GCM', false, ['encrypt', 'decrypt']);
  {
    const ssrc = 0x12345678;
    for (let n = 0; n < frames; n++) {
      const pt = frame(size, n);
      const t = now();
      const iv = new Uint8Array(12);
      const dv = new DataView(iv.buffer);
      dv.setUint32(0, ssrc);
      dv.setBigUint64(4, BigInt(n));
      const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, refKey, pt as Uint8Array<ArrayBuffer>);
      const out = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, refKey, ct));
      result.refSequential.push(now() - t);
      if (!same(n, out)) result.errors++;
    }
  }

  {
    const { tx, rx } = await oursPair(2n);
    const stats = emptyStats();
    const s = await streamGaps(
      sframeTransformer({ side: 'send', sender: tx, receiver: rx, stats, maxInFlight }),
      sframeTransformer({ side: 'receive', sender: tx, receiver: rx, stats, maxInFlight }),
      frames,
      size,
      same,
    );
    result.oursStream = s.gaps;
    result.errors += s.errors;
  }

  {
    const s = await streamGaps(refTransformer(refKey, 'send', 0x12345678), refTransformer(refKey, 'receive', 0x12345678), frames, size, same);
    result.refStream = s.gaps;
    result.errors += s.errors;
  }
  return result;
}
