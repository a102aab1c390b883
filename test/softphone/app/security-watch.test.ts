import { describe, it, expect, vi } from 'vitest';
import { SecurityWatch, securityFailureMessage, SECURING_TIMEOUT_MS, type WatchedCall } from '../../../softphone-web/src/app/security-watch.ts';
import type { CallView } from '../../../softphone-web/src/app/state.ts';
import type { SecureCallInfo } from '../../../softphone-web/src/security/call-security.ts';
import type { CallEndReason } from '../../../softphone-web/src/sip/call-end-reason.ts';
import type { SasVerdict } from '../../../softphone-web/src/security/sas-confirmation.ts';
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
  return {
    media,
    sendSasVerdict: vi.fn((_verdict: SasVerdict) => undefined),
    setSasVerified: vi.fn(async (_verified: boolean) => undefined),
    mediaStats: () => ({ ...media }),
  };
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

describe('SecurityWatch: SAS, mutual confirmation', () => {
  it('our "matches" alone is not verified: it is sent to the peer, the screen waits, V is not stored', async () => {
    const { c, security, watch } = setup('securing');
    watch.onSecure(info());
    expect(c.view.security).toMatchObject({ sas: 'qi4k', verification: 'unverified', auxMismatch: false, localConfirmed: false, peerConfirmed: false });
    await watch.confirmSas(true);
    expect(security.sendSasVerdict.mock.calls).toEqual([['match']]);
    expect(c.view.security).toMatchObject({ verification: 'unverified', localConfirmed: true, peerConfirmed: false });
    expect(security.setSasVerified).not.toHaveBeenCalled();
    // A second press sends nothing more.
    await watch.confirmSas(true);
    expect(security.sendSasVerdict).toHaveBeenCalledTimes(1);
    // The peer's authenticated "matches" completes it: now verified, and V stored once.
    await watch.onPeerVerdict('match');
    expect(c.view.security).toMatchObject({ verification: 'verified', localConfirmed: true, peerConfirmed: true });
    expect(security.setSasVerified.mock.calls).toEqual([[true]]);
    expect(c.ended).toEqual([]);
  });

  it('the peer confirming first shows it, but only our own confirmation verifies', async () => {
    const { c, security, watch } = setup('securing');
    watch.onSecure(info());
    await watch.onPeerVerdict('match');
    expect(c.view.security).toMatchObject({ verification: 'unverified', localConfirmed: false, peerConfirmed: true });
    await watch.onPeerVerdict('match'); // a repeat changes nothing
    expect(security.setSasVerified).not.toHaveBeenCalled();
    watch.pickSasMode(true);
    await watch.pickSas('qi4k');
    expect(c.view.security?.verification).toBe('verified');
    expect(security.setSasVerified.mock.calls).toEqual([[true]]);
  });

  it('the peer\'s "does not match" clears V and ends the call as the peer\'s mismatch, also on a verified-before call', async () => {
    for (const previouslyVerified of [false, true]) {
      const { c, security, watch } = setup('securing');
      watch.onSecure(info({ previouslyVerified }));
      await watch.onPeerVerdict('mismatch');
      expect(security.setSasVerified.mock.calls).toEqual([[false]]);
      expect(c.ended).toEqual([{ kind: 'peer-sas-mismatch' }]);
    }
  });

  it('"Does not match" tells the peer, clears the V flag and ends the call as a SAS mismatch', async () => {
    const { c, security, watch } = setup('securing');
    watch.onSecure(info());
    await watch.confirmSas(false);
    expect(security.sendSasVerdict.mock.calls).toEqual([['mismatch']]);
    expect(security.setSasVerified.mock.calls).toEqual([[false]]);
    expect(c.ended).toEqual([{ kind: 'sas-mismatch' }]);
  });

  it('"Something is wrong" on a verified-before call does the same', async () => {
    const { c, security, watch } = setup('securing');
    watch.onSecure(info({ previouslyVerified: true }));
    expect(c.view.security?.verification).toBe('verified-before');
    await watch.somethingWrong();
    expect(security.sendSasVerdict.mock.calls).toEqual([['mismatch']]);
    expect(security.setSasVerified.mock.calls).toEqual([[false]]);
    expect(c.ended).toEqual([{ kind: 'sas-mismatch' }]);
  });

  it('a cache mismatch is never "verified before", and mutual confirmation clears the warning', async () => {
    const { c, watch } = setup('securing');
    watch.onSecure(info({ previouslyVerified: true, cacheMismatch: true }));
    expect(c.view.security).toMatchObject({ verification: 'unverified', cacheMismatch: true });
    await watch.confirmSas(true);
    expect(c.view.security?.cacheMismatch).toBe(true);
    await watch.onPeerVerdict('match');
    expect(c.view.security).toMatchObject({ verification: 'verified', cacheMismatch: false });
  });

  it('a DTLS-fingerprint mismatch (aux secret) mutes the microphone and can never be confirmed, by us or by the peer', async () => {
    const { c, security, watch } = setup('securing');
    watch.onSecure(info({ auxSecretMatched: false, previouslyVerified: true }));
    expect(c.microphone).toEqual([false]);
    expect(c.view.security).toMatchObject({ verification: 'unverified', auxMismatch: true });
    await watch.confirmSas(true);
    await watch.onPeerVerdict('match');
    watch.pickSasMode(true);
    watch.yesNoMode(true);
    expect(security.sendSasVerdict).not.toHaveBeenCalled();
    expect(security.setSasVerified).not.toHaveBeenCalled();
    expect(c.view.security).toMatchObject({ verification: 'unverified', choices: null, yesNo: false, peerConfirmed: false });
  });

  it('the pick-among-three check offers the true code once; a wrong pick is a mismatch', async () => {
    const { c, security, watch } = setup('securing');
    watch.onSecure(info());
    watch.pickSasMode(true);
    const choices = c.view.security!.choices!;
    expect(choices).toHaveLength(3);
    expect(choices.filter((x) => x === 'qi4k')).toHaveLength(1);
    await watch.pickSas(choices.find((x) => x !== 'qi4k')!);
    expect(security.sendSasVerdict.mock.calls).toEqual([['mismatch']]);
    expect(c.ended).toEqual([{ kind: 'sas-mismatch' }]);
  });

  it('the yes/no fallback opens on request and closes the pick check (one at a time)', () => {
    const { c, watch } = setup('securing');
    watch.onSecure(info());
    watch.pickSasMode(true);
    watch.yesNoMode(true);
    expect(c.view.security).toMatchObject({ yesNo: true, choices: null });
    watch.pickSasMode(true);
    expect(c.view.security?.yesNo).toBe(false);
    expect(c.view.security?.choices).toHaveLength(3);
  });

  it('verdicts before the SAS is shown, or after the call ended, do nothing', async () => {
    const { c, security, watch } = setup('securing');
    await watch.onPeerVerdict('mismatch');
    await watch.confirmSas(true);
    expect(c.ended).toEqual([]);
    watch.onSecure(info());
    c.call.end({ kind: 'normal' });
    await watch.onPeerVerdict('match');
    await watch.confirmSas(true);
    expect(security.sendSasVerdict).not.toHaveBeenCalled();
    expect(security.setSasVerified).not.toHaveBeenCalled();
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
