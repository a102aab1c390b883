import type { MessageKey } from '../i18n/index.ts';
import type { CallEndReason } from '../sip/call-end-reason.ts';
import type { SecureCallInfo, SecurityFailure } from '../security/call-security.ts';
import type { MediaCryptoStats } from '../security/media-protection.ts';
import { MediaWatchdog } from '../security/media-watchdog.ts';
import { sasChoices } from '../security/sas-choices.ts';
import type { SasVerdict } from '../security/sas-confirmation.ts';
import type { CallView } from './state.ts';
import type { Cancel, Scheduler } from './scheduler.ts';

/**
 * The security side of one call: ZRTP progress and failure (with the reason in words), the
 * SAS panel (the pick-among-three check, the yes/no fallback, "does not match", "something is
 * wrong"), mutual confirmation, the securing deadline and the SFrame watchdog.
 *
 * Mutual confirmation (issue #15): our verdict goes to the peer over the ZRTP data channel,
 * authenticated (sas-confirmation.ts); the peer's arrives the same way, never from signalling.
 * "Verified" — on screen and as the cache's V flag (RFC 6189 §7.1) — needs both "matches".
 * A "does not match" from either side clears V and ends the call on both. It changes the call only through WatchedCall, so it can be tested
 * with a fake call and a fake clock.
 */

/** The call as the security watch sees it (implemented by call-flow.ts). */
export interface WatchedCall {
  readonly view: CallView;
  /** Change the call's view (ignored once the call has ended). */
  update(fn: (c: CallView) => CallView): void;
  /** End the call with a reason (BYE with X-Susurro-End-Reason where it has one). */
  end(reason: CallEndReason): void;
  /** Switch the microphone's sending tracks on or off. */
  setMicrophone(on: boolean): void;
  /** Audio RTP packet counters of the peer connection (getStats), null without one. */
  rtpCounters(): Promise<{ sent: number; received: number } | null>;
}

/** What the watch needs of the call's CallSecurity. */
export interface WatchedSecurity {
  /** Tell the peer our verdict, authenticated by the ZRTP session (sas-confirmation.ts). */
  sendSasVerdict(verdict: SasVerdict): void;
  /** Persist the cache's SAS verified flag V (RFC 6189 §7.1), or clear it. */
  setSasVerified(verified: boolean): Promise<void>;
  mediaStats(): MediaCryptoStats;
}

export interface SecurityWatchOptions {
  scheduler: Scheduler;
  /** crypto.getRandomValues in the app: picks the decoys of the pick-among-three check. */
  random: (n: number) => Uint8Array;
  /** ms ZRTP may take once media is up before the call is declared not secure (default 8000). */
  securingTimeoutMs?: number;
  /** Watchdog sampling interval (default 1000 ms; MediaWatchdog trips after 3 bad ones). */
  watchdogIntervalMs?: number;
  /** How long a closed ZRTP channel waits for the peer's BYE (which may carry a reason), default 300 ms. */
  peerGoneGraceMs?: number;
}

export const SECURING_TIMEOUT_MS = 8000;

/** Plain words for why ZRTP did not make the call secure (shown under "Not secure"). */
export function securityFailureMessage(failure: SecurityFailure): MessageKey {
  switch (failure.kind) {
    case 'missing-zrtp-hash':
      return 'call.notSecure.noHash';
    case 'channel-closed':
      return 'call.notSecure.channelClosed';
    case 'zrtp':
      switch (failure.code) {
        // The peer's Hello, MACs, hash chain or DH commitment do not check out (RFC 6189 §4.4.1.1, §9, §10).
        case 'SUSURRO_ZRTP_ZRTP_HASH_MISMATCH':
        case 'SUSURRO_ZRTP_BAD_MAC':
        case 'SUSURRO_ZRTP_HASH_CHAIN':
        case 'SUSURRO_ZRTP_HVI_MISMATCH':
        case 'SUSURRO_ZRTP_BAD_DH_VALUE':
          return 'call.notSecure.tampered';
        case 'SUSURRO_ZRTP_NO_COMMON_ALGORITHM':
        case 'SUSURRO_ZRTP_UNSUPPORTED_VERSION':
        case 'SUSURRO_ZRTP_UNSUPPORTED_ALGORITHM':
          return 'call.notSecure.incompatible';
        case 'SUSURRO_ZRTP_TIMEOUT':
          return 'call.notSecure.noAnswer';
        case 'SUSURRO_SOFTPHONE_KEYS':
          return 'call.notSecure.keys';
        default:
          return 'call.notSecure.failed';
      }
  }
}

