/**
 * Time for the app layer, injected (STYLE.md house rule 1): the controller modules never touch
 * Date.now/setTimeout/setInterval themselves, so their unit tests drive a fake clock and the
 * browser's timers are wired only in main.ts.
 */
export interface Clock {
  /** Wall-clock milliseconds (Date.now() in the browser). */
  now(): number;
}

/** Cancels a scheduled callback; calling it twice or after the callback ran is harmless. */
export type Cancel = () => void;

export interface Scheduler extends Clock {
  /** Run `fn` once after `ms`. */
  after(ms: number, fn: () => void): Cancel;
  /** Run `fn` every `ms` until cancelled. */
  every(ms: number, fn: () => void): Cancel;
}
