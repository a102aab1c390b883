/**
 * The one configuration object of a susurro installation (contract: stack-api.md).
 *
 * Sources, later ones win: built-in defaults → JSON file (susurro.config.json at the repository
 * root, or opts.file / SUSURRO_CONFIG) → environment variables (SUSURRO_*) → programmatic
 * overrides (tests use these for a temp dataDir and free ports). Documented in docs/configuration.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from './errors.ts';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface SusurroConfig {
  /** SIP domain = digest realm = TURN realm. */
  domain: string;
  /** Host name or IP that clients use in URLs (wss://, https://, turn:). */
  publicHost: string;
  /** Absolute directory for the database, secrets, TLS material and runtime files. */
  dataDir: string;
  listen: { address: string };
  ports: {
    sipTls: number;
    wss: number;
    /** Kamailio JSON-RPC over HTTP; always bound to 127.0.0.1 only. */
    jsonrpc: number;
    /** Plain SIP over UDP+TCP for a LAN; null = off (the default). */
    sipUdp: number | null;
    turn: number;
    turnTls: number;
    relayMin: number;
    relayMax: number;
    /** coturn telnet CLI; always bound to 127.0.0.1 only. */
    turnCli: number;
    /** HTTPS: admin API, softphone and admin page. */
    admin: number;
  };
  database: { url: string };
  tls: { certFile: string; keyFile: string; caFile: string | null };
  /**
   * TURN relay. userQuota: simultaneous allocations per TURN username, i.e. per issued
   * credential (coturn user-quota); totalQuota: allocations on this relay (coturn total-quota).
   * Optional in the type like antiflood; loadConfig always fills them (12, 2000).
   */
  turn: { credentialsDb: string; ttlSeconds: number; userQuota?: number; totalQuota?: number };
  logLevel: LogLevel;
  /**
   * Log retention (docs/privacy.md): <dataDir>/run/*.log are rotated daily and rotated copies
   * older than retentionDays are deleted. Optional in the type like antiflood; loadConfig fills 7.
   */
  logs?: { retentionDays: number };
  /**
   * Kamailio anti-flood (issue #7): pike flood detection and a ban of sources that fail
   * authentication `authFailsMax` times, for `banSeconds`. Optional in the type so that
   * hand-built configs stay valid; loadConfig always fills it (default on, 10, 300).
   */
  antiflood?: AntifloodConfig;
  /**
   * Call policy (issue #16). requireSas ("verified calls only", default on): the media policy
   * refuses (488) any call whose media cannot show a ZRTP SAS — a DTLS-SRTP stream without
   * a=zrtp-hash — in offers and answers (docs/hardening.md "media policy"). Optional in the
   * type like antiflood; loadConfig always fills it.
   */
  calls?: { requireSas: boolean };
  /**
   * Chat beside voice (issue 17): the managed Prosody XMPP server (src/chat/, docs/chat.md).
   * domain: the XMPP domain (accounts are <extension>@domain), default = domain. federation:
   * server-to-server links (s2s), off by default. uploadExpirySeconds: http_file_share deletes
   * uploaded files after this long. Ports: c2s (STARTTLS required), c2sTls (direct TLS), s2s
   * (only listened on with federation), https (file share). Optional in the type like antiflood;
   * loadConfig always fills it.
   */
  chat?: {
    domain: string;
    federation: boolean;
    uploadExpirySeconds: number;
    ports: { c2s: number; c2sTls: number; s2s: number; https: number };
  };
}

/** config.antiflood (docs/hardening.md "Abuse limits"). */
export interface AntifloodConfig {
  enabled: boolean;
  authFailsMax: number;
  banSeconds: number;
  /** pike: more than maxRequests requests within windowSeconds from one source is a flood (ban). */
  pike?: { windowSeconds: number; maxRequests: number };
  /**
   * Source addresses or CIDRs (an office NAT) that pike never bans. They still authenticate
   * every request, and repeated failed authentications still ban them.
   */
  allowList?: string[];
}