export class SecurityWatch {
  private security: WatchedSecurity | null = null;
  private readonly cancels: Cancel[] = [];
  private stopped = false;

  constructor(
    private readonly call: WatchedCall,
    private readonly opts: SecurityWatchOptions,
  ) {}

  /** The call's CallSecurity exists (its session description handler was created). */
  attach(security: WatchedSecurity): void {
    this.security = security;
  }

  /** The call is answered: ZRTP now has securingTimeoutMs to make it secure (fail closed). */
  mediaStarted(): void {
    this.schedule(this.opts.scheduler.after(this.opts.securingTimeoutMs ?? SECURING_TIMEOUT_MS, () => {
      const phase = this.call.view.phase;
      if (phase === 'connecting' || phase === 'securing') this.setPhase('not-secure');
    }));
  }

  onSecuring(): void {
    this.setPhase('securing');
  }

  onFailure(failure: SecurityFailure): void {
    const reason = securityFailureMessage(failure);
    this.call.update((c) => (c.phase === 'ended' ? c : { ...c, phase: 'not-secure', securityFailure: reason }));
  }

  onSecure(info: SecureCallInfo): void {
    const auxMismatch = info.auxSecretMatched === false;
    // Someone terminates DTLS on our path: say nothing more into this call.
    if (auxMismatch) this.call.setMicrophone(false);
    this.call.update((c) => ({
      ...c,
      phase: 'secure',
      security: {
        sas: info.sas,
        sasType: info.sasType,
        verification: info.previouslyVerified && !info.cacheMismatch && !auxMismatch ? 'verified-before' : 'unverified',
        cacheMismatch: info.cacheMismatch,
        auxMismatch,
        choices: null,
        localConfirmed: false,
        peerConfirmed: false,
        yesNo: false,
      },
    }));
    this.startWatchdog();
  }

  /** The ZRTP channel closed after keys were agreed: the peer's connection is gone. */
  onPeerGone(): void {
    // Give the peer's BYE (which may carry a reason) a moment to arrive first.
    this.schedule(this.opts.scheduler.after(this.opts.peerGoneGraceMs ?? 300, () => this.call.end({ kind: 'normal' })));
  }

  /** Our "matches" (true) or "does not match" (false), from the pick check or the yes/no fallback. */
  async confirmSas(matches: boolean): Promise<void> {
    const sec = this.call.view.security;
    if (!this.security || !sec || this.call.view.phase !== 'secure') return;
    if (!matches) return this.reportMismatch();
    // A fingerprint-swapped call is never verifiable; a settled one needs nothing more.
    if (sec.auxMismatch || sec.verification !== 'unverified' || sec.localConfirmed) return;
    this.security.sendSasVerdict('match');
    this.call.update((c) => ({ ...c, security: c.security && { ...c.security, localConfirmed: true, choices: null, yesNo: false } }));
    await this.settleIfMutual();
  }

  /** "Something is wrong" on a verified (or verified-before) call: same as "does not match". */
  async somethingWrong(): Promise<void> {
    await this.reportMismatch();
  }

  /** The peer's authenticated verdict arrived over the ZRTP channel. */
  async onPeerVerdict(verdict: SasVerdict): Promise<void> {
    const sec = this.call.view.security;
    if (!this.security || !sec || this.call.view.phase !== 'secure') return;
    if (verdict === 'mismatch') {
      await this.security.setSasVerified(false).catch(() => undefined);
      this.call.end({ kind: 'peer-sas-mismatch' });
      return;
    }
    if (sec.auxMismatch || sec.peerConfirmed) return;
    this.call.update((c) => ({ ...c, security: c.security && { ...c.security, peerConfirmed: true } }));
    await this.settleIfMutual();
  }

