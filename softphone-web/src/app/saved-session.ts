import type { PhoneSession } from '../api/phone-api.ts';
import type { KeyValueStorage } from './missed-calls.ts';

/**
 * The sign-in kept across a page reload: the session the admin API issued (token, TURN, SIP
 * details) and the SIP password, in sessionStorage (this tab only; gone when the tab closes),
 * until the token's own expiresAt — the same lifetime the login has without a reload.
 *
 * Sealed with AES-GCM under the device's non-extractable wrapping key (IndexedDB,
 * security/device-identity.ts), so the password and token are never in storage in clear: a
 * copy of the tab's sessionStorage opens nowhere else. Script running in this origin can
 * still use the key (as it could read the password from memory); this guards storage, not
 * the page.
 */
export interface SavedSession {
  session: PhoneSession;
  password: string;
}

export interface SavedSessionStore {
  save(saved: SavedSession): Promise<void>;
  /** The saved sign-in, or null (none, expired, or it does not open). */
  load(): Promise<SavedSession | null>;
  clear(): void;
}

const KEY = 'susurro.session';
/** Additional data: binds the record to its purpose and format (a sealed cache record does not open here). */
const AAD = new TextEncoder().encode('susurro saved session v1');

export interface SealedSessionDeps {
  storage: KeyValueStorage;
  /** The device's AES-GCM wrapping key (non-extractable). */
  key: () => Promise<CryptoKey>;
  now: () => number;
  random: (n: number) => Uint8Array;
}

export class SealedSessionStorage implements SavedSessionStore {
  constructor(private readonly deps: SealedSessionDeps) {}

  async save(saved: SavedSession): Promise<void> {
    const iv = this.deps.random(12);
    const plain = new TextEncoder().encode(JSON.stringify(saved));
    const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: iv as BufferSource, additionalData: AAD }, await this.deps.key(), plain));
    const record = { v: 1, expiresAt: saved.session.expiresAt, iv: toBase64(iv), sealed: toBase64(sealed) };
    try {
      this.deps.storage.setItem(KEY, JSON.stringify(record));
    } catch {
      /* storage disabled: a reload then asks for the password again */
    }
  }

  async load(): Promise<SavedSession | null> {
    const raw = this.deps.storage.getItem(KEY);
    if (!raw) return null;
    try {
      const record = JSON.parse(raw) as { v: number; expiresAt: string; iv: string; sealed: string };
      if (record.v !== 1 || !(Date.parse(record.expiresAt) > this.deps.now())) throw new Error('expired');
      const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: fromBase64(record.iv) as BufferSource, additionalData: AAD }, await this.deps.key(), fromBase64(record.sealed) as BufferSource);
      const saved = JSON.parse(new TextDecoder().decode(plain)) as SavedSession;
      // The sealed expiry is the one that counts (the clear copy only spares a decryption).
      if (!(Date.parse(saved.session.expiresAt) > this.deps.now()) || typeof saved.password !== 'string') throw new Error('expired');
      return saved;
    } catch {
      this.clear();
      return null;
    }
  }

  clear(): void {
    try {
      this.deps.storage.removeItem(KEY);
    } catch {
      /* nothing stored */
    }
  }
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
