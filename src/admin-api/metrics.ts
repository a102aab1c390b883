/**
 * GET /metrics — Prometheus text format (prom-client) for the operator's monitoring (issue #19).
 *
 * Counts only, never identities: no extension, user name, IP address or session id appears in a
 * name or label. Figures are read at scrape time from each component's own interface:
 *   Kamailio  JSON-RPC stats.get_statistics (usrloc, dialog, core counters) and htable.dump of
 *             the ban tables (only the number of entries is kept)
 *   coturn    its telnet CLI `ps` (the number of sessions = allocations)
 *   database  the append-only audit log (revocations, failed admin logins: the same on every
 *             instance of the admin service)
 *   process   failed phone logins counted by this instance, prom-client's process metrics
 * A component that does not answer shows as susurro_<component>_up 0 and its figures are left
 * out (absent, not 0: "no answer" is not "no calls"); hence those series carry the label
 * component="kamailio"|"coturn" (prom-client always prints an unlabelled series, as 0).
 *
 * Access: an administrator's bearer token, or the metrics token in
 * <dataDir>/secrets/metrics-token (0600, created at stack start or first use) for a scraper that
 * should not hold an admin session (docs/operations.md "Metrics").
 */
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { ensureSecretFile } from '../media-relay/secrets.ts';
import type { SusurroConfig } from '../config/index.ts';
import { AUTHFAIL_TABLE, BAN_TABLE, parseHtableDump } from './bans.ts';
import { hexEqual, tokenHash } from './services/tokens.ts';

export function metricsTokenFile(config: SusurroConfig): string {
  return join(config.dataDir, 'secrets', 'metrics-token');
}

/** Kamailio statistics exported, by their "group:name" in stats.get_statistics. */
const KAMAILIO_GAUGES: Record<string, [string, string]> = {
  'usrloc:registered_users': ['susurro_sip_registered_users', 'SIP users with at least one registered contact (Kamailio usrloc)'],
  'usrloc:location_contacts': ['susurro_sip_contacts', 'registered SIP contacts (Kamailio usrloc, table location)'],
  'dialog:active_dialogs': ['susurro_active_calls', 'calls in progress (Kamailio dialog, confirmed)'],
  'dialog:early_dialogs': ['susurro_ringing_calls', 'calls ringing (Kamailio dialog, early)'],
};
const KAMAILIO_COUNTERS: Record<string, [string, string]> = {
  'core:rcv_requests': ['susurro_sip_requests_received_total', 'SIP requests received by Kamailio since its start'],
  'dialog:processed_dialogs': ['susurro_calls_total', 'calls set up through Kamailio since its start'],
};

/** Audit actions that revoke a person's access (docs/admin.md). */
const REVOCATION_ACTIONS = ['account.disable', 'account.delete', 'device.revoke'] as const;

/**
 * stats.get_statistics of Kamailio 5.6 answers an array of "group:name = value" strings.
 * Unknown lines are ignored; a reply that is not an array is refused (fail closed).
 */
