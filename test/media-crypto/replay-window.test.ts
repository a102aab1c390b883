import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ReplayWindow } from '../../src/media-crypto/replay-window.ts';

describe('ReplayWindow (RFC 9605 §7.5)', () => {
  it('accepts new counters, refuses duplicates, accepts reordering within the window', () => {
    const w = new ReplayWindow(128);
    expect(w.accept(10n)).toBe('new');
    expect(w.accept(10n)).toBe('duplicate');
    expect(w.accept(5n)).toBe('new'); // late but within the window
    expect(w.accept(5n)).toBe('duplicate');
    expect(w.accept(200n)).toBe('new');
    expect(w.check(72n)).toBe('too-old'); // 200 - 72 = 128: outside a 128-wide window
    expect(w.check(73n)).toBe('new');
    expect(w.accept(10n)).toBe('too-old');
    expect(w.highest).toBe(200n);
  });

  it('check() never changes state', () => {
    const w = new ReplayWindow(4);
    w.check(3n);
    expect(w.highest).toBe(-1n);
    expect(w.accept(3n)).toBe('new');
  });

  it('handles the 64-bit top of the counter space', () => {
    const w = new ReplayWindow(128);
    const max = (1n << 64n) - 1n;
    expect(w.accept(max)).toBe('new');
    expect(w.accept(max - 1n)).toBe('new');
    expect(w.accept(max)).toBe('duplicate');
  });

  it('matches a model (set of accepted counters) on random sequences', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 300 }), fc.integer({ min: 1, max: 130 }), (ctrs, size) => {
        const w = new ReplayWindow(size);
        const seen = new Set<number>();
        let top = -1;
        for (const c of ctrs) {
          const expected = seen.has(c) ? 'duplicate' : top >= 0 && top - c >= size ? 'too-old' : 'new';
          // A counter older than the window is reported too-old even if it was seen.
          const want = top >= 0 && top - c >= size ? 'too-old' : expected;
          expect(w.accept(BigInt(c))).toBe(want);
          if (want === 'new') {
            seen.add(c);
            top = Math.max(top, c);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('validates its size', () => {
    expect(() => new ReplayWindow(0)).toThrow(RangeError);
    expect(() => new ReplayWindow(1.5)).toThrow(TypeError);
  });
});
