/**
 * Reads bzrtp's own sqlite ZID cache (opened read-only with node:sqlite) so tests can
 * compare what bzrtp stored with what susurro stored.
 */
import { DatabaseSync } from 'node:sqlite';

function query<T>(cacheFile: string, read: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(cacheFile, { readOnly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

const hex = (blob: unknown): string => Buffer.from(blob as Uint8Array).toString('hex');

/** bzrtp keeps its own ZID in table ziduri, with peeruri 'self'. */
export function bzrtpZid(cacheFile: string): string {
  return query(cacheFile, (db) => {
    const row = db.prepare("SELECT zid FROM ziduri WHERE peeruri = 'self'").get();
    if (!row) throw new Error(`${cacheFile}: bzrtp stored no own ZID`);
    return hex(row.zid);
  });
}

/** Every retained secret rs1 bzrtp stored (table zrtp), hex. */
export function bzrtpRs1(cacheFile: string): string[] {
  return query(cacheFile, (db) => db.prepare('SELECT rs1 FROM zrtp WHERE rs1 IS NOT NULL').all().map((r) => hex(r.rs1)));
}
