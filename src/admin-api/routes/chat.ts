import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { findAccount } from '../../db/index.ts';
import { ApiErrors } from '../errors.ts';
import { errorResponses } from './schemas.ts';

/**
 * POST /api/v1/chat/turn-credentials — asked by the managed Prosody (mod_susurro_turn.lua) when
 * a logged-in chat client requests XEP-0215 external services. Authenticated by the chat service
 * token (<dataDir>/secrets/chat-service-token, in Prosody's 0600 config), not by an admin or phone
 * session. Issues one revocable TURN credential (scope "xmpp") for an ACTIVE account only;
 * disabling the account deletes it (services/revocation.ts, like a phone's).
 */
function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

export async function chatRoutes(app: FastifyInstance, opts: { serviceToken: string | null }) {
  const { db, config } = app.susurro;
  const expected = opts.serviceToken ? sha256(opts.serviceToken) : null;
  app.post<{ Body: { account: string } }>(
    '/chat/turn-credentials',
    {
      schema: {
        tags: ['chat'],
        summary: 'TURN credential for a chat client (the managed Prosody asks; XEP-0215)',
        body: { type: 'object', additionalProperties: false, required: ['account'], properties: { account: { type: 'string', pattern: '^[0-9]{2,8}$' } } },
        response: {
          200: {
            type: 'object',
            required: ['username', 'password', 'ttl', 'services'],
            properties: {
              username: { type: 'string' }, password: { type: 'string' }, ttl: { type: 'integer' },
              services: { type: 'array', items: { type: 'object', properties: { type: { type: 'string' }, transport: { type: 'string' }, host: { type: 'string' }, port: { type: 'integer' } } } },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const auth = request.headers.authorization ?? '';
      const given = auth.startsWith('Bearer ') ? sha256(auth.slice(7)) : null;
      if (!expected || !given || !timingSafeEqual(expected, given)) throw new ApiErrors.SUSURRO_API_TOKEN_INVALID();
      const acc = await findAccount(db, request.body.account);
      if (!acc || acc.status !== 'active') throw new ApiErrors.SUSURRO_API_NOT_FOUND(`active account ${request.body.account}`);
      const c = app.susurro.turnCredentials.issue({ account: acc.extension, ttlSeconds: config.turn.ttlSeconds, scope: 'xmpp' });
      const host = config.publicHost;
      return {
        username: c.username, password: c.credential, ttl: c.ttl,
        services: [
          { type: 'turn', transport: 'udp', host, port: config.ports.turn },
          { type: 'turn', transport: 'tcp', host, port: config.ports.turn },
          { type: 'turns', transport: 'tcp', host, port: config.ports.turnTls },
        ],
      };
    },
  );
}
