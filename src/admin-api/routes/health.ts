import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ComponentHealth } from '../types.ts';
import { resolveAdminSession } from '../services/admins-repo.ts';
import { bearerToken } from '../services/tokens.ts';

/**
 * GET /health — 200 when every component is up, 503 ("degraded") otherwise. No auth needed, no
 * secrets. Without a valid admin token it says only which component is up: the details carry
 * versions (`kamailio 5.6.3 (x86_64/linux)`) and error texts that help an attacker pick an exploit
 * (issue 13 item 6). An invalid token is not an error here (monitors keep working): just no details.
 */
async function isAdmin(app: FastifyInstance, request: FastifyRequest): Promise<boolean> {
  const token = bearerToken(request.headers.authorization);
  if (!token) return false;
  const s = await resolveAdminSession(app.susurro.db, token, app.susurro.options.now()).catch(() => null);
  return s?.kind === 'ok';
}

/**
 * `localTrial`: true when the configuration is the single-machine trial (loopback public host and
 * listen address), where coturn relays between browsers on loopback (src/config/local-trial.ts).
 */
export async function healthRoutes(app: FastifyInstance, opts: { health: () => Promise<ComponentHealth[]>; localTrial: boolean }) {
  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'Health of the service and the components it controls',
        response: {
          '2xx': healthSchema,
          503: healthSchema,
        },
      },
    },
    async (request, reply) => {
      let components: ComponentHealth[];
      try {
        components = await opts.health();
      } catch (err) {
        components = [{ name: 'health-probe', up: false, detail: err instanceof Error ? err.message : String(err) }];
      }
      if (!components.some((c) => c.name === 'database')) {
        components = [...components, await probeDatabase(app)];
      }
      const ok = components.every((c) => c.up);
      void reply.code(ok ? 200 : 503);
      if (!(await isAdmin(app, request))) components = components.map(({ name, up }) => ({ name, up }));
      return { status: ok ? 'ok' : 'degraded', localTrial: opts.localTrial, components };
    },
  );
}

async function probeDatabase(app: FastifyInstance): Promise<ComponentHealth> {
  try {
    await app.susurro.db.get('SELECT 1 AS one');
    return { name: 'database', up: true, detail: app.susurro.db.kind };
  } catch (err) {
    return { name: 'database', up: false, detail: err instanceof Error ? err.message : String(err) };
  }
}

const healthSchema = {
  type: 'object',
  required: ['status', 'localTrial', 'components'],
  properties: {
    status: { type: 'string', enum: ['ok', 'degraded'] },
    localTrial: { type: 'boolean' },
    components: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'up'],
        properties: { name: { type: 'string' }, up: { type: 'boolean' }, detail: { type: 'string' } },
      },
    },
  },
} as const;
