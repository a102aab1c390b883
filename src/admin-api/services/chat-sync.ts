import { chatAccount, chatAccounts, type ChatAccountRow, type Db } from '../../db/index.ts';
import type { ChatControlLike } from '../types.ts';
import type { LiveOutcome } from './revocation.ts';

/**
 * The chat half of every account change (issue 17): the admin service is the only writer of
 * accounts and fans each change out to Prosody through src/chat's engine control. The policy
 * lives here, the mechanism there:
 *
 *   active (with SCRAM credentials) → Prosody holds exactly those credentials
 *   disabled, or no credentials yet → Prosody holds none, and no stream of the account is open
 *   deleted                         → Prosody holds nothing of the account (purged)
 *   every active account            → in the directory roster, under its display name
 *
 * apply() brings one account to that state after the database committed; a failure is reported
 * in the API answer ("failed: …; retrying") and retried with backoff until it succeeds, so the
 * two are never out of step silently. reconcile() compares everything (on start, and after the
 * supervisor restarted Prosody) and repairs drift.
 */
/** 'off': this admin service runs without a chat server (AppDeps.chat null). */
export type ChatOutcome = LiveOutcome | 'off';

export interface ChatSyncOptions {
  retryBaseMs: number;
  retryMaxMs: number;
  /** Where a failure is told (the service log); never a secret in it. */
  warn: (msg: string) => void;
}

export interface ReconcileReport {
  repaired: string[];
  failed: string[];
}

function reason(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').slice(0, 200);
}

export class ChatSync {
  readonly #pending = new Map<string, { endSessions: boolean; attempt: number; timer: NodeJS.Timeout | null }>();
  /** One step at a time per account: a disable and an enable racing must reach Prosody in order. */
  readonly #queues = new Map<string, Promise<unknown>>();
  #closed = false;

  constructor(readonly db: Db, readonly control: ChatControlLike | null, readonly opts: ChatSyncOptions) {}

  /** Extensions whose chat state is not yet in step (retry scheduled). */
  get pending(): string[] {
    return [...this.#pending.keys()];
  }

  /**
   * Brings one account's chat state in step with the database. endSessions: its open streams
   * are closed (revoke, password reset, delete) even when it stays active.
   */
  apply(extension: string, opts: { endSessions: boolean }): Promise<ChatOutcome> {
    const prev = this.#queues.get(extension) ?? Promise.resolve();
    const next = prev.then(() => this.#apply(extension, opts));
    this.#queues.set(extension, next);
    void next.finally(() => {
      if (this.#queues.get(extension) === next) this.#queues.delete(extension);
    });
    return next;
  }

  async #apply(extension: string, opts: { endSessions: boolean }): Promise<ChatOutcome> {
    // an installation without a chat server (buildApp without `chat`): nothing to keep in step
    if (!this.control) return 'off';
    const prev = this.#pending.get(extension);
    const endSessions = opts.endSessions || (prev?.endSessions ?? false);
    if (prev?.timer) clearTimeout(prev.timer);
    try {
      await this.#syncOne(extension, endSessions);
      await this.#directory();
      this.#pending.delete(extension);
      return 'ok';
    } catch (err) {
      const attempt = (prev?.attempt ?? 0) + 1;
      const delay = Math.min(this.opts.retryBaseMs * 2 ** (attempt - 1), this.opts.retryMaxMs);
      const entry: { endSessions: boolean; attempt: number; timer: NodeJS.Timeout | null } = { endSessions, attempt, timer: null };
      this.#pending.set(extension, entry);
      if (!this.#closed) {
        entry.timer = setTimeout(() => {
          entry.timer = null;
          void this.apply(extension, { endSessions });
        }, delay);
        entry.timer.unref();
      }
      this.opts.warn(`chat: account ${extension} not in step with Prosody (attempt ${attempt}): ${reason(err)}; retrying in ${delay} ms`);
      return `failed: ${reason(err)}; retrying`;
    }
  }

  async #syncOne(extension: string, endSessions: boolean): Promise<void> {
    const c = this.control!;
    const row = await chatAccount(this.db, extension);
    if (!row) {
      await c.closeSessions(extension, 'account deleted');
      await c.purge(extension);
    } else if (row.status !== 'active' || !row.scram) {
      // credentials first: a client reconnecting between the two steps is refused
      await c.removeCredentials(extension);
      await c.closeSessions(extension, 'account revoked');
    } else {
      await c.setCredentials(extension, row.scram);
      if (endSessions) await c.closeSessions(extension, 'password changed');
    }
  }

  async #directory(rows?: ChatAccountRow[]): Promise<void> {
    const all = rows ?? (await chatAccounts(this.db));
    await this.control!.setDirectory(all.filter((r) => r.status === 'active' && r.scram).map((r) => ({ user: r.extension, name: r.displayName })));
  }

  /** Compares every account with Prosody and repairs what differs; never throws. */
  async reconcile(): Promise<ReconcileReport> {
    const report: ReconcileReport = { repaired: [], failed: [] };
    const c = this.control;
    if (!c) return { repaired: [], failed: [] };
    let rows: ChatAccountRow[];
    let users: Set<string>;
    try {
      rows = await chatAccounts(this.db);
      users = new Set(await c.users());
    } catch (err) {
      report.failed.push(`listing: ${reason(err)}`);
      return report;
    }
    const known = new Set(rows.map((r) => r.extension));
    const fix = async (ext: string, what: string, action: () => Promise<unknown>) => {
      try {
        await action();
        report.repaired.push(`${ext}: ${what}`);
      } catch (err) {
        report.failed.push(`${ext}: ${what}: ${reason(err)}`);
        // onto the retry queue like any failed fan-out step
        void this.apply(ext, { endSessions: true });
      }
    };
    for (const r of rows) {
      const wanted = r.status === 'active' && r.scram ? `${r.scram.storedKey}:${r.scram.serverKey}` : null;
      try {
        const have = users.has(r.extension) ? await c.credentialKeys(r.extension) : null;
        if (wanted !== null && have !== wanted) await fix(r.extension, have ? 'credentials replaced' : 'credentials created', () => c.setCredentials(r.extension, r.scram!));
        if (wanted === null && have !== null) {
          await fix(r.extension, 'credentials removed', async () => {
            await c.removeCredentials(r.extension);
            await c.closeSessions(r.extension, 'account revoked');
          });
        }
      } catch (err) {
        report.failed.push(`${r.extension}: ${reason(err)}`);
      }
    }
    for (const u of users) {
      if (!known.has(u)) {
        await fix(u, 'purged (no such account)', async () => {
          await c.closeSessions(u, 'account deleted');
          await c.purge(u);
        });
      }
    }
    try {
      await this.#directory(rows);
    } catch (err) {
      report.failed.push(`directory: ${reason(err)}`);
    }
    if (report.failed.length === 0) for (const [ext, p] of this.#pending) if (!p.endSessions) this.#cancel(ext);
    if (report.failed.length > 0) this.opts.warn(`chat: reconcile left ${report.failed.length} problem(s): ${report.failed.join('; ')}`);
    return report;
  }

  #cancel(extension: string): void {
    const p = this.#pending.get(extension);
    if (p?.timer) clearTimeout(p.timer);
    this.#pending.delete(extension);
  }

  close(): void {
    this.#closed = true;
    for (const ext of [...this.#pending.keys()]) this.#cancel(ext);
  }
}

/** Is the chat side in step (or absent)? A failure makes the audit outcome 'partial'. */
export function chatInStep(c: ChatOutcome): boolean {
  return !c.startsWith('failed');
}
