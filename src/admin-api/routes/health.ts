import type { FastifyInstance } from 'fastify';
import type { ComponentHealth } from '../types.ts';

/**
 * GET /health — 200 when every component is up, 503 ("degraded") otherwise. No auth, no secrets.
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
    async (_request, reply) => {
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
