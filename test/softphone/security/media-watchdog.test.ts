import { describe, it, expect } from 'vitest';
import { MediaWatchdog, type MediaCounters } from '../../../softphone-web/src/security/media-watchdog.ts';

const at = (sent: number, received: number, enc: number, dec: number): MediaCounters => ({
  rtpPacketsSent: sent, rtpPacketsReceived: received, framesEncrypted: enc, framesDecrypted: dec,
});

describe('MediaWatchdog', () => {
  it('stays quiet while every RTP packet carries an encrypted frame', () => {
    const w = new MediaWatchdog();
    for (let i = 0; i <= 10; i++) expect(w.observe(at(50 * i, 50 * i, 50 * i, 50 * i))).toBe('ok');
  });

  it('trips after 3 intervals of RTP flowing out with no encrypted frames (transform bypassed)', () => {
    const w = new MediaWatchdog();
    w.observe(at(100, 100, 100, 100));
    expect(w.observe(at(150, 150, 100, 150))).toBe('ok');
    expect(w.observe(at(200, 200, 100, 200))).toBe('ok');
    expect(w.observe(at(250, 250, 100, 250))).toBe('send-bypass');
  });

  it('trips on the receive side too', () => {
    const w = new MediaWatchdog({ tolerance: 1 });
    w.observe(at(0, 0, 0, 0));
    expect(w.observe(at(50, 50, 50, 0))).toBe('receive-bypass');
  });

  it('does not trip when RTP is idle (mute/DTX) or on a single bad interval', () => {
    const w = new MediaWatchdog();
    w.observe(at(0, 0, 0, 0));
    expect(w.observe(at(2, 2, 0, 0))).toBe('ok');
    expect(w.observe(at(4, 4, 0, 0))).toBe('ok');
    expect(w.observe(at(6, 6, 0, 0))).toBe('ok');
    expect(w.observe(at(56, 56, 0, 0))).toBe('ok');
    expect(w.observe(at(106, 106, 50, 50))).toBe('ok'); // recovered: counter reset
    expect(w.observe(at(156, 156, 50, 100))).toBe('ok');
  });

  it('validates its inputs', () => {
    expect(() => new MediaWatchdog({ tolerance: 0 })).toThrow(RangeError);
    expect(() => new MediaWatchdog().observe(at(Number.NaN, 0, 0, 0))).toThrow(RangeError);
    expect(() => new MediaWatchdog().observe(at(-1, 0, 0, 0))).toThrow(RangeError);
  });
});
