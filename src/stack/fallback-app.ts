/**
 * Health-only admin app, used only while src/admin-api has no buildApp() yet (stack-api.md
 * allows this). GET /health → 200/503 { status, components }.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { ComponentHealth } from './health.ts';

export async function buildFallbackApp(
  health: () => Promise<ComponentHealth[]>,
  opts: FastifyServerOptions,
): Promise<FastifyInstance> {
  const app = Fastify(opts);
  app.get('/health', async (_req, reply) => {
    const components = await health();
    const up = components.every((c) => c.up);
    return reply.code(up ? 200 : 503).send({ status: up ? 'ok' : 'degraded', components });
  });
  return app;
}
