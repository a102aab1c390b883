import { describe, it, expect, vi } from 'vitest';
import { SecurityWatch, securityFailureMessage, SECURING_TIMEOUT_MS, type WatchedCall } from '../../../softphone-web/src/app/security-watch.ts';
import type { CallView } from '../../../softphone-web/src/app/state.ts';
import type { SecureCallInfo } from '../../../softphone-web/src/security/call-security.ts';
import type { CallEndReason } from '../../../softphone-web/src/sip/call-end-reason.ts';
import { ManualScheduler, settle } from './manual-scheduler.ts';

function fakeCall(phase: CallView['phase'] = 'connecting') {
  let view: CallView = { id: 1, direction: 'outgoing', peer: { extension: '202', displayName: 'Bob' }, phase, answeredAt: 1, muted: false, security: null, securityFailure: null, ended: null };
  const ended: CallEndReason[] = [];
  const microphone: boolean[] = [];
  const rtp = { sent: 0, received: 0 };
  const call: WatchedCall = {
    get view() {
      return view;
    },
    update: (fn) => {
      if (view.phase !== 'ended') view = fn(view);
    },
    end: (reason) => {
      ended.push(reason);
      view = { ...view, phase: 'ended' };
    },
    setMicrophone: (on) => microphone.push(on),
    rtpCounters: async () => ({ ...rtp }),
  };
  return { call, ended, microphone, rtp, get view() { return view; } };
}

function fakeSecurity() {
  const media = { framesEncrypted: 0, framesDecrypted: 0, droppedNoKey: 0, droppedAuth: 0 };
  return { media, confirmSas: vi.fn(async (_matches: boolean) => undefined), mediaStats: () => ({ ...media }) };
}

const info = (over: Partial<SecureCallInfo> = {}): SecureCallInfo => ({
  sas: 'qi4k', sasType: 'B32', role: 'initiator', peerZid: new Uint8Array(12), previouslyVerified: false, cacheMismatch: false, auxSecretMatched: true, ...over,
});

// Deterministic "random" bytes for the decoys of the pick-among-three check.
const counterBytes = () => {
  let n = 0;
  return (k: number) => Uint8Array.from({ length: k }, () => (n = (n * 37 + 11) & 0xff));
};

function setup(phase: CallView['phase'] = 'connecting') {
  const clock = new ManualScheduler();
  const c = fakeCall(phase);
  const security = fakeSecurity();
  const watch = new SecurityWatch(c.call, { scheduler: clock, random: counterBytes() });
  watch.attach(security);
  return { clock, c, security, watch };
}

describe('SecurityWatch: securing deadline', () => {
  it('declares the call not secure exactly when the deadline passes without ZRTP finishing', () => {
    const { clock, c, watch } = setup();
    watch.mediaStarted();
    watch.onSecuring();
    clock.advance(SECURING_TIMEOUT_MS - 1);
    expect(c.view.phase).toBe('securing');
    clock.advance(1);
    expect(c.view.phase).toBe('not-secure');
    expect(c.view.securityFailure).toBeNull(); // the screen keeps the generic "could not be set up" hint
  });

  it('does not fire once the call is secure, nor after stop()', () => {
    const a = setup();
    a.watch.mediaStarted();
    a.watch.onSecure(info());
    a.clock.advance(SECURING_TIMEOUT_MS * 2);
    expect(a.c.view.phase).toBe('secure');
    const b = setup();
    b.watch.mediaStarted();
    b.watch.stop();
    b.clock.advance(SECURING_TIMEOUT_MS * 2);
    expect(b.c.view.phase).toBe('connecting');
    expect(b.clock.pending).toBe(0);
  });
});

