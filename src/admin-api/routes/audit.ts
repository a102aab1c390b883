import type { FastifyInstance } from 'fastify';
import { BEARER } from '../plugins/auth.ts';
import { listAudit } from '../services/audit.ts';
import { errorResponses, pagedQuerystring, pagedResponse } from './schemas.ts';

/** One audit log entry as the API shows it. */
const auditEntrySchema = {
  type: 'object',
  required: ['id', 'at', 'actor', 'action', 'outcome'],
  properties: {
    id: { type: 'integer' },
    at: { type: 'string' },
    actor: { type: 'string' },
    action: { type: 'string' },
    target: { type: ['string', 'null'] },
    sourceIp: { type: ['string', 'null'] },
    outcome: { type: 'string' },
    detail: { type: ['object', 'null'], additionalProperties: { type: ['string', 'number', 'boolean', 'null'] } },
  },
} as const;

/** /api/v1/audit — read-only view of the append-only audit log, newest first. */
export async function auditRoutes(app: FastifyInstance) {
  app.addHook('onRequest', app.requireAdmin);
  app.get<{ Querystring: { limit: number; offset: number; actor?: string; target?: string; action?: string } }>(
    '/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'Audit log (who, what, when, from where), newest first',
        security: BEARER,
        querystring: pagedQuerystring({
          actor: { type: 'string', maxLength: 64 },
          target: { type: 'string', maxLength: 128 },
          action: { type: 'string', maxLength: 64 },
        }),
        response: {
          200: pagedResponse(auditEntrySchema),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { limit, offset, actor, target, action } = request.query;
      const r = await listAudit(app.susurro.db, {
        limit,
        offset,
        ...(actor ? { actor } : {}),
        ...(target ? { target } : {}),
        ...(action ? { action } : {}),
      });
      return { total: r.total, limit, offset, items: r.items };
    },
  );
}