export type DeepPartial<T> = {
  [K in keyof T]?: NonNullable<T[K]> extends object
    ? DeepPartial<NonNullable<T[K]>> | (null extends T[K] ? null : never)
    : T[K];
};

/** The repository root (two levels above this file). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

/** Fields of the config that depend on dataDir, filled after all sources are merged. */
function derivedDefaults(dataDir: string) {
  return {
    database: { url: `sqlite:${join(dataDir, 'susurro.db')}` },
    tls: {
      certFile: join(dataDir, 'tls', 'server.crt'),
      keyFile: join(dataDir, 'tls', 'server.key'),
      caFile: join(dataDir, 'tls', 'ca.crt'),
    },
    turn: { credentialsDb: join(dataDir, 'secrets', 'turn-credentials.db') },
  };
}

function baseDefaults(): DeepPartial<SusurroConfig> {
  return {
    domain: 'susurro.local',
    publicHost: '127.0.0.1',
    dataDir: join(REPO_ROOT, 'var'),
    listen: { address: '127.0.0.1' },
    ports: {
      sipTls: 5061, wss: 8443, jsonrpc: 5090, sipUdp: null, turn: 3478, turnTls: 5349,
      // 2000 relay ports: >= 500 calls at up to 4 allocations each (two parties, UDP and TLS
      // TURN candidates each); docs/configuration.md "Relay sizing"
      relayMin: 49152, relayMax: 51151, turnCli: 5766, admin: 8444,
    },
    turn: { ttlSeconds: 600, userQuota: 12, totalQuota: 2000 },
    logLevel: 'info',
    logs: { retentionDays: 7 },
    antiflood: { enabled: true, authFailsMax: 10, banSeconds: 300, pike: { windowSeconds: 2, maxRequests: 32 }, allowList: [] },
    calls: { requireSas: true },
    chat: { federation: false, uploadExpirySeconds: 86400, ports: { c2s: 5222, c2sTls: 5223, s2s: 5269, https: 5281 } },
  };
}

