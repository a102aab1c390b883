import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openDatabase, type Db } from '../../../src/db/index.ts';
import {
  createAdminSession,
  ensureFirstAdmin,
  resolveAdminSession,
  verifyAdminPassword,
} from '../../../src/admin-api/services/admins-repo.ts';
import { tokenHash } from '../../../src/admin-api/services/tokens.ts';

const dir = mkdtempSync(join(tmpdir(), 'susurro-admins-'));
let db: Db;
beforeAll(async () => {
  db = await openDatabase(`sqlite:${join(dir, 'a.db')}`);
  await migrate(db);
});
afterAll(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('first administrator and sessions', () => {
  it('ensureFirstAdmin creates exactly one admin even when raced, then returns null', async () => {
    const results = await Promise.all([ensureFirstAdmin(db), ensureFirstAdmin(db), ensureFirstAdmin(db)]);
    const created = results.filter((r) => r !== null);
    expect(created).toHaveLength(1);
    expect(created[0]!.username).toBe('admin');
    expect(await ensureFirstAdmin(db)).toBeNull();
    const row = await db.get<{ password_hash: string }>("SELECT password_hash FROM susurro_admin WHERE username = 'admin'");
    // PHC string of argon2id, version 19, OWASP minimum parameters; never the password itself.
    expect(row!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(row!.password_hash).not.toContain(created[0]!.password);
    expect(await verifyAdminPassword(db, 'admin', created[0]!.password)).toMatchObject({ username: 'admin', status: 'active' });
    expect(await verifyAdminPassword(db, 'admin', `${created[0]!.password}x`)).toBeUndefined();
  });

  it('sessions are stored as SHA-256 of the token and expire exactly at expiresAt', async () => {
    const admin = (await db.get<{ id: number }>("SELECT id FROM susurro_admin WHERE username = 'admin'"))!;
    const now = new Date('2026-11-22T00:00:00Z');
    const s = await createAdminSession(db, Number(admin.id), 60, '127.0.0.1', now);
    expect(s.expiresAt).toBe('2026-11-22T00:01:00.000Z');
    const stored = await db.all<{ token_hash: string }>('SELECT token_hash FROM susurro_admin_session');
    expect(stored.map((r) => r.token_hash)).toContain(tokenHash(s.token));
    expect(JSON.stringify(stored)).not.toContain(s.token);
    expect((await resolveAdminSession(db, s.token, new Date('2026-11-22T00:00:59.999Z'))).kind).toBe('ok');
    expect((await resolveAdminSession(db, s.token, new Date('2026-11-22T00:01:00.000Z'))).kind).toBe('invalid');
  });
});
