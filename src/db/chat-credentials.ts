import type { Db } from './db.ts';
import type { AccountStatus } from './accounts-repo.ts';
import type { ScramCredentials } from './scram.ts';

/** What the chat fan-out needs of an account: its state, its name and its SCRAM credentials. */
export interface ChatAccountRow {
  extension: string;
  displayName: string;
  status: AccountStatus;
  /** null for an account created before chat existed (no password seen since) */
  scram: ScramCredentials | null;
}

interface Raw {
  extension: string;
  displayName: string;
  status: AccountStatus;
  salt: string | null;
  iterations: number | null;
  storedKey: string | null;
  serverKey: string | null;
}

const SELECT = `SELECT extension, display_name AS "displayName", status, scram_salt AS salt, scram_iterations AS iterations,
  scram_stored_key AS "storedKey", scram_server_key AS "serverKey" FROM susurro_account`;

function toRow(r: Raw): ChatAccountRow {
  const scram = r.salt && r.iterations && r.storedKey && r.serverKey
    ? { salt: r.salt, iterationCount: Number(r.iterations), storedKey: r.storedKey, serverKey: r.serverKey }
    : null;
  return { extension: r.extension, displayName: r.displayName, status: r.status, scram };
}

export async function chatAccount(db: Db, extension: string): Promise<ChatAccountRow | undefined> {
  const r = await db.get<Raw>(`${SELECT} WHERE extension = ?`, [extension]);
  return r && toRow(r);
}

export async function chatAccounts(db: Db): Promise<ChatAccountRow[]> {
  return (await db.all<Raw>(`${SELECT} ORDER BY extension`)).map(toRow);
}
