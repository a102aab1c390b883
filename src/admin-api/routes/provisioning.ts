import type { FastifyInstance } from 'fastify';
import { findAccount } from '../../db/index.ts';
import {
  DEFAULT_DEVICE_TTL_DAYS,
  MAX_DEVICE_TTL_DAYS,
  createDeviceToken,
  deviceTurnScope,
  findDevice,
  listDevices,
  qrPngDataUrl,
  renderLinphoneXml,
  resolveDeviceToken,
  revokeDevice,
  type DeviceRow,
} from '../../provisioning/index.ts';
import { ApiErrors } from '../errors.ts';
import { BEARER } from '../plugins/auth.ts';
import { audit } from './audit-helper.ts';
import { EXTENSION, ISO_TIME, errorResponses } from './schemas.ts';

/**
 * Native phones (issue 16): per-device provisioning links for Linphone.
 *
 *   /api/v1/accounts/:extension/devices   list, create (admin)
 *   /api/v1/devices/:id                   revoke (admin)
 *   /provisioning/:token                  the Linphone XML; the token is the only credential
 *
 * Two encapsulated plugins: the admin one requires an admin session, the public one none.
 */
export const deviceSchema = {
  type: 'object',
  required: ['id', 'extension', 'label', 'createdAt', 'createdBy', 'expiresAt', 'revokedAt', 'lastFetchedAt', 'status'],
  properties: {
    id: { type: 'integer' },
    extension: { type: 'string' },
    label: { type: 'string' },
    createdAt: ISO_TIME,
    createdBy: { type: 'string' },
    expiresAt: ISO_TIME,
    revokedAt: { type: ['string', 'null'] },
    lastFetchedAt: { type: ['string', 'null'] },
    status: { type: 'string', enum: ['active', 'expired', 'revoked'] },
  },
} as const;

