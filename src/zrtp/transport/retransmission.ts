/**
 * RFC 6189 §6 retransmission timers.
 *
 * T1 (Hello): "initial value 50 ms, doubled on each retransmission, capped at 200 ms, at
 * most 20 retransmissions". T2 (Commit, DHPart2, Confirm2, Error, GoClear...): "initial value
 * 150 ms, doubled, capped at 1200 ms, at most 10 retransmissions". After the last one the
 * endpoint gives up (the session reports SUSURRO_ZRTP_TIMEOUT). The responder never arms a
 * timer: it only answers the initiator's retransmissions (§6).
 */
export type RetransmitTimer = 'T1' | 'T2';

export interface TimerPolicy {
  initialMs: number;
  capMs: number;
  maxRetransmissions: number;
}

export const TIMER_POLICY: Readonly<Record<RetransmitTimer, Readonly<TimerPolicy>>> = {
  T1: { initialMs: 50, capMs: 200, maxRetransmissions: 20 },
  T2: { initialMs: 150, capMs: 1200, maxRetransmissions: 10 },
};

/** Delay before retransmission number `n` (1-based): initial · 2^(n-1), capped. */
export function retransmitDelay(timer: RetransmitTimer, n: number): number {
  const p = TIMER_POLICY[timer];
  return Math.min(p.capMs, p.initialMs * 2 ** Math.min(n - 1, 30));
}
