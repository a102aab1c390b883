/**
 * Test-only worker: an RTCRtpScriptTransform that passes frames through unchanged and posts a
 * copy of the first `limit` non-empty frames to the page, so the test can check in Node what a
 * receiver WITHOUT the SFrame transform actually gets from the wire.
 */
interface RtcTransformEvent extends Event {
  transformer: { readable: ReadableStream<{ data: ArrayBuffer }>; writable: WritableStream<{ data: ArrayBuffer }>; options?: unknown };
}
const scope = globalThis as unknown as {
  addEventListener(type: 'rtctransform', listener: (e: RtcTransformEvent) => void): void;
  postMessage(m: unknown): void;
};
scope.addEventListener('rtctransform', (event) => {
  const { readable, writable, options } = event.transformer;
  const limit = (options as { limit?: number } | undefined)?.limit ?? 20;
  let seen = 0;
  readable
    .pipeThrough(
      new TransformStream({
        transform(frame, controller) {
          if (seen < limit && frame.data.byteLength > 0) {
            seen++;
            scope.postMessage({ frame: frame.data.slice(0) });
          }
          controller.enqueue(frame);
        },
      }),
    )
    .pipeTo(writable)
    .catch(() => {});
});
