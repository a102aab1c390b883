/**
 * Call-progress tones with WebAudio (no audio files): ringback while the callee's phone
 * rings, a ring for incoming calls, and the busy tone. Cadences follow ITU-T E.180
 * (425 Hz; ringback 1 s on / 4 s off; busy 0.5 s on / 0.5 s off).
 */
export type ToneName = 'ringback' | 'incoming' | 'busy';

interface Pattern {
  frequencies: number[];
  /** [on, off, on, off, ...] seconds, repeated. */
  cadence: number[];
  /** Stop after this many seconds (null = until stop()). */
  maxSeconds: number | null;
}

const PATTERNS: Record<ToneName, Pattern> = {
  ringback: { frequencies: [425], cadence: [1, 4], maxSeconds: null },
  incoming: { frequencies: [480, 620], cadence: [0.4, 0.2, 0.4, 2], maxSeconds: null },
  busy: { frequencies: [425], cadence: [0.5, 0.5], maxSeconds: 4 },
};

export class TonePlayer {
  private ctx: AudioContext | null = null;
  private stopCurrent: (() => void) | null = null;

  play(name: ToneName): void {
    this.stop();
    try {
      this.ctx ??= new AudioContext();
    } catch {
      return; // no audio output available: tones are a convenience, never a blocker
    }
    const ctx = this.ctx;
    void ctx.resume().catch(() => undefined);
    const pattern = PATTERNS[name];
    const gain = ctx.createGain();
    gain.gain.value = 0;
    gain.connect(ctx.destination);
    const oscillators = pattern.frequencies.map((f) => {
      const osc = ctx.createOscillator();
      osc.frequency.value = f;
      osc.connect(gain);
      osc.start();
      return osc;
    });
    const period = pattern.cadence.reduce((a, b) => a + b, 0);
    const horizon = pattern.maxSeconds ?? 600; // schedule 10 min ahead at most
    const start = ctx.currentTime + 0.05;
    for (let t = 0; t < horizon; t += period) {
      let at = start + t;
      pattern.cadence.forEach((len, i) => {
        gain.gain.setValueAtTime(i % 2 === 0 ? 0.12 / pattern.frequencies.length : 0, at);
        at += len;
      });
    }
    gain.gain.setValueAtTime(0, start + horizon);
    this.stopCurrent = () => {
      for (const o of oscillators) {
        try {
          o.stop();
        } catch {
          /* already stopped */
        }
        o.disconnect();
      }
      gain.disconnect();
    };
  }

  stop(): void {
    this.stopCurrent?.();
    this.stopCurrent = null;
  }
}
