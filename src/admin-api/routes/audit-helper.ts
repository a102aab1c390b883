import type { FastifyInstance, FastifyRequest } from 'fastify';
import { appendAudit, type AuditEntry } from '../services/audit.ts';

/** Appends an audit entry for the current request (actor = the logged-in admin). */
export function audit(app: FastifyInstance, request: FastifyRequest, e: Omit<AuditEntry, 'actor' | 'sourceIp'> & { actor?: string }) {
  return appendAudit(
    app.susurro.db,
    { ...e, actor: e.actor ?? request.admin?.username ?? 'anonymous', sourceIp: request.ip },
    app.susurro.options.now(),
  );
}