export function parseKamailioStats(reply: unknown): Map<string, number> {
  if (!Array.isArray(reply)) throw new TypeError('stats.get_statistics: expected an array of "group:name = value" strings');
  const out = new Map<string, number>();
  for (const line of reply) {
    const m = typeof line === 'string' ? /^([\w.-]+:[\w.-]+) = (-?\d+)$/.exec(line.trim()) : null;
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

function bearer(header: string | undefined): string | undefined {
  const m = typeof header === 'string' ? /^Bearer (\S{16,256})$/.exec(header.trim()) : null;
  return m?.[1];
}

async function metricsRoutes(app: FastifyInstance) {
  const { rpc, turnCli, db, config } = app.susurro;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'susurro_admin_' });
  let metricsToken: string | null = null;

  // Failed phone logins: this instance's count (each admin instance is scraped on its own).
  const failedLogins = new Counter({
    name: 'susurro_failed_phone_logins_total', help: 'softphone logins refused (wrong password, unknown or disabled account) by this admin instance',
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    if (request.routeOptions.url === '/api/v1/phone/login' && (reply.statusCode === 401 || reply.statusCode === 403)) failedLogins.inc();
  });

  const up = (name: string, help: string) => new Gauge({ name, help, registers: [registry] });
  const kamailioUp = up('susurro_kamailio_up', '1 when Kamailio answered JSON-RPC during this scrape');
  const turnUp = up('susurro_turn_up', '1 when coturn answered its CLI during this scrape');
  const gauge = (name: string, help: string) => new Gauge({ name, help, labelNames: ['component'], registers: [registry] });
  const gauges = new Map(Object.entries(KAMAILIO_GAUGES).map(([stat, [name, help]]) => [stat, gauge(name, help)]));
  const counters = new Map(Object.entries(KAMAILIO_COUNTERS).map(([stat, [name, help]]) =>
    [stat, new Counter({ name, help, labelNames: ['component'], registers: [registry] })]));
  const bans = gauge('susurro_sip_bans', 'SIP sources banned now (flood or failed authentications); counts only');
  const failing = gauge('susurro_sip_sources_failing_auth', 'SIP sources with failed authentications counted towards a ban');
  const allocations = gauge('susurro_turn_allocations', 'TURN allocations (coturn sessions) now');
  const KAMAILIO = { component: 'kamailio' };
  const revocations = new Counter({
    name: 'susurro_revocations_total', help: 'revocations recorded in the audit log (all instances)', labelNames: ['action'], registers: [registry],
  });
  const adminLoginFailures = new Counter({
    name: 'susurro_failed_admin_logins_total', help: 'administrator logins refused, from the audit log (all instances)', registers: [registry],
  });

  /** Re-reads every figure; each source independently, so one that is down hides only its own. */
  async function refresh() {
    for (const m of [...gauges.values(), ...counters.values(), bans, failing, allocations]) m.reset();
    const kamailio = rpc ? await Promise.all([
      rpc.call<unknown>('stats.get_statistics', ['usrloc:', 'dialog:', 'core:']).then(parseKamailioStats),
      rpc.call<unknown>('htable.dump', [BAN_TABLE]).then(parseHtableDump),
      rpc.call<unknown>('htable.dump', [AUTHFAIL_TABLE]).then(parseHtableDump),
    ]).catch(() => null) : null;
    kamailioUp.set(kamailio ? 1 : 0);
    if (kamailio) {
      const [stats, banned, fails] = kamailio;
      for (const [stat, g] of gauges) if (stats.has(stat)) g.set(KAMAILIO, stats.get(stat)!);
      for (const [stat, c] of counters) if (stats.has(stat)) c.inc(KAMAILIO, stats.get(stat)!);
      bans.set(KAMAILIO, banned.size);
      failing.set(KAMAILIO, fails.size);
    }
    const sessions = turnCli?.listSessions ? await turnCli.listSessions().catch(() => null) : null;
    turnUp.set(sessions ? 1 : 0);
    if (sessions) allocations.set({ component: 'coturn' }, sessions.length);
    // the audit log is append-only (database triggers), so these only grow, as counters must
    const rows = await db.all<{ action: string; n: number | string }>(
      `SELECT action, COUNT(*) AS n FROM susurro_audit WHERE (action IN (${REVOCATION_ACTIONS.map(() => '?').join(', ')}) AND outcome <> 'denied')
         OR (action = 'admin.login' AND outcome = 'denied') GROUP BY action`, [...REVOCATION_ACTIONS]);
    revocations.reset();
    adminLoginFailures.reset();
    for (const a of REVOCATION_ACTIONS) revocations.inc({ action: a }, 0);
    for (const r of rows) {
      if (r.action === 'admin.login') adminLoginFailures.inc(Number(r.n));
      else revocations.inc({ action: r.action }, Number(r.n));
    }
  }

  /** The metrics token, or else an administrator's session. */
  async function authorize(request: FastifyRequest) {
    const given = bearer(request.headers.authorization);
    if (given !== undefined) {
      metricsToken ??= ensureSecretFile(metricsTokenFile(config));
      if (hexEqual(tokenHash(given), tokenHash(metricsToken))) return;
    }
    await app.requireAdmin(request, undefined as never);
  }

  // one refresh at a time: two scrapes must not reset each other's figures half-way
  let serial: Promise<unknown> = Promise.resolve();
  app.get('/metrics', {
    schema: { tags: ['operations'], summary: 'Prometheus metrics (counts only); admin token or the metrics token', hide: true },
  }, async (request, reply) => {
    await authorize(request);
    const text = serial.then(async () => { await refresh(); return registry.metrics(); });
    serial = text.catch(() => undefined);
    reply.header('content-type', registry.contentType);
    return text;
  });
}

/** At the root context (fastify-plugin), so that the onResponse hook sees /api/v1/phone/login. */
export const metricsPlugin = fp(metricsRoutes, { fastify: '5.x', name: 'susurro-metrics', dependencies: ['susurro-context', 'susurro-auth'] });