  /** Switch the SAS panel to the pick-among-three check (or back to our own code). */
  pickSasMode(on: boolean): void {
    const sec = this.call.view.security;
    if (!sec || sec.verification !== 'unverified' || sec.auxMismatch || sec.localConfirmed) return;
    const choices = on ? sasChoices(sec.sas, sec.sasType, this.opts.random) : null;
    this.call.update((c) => ({ ...c, security: c.security && { ...c.security, choices, yesNo: false } }));
  }

  /** Show (or hide) the plain yes/no fallback (accessibility), secondary to the pick check. */
  yesNoMode(on: boolean): void {
    const sec = this.call.view.security;
    if (!sec || sec.verification !== 'unverified' || sec.auxMismatch || sec.localConfirmed) return;
    this.call.update((c) => ({ ...c, security: c.security && { ...c.security, yesNo: on, choices: null } }));
  }

  /** The listener's pick: only the true SAS counts as a match. */
  async pickSas(choice: string): Promise<void> {
    const sec = this.call.view.security;
    if (!sec?.choices) return;
    await this.confirmSas(choice === sec.sas);
  }

  /** Both said "matches": now, and only now, the call is verified and V is stored (§7.1). */
  private async settleIfMutual(): Promise<void> {
    const sec = this.call.view.security;
    if (!this.security || !sec || !sec.localConfirmed || !sec.peerConfirmed || sec.verification !== 'unverified') return;
    this.call.update((c) => ({ ...c, security: c.security && { ...c.security, verification: 'verified', cacheMismatch: false } }));
    await this.security.setSasVerified(true).catch(() => undefined);
  }

  /**
   * Clear V, then tell the peer and end the call (the BYE carries the reason too). V first:
   * once the peer knows, its BYE may end our call before a later write could run.
   */
  private async reportMismatch(): Promise<void> {
    const security = this.security;
    if (!security || !this.call.view.security || this.call.view.phase !== 'secure') return;
    await security.setSasVerified(false).catch(() => undefined);
    if (this.call.view.phase !== 'secure') return; // ended meanwhile (V is cleared all the same)
    security.sendSasVerdict('mismatch');
    this.call.end({ kind: 'sas-mismatch' });
  }

  /** The call ended: no timer of this call fires any more. */
  stop(): void {
    this.stopped = true;
    for (const cancel of this.cancels.splice(0)) cancel();
  }

  private setPhase(phase: CallView['phase']): void {
    this.call.update((c) => (c.phase === 'ended' ? c : { ...c, phase }));
  }

  private schedule(cancel: Cancel): void {
    if (this.stopped) cancel();
    else this.cancels.push(cancel);
  }

  /**
   * RTP flowing while the SFrame counters stand still means frames bypass the transform:
   * end the call (MediaWatchdog decides; fail closed, DESIGN.md promise 5).
   */
  private startWatchdog(): void {
    const watchdog = new MediaWatchdog();
    let busy = false;
    this.schedule(this.opts.scheduler.every(this.opts.watchdogIntervalMs ?? 1000, () => {
      if (busy || this.stopped || !this.security) return;
      busy = true;
      void this.sample(watchdog).finally(() => (busy = false));
    }));
  }

  private async sample(watchdog: MediaWatchdog): Promise<void> {
    const rtp = await this.call.rtpCounters();
    if (!rtp || !this.security || this.stopped) return;
    const crypto = this.security.mediaStats();
    const verdict = watchdog.observe({
      rtpPacketsSent: rtp.sent,
      rtpPacketsReceived: rtp.received,
      framesEncrypted: crypto.framesEncrypted,
      framesDecrypted: crypto.framesDecrypted,
    });
    if (verdict !== 'ok' && !this.stopped) this.call.end({ kind: 'watchdog' });
  }
}