describe('SecurityWatch: failure reasons reach the screen', () => {
  it.each([
    [{ kind: 'missing-zrtp-hash' } as const, 'call.notSecure.noHash'],
    [{ kind: 'channel-closed' } as const, 'call.notSecure.channelClosed'],
    [{ kind: 'zrtp', code: 'SUSURRO_ZRTP_ZRTP_HASH_MISMATCH', message: 'x' } as const, 'call.notSecure.tampered'],
    [{ kind: 'zrtp', code: 'SUSURRO_ZRTP_BAD_MAC', message: 'x' } as const, 'call.notSecure.tampered'],
    [{ kind: 'zrtp', code: 'SUSURRO_ZRTP_NO_COMMON_ALGORITHM', message: 'x' } as const, 'call.notSecure.incompatible'],
    [{ kind: 'zrtp', code: 'SUSURRO_ZRTP_TIMEOUT', message: 'x' } as const, 'call.notSecure.noAnswer'],
    [{ kind: 'zrtp', code: 'SUSURRO_SOFTPHONE_KEYS', message: 'x' } as const, 'call.notSecure.keys'],
    [{ kind: 'zrtp', code: 'SUSURRO_ZRTP_INTERNAL', message: 'x' } as const, 'call.notSecure.failed'],
  ])('%j → %s', (failure, key) => {
    const { c, watch } = setup('securing');
    watch.onFailure(failure);
    expect(c.view.phase).toBe('not-secure');
    expect(c.view.securityFailure).toBe(key);
    expect(securityFailureMessage(failure)).toBe(key);
  });
});

describe('SecurityWatch: SAS', () => {
  it('shows the SAS unverified, then verified after "Matches" (and persists the V flag)', async () => {
    const { c, security, watch } = setup('securing');
    watch.onSecure(info());
    expect(c.view.security).toMatchObject({ sas: 'qi4k', verification: 'unverified', auxMismatch: false });
    await watch.confirmSas(true);
    expect(security.confirmSas).toHaveBeenCalledWith(true);
    expect(c.view.security?.verification).toBe('verified');
    expect(c.ended).toEqual([]);
  });

  it('"Does not match" clears the V flag and ends the call as a SAS mismatch', async () => {
    const { c, security, watch } = setup('securing');
    watch.onSecure(info({ previouslyVerified: true }));
    expect(c.view.security?.verification).toBe('verified-before');
    await watch.confirmSas(false);
    expect(security.confirmSas).toHaveBeenCalledWith(false);
    expect(c.ended).toEqual([{ kind: 'sas-mismatch' }]);
  });

  it('a DTLS-fingerprint mismatch (aux secret) mutes the microphone and can never be confirmed', async () => {
    const { c, security, watch } = setup('securing');
    watch.onSecure(info({ auxSecretMatched: false, previouslyVerified: true }));
    expect(c.microphone).toEqual([false]);
    expect(c.view.security).toMatchObject({ verification: 'unverified', auxMismatch: true });
    await watch.confirmSas(true);
    watch.pickSasMode(true);
    expect(security.confirmSas).not.toHaveBeenCalled();
    expect(c.view.security?.verification).toBe('unverified');
    expect(c.view.security?.choices).toBeNull();
  });

  it('the pick-among-three check offers the true code once; a wrong pick is a mismatch', async () => {
    const { c, watch } = setup('securing');
    watch.onSecure(info());
    watch.pickSasMode(true);
    const choices = c.view.security!.choices!;
    expect(choices).toHaveLength(3);
    expect(choices.filter((x) => x === 'qi4k')).toHaveLength(1);
    await watch.pickSas(choices.find((x) => x !== 'qi4k')!);
    expect(c.ended).toEqual([{ kind: 'sas-mismatch' }]);
  });
});

describe('SecurityWatch: watchdog and peer loss', () => {
  it('ends the call when RTP flows while SFrame counters stand still for 3 intervals', async () => {
    const { clock, c, security, watch } = setup('securing');
    watch.onSecure(info());
    for (let i = 1; i <= 3; i++) {
      c.rtp.sent += 50;
      c.rtp.received += 50;
      security.media.framesEncrypted += 50;
      security.media.framesDecrypted += 50;
      clock.advance(1000);
      await settle();
    }
    expect(c.ended).toEqual([]); // healthy: every packet carried an encrypted frame
    for (let i = 1; i <= 3; i++) {
      c.rtp.sent += 50;
      c.rtp.received += 50;
      clock.advance(1000);
      await settle();
    }
    expect(c.ended).toEqual([{ kind: 'watchdog' }]);
  });

  it('a closed ZRTP channel ends the call after the grace period for the peer’s BYE', () => {
    const { clock, c, watch } = setup('secure');
    watch.onPeerGone();
    clock.advance(299);
    expect(c.ended).toEqual([]);
    clock.advance(1);
    expect(c.ended).toEqual([{ kind: 'normal' }]);
  });
});
