/**
 * A fake clock for the softphone's app-layer unit tests: implements the Scheduler the app
 * modules take (softphone-web/src/app/scheduler.ts); time only moves when a test calls
 * advance(), which runs due callbacks in time order.
 */
import type { Cancel, Scheduler } from '../../../softphone-web/src/app/scheduler.ts';

interface Timer {
  at: number;
  every: number | null;
  fn: () => void;
  cancelled: boolean;
}

export class ManualScheduler implements Scheduler {
  private time: number;
  private readonly timers: Timer[] = [];

  constructor(start = 1_700_000_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  after(ms: number, fn: () => void): Cancel {
    return this.add({ at: this.time + ms, every: null, fn, cancelled: false });
  }

  every(ms: number, fn: () => void): Cancel {
    if (!(ms > 0)) throw new RangeError('every: ms must be > 0');
    return this.add({ at: this.time + ms, every: ms, fn, cancelled: false });
  }

  /** Timers still pending (not cancelled, not run if one-shot). */
  get pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Move time forward by `ms`, running every callback that falls due, in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => !t.cancelled && t.at <= end).sort((x, y) => x.at - y.at)[0];
      if (!due) break;
      this.time = due.at;
      if (due.every === null) due.cancelled = true;
      else due.at += due.every;
      due.fn();
    }
    this.time = end;
  }

  private add(timer: Timer): Cancel {
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }
}

/** Let pending promise callbacks run (the modules under test await fakes). */
export async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
