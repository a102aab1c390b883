/**
 * "What the servers know" (issue 19): two accounts register over TLS from their own loopback
 * addresses, then every file the stack wrote under its data dir (text files byte-searched, SQLite
 * databases dumped table by table) is searched for the two extensions and the two source
 * addresses. The set of places where something was found must equal what docs/privacy.md's
 * inventory table says, so the doc and the stack cannot drift apart.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountRow } from '../../src/db/index.ts';
import { openSipTls, startTestStack, type TestStack } from '../support/stack.ts';
import { rawRegister, type RawSipConnection } from '../support/sip-client.ts';

const people = [
  { ext: '7301', user: 'privacy-a', password: 'privacy-a-secret-1', address: '127.0.0.61' },
  { ext: '7302', user: 'privacy-b', password: 'privacy-b-secret-1', address: '127.0.0.62' },
];

let t: TestStack;
const conns: RawSipConnection[] = [];
beforeAll(async () => {
  t = await startTestStack();
  for (const p of people) {
    await createAccountRow(t.stack.db, { extension: p.ext, username: p.user, displayName: p.user, password: p.password, domain: t.config.domain });
  }
}, 60_000);
afterAll(async () => {
  for (const c of conns) c.close();
  await t?.stop();
});

/** One row of the inventory: the place key and whether it holds extensions / client addresses. */
interface InventoryRow { place: string; extensions: boolean; addresses: boolean }

/** Parses the table under "## Inventory" in docs/privacy.md (columns named in its header row). */
function parseInventory(markdown: string): InventoryRow[] {
  const section = markdown.split(/^## /m).find((s) => s.startsWith('Inventory'));
  if (!section) throw new Error('docs/privacy.md has no "## Inventory" section');
  const lines = section.split('\n').filter((l) => l.trim().startsWith('|'));
  const cells = (l: string) => l.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim());
  const head = cells(lines[0]!).map((h) => h.toLowerCase());
  const col = (name: string) => {
    const i = head.findIndex((h) => h.startsWith(name));
    if (i < 0) throw new Error(`inventory table has no "${name}" column`);
    return i;
  };
  const [place, ext, addr] = [col('test key'), col('extensions'), col('client addresses')];
  const yesNo = (v: string, where: string) => {
    if (v !== 'yes' && v !== 'no') throw new Error(`inventory cell "${v}" in ${where} must be yes or no`);
    return v === 'yes';
  };
  return lines.slice(2).map(cells).map((r) => ({ r, key: r[place]!.replace(/`/g, '') })).filter(({ key }) => key !== '—').map(({ r, key }) => {
    return { place: key, extensions: yesNo(r[ext]!, key), addresses: yesNo(r[addr]!, key) };
  });
}

function placeExists(dataDir: string, place: string): boolean {
  const [file, table] = place.split('#');
  if (!existsSync(join(dataDir, file!))) return false;
  if (table === undefined) return true;
  const db = new DatabaseSync(join(dataDir, file!), { readOnly: true });
  try {
    return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;
  } finally {
    db.close();
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const st = statSync(path);
    return st.isDirectory() ? filesUnder(path) : st.isFile() ? [path] : [];
  });
}

/** Every place (file, or `<db file>#<table>` for SQLite) with what it holds about the two people. */
function searchDataDir(dataDir: string): Map<string, { extensions: boolean; addresses: boolean }> {
  const found = new Map<string, { extensions: boolean; addresses: boolean }>();
  const look = (place: string, text: string) => {
    const extensions = people.some((p) => new RegExp(`\\b${p.ext}\\b`).test(text));
    const addresses = people.some((p) => text.includes(p.address));
    if (extensions || addresses) found.set(place, { extensions, addresses });
  };
  for (const file of filesUnder(dataDir)) {
    const rel = relative(dataDir, file);
    // The WAL/journal pages belong to their database, which is read through SQLite below.
    if (/-(wal|shm|journal)$/.test(rel)) continue;
    const bytes = readFileSync(file);
    if (bytes.subarray(0, 16).toString('latin1') === 'SQLite format 3\0') {
      const db = new DatabaseSync(file, { readOnly: true });
      try {
        const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
        for (const { name } of tables) {
          const rows = db.prepare(`SELECT * FROM "${name.replace(/"/g, '""')}"`).all();
          look(`${rel}#${name}`, JSON.stringify(rows));
        }
      } finally {
        db.close();
      }
    } else {
      look(rel, bytes.toString('latin1'));
    }
  }
  return found;
}

describe('what the servers know (docs/privacy.md)', () => {
  it('every place the stack wrote something about two registered phones is in the inventory, and nothing more', async () => {
    for (const p of people) {
      const conn = await openSipTls(t, conns, p.address);
      expect((await rawRegister(conn, { ext: p.ext, domain: t.config.domain, password: p.password })).status).toBe(200);
    }
    // A failed login too: Kamailio logs it (the ban logic needs its source address).
    const wrong = await openSipTls(t, conns, people[0]!.address);
    expect((await rawRegister(wrong, { ext: people[0]!.ext, domain: t.config.domain, password: 'wrong-password-1' })).status).toBe(403);
    await new Promise((r) => setTimeout(r, 1500)); // log writes and usrloc timer flushes

    const found = searchDataDir(t.dir);
    const inventory = parseInventory(readFileSync(join(import.meta.dirname, '../../docs/privacy.md'), 'utf8'));
    const documented = new Map(inventory.filter((r) => r.extensions || r.addresses).map((r) => [r.place, { extensions: r.extensions, addresses: r.addresses }]));
    expect(Object.fromEntries([...found].sort())).toEqual(Object.fromEntries([...documented].sort()));
    // Every place the inventory names exists (a wrong path would make a "no" row vacuous).
    const missing = inventory.filter((r) => !placeExists(t.dir, r.place)).map((r) => r.place);
    expect(missing).toEqual([]);
  }, 60_000);
});
