import { rmSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { isUniqueViolation } from '../../db/index.ts';
import { ApiErrors } from '../errors.ts';
import { BEARER } from '../plugins/auth.ts';
import {
  countActiveAdmins,
  createAdmin,
  createAdminSession,
  deleteAdminSession,
  findAdmin,
  listAdmins,
  purgeExpiredTokens,
  setAdminPassword,
  setAdminStatus,
  verifyAdminPassword,
} from '../services/admins-repo.ts';
import { generatePassword, passwordWeakness } from '../services/passwords.ts';
import { audit } from './audit-helper.ts';
import { loginRateLimit } from './rate-limit.ts';
import { ISO_TIME, PASSWORD_IN, USERNAME, adminSchema, errorResponses } from './schemas.ts';

/** /api/v1/admin (own session) and /api/v1/admins (other administrators). */
const publicAdmin = (a: { username: string; status: string; createdAt: string; createdBy: string | null; passwordChangedAt: string | null }) => ({
  username: a.username,
  status: a.status,
  createdAt: a.createdAt,
  createdBy: a.createdBy,
  passwordChangedAt: a.passwordChangedAt,
});

export async function adminsRoutes(app: FastifyInstance) {
  const { db, config, options } = app.susurro;
  const tags = ['admins'];
  const userParam = { type: 'object', required: ['username'], properties: { username: USERNAME } } as const;

  app.post<{ Body: { username: string; password: string } }>(
    '/admin/login',
    {
      config: { rateLimit: loginRateLimit(options, 'username') },
      schema: {
        tags,
        summary: 'Administrator login: returns an expiring bearer token (rate-limited per client IP)',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['username', 'password'],
          properties: { username: { type: 'string', minLength: 1, maxLength: 64 }, password: PASSWORD_IN },
        },
        response: {
          200: {
            type: 'object',
            required: ['token', 'expiresAt', 'admin'],
            properties: { token: { type: 'string' }, expiresAt: ISO_TIME, admin: adminSchema },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { username, password } = request.body;
      const admin = await verifyAdminPassword(db, username, password);
      if (!admin) {
        await audit(app, request, { actor: 'anonymous', action: 'admin.login', target: username.slice(0, 64), outcome: 'denied' });
        throw new ApiErrors.SUSURRO_API_BAD_CREDENTIALS();
      }
      if (admin.status !== 'active') {
        await audit(app, request, { actor: username, action: 'admin.login', target: username, outcome: 'denied', detail: { disabled: true } });
        throw new ApiErrors.SUSURRO_API_ADMIN_DISABLED();
      }
      // Housekeeping on a rare, authenticated path: expired sessions and phone tokens go.
      await purgeExpiredTokens(db, options.now());
      const s = await createAdminSession(db, admin.id, options.adminSessionTtlSeconds, request.ip, options.now());
      await audit(app, request, { actor: username, action: 'admin.login', target: username, outcome: 'ok' });
      return { token: s.token, expiresAt: s.expiresAt, admin: publicAdmin(admin) };
    },
  );

  // Everything below needs a logged-in, active administrator.
  app.register(async (authed) => {
    authed.addHook('onRequest', app.requireAdmin);

    authed.post(
      '/admin/logout',
      { schema: { tags, summary: 'End this session', security: BEARER, response: { 204: { type: 'null' }, ...errorResponses } } },
      async (request, reply) => {
        await deleteAdminSession(db, request.adminSessionHash!);
        await audit(app, request, { action: 'admin.logout', target: request.admin!.username, outcome: 'ok' });
        return reply.code(204).send();
      },
    );

    authed.get(
      '/admin/me',
      { schema: { tags, summary: 'The logged-in administrator', security: BEARER, response: { 200: adminSchema, ...errorResponses } } },
      async (request) => publicAdmin(request.admin!),
    );

    authed.post<{ Body: { currentPassword: string; newPassword: string } }>(
      '/admin/password',
      {
        schema: {
          tags,
          summary: 'Change own password (ends the admin’s other sessions)',
          security: BEARER,
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['currentPassword', 'newPassword'],
            properties: { currentPassword: PASSWORD_IN, newPassword: PASSWORD_IN },
          },
          response: { 204: { type: 'null' }, ...errorResponses },
        },
      },
      async (request, reply) => {
        const me = request.admin!;
        const ok = await verifyAdminPassword(db, me.username, request.body.currentPassword);
        if (!ok) throw new ApiErrors.SUSURRO_API_BAD_CREDENTIALS();
        const weak = passwordWeakness(request.body.newPassword, [me.username, config.domain]);
        if (weak) throw new ApiErrors.SUSURRO_API_WEAK_PASSWORD(weak);
        await setAdminPassword(db, me.id, request.body.newPassword, request.adminSessionHash, options.now());
        removeFirstAdminFile(config.dataDir, me.username);
        await audit(app, request, { action: 'admin.password', target: me.username, outcome: 'ok' });
        return reply.code(204).send();
      },
    );

    authed.get(
      '/admins',
      {
        schema: {
          tags,
          summary: 'List administrators',
          security: BEARER,
          response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: adminSchema } } }, ...errorResponses },
        },
      },
      async () => ({ items: (await listAdmins(db)).map(publicAdmin) }),
    );

    authed.post<{ Body: { username: string; password?: string } }>(
      '/admins',
      {
        schema: {
          tags,
          summary: 'Create an administrator; without "password" one is generated and returned once',
          security: BEARER,
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['username'],
            properties: { username: USERNAME, password: PASSWORD_IN },
          },
          response: {
            201: {
              type: 'object',
              required: ['admin'],
              properties: { admin: adminSchema, password: { type: 'string', description: 'generated password, shown once' } },
            },
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        const { username } = request.body;
        const supplied = request.body.password;
        if (supplied !== undefined) {
          const weak = passwordWeakness(supplied, [username, config.domain]);
          if (weak) throw new ApiErrors.SUSURRO_API_WEAK_PASSWORD(weak);
        }
        if (await findAdmin(db, username)) throw new ApiErrors.SUSURRO_API_CONFLICT(`administrator ${username} already exists`);
        const password = supplied ?? generatePassword();
        let admin;
        try {
          admin = await createAdmin(db, username, password, request.admin!.username, options.now());
        } catch (err) {
          if (isUniqueViolation(err)) throw new ApiErrors.SUSURRO_API_CONFLICT(`administrator ${username} already exists`);
          throw err;
        }
        await audit(app, request, { action: 'admin.create', target: username, outcome: 'ok', detail: { passwordGenerated: supplied === undefined } });
        void reply.code(201);
        return supplied === undefined ? { admin: publicAdmin(admin), password } : { admin: publicAdmin(admin) };
      },
    );

    for (const [verb, status] of [
      ['disable', 'disabled'],
      ['enable', 'active'],
    ] as const) {
      authed.post<{ Params: { username: string } }>(
        `/admins/:username/${verb}`,
        {
          schema: {
            tags,
            summary: verb === 'disable' ? 'Disable an administrator (its sessions get 403 at once)' : 'Re-enable an administrator',
            security: BEARER,
            params: userParam,
            response: { 200: adminSchema, ...errorResponses },
          },
        },
        async (request) => {
          const { username } = request.params;
          if (verb === 'disable') {
            if (username === request.admin!.username) throw new ApiErrors.SUSURRO_API_LAST_ADMIN('an administrator cannot disable itself');
            const target = await findAdmin(db, username);
            if (target?.status === 'active' && (await countActiveAdmins(db)) <= 1) {
              throw new ApiErrors.SUSURRO_API_LAST_ADMIN('at least one active administrator must remain');
            }
          }
          const a = await setAdminStatus(db, username, status, options.now());
          if (!a) throw new ApiErrors.SUSURRO_API_NOT_FOUND(`administrator ${username}`);
          await audit(app, request, { action: `admin.${verb}`, target: username, outcome: 'ok' });
          return publicAdmin(a);
        },
      );
    }
  });
}

/**
 * STACK's start writes <dataDir>/secrets/first-admin.json and prints it on every
 * start while it exists; once that admin chose its own password it is stale.
 */
export function firstAdminFile(dataDir: string): string {
  return join(dataDir, 'secrets', 'first-admin.json');
}

function removeFirstAdminFile(dataDir: string, username: string): void {
  const file = firstAdminFile(dataDir);
  if (!existsSync(file)) return;
  try {
    const content = JSON.parse(readFileSync(file, 'utf8')) as { username?: string };
    if (content.username === username) rmSync(file, { force: true });
  } catch {
    // Unreadable file: leave it for the operator rather than guess.
  }
}
