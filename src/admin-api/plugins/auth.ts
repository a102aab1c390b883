import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiErrors } from '../errors.ts';
import { resolveAdminSession, type AdminRow } from '../services/admins-repo.ts';
import { resolvePhoneToken, type PhoneSession } from '../services/phone-tokens.ts';
import { bearerToken } from '../services/tokens.ts';

/**
 * Authentication hooks, shared by the resource plugins:
 *   app.requireAdmin  — 401 without/with an unknown or expired session, 403 for a disabled admin;
 *   app.requirePhone  — 401 unless the bearer token belongs to an ACTIVE account.
 * Both read the database on every request: revocation needs no cache to expire.
 */
declare module 'fastify' {
  interface FastifyInstance {
    requireAdmin: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    requirePhone: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
  interface FastifyRequest {
    admin: AdminRow | null;
    adminSessionHash: string | null;
    phone: PhoneSession | null;
  }
}

/** Security scheme name used in every protected route's OpenAPI `security`. */
export const BEARER = [{ bearer: [] as string[] }];

export const authPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('admin', null);
    app.decorateRequest('adminSessionHash', null);
    app.decorateRequest('phone', null);

    app.decorate('requireAdmin', async (request: FastifyRequest) => {
      const token = bearerToken(request.headers.authorization);
      if (!token) throw new ApiErrors.SUSURRO_API_UNAUTHENTICATED();
      const { db, options } = app.susurro;
      const s = await resolveAdminSession(db, token, options.now());
      if (s.kind === 'invalid') throw new ApiErrors.SUSURRO_API_TOKEN_INVALID();
      if (s.kind === 'disabled') throw new ApiErrors.SUSURRO_API_ADMIN_DISABLED();
      request.admin = s.admin;
      request.adminSessionHash = s.tokenHash;
    });

    app.decorate('requirePhone', async (request: FastifyRequest) => {
      const token = bearerToken(request.headers.authorization);
      if (!token) throw new ApiErrors.SUSURRO_API_UNAUTHENTICATED();
      const { db, options } = app.susurro;
      const p = await resolvePhoneToken(db, token, options.now());
      if (!p) throw new ApiErrors.SUSURRO_API_TOKEN_INVALID();
      request.phone = p;
    });
  },
  { fastify: '5.x', name: 'susurro-auth', dependencies: ['susurro-context', 'susurro-errors'] },
);
