/**
 * Calls this person did not take, kept on this device only (localStorage, one list per
 * account; nothing of it is sent anywhere): a call that rang out or was cancelled before
 * it was answered ("missed"), and one that arrived while the phone was on another call
 * ("busy"). A call answered on another device of the account is neither (the caller's
 * CANCEL says so, RFC 3326) and is not recorded. Shown on the home screen until dismissed.
 */
export interface MissedCall {
  /** Unique within the account's list (time + counter). */
  id: string;
  kind: 'missed' | 'busy';
  extension: string;
  displayName: string;
  /** ms since the epoch. */
  at: number;
}

/** The part of the Web Storage API the log uses (localStorage in the app, a Map in tests). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The newest this many notices are kept, so the list cannot grow without bound. */
export const MAX_MISSED_CALLS = 20;

const PREFIX = 'susurro.missed.';

export class MissedCallLog {
  private counter = 0;

  constructor(private readonly storage: KeyValueStorage) {}

  list(account: string): MissedCall[] {
    let parsed: unknown;
    try {
      parsed = JSON.parse(this.storage.getItem(PREFIX + account) ?? '[]');
    } catch {
      return []; // a damaged entry is dropped, not shown half
    }
    return Array.isArray(parsed) ? parsed.filter(isMissedCall) : [];
  }

  add(account: string, entry: Omit<MissedCall, 'id'>): MissedCall[] {
    const call: MissedCall = { ...entry, id: `${entry.at}-${++this.counter}` };
    const next = [call, ...this.list(account)].slice(0, MAX_MISSED_CALLS);
    this.write(account, next);
    return next;
  }

  dismiss(account: string, id: string): MissedCall[] {
    const next = this.list(account).filter((c) => c.id !== id);
    this.write(account, next);
    return next;
  }

  private write(account: string, calls: MissedCall[]): void {
    try {
      if (calls.length === 0) this.storage.removeItem(PREFIX + account);
      else this.storage.setItem(PREFIX + account, JSON.stringify(calls));
    } catch {
      /* storage full or disabled: the notice still shows for this page's life */
    }
  }
}

function isMissedCall(v: unknown): v is MissedCall {
  const c = v as MissedCall;
  return !!c && typeof c.id === 'string' && (c.kind === 'missed' || c.kind === 'busy') && typeof c.extension === 'string' && typeof c.displayName === 'string' && typeof c.at === 'number';
}
