import type { FastifyInstance } from 'fastify';
import { findAccountSecrets, ha1 } from '../../db/index.ts';
import { ApiErrors } from '../errors.ts';
import { BEARER } from '../plugins/auth.ts';
import { createPhoneToken } from '../services/phone-tokens.ts';
import { hexEqual } from '../services/tokens.ts';
import { softphoneTurnCredential, turnUrls } from '../services/turn.ts';
import { loginRateLimit } from './rate-limit.ts';
import { EXTENSION, PASSWORD_IN, errorResponses, turnSchema } from './schemas.ts';

/**
 * /api/v1/phone — what the softphone needs, authenticated with the account's own
 * extension + password, checked against the same ha1 Kamailio uses.
 */
export async function phoneRoutes(app: FastifyInstance) {
  const { db, config, options } = app.susurro;
  const tags = ['phone'];

  const mintTurn = (extension: string) => ({
    urls: turnUrls(config),
    ...softphoneTurnCredential(app.susurro.turnCredentials.issue({ account: extension, ttlSeconds: config.turn.ttlSeconds, scope: 'softphone' })),
  });
  const host = config.publicHost.includes(':') ? `[${config.publicHost}]` : config.publicHost;

  app.post<{ Body: { extension: string; password: string } }>(
    '/phone/login',
    {
      config: { rateLimit: loginRateLimit(options, 'extension') },
      schema: {
        tags,
        summary: 'Softphone login: token, SIP/WSS parameters and TURN credentials (rate-limited per client IP)',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['extension', 'password'],
          properties: { extension: EXTENSION, password: PASSWORD_IN },
        },
        response: {
          200: {
            type: 'object',
            required: ['token', 'expiresAt', 'account', 'sip', 'turn'],
            properties: {
              token: { type: 'string' },
              expiresAt: { type: 'string' },
              account: {
                type: 'object',
                required: ['extension', 'username', 'displayName'],
                properties: { extension: { type: 'string' }, username: { type: 'string' }, displayName: { type: 'string' } },
              },
              sip: {
                type: 'object',
                required: ['wssUrl', 'domain', 'authorizationUser'],
                properties: { wssUrl: { type: 'string' }, domain: { type: 'string' }, authorizationUser: { type: 'string' } },
              },
              turn: turnSchema,
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { extension, password } = request.body;
      const acc = await findAccountSecrets(db, extension);
      // Same work whether or not the account exists: no extension enumeration by timing.
      const expected = acc?.ha1 ?? '0'.repeat(32);
      const ok = hexEqual(ha1(extension, config.domain, password), expected) && acc !== undefined;
      if (!ok || !acc) throw new ApiErrors.SUSURRO_API_BAD_CREDENTIALS();
      // Only someone who knows the password learns that the account is disabled.
      if (acc.status !== 'active') throw new ApiErrors.SUSURRO_API_ACCOUNT_DISABLED();
      const t = await createPhoneToken(db, acc.id, options.phoneTokenTtlSeconds, options.now());
      return {
        token: t.token,
        expiresAt: t.expiresAt,
        account: { extension: acc.extension, username: acc.username, displayName: acc.displayName },
        sip: { wssUrl: `wss://${host}:${config.ports.wss}/ws`, domain: config.domain, authorizationUser: acc.extension },
        turn: mintTurn(acc.extension),
      };
    },
  );

  app.register(async (authed) => {
    authed.addHook('onRequest', app.requirePhone);

    authed.get(
      '/phone/directory',
      {
        schema: {
          tags,
          summary: 'Active colleagues (extension, display name)',
          security: BEARER,
          response: {
            200: {
              type: 'object',
              required: ['colleagues'],
              properties: {
                colleagues: {
                  type: 'array',
                  items: { type: 'object', required: ['extension', 'displayName'], properties: { extension: { type: 'string' }, displayName: { type: 'string' } } },
                },
              },
            },
            ...errorResponses,
          },
        },
      },
      async () => ({
        colleagues: await db.all<{ extension: string; displayName: string }>(
          "SELECT extension, display_name AS \"displayName\" FROM susurro_account WHERE status = 'active' ORDER BY extension LIMIT 5000",
        ),
      }),
    );

    authed.post(
      '/phone/turn-credentials',
      {
        schema: {
          tags,
          summary: 'Fresh short-lived TURN credentials (only for active accounts)',
          security: BEARER,
          response: { 200: turnSchema, ...errorResponses },
        },
      },
      async (request) => mintTurn(request.phone!.extension),
    );
  });
}