/** Environment variables → partial config. Each is listed in docs/configuration.md. */
export const ENV_VARS: Record<string, (v: string) => DeepPartial<SusurroConfig>> = {
  SUSURRO_DOMAIN: (v) => ({ domain: v }),
  SUSURRO_PUBLIC_HOST: (v) => ({ publicHost: v }),
  SUSURRO_DATA_DIR: (v) => ({ dataDir: v }),
  SUSURRO_LISTEN_ADDRESS: (v) => ({ listen: { address: v } }),
  SUSURRO_DATABASE_URL: (v) => ({ database: { url: v } }),
  SUSURRO_TLS_CERT_FILE: (v) => ({ tls: { certFile: v } }),
  SUSURRO_TLS_KEY_FILE: (v) => ({ tls: { keyFile: v } }),
  SUSURRO_TLS_CA_FILE: (v) => ({ tls: { caFile: v === '' ? null : v } }),
  SUSURRO_TURN_CREDENTIALS_DB: (v) => ({ turn: { credentialsDb: v } }),
  SUSURRO_TURN_TTL_SECONDS: (v) => ({ turn: { ttlSeconds: intFromEnv('SUSURRO_TURN_TTL_SECONDS', v) } }),
  SUSURRO_LOG_LEVEL: (v) => ({ logLevel: v as LogLevel }),
  SUSURRO_ANTIFLOOD: (v) => ({ antiflood: { enabled: boolFromEnv('SUSURRO_ANTIFLOOD', v) } }),
  SUSURRO_AUTH_FAILS_MAX: (v) => ({ antiflood: { authFailsMax: intFromEnv('SUSURRO_AUTH_FAILS_MAX', v) } }),
  SUSURRO_BAN_SECONDS: (v) => ({ antiflood: { banSeconds: intFromEnv('SUSURRO_BAN_SECONDS', v) } }),
  SUSURRO_PIKE_WINDOW_SECONDS: (v) => ({ antiflood: { pike: { windowSeconds: intFromEnv('SUSURRO_PIKE_WINDOW_SECONDS', v) } } }),
  SUSURRO_PIKE_MAX_REQUESTS: (v) => ({ antiflood: { pike: { maxRequests: intFromEnv('SUSURRO_PIKE_MAX_REQUESTS', v) } } }),
  SUSURRO_ANTIFLOOD_ALLOW: (v) => ({ antiflood: { allowList: v.split(',').map((x) => x.trim()).filter((x) => x !== '') } }),
  SUSURRO_TURN_USER_QUOTA: (v) => ({ turn: { userQuota: intFromEnv('SUSURRO_TURN_USER_QUOTA', v) } }),
  SUSURRO_TURN_TOTAL_QUOTA: (v) => ({ turn: { totalQuota: intFromEnv('SUSURRO_TURN_TOTAL_QUOTA', v) } }),
  SUSURRO_REQUIRE_SAS: (v) => ({ calls: { requireSas: boolFromEnv('SUSURRO_REQUIRE_SAS', v) } }),
  SUSURRO_CHAT_DOMAIN: (v) => ({ chat: { domain: v } }),
  SUSURRO_CHAT_FEDERATION: (v) => ({ chat: { federation: boolFromEnv('SUSURRO_CHAT_FEDERATION', v) } }),
  SUSURRO_PORT_CHAT_C2S: (v) => ({ chat: { ports: { c2s: intFromEnv('SUSURRO_PORT_CHAT_C2S', v) } } }),
  SUSURRO_PORT_CHAT_C2S_TLS: (v) => ({ chat: { ports: { c2sTls: intFromEnv('SUSURRO_PORT_CHAT_C2S_TLS', v) } } }),
  SUSURRO_PORT_CHAT_S2S: (v) => ({ chat: { ports: { s2s: intFromEnv('SUSURRO_PORT_CHAT_S2S', v) } } }),
  SUSURRO_PORT_CHAT_HTTPS: (v) => ({ chat: { ports: { https: intFromEnv('SUSURRO_PORT_CHAT_HTTPS', v) } } }),
  SUSURRO_PORT_SIP_TLS: (v) => ({ ports: { sipTls: intFromEnv('SUSURRO_PORT_SIP_TLS', v) } }),
  SUSURRO_PORT_WSS: (v) => ({ ports: { wss: intFromEnv('SUSURRO_PORT_WSS', v) } }),
  SUSURRO_PORT_JSONRPC: (v) => ({ ports: { jsonrpc: intFromEnv('SUSURRO_PORT_JSONRPC', v) } }),
  SUSURRO_PORT_SIP_UDP: (v) => ({ ports: { sipUdp: v === '' || v === 'off' ? null : intFromEnv('SUSURRO_PORT_SIP_UDP', v) } }),
  SUSURRO_PORT_TURN: (v) => ({ ports: { turn: intFromEnv('SUSURRO_PORT_TURN', v) } }),
  SUSURRO_PORT_TURN_TLS: (v) => ({ ports: { turnTls: intFromEnv('SUSURRO_PORT_TURN_TLS', v) } }),
  SUSURRO_PORT_RELAY_MIN: (v) => ({ ports: { relayMin: intFromEnv('SUSURRO_PORT_RELAY_MIN', v) } }),
  SUSURRO_PORT_RELAY_MAX: (v) => ({ ports: { relayMax: intFromEnv('SUSURRO_PORT_RELAY_MAX', v) } }),
  SUSURRO_PORT_TURN_CLI: (v) => ({ ports: { turnCli: intFromEnv('SUSURRO_PORT_TURN_CLI', v) } }),
  SUSURRO_PORT_ADMIN: (v) => ({ ports: { admin: intFromEnv('SUSURRO_PORT_ADMIN', v) } }),
};

