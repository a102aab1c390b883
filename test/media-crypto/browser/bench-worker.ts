/** Worker entry for the Chromium half of bench/sframe.bench.ts: runs measureSframe and posts samples. */
import { measureSframe } from './bench-core.ts';

const scope = globalThis as unknown as { onmessage: ((e: MessageEvent<{ frames: number; size: number; maxInFlight?: number }>) => void) | null; postMessage(m: unknown): void };
scope.onmessage = (e) => {
  measureSframe(e.data.frames, e.data.size, e.data.maxInFlight).then(
    (samples) => scope.postMessage({ ok: true, samples }),
    (err: unknown) => scope.postMessage({ ok: false, error: String(err) }),
  );
};
