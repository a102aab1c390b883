import type { Language, MessageKey } from '../i18n/index.ts';
import type { Colleague } from '../api/phone-api.ts';
import type { ConnectionState } from '../sip/phone-agent.ts';
import type { MissedCall } from './missed-calls.ts';

/**
 * The whole UI state, one plain object. Screens render from it; only the controller
 * changes it (through Store.update), so every transition is in one place.
 */
export type CallPhase =
  | 'dialing' // INVITE sent, no answer yet
  | 'ringing' // 180 received
  | 'incoming' // we are being called
  | 'connecting' // answered, media and ZRTP not yet running
  | 'securing' // ZRTP running on the data channel
  | 'secure' // keys agreed, SAS shown
  | 'not-secure' // ZRTP failed or never started: no audio leaves (fail closed)
  | 'ended';

/** How far the people on the call trust the keys: 'verified' only once both confirmed. */
export type Verification = 'unverified' | 'verified' | 'verified-before';

export interface CallSecurityView {
  sas: string;
  sasType: 'B32' | 'B256';
  verification: Verification;
  /** Peer known but the retained secret did not continue (RFC 6189 §4.3.2). */
  cacheMismatch: boolean;
  /** DTLS fingerprints differ between the ends: a signalling MitM. Never verifiable. */
  auxMismatch: boolean;
  /** Non-null while the listener picks the heard code among three (own code hidden). */
  choices: string[] | null;
  /** We said "matches" (sent to the peer, authenticated). */
  localConfirmed: boolean;
  /** The peer's authenticated "matches" arrived over the ZRTP channel. */
  peerConfirmed: boolean;
  /** The plain yes/no fallback is open (accessibility); the pick check is the default. */
  yesNo: boolean;
}

export interface CallView {
  id: number;
  direction: 'outgoing' | 'incoming';
  peer: Colleague;
  phase: CallPhase;
  answeredAt: number | null;
  muted: boolean;
  security: CallSecurityView | null;
  /** Why ZRTP did not secure the call, in words (phase 'not-secure'); null: not failed, or timed out. */
  securityFailure: MessageKey | null;
  /** detail: a second sentence saying why (e.g. why the securing failed), or null. */
  ended: { message: MessageKey; params: Record<string, string>; detail?: MessageKey | null } | null;
}

export interface AppState {
  lang: Language;
  screen: 'login' | 'home' | 'call';
  login: { busy: boolean; error: MessageKey | null; errorParams: Record<string, string>; notice: MessageKey | null };
  account: { extension: string; username: string; displayName: string } | null;
  connection: ConnectionState;
  directory: Colleague[];
  call: CallView | null;
  /** Why the dial box refused what was typed (never sent), or null. */
  dialError: MessageKey | null;
  /** Calls this account did not take, newest first (this device only, missed-calls.ts). */
  missedCalls: MissedCall[];
}

export function initialState(lang: Language): AppState {
  return {
    lang,
    screen: 'login',
    login: { busy: false, error: null, errorParams: {}, notice: null },
    account: null,
    connection: 'offline',
    directory: [],
    call: null,
    dialError: null,
    missedCalls: [],
  };
}

export class Store {
  private listeners = new Set<(s: AppState, prev: AppState) => void>();
  constructor(private current: AppState) {}

  get state(): AppState {
    return this.current;
  }

  update(fn: (s: AppState) => AppState): void {
    const prev = this.current;
    this.current = fn(prev);
    if (this.current !== prev) for (const l of this.listeners) l(this.current, prev);
  }

  subscribe(listener: (s: AppState, prev: AppState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