function intFromEnv(name: string, v: string): number {
  if (!/^\d+$/.test(v)) throw new ConfigError(`${name} must be an integer, got "${v}"`);
  return Number(v);
}

function boolFromEnv(name: string, v: string): boolean {
  if (/^(1|true|on|yes)$/i.test(v)) return true;
  if (/^(0|false|off|no)$/i.test(v)) return false;
  throw new ConfigError(`${name} must be on or off, got "${v}"`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge of plain objects; arrays and scalars (including null) replace. undefined is skipped. */
function merge(target: Record<string, unknown>, source: unknown): Record<string, unknown> {
  if (!isPlainObject(source)) return target;
  for (const [k, v] of Object.entries(source)) {
    if (v === undefined) continue;
    if (isPlainObject(v)) {
      target[k] = merge(isPlainObject(target[k]) ? (target[k] as Record<string, unknown>) : {}, v);
    } else {
      target[k] = v;
    }
  }
  return target;
}

export interface LoadConfigOptions {
  /** JSON file; default $SUSURRO_CONFIG or <repo>/susurro.config.json if it exists; null = no file. */
  file?: string | null;
  env?: NodeJS.ProcessEnv;
  overrides?: DeepPartial<SusurroConfig>;
}

export function loadConfig(opts: LoadConfigOptions = {}): SusurroConfig {
  const env = opts.env ?? process.env;
  const merged = merge({}, baseDefaults());

  const explicitFile = opts.file === null ? null : (opts.file ?? env['SUSURRO_CONFIG']);
  const file = explicitFile === null ? null : (explicitFile ?? join(REPO_ROOT, 'susurro.config.json'));
  if (file !== null && explicitFile !== undefined && !existsSync(file)) {
    throw new ConfigError(`configuration file ${file} does not exist`);
  }
  if (file !== null && existsSync(file)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`configuration file ${file} is not valid JSON: ${(err as Error).message}`);
    }
    if (!isPlainObject(parsed)) throw new ConfigError(`configuration file ${file} must hold a JSON object`);
    merge(merged, parsed);
  }
  for (const [name, toPartial] of Object.entries(ENV_VARS)) {
    const v = env[name];
    if (v !== undefined) merge(merged, toPartial(v));
  }
  merge(merged, opts.overrides);

  // Paths that depend on dataDir are derived last, so that a dataDir override moves them too,
  // unless a source set them explicitly.
  const dataDir = merged['dataDir'];
  if (typeof dataDir !== 'string' || !isAbsolute(dataDir)) {
    throw new ConfigError(`dataDir must be an absolute path, got ${JSON.stringify(dataDir)}`);
  }
  const withDerived = merge(merge({}, derivedDefaults(dataDir)), merged);
  return validateConfig(withDerived);
}

function str(obj: Record<string, unknown>, key: string, path: string): string {
  const v = obj[key];
  if (typeof v !== 'string' || v === '') throw new ConfigError(`${path} must be a non-empty string`);
  return v;
}

function port(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) {
    throw new ConfigError(`${path} must be a port number 1..65535, got ${JSON.stringify(v)}`);
  }
  return v;
}

function int(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(`${path} must be an integer between ${min} and ${max}`);
  }
  return v;
}

/** "192.0.2.7", "192.0.2.0/24", "2001:db8::/48" → the CIDR form Kamailio's is_in_subnet takes. */
function cidr(v: unknown, path: string): string {
  const m = typeof v === 'string' ? /^([0-9A-Fa-f.:]+)(?:\/(\d{1,3}))?$/.exec(v) : null;
  const family = m ? isIP(m[1]!) : 0;
  const bits = family === 4 ? 32 : 128;
  const prefix = m?.[2] === undefined ? bits : Number(m[2]);
  if (!m || family === 0 || prefix > bits) {
    throw new ConfigError(`${path} must be an IP address or CIDR (e.g. 192.0.2.0/24), got ${JSON.stringify(v)}`);
  }
  return `${m[1]}/${prefix}`;
}

