import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { REPO_ROOT, localTrial } from '../config/index.ts';
import { ApiErrors, BODY_LIMIT } from './errors.ts';
import { authPlugin } from './plugins/auth.ts';
import { contextPlugin } from './plugins/context.ts';
import { scheduleTurnSweep } from './services/turn-sweep.ts';
import { ChatSync } from './services/chat-sync.ts';
import { errorsPlugin, sendApiError } from './plugins/errors.ts';
import { adminLoggerOptions } from './logger.ts';
import { bansRoutes } from './bans.ts';
import { metricsPlugin } from './metrics.ts';
import { accountsRoutes } from './routes/accounts.ts';
import { adminsRoutes } from './routes/admins.ts';
import { auditRoutes } from './routes/audit.ts';
import { healthRoutes } from './routes/health.ts';
import { phoneRoutes } from './routes/phone.ts';
import { phoneDevicesRoutes } from './routes/phone-devices.ts';
import { provisioningAdminRoutes, provisioningFetchRoutes } from './routes/provisioning.ts';
import { chatRoutes } from './routes/chat.ts';
import type { AppDeps, AppOptions } from './types.ts';

/**
 * The admin service: admin API, softphone API, admin page and softphone files.
 * build() stays apart from listen(): tests inject(), STACK's start listens on HTTPS.
 *
 *   /health                  component health (no auth)
 *   /api/v1/admin/*, admins  administrators and their sessions
 *   /api/v1/accounts         staff accounts (create, list, reset, disable = revoke, enable, delete)
 *   /api/v1/audit            append-only audit log
 *   /api/v1/phone/*          softphone login, directory, TURN credentials
 *   /api/v1/…/devices        native phones' provisioning links (issue 16)
 *   /provisioning/<token>    Linphone remote provisioning XML (the token is the credential)
 *   /docs, /docs/json        OpenAPI
 *   /admin/                  admin page; /  the softphone (softphone-web/dist)
 */
export const ADMIN_WEB_DIR = join(dirname(fileURLToPath(import.meta.url)), 'admin-web');

export function defaultOptions(): AppOptions {
  return {
    adminSessionTtlSeconds: 8 * 3600,
    phoneTokenTtlSeconds: 12 * 3600,
    loginRateLimit: { max: 10, timeWindowMs: 60_000 },
    now: () => new Date(),
    softphoneDir: join(REPO_ROOT, 'softphone-web', 'dist'),
    liveActionTimeoutMs: 2_000,
    turnSweepIntervalMs: 60_000,
    provisioningTurnTtlSeconds: 7 * 24 * 3600,
    chatRetryBaseMs: 1_000,
    chatRetryMaxMs: 30_000,
  };
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  if (typeof deps.turnCredentials?.issue !== 'function') throw new TypeError('buildApp: turnCredentials is required');
  const options: AppOptions = { ...defaultOptions(), ...deps.options };
  const app = Fastify({
    logger: deps.logger ? adminLoggerOptions(deps.logger) : false,
    bodyLimit: BODY_LIMIT,
    // Errors Fastify raises before routing (malformed URL, over-long parameter) in the project's format.
    frameworkErrors: (error, request, reply) => sendApiError(error, request, reply),
    // Unknown fields are refused with a 400 rather than silently dropped.
    ajv: { customOptions: { removeAdditional: false, allErrors: false } },
  });

  await app.register(errorsPlugin);
  // Nothing this service answers may be kept by a browser or proxy cache: one-time passwords,
  // tokens and TURN credentials travel in API bodies (issue 13 item 6). Static files
  // (@fastify/static) replace this with their own Cache-Control; they carry no secrets.
  app.addHook('onRequest', async (_request, reply) => {
    void reply.header('cache-control', 'no-store');
  });
  await app.register(contextPlugin, {
    config: deps.config,
    db: deps.db,
    rpc: deps.rpc,
    turnCli: deps.turnCli,
    turnCredentials: deps.turnCredentials,
    options,
    chat: new ChatSync(deps.db, deps.chat ?? null, {
      retryBaseMs: options.chatRetryBaseMs,
      retryMaxMs: options.chatRetryMaxMs,
      warn: (msg) => app.log.warn(msg),
    }),
  });
  app.addHook('onClose', async () => app.susurro.chat.close());
  await app.register(authPlugin);
  scheduleTurnSweep(app, deps.turnCredentials, deps.turnCli, options.turnSweepIntervalMs);

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        // The softphone talks to Kamailio over WSS on another port of the same host.
        connectSrc: ["'self'", 'wss:'],
        mediaSrc: ["'self'", 'blob:'],
        workerSrc: ["'self'", 'blob:'],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
      },
    },
    crossOriginEmbedderPolicy: false,
  });
  // No @fastify/cors: cross-origin browser calls stay refused by the same-origin policy.
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, context) => new ApiErrors.SUSURRO_API_RATE_LIMITED(context.after),
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'susurro admin API',
        version: '1',
        description: 'Accounts, administrators, audit log and softphone credentials. Errors: docs/api-errors.md.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  await app.register(healthRoutes, { health: deps.health, localTrial: localTrial(deps.config).on });
  await app.register(
    async (api) => {
      await api.register(adminsRoutes);
      await api.register(accountsRoutes);
      await api.register(auditRoutes);
      await api.register(phoneRoutes);
      await api.register(bansRoutes); // issue #7: Kamailio's SIP bans (list, lift)
      await api.register(provisioningAdminRoutes); // issue 16: native phones' provisioning links
      await api.register(phoneDevicesRoutes); // issue 16: "Add a phone" from the softphone (own devices)
      await api.register(chatRoutes, { serviceToken: deps.chatServiceToken ?? null }); // issue 17: XEP-0215 TURN via Prosody
    },
    { prefix: '/api/v1' },
  );

  await app.register(metricsPlugin); // issue 19: GET /metrics (Prometheus; admin or metrics token)
  await app.register(provisioningFetchRoutes); // GET /provisioning/<token> (Linphone XML)
  await app.register(fastifyStatic, { root: ADMIN_WEB_DIR, prefix: '/admin/', index: 'index.html' });
  app.get('/admin', { schema: { hide: true } }, (_req, reply) => reply.redirect('/admin/', 301));
  if (options.softphoneDir && existsSync(options.softphoneDir)) {
    await app.register(fastifyStatic, { root: options.softphoneDir, prefix: '/', decorateReply: false, index: 'index.html' });
  }
  return app;
}