export const LABEL = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[^\\u0000-\\u001f\\u007f]+$' } as const;
const TOKEN = { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' } as const;

export function provisioningBase(config: FastifyInstance['susurro']['config']): string {
  const host = config.publicHost.includes(':') ? `[${config.publicHost}]` : config.publicHost;
  return `https://${host}:${config.ports.admin}/provisioning/`;
}

export async function provisioningAdminRoutes(app: FastifyInstance) {
  app.addHook('onRequest', app.requireAdmin);
  const { db, config, options } = app.susurro;
  const tags = ['devices'];
  const publicDevice = (d: DeviceRow) => publicDeviceAt(d, options.now());

  app.get<{ Params: { extension: string } }>(
    '/accounts/:extension/devices',
    {
      schema: {
        tags,
        summary: 'Provisioning links (devices) of an account',
        security: BEARER,
        params: { type: 'object', required: ['extension'], properties: { extension: EXTENSION } },
        response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: deviceSchema } } }, ...errorResponses },
      },
    },
    async (request) => {
      if (!(await findAccount(db, request.params.extension))) throw new ApiErrors.SUSURRO_API_NOT_FOUND(`account ${request.params.extension}`);
      return { items: (await listDevices(db, request.params.extension)).map(publicDevice) };
    },
  );

  app.post<{ Params: { extension: string }; Body: { label: string; ttlDays?: number } }>(
    '/accounts/:extension/devices',
    {
      schema: {
        tags,
        summary: `Add a phone: a provisioning link (shown once) and its QR code; expires after ttlDays (default ${DEFAULT_DEVICE_TTL_DAYS})`,
        security: BEARER,
        params: { type: 'object', required: ['extension'], properties: { extension: EXTENSION } },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['label'],
          properties: { label: LABEL, ttlDays: { type: 'integer', minimum: 1, maximum: MAX_DEVICE_TTL_DAYS } },
        },
        response: {
          201: {
            type: 'object',
            required: ['device', 'url', 'qrPng'],
            properties: {
              device: deviceSchema,
              url: { type: 'string', description: 'the provisioning URL; contains the token, shown this once, stored only hashed' },
              qrPng: { type: 'string', description: 'data:image/png;base64 QR code of url' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const ext = request.params.extension;
      const account = await findAccount(db, ext);
      if (!account) throw new ApiErrors.SUSURRO_API_NOT_FOUND(`account ${ext}`);
      if (account.status !== 'active') throw new ApiErrors.SUSURRO_API_ACCOUNT_DISABLED();
      const ttlDays = request.body.ttlDays ?? DEFAULT_DEVICE_TTL_DAYS;
      const { token, device } = await createDeviceToken(
        db,
        { accountId: account.id, label: request.body.label, createdBy: request.admin!.username, ttlDays },
        options.now(),
      );
      const url = provisioningBase(config) + token;
      await audit(app, request, { action: 'device.create', target: ext, outcome: 'ok', detail: { device: device.id, label: device.label, ttlDays } });
      void reply.code(201);
      return { device: publicDevice(device), url, qrPng: await qrPngDataUrl(url) };
    },
  );

  app.delete<{ Params: { id: number } }>(
    '/devices/:id',
    {
      schema: {
        tags,
        summary: 'Revoke a provisioning link: its URL answers 403 and its TURN credentials stop working',
        security: BEARER,
        params: { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1 } } },
        response: {
          200: {
            type: 'object',
            required: ['device', 'turn'],
            properties: { device: deviceSchema, turn: { type: 'string', description: '"ok" or "failed: <reason>" (cancelling live relay sessions)' } },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const r = await revokeDeviceAndRelay(app, request.params.id);
      if (!r) throw new ApiErrors.SUSURRO_API_NOT_FOUND(`device ${request.params.id}`);
      await audit(app, request, {
        action: 'device.revoke',
        target: r.device.extension,
        outcome: r.turn === 'ok' ? 'ok' : 'partial',
        detail: { device: r.device.id, alreadyRevoked: !r.changed, turnCredentials: r.turnCredentials, turn: r.turn },
      });
      return { device: publicDevice(r.device), turn: r.turn };
    },
  );
}

/** A device row as the API shows it, with its status at `now`. */
export function publicDeviceAt(d: DeviceRow, now: Date) {
  return { ...d, status: d.revokedAt ? 'revoked' : d.expiresAt <= now.toISOString() ? 'expired' : 'active' };
}

/**
 * Revokes one device (admin page and the staff member's own softphone share this): rows first
 * (coturn refuses new allocations at once), then the device's live relay allocations.
 */
export async function revokeDeviceAndRelay(app: FastifyInstance, id: number, owner?: string) {
  const { db, options } = app.susurro;
  if (owner !== undefined && (await findDevice(db, id))?.extension !== owner) return undefined;
  const r = await revokeDevice(db, id, options.now());
  if (!r) return undefined;
  const names = app.susurro.turnCredentials.revoke({ account: r.device.extension, scope: deviceTurnScope(r.device.id) });
  let turn = 'ok';
  if (names.length > 0) {
    try {
      if (!app.susurro.turnCli) throw new Error('no coturn control channel');
      await app.susurro.turnCli.cancelUsernames(names);
    } catch (err) {
      turn = `failed: ${(err instanceof Error ? err.message : String(err)).slice(0, 200)}`;
    }
  }
  return { ...r, turn, turnCredentials: names.length };
}


export async function provisioningFetchRoutes(app: FastifyInstance) {
  const { db, config, options } = app.susurro;
  const turnTtl = options.provisioningTurnTtlSeconds;

  app.get<{ Params: { token: string } }>(
    '/provisioning/:token',
    {
      config: { rateLimit: { max: 60, timeWindow: 60_000 } },
      schema: {
        tags: ['devices'],
        summary: 'Linphone remote provisioning XML of one device (the token in the URL is the only credential)',
        params: { type: 'object', required: ['token'], properties: { token: TOKEN } },
        response: { 200: { type: 'string', description: 'application/xml (lpconfig.xsd)' }, 400: { $ref: 'ApiError#' }, 403: { $ref: 'ApiError#' }, 429: { $ref: 'ApiError#' } },
      },
    },
    async (request, reply) => {
      const device = await resolveDeviceToken(db, request.params.token, options.now());
      if (!device) throw new ApiErrors.SUSURRO_API_PROVISIONING_DENIED();
      // One live TURN credential per device: the previous fetch's is replaced.
      const scope = deviceTurnScope(device.deviceId);
      app.susurro.turnCredentials.revoke({ account: device.extension, scope });
      const turn = app.susurro.turnCredentials.issue({ account: device.extension, ttlSeconds: turnTtl, scope });
      const xml = renderLinphoneXml({
        extension: device.extension,
        displayName: device.displayName,
        domain: config.domain,
        sipHost: config.publicHost,
        sipTlsPort: config.ports.sipTls,
        ha1: device.ha1,
        turn: { host: config.publicHost, port: config.ports.turn, username: turn.username, password: turn.credential },
        provisioningUrl: provisioningBase(config) + request.params.token,
      });
      void reply.header('cache-control', 'no-store').type('application/xml; charset=utf-8');
      return xml;
    },
  );
}