/** Checks every field and returns a fully typed config; throws ConfigError naming the field. */
export function validateConfig(raw: Record<string, unknown>): SusurroConfig {
  const domain = str(raw, 'domain', 'domain');
  if (!/^[A-Za-z0-9.-]+$/.test(domain)) throw new ConfigError('domain must be a host name (letters, digits, dots, dashes)');
  const publicHost = str(raw, 'publicHost', 'publicHost');
  if (!/^[A-Za-z0-9.:-]+$/.test(publicHost)) throw new ConfigError('publicHost must be a host name or IP address');
  const dataDir = str(raw, 'dataDir', 'dataDir');
  const listen = (raw['listen'] ?? {}) as Record<string, unknown>;
  const address = str(listen, 'address', 'listen.address');
  if (!/^[0-9A-Fa-f.:]+$/.test(address)) throw new ConfigError('listen.address must be an IP address');
  const p = (raw['ports'] ?? {}) as Record<string, unknown>;
  const ports = {
    sipTls: port(p['sipTls'], 'ports.sipTls'),
    wss: port(p['wss'], 'ports.wss'),
    jsonrpc: port(p['jsonrpc'], 'ports.jsonrpc'),
    sipUdp: p['sipUdp'] === null || p['sipUdp'] === undefined ? null : port(p['sipUdp'], 'ports.sipUdp'),
    turn: port(p['turn'], 'ports.turn'),
    turnTls: port(p['turnTls'], 'ports.turnTls'),
    relayMin: port(p['relayMin'], 'ports.relayMin'),
    relayMax: port(p['relayMax'], 'ports.relayMax'),
    turnCli: port(p['turnCli'], 'ports.turnCli'),
    admin: port(p['admin'], 'ports.admin'),
  };
  if (ports.relayMin > ports.relayMax) throw new ConfigError('ports.relayMin must be <= ports.relayMax');
  const chat = validateChat(raw['chat'], domain);
  const listening = [ports.sipTls, ports.wss, ports.jsonrpc, ports.turn, ports.turnTls, ports.turnCli, ports.admin,
    chat.ports.c2s, chat.ports.c2sTls, chat.ports.https, ...(chat.federation ? [chat.ports.s2s] : [])];
  if (ports.sipUdp !== null) listening.push(ports.sipUdp);
  if (new Set(listening).size !== listening.length) throw new ConfigError('ports must be distinct');
  const database = { url: str((raw['database'] ?? {}) as Record<string, unknown>, 'url', 'database.url') };
  if (!/^(sqlite:\/|postgres(ql)?:\/\/)/.test(database.url)) {
    throw new ConfigError('database.url must be "sqlite:/abs/path.db" or "postgres://..."');
  }
  const t = (raw['tls'] ?? {}) as Record<string, unknown>;
  const tls = {
    certFile: str(t, 'certFile', 'tls.certFile'),
    keyFile: str(t, 'keyFile', 'tls.keyFile'),
    caFile: t['caFile'] === null || t['caFile'] === undefined ? null : str(t, 'caFile', 'tls.caFile'),
  };
  const tu = (raw['turn'] ?? {}) as Record<string, unknown>;
  const ttl = tu['ttlSeconds'];
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 30 || ttl > 86400) {
    throw new ConfigError('turn.ttlSeconds must be an integer between 30 and 86400');
  }
  if ('allowLoopbackPeers' in tu) {
    throw new ConfigError('turn.allowLoopbackPeers no longer exists: loopback relaying follows the local trial mode (a loopback publicHost and listen.address), see docs/configuration.md');
  }
  const turn = {
    credentialsDb: str(tu, 'credentialsDb', 'turn.credentialsDb'), ttlSeconds: ttl,
    userQuota: int(tu['userQuota'], 'turn.userQuota', 1, 1000),
    totalQuota: int(tu['totalQuota'], 'turn.totalQuota', 1, 100_000),
  };
  if (turn.userQuota > turn.totalQuota) throw new ConfigError('turn.userQuota must be <= turn.totalQuota');
  const logLevel = raw['logLevel'];
  if (!LOG_LEVELS.includes(logLevel as LogLevel)) throw new ConfigError(`logLevel must be one of ${LOG_LEVELS.join(', ')}`);
  for (const [path, v] of [['dataDir', dataDir], ['tls.certFile', tls.certFile], ['tls.keyFile', tls.keyFile], ['turn.credentialsDb', turn.credentialsDb]] as const) {
    if (!isAbsolute(v)) throw new ConfigError(`${path} must be an absolute path`);
  }
  const logs = { retentionDays: int(((raw['logs'] ?? {}) as Record<string, unknown>)['retentionDays'], 'logs.retentionDays', 1, 3650) };
  const af = (raw['antiflood'] ?? {}) as Record<string, unknown>;
  if (typeof af['enabled'] !== 'boolean') throw new ConfigError('antiflood.enabled must be a boolean');
  for (const [k, min, max] of [['authFailsMax', 1, 1000], ['banSeconds', 1, 604800]] as const) {
    const v = af[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new ConfigError(`antiflood.${k} must be an integer between ${min} and ${max}`);
    }
  }
  const pk = (af['pike'] ?? {}) as Record<string, unknown>;
  const pike = {
    windowSeconds: int(pk['windowSeconds'], 'antiflood.pike.windowSeconds', 1, 300),
    maxRequests: int(pk['maxRequests'], 'antiflood.pike.maxRequests', 2, 100_000),
  };
  const allowList = af['allowList'] ?? [];
  if (!Array.isArray(allowList)) throw new ConfigError('antiflood.allowList must be an array of IP addresses or CIDRs');
  const antiflood = {
    enabled: af['enabled'], authFailsMax: af['authFailsMax'] as number, banSeconds: af['banSeconds'] as number,
    pike, allowList: allowList.map((v, i) => cidr(v, `antiflood.allowList[${i}]`)),
  };
  const calls = (raw['calls'] ?? {}) as Record<string, unknown>;
  if (typeof calls['requireSas'] !== 'boolean') throw new ConfigError('calls.requireSas must be a boolean');
  return {
    domain, publicHost, dataDir, listen: { address }, ports, database, tls, turn, logLevel: logLevel as LogLevel, logs, antiflood,
    calls: { requireSas: calls['requireSas'] },
    chat,
  };
}

function validateChat(raw: unknown, sipDomain: string): NonNullable<SusurroConfig['chat']> {
  const c = (raw ?? {}) as Record<string, unknown>;
  const domain = c['domain'] === undefined ? sipDomain : c['domain'];
  if (typeof domain !== 'string' || !/^[A-Za-z0-9.-]+$/.test(domain)) throw new ConfigError('chat.domain must be a host name (letters, digits, dots, dashes)');
  if (typeof c['federation'] !== 'boolean') throw new ConfigError('chat.federation must be a boolean');
  const exp = c['uploadExpirySeconds'];
  if (typeof exp !== 'number' || !Number.isInteger(exp) || exp < 60 || exp > 30 * 86400) {
    throw new ConfigError('chat.uploadExpirySeconds must be an integer between 60 and 2592000');
  }
  const p = (c['ports'] ?? {}) as Record<string, unknown>;
  const ports = {
    c2s: port(p['c2s'], 'chat.ports.c2s'), c2sTls: port(p['c2sTls'], 'chat.ports.c2sTls'),
    s2s: port(p['s2s'], 'chat.ports.s2s'), https: port(p['https'], 'chat.ports.https'),
  };
  return { domain, federation: c['federation'], uploadExpirySeconds: exp, ports };
}
