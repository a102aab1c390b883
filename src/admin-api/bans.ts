import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { ApiErrors } from './errors.ts';
import { BEARER } from './plugins/auth.ts';
import { audit } from './routes/audit-helper.ts';
import { errorResponses } from './routes/schemas.ts';
import type { KamailioRpcLike } from './types.ts';

/**
 * /api/v1/bans — the SIP sources Kamailio currently bans (issue #7), read from and lifted in
 * Kamailio's shared memory over JSON-RPC (what Kamailio enforces). Each ban is also a row of
 * susurro_ban (issue #19), from which Kamailio reloads ipban at start; lifting deletes the row
 * too, or the ban would come back at the next restart:
 *
 *   ipban     source IP → 1   set after SUSURRO_AUTH_FAILS_MAX failed digest authentications or a
 *                             pike flood verdict; every request from it is dropped (kamailio.cfg
 *                             route[REQINIT]); the entry expires after antiflood.banSeconds.
 *   authfail  source IP → n   failed authentications counted towards the ban.
 *
 * Lifting deletes both entries: keeping the counter would re-ban the source on its next typo.
 * Kamailio unreachable (or no RPC configured) is a 503: a ban list we cannot read is not empty.
 */
export const BAN_TABLE = 'ipban';
/** The database table ipban is loaded from (htable dbtable; src/db/project-schema.ts). */
export const BAN_DB_TABLE = 'susurro_ban';
export const AUTHFAIL_TABLE = 'authfail';

/** Kamailio 5.6 htable.dump: [{ entry, size, slot: [{ name, value, type }] }] (one per non-empty bucket). */
interface DumpBucket {
  slot?: { name?: unknown; value?: unknown }[];
}

/** Entries of one htable as a name → value map; refuses shapes it does not know (fail closed). */
export function parseHtableDump(dump: unknown): Map<string, string | number> {
  const out = new Map<string, string | number>();
  if (dump === null || dump === undefined) return out;
  if (!Array.isArray(dump)) throw new TypeError('htable.dump: expected an array of buckets');
  for (const bucket of dump as DumpBucket[]) {
    const slots = bucket?.slot ?? [];
    if (!Array.isArray(slots)) throw new TypeError('htable.dump: bucket.slot is not an array');
    for (const s of slots) {
      if (typeof s?.name !== 'string') throw new TypeError('htable.dump: slot without a name');
      out.set(s.name, typeof s.value === 'number' ? s.value : String(s.value));
    }
  }
  return out;
}

async function dumpTable(rpc: KamailioRpcLike, table: string): Promise<Map<string, string | number>> {
  return parseHtableDump(await rpc.call<unknown>('htable.dump', [table]));
}

function requireRpc(app: FastifyInstance): KamailioRpcLike {
  const rpc = app.susurro.rpc;
  if (!rpc) throw new ApiErrors.SUSURRO_API_UNAVAILABLE('Kamailio control (JSON-RPC) is not configured');
  return rpc;
}

async function unavailableOnRpcError<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if ((err as { code?: string }).code?.startsWith?.('SUSURRO_API_')) throw err;
    throw new ApiErrors.SUSURRO_API_UNAVAILABLE(`Kamailio did not answer (${what}); retry shortly`);
  }
}

const banSchema = {
  type: 'object',
  required: ['ip', 'failedAuthentications'],
  properties: {
    ip: { type: 'string' },
    failedAuthentications: { type: ['integer', 'null'], description: 'failures counted before the ban (null: banned by the flood detector)' },
  },
} as const;

const withUnavailable = { ...errorResponses, 503: { $ref: 'ApiError#' } } as const;

export async function bansRoutes(app: FastifyInstance) {
  app.addHook('onRequest', app.requireAdmin);

  app.get('/bans', {
    schema: {
      tags: ['bans'],
      summary: 'SIP sources currently banned by Kamailio (brute force, flood)',
      security: BEARER,
      response: {
        200: {
          type: 'object',
          required: ['banSeconds', 'authFailsMax', 'bans'],
          properties: {
            banSeconds: { type: 'integer' },
            authFailsMax: { type: 'integer' },
            bans: { type: 'array', items: banSchema },
          },
        },
        ...withUnavailable,
      },
    },
  }, async () => {
    const rpc = requireRpc(app);
    const [bans, fails] = await unavailableOnRpcError('htable.dump', () =>
      Promise.all([dumpTable(rpc, BAN_TABLE), dumpTable(rpc, AUTHFAIL_TABLE)]));
    const af = app.susurro.config.antiflood ?? { banSeconds: 0, authFailsMax: 0 };
    return {
      banSeconds: af.banSeconds,
      authFailsMax: af.authFailsMax,
      bans: [...bans.keys()].sort().map((ip) => {
        const n = Number(fails.get(ip));
        return { ip, failedAuthentications: Number.isInteger(n) ? n : null };
      }),
    };
  });

  app.delete<{ Params: { ip: string } }>('/bans/:ip', {
    schema: {
      tags: ['bans'],
      summary: 'Lift the ban of one source (also forgets its failed-authentication count)',
      security: BEARER,
      params: {
        type: 'object',
        required: ['ip'],
        properties: { ip: { type: 'string', minLength: 2, maxLength: 45, pattern: '^[0-9A-Fa-f.:]+$' } },
      },
      response: {
        200: { type: 'object', required: ['lifted'], properties: { lifted: { type: 'string' } } },
        ...withUnavailable,
      },
    },
  }, async (request) => {
    const { ip } = request.params;
    if (isIP(ip) === 0) throw new ApiErrors.SUSURRO_API_VALIDATION('ip must be an IPv4 or IPv6 address');
    const rpc = requireRpc(app);
    const bans = await unavailableOnRpcError('htable.dump', () => dumpTable(rpc, BAN_TABLE));
    if (!bans.has(ip)) throw new ApiErrors.SUSURRO_API_NOT_FOUND(`ban of ${ip}`);
    // the row first: if Kamailio then fails, the ban ends at the latest at its next restart
    await app.susurro.db.run(`DELETE FROM ${BAN_DB_TABLE} WHERE key_name = ? OR expires < ?`, [ip, Math.floor(Date.now() / 1000)]);
    await unavailableOnRpcError('htable.delete', async () => {
      await rpc.call('htable.delete', [BAN_TABLE, ip]);
      // the counter may already have expired: a missing key is not an error here
      const fails = await dumpTable(rpc, AUTHFAIL_TABLE);
      if (fails.has(ip)) await rpc.call('htable.delete', [AUTHFAIL_TABLE, ip]);
    });
    await audit(app, request, { action: 'ban.lift', target: ip, outcome: 'ok' });
    return { lifted: ip };
  });
}
