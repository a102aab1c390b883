import type { FastifyInstance } from 'fastify';
import { findAccount } from '../../db/index.ts';
import { DEFAULT_DEVICE_TTL_DAYS, createDeviceToken, listDevices, qrPngDataUrl } from '../../provisioning/index.ts';
import { ApiErrors } from '../errors.ts';
import { BEARER } from '../plugins/auth.ts';
import { audit } from './audit-helper.ts';
import { LABEL, deviceSchema, provisioningBase, publicDeviceAt, revokeDeviceAndRelay } from './provisioning.ts';
import { errorResponses } from './schemas.ts';

/**
 * "Add a phone" for the staff member themself (issue 16), with the softphone's session token:
 *
 *   GET    /api/v1/phone/devices        my provisioning links
 *   POST   /api/v1/phone/devices        a new link (shown once) and its QR code
 *   DELETE /api/v1/phone/devices/:id    revoke one of mine
 *
 * Only the caller's own devices: another account's device id answers 404, exactly like an
 * unknown id, so ids are no oracle. Same token code and revocation as the admin routes.
 */
const RATE = { rateLimit: { max: 30, timeWindow: 60_000 } };

export async function phoneDevicesRoutes(app: FastifyInstance) {
  app.addHook('onRequest', app.requirePhone);
  // The answer carries a one-time secret link: no cache may keep it.
  app.addHook('onSend', async (_request, reply) => {
    void reply.header('cache-control', 'no-store');
  });
  const { db, config, options } = app.susurro;
  const tags = ['phone'];
  const actor = (ext: string) => `staff:${ext}`;
  const publicDevice = (d: Parameters<typeof publicDeviceAt>[0]) => publicDeviceAt(d, options.now());

  app.get(
    '/phone/devices',
    {
      config: RATE,
      schema: {
        tags,
        summary: 'My provisioning links (native phones)',
        security: BEARER,
        response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: deviceSchema } } }, ...errorResponses },
      },
    },
    async (request) => ({ items: (await listDevices(db, request.phone!.extension)).map(publicDevice) }),
  );

  app.post<{ Body: { label: string } }>(
    '/phone/devices',
    {
      config: RATE,
      schema: {
        tags,
        summary: `Add a phone: a provisioning link for my account (shown once) and its QR code; expires after ${DEFAULT_DEVICE_TTL_DAYS} days`,
        security: BEARER,
        body: { type: 'object', additionalProperties: false, required: ['label'], properties: { label: LABEL } },
        response: {
          201: {
            type: 'object',
            required: ['device', 'url', 'qrPng'],
            properties: { device: deviceSchema, url: { type: 'string' }, qrPng: { type: 'string' } },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const me = request.phone!;
      const account = await findAccount(db, me.extension);
      if (!account || account.status !== 'active') throw new ApiErrors.SUSURRO_API_ACCOUNT_DISABLED();
      const { token, device } = await createDeviceToken(
        db,
        { accountId: account.id, label: request.body.label, createdBy: actor(me.extension), ttlDays: DEFAULT_DEVICE_TTL_DAYS },
        options.now(),
      );
      const url = provisioningBase(config) + token;
      await audit(app, request, {
        actor: actor(me.extension),
        action: 'device.create',
        target: me.extension,
        outcome: 'ok',
        detail: { device: device.id, label: device.label, ttlDays: DEFAULT_DEVICE_TTL_DAYS, by: 'self' },
      });
      void reply.code(201);
      return { device: publicDevice(device), url, qrPng: await qrPngDataUrl(url) };
    },
  );

  app.delete<{ Params: { id: number } }>(
    '/phone/devices/:id',
    {
      config: RATE,
      schema: {
        tags,
        summary: 'Revoke one of my provisioning links: its URL answers 403 and its TURN credentials stop working',
        security: BEARER,
        params: { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1 } } },
        response: {
          200: { type: 'object', required: ['device', 'turn'], properties: { device: deviceSchema, turn: { type: 'string' } } },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const me = request.phone!;
      const r = await revokeDeviceAndRelay(app, request.params.id, me.extension);
      if (!r) throw new ApiErrors.SUSURRO_API_NOT_FOUND(`device ${request.params.id}`);
      await audit(app, request, {
        actor: actor(me.extension),
        action: 'device.revoke',
        target: me.extension,
        outcome: r.turn === 'ok' ? 'ok' : 'partial',
        detail: { device: r.device.id, alreadyRevoked: !r.changed, turnCredentials: r.turnCredentials, turn: r.turn, by: 'self' },
      });
      return { device: publicDevice(r.device), turn: r.turn };
    },
  );
}
