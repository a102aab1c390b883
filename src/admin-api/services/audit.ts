import type { Db } from '../../db/index.ts';

/**
 * Append-only audit log (the table refuses UPDATE/DELETE by trigger). Who, what,
 * when, from where, and a small JSON detail. Callers pass only non-secret fields:
 * detail is built from explicit whitelisted values, never from a request body.
 */
export interface AuditEntry {
  actor: string;
  action: string;
  target?: string | null;
  sourceIp?: string | null;
  outcome: 'ok' | 'partial' | 'denied' | 'failed';
  detail?: Record<string, string | number | boolean | null>;
}

export interface AuditRow {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  sourceIp: string | null;
  outcome: string;
  detail: Record<string, unknown> | null;
}

export async function appendAudit(db: Db, e: AuditEntry, now: Date): Promise<void> {
  await db.run(
    'INSERT INTO susurro_audit (at, actor, action, target, source_ip, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
    [now.toISOString(), e.actor, e.action, e.target ?? null, e.sourceIp ?? null, e.outcome, e.detail ? JSON.stringify(e.detail) : null],
  );
}

export async function listAudit(
  db: Db,
  q: { limit: number; offset: number; actor?: string; target?: string; action?: string },
): Promise<{ total: number; items: AuditRow[] }> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.actor) (where.push('actor = ?'), params.push(q.actor));
  if (q.target) (where.push('target = ?'), params.push(q.target));
  if (q.action) (where.push('action = ?'), params.push(q.action));
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = await db.get<{ n: number }>(`SELECT CAST(COUNT(*) AS INTEGER) AS n FROM susurro_audit ${clause}`, params);
  const rows = await db.all<Omit<AuditRow, 'detail'> & { detail: string | null }>(
    `SELECT id, at, actor, action, target, source_ip AS "sourceIp", outcome, detail FROM susurro_audit ${clause} ORDER BY id DESC LIMIT ? OFFSET ?`,
    [...params, q.limit, q.offset],
  );
  return {
    total: Number(total?.n ?? 0),
    items: rows.map((r) => ({ ...r, id: Number(r.id), detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null })),
  };
}
