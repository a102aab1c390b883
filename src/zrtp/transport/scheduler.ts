/**
 * The clock a transport arms its retransmission timers on. Injected so the protocol code has
 * no global timers: Node/browsers pass `{ setTimeout, clearTimeout }` bound to globalThis
 * (see {@link systemScheduler}); tests pass a simulated clock.
 */
export interface Scheduler {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The host's timers. Only for entry points (CLI, softphone); never used inside src/zrtp. */
export function systemScheduler(): Scheduler {
  return {
    setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
    clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof globalThis.setTimeout>),
  };
}
