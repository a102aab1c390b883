/**
 * Sliding replay window for one KID (RFC 9605 §7.5 asks receivers to track counters; the
 * mechanism is the classic anti-replay window of RFC 4303 §3.4.3 / RFC 3711 §3.3.2).
 *
 * `top` is the highest counter accepted so far; bit i of `seen` records whether counter
 * top - i was accepted. A counter above `top` is new; one within `size` below it is new unless
 * its bit is set; anything older is refused because we can no longer tell. Only frames that
 * passed authentication may be recorded (`accept`), so a forged frame cannot move the window.
 */
export type ReplayVerdict = 'new' | 'duplicate' | 'too-old';

export const DEFAULT_REPLAY_WINDOW = 128;

export class ReplayWindow {
  readonly size: bigint;
  private top = -1n;
  private seen = 0n;
  private readonly mask: bigint;

  constructor(size: number = DEFAULT_REPLAY_WINDOW) {
    if (!Number.isInteger(size)) throw new TypeError('replay window size must be an integer');
    if (size < 1 || size > 4096) throw new RangeError('replay window size must be in 1..4096');
    this.size = BigInt(size);
    this.mask = (1n << this.size) - 1n;
  }

  /** Verdict for `ctr` without changing the window. */
  check(ctr: bigint): ReplayVerdict {
    if (ctr > this.top) return 'new';
    const age = this.top - ctr;
    if (age >= this.size) return 'too-old';
    return (this.seen >> age) & 1n ? 'duplicate' : 'new';
  }

  /** Record an authenticated counter. Returns the verdict it had (recorded only if 'new'). */
  accept(ctr: bigint): ReplayVerdict {
    const verdict = this.check(ctr);
    if (verdict !== 'new') return verdict;
    if (ctr > this.top) {
      const shift = ctr - this.top;
      this.seen = shift >= this.size ? 1n : ((this.seen << shift) | 1n) & this.mask;
      this.top = ctr;
    } else {
      this.seen |= 1n << (this.top - ctr);
    }
    return 'new';
  }

  /** Highest accepted counter, or -1n before the first one. */
  get highest(): bigint {
    return this.top;
  }
}
