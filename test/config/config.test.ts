import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, REPO_ROOT } from '../../src/config/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'susurro-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({ file: null, env: {} });
    expect(c.domain).toBe('susurro.local');
    expect(c.publicHost).toBe('127.0.0.1');
    expect(c.dataDir).toBe(join(REPO_ROOT, 'var'));
    expect(c.listen.address).toBe('127.0.0.1');
    expect(c.ports).toEqual({
      sipTls: 5061, wss: 8443, jsonrpc: 5090, sipUdp: null, turn: 3478, turnTls: 5349,
      relayMin: 49152, relayMax: 51151, turnCli: 5766, admin: 8444,
    });
    expect(c.database.url).toBe(`sqlite:${join(REPO_ROOT, 'var', 'susurro.db')}`);
    expect(c.tls).toEqual({
      certFile: join(REPO_ROOT, 'var', 'tls', 'server.crt'),
      keyFile: join(REPO_ROOT, 'var', 'tls', 'server.key'),
      caFile: join(REPO_ROOT, 'var', 'tls', 'ca.crt'),
    });
    expect(c.turn).toEqual({ credentialsDb: join(REPO_ROOT, 'var', 'secrets', 'turn-credentials.db'), ttlSeconds: 600, userQuota: 12, totalQuota: 2000 });
    // >= 500 calls at 4 relay ports each (docs/configuration.md "Relay sizing")
    expect(c.ports.relayMax - c.ports.relayMin + 1).toBeGreaterThanOrEqual(500 * 4);
    expect(c.turn.totalQuota).toBeGreaterThanOrEqual(500 * 4);
    expect(c.logLevel).toBe('info');
    expect(c.antiflood).toEqual({ enabled: true, authFailsMax: 10, banSeconds: 300, pike: { windowSeconds: 2, maxRequests: 32 }, allowList: [] });
    expect(c.calls).toEqual({ requireSas: true });
  });

  it('paths derived from dataDir follow a dataDir override unless set explicitly', () => {
    const c = loadConfig({ file: null, env: {}, overrides: { dataDir: '/srv/s', tls: { certFile: '/etc/ssl/mine.pem' } } });
    expect(c.database.url).toBe('sqlite:/srv/s/susurro.db');
    expect(c.tls.certFile).toBe('/etc/ssl/mine.pem');
    expect(c.tls.keyFile).toBe('/srv/s/tls/server.key');
    expect(c.turn.credentialsDb).toBe('/srv/s/secrets/turn-credentials.db');
  });

  it('file < environment < overrides', () => {
    const file = join(dir, 'a.json');
    writeFileSync(file, JSON.stringify({ domain: 'file.example', publicHost: 'voice.file.example', ports: { wss: 9443, sipUdp: 5060 } }));
    const c = loadConfig({
      file,
      env: { SUSURRO_DOMAIN: 'env.example', SUSURRO_PORT_ADMIN: '9444', SUSURRO_DATABASE_URL: 'postgres://k:pw@db.example/susurro' },
      overrides: { domain: 'override.example' },
    });
    expect(c.domain).toBe('override.example');
    expect(c.publicHost).toBe('voice.file.example');
    expect(c.ports.wss).toBe(9443);
    expect(c.ports.sipUdp).toBe(5060);
    expect(c.ports.admin).toBe(9444);
    expect(c.ports.sipTls).toBe(5061);
    expect(c.database.url).toBe('postgres://k:pw@db.example/susurro');
  });

  it('SUSURRO_CONFIG names the file; a missing explicit file is an error', () => {
    const file = join(dir, 'b.json');
    writeFileSync(file, JSON.stringify({ logLevel: 'warn' }));
    expect(loadConfig({ env: { SUSURRO_CONFIG: file } }).logLevel).toBe('warn');
    expect(() => loadConfig({ env: { SUSURRO_CONFIG: join(dir, 'missing.json') } })).toThrow(ConfigError);
  });

  it.each([
    ['a relative dataDir', { dataDir: 'var' }],
    ['a port out of range', { ports: { wss: 70000 } }],
    ['a fractional port', { ports: { wss: 8443.5 } }],
    ['two services on one port', { ports: { wss: 5061 } }],
    ['relayMin > relayMax', { ports: { relayMin: 50000, relayMax: 40000 } }],
    ['an unknown log level', { logLevel: 'verbose' }],
    ['a domain with a quote', { domain: 'bad"domain' }],
    ['a listen address that is not an IP', { listen: { address: 'localhost' } }],
    ['an unsupported database', { database: { url: 'mysql://x' } }],
    ['a too short TURN ttl', { turn: { ttlSeconds: 5 } }],
    ['the removed test switch turn.allowLoopbackPeers', { turn: { allowLoopbackPeers: true } }],
    ['a zero authFailsMax', { antiflood: { authFailsMax: 0 } }],
    ['a non-boolean antiflood.enabled', { antiflood: { enabled: 'on' } }],
    ['a pike window of 0 s', { antiflood: { pike: { windowSeconds: 0 } } }],
    ['a pike maximum of 1 request', { antiflood: { pike: { maxRequests: 1 } } }],
    ['an allow-list that is not an array', { antiflood: { allowList: '10.0.0.0/8' } }],
    ['an allow-list entry that is a host name', { antiflood: { allowList: ['office.example.org'] } }],
    ['an allow-list entry with a quote (it lands in the script)', { antiflood: { allowList: ['10.0.0.1"/32'] } }],
    ['an IPv4 prefix longer than 32', { antiflood: { allowList: ['10.0.0.0/33'] } }],
    ['a TURN user quota of 0', { turn: { userQuota: 0 } }],
    ['a TURN user quota above the total', { turn: { userQuota: 50, totalQuota: 10 } }],
  ])('rejects %s with SUSURRO_CONFIG_INVALID', (_what, overrides) => {
    let err: unknown;
    try {
      loadConfig({ file: null, env: {}, overrides: overrides as never });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('SUSURRO_CONFIG_INVALID');
  });

  it('rejects malformed environment values and invalid JSON files', () => {
    expect(() => loadConfig({ file: null, env: { SUSURRO_PORT_WSS: '84x3' } })).toThrow(ConfigError);
    const file = join(dir, 'c.json');
    writeFileSync(file, '{ not json');
    expect(() => loadConfig({ file, env: {} })).toThrow(/not valid JSON/);
    writeFileSync(file, '[1,2]');
    expect(() => loadConfig({ file, env: {} })).toThrow(/JSON object/);
  });

  it('anti-flood settings come from the environment too', () => {
    const c = loadConfig({ file: null, env: { SUSURRO_ANTIFLOOD: 'off', SUSURRO_AUTH_FAILS_MAX: '5', SUSURRO_BAN_SECONDS: '60' } });
    expect(c.antiflood).toEqual({ enabled: false, authFailsMax: 5, banSeconds: 60, pike: { windowSeconds: 2, maxRequests: 32 }, allowList: [] });
    const limits = loadConfig({ file: null, env: {
      SUSURRO_PIKE_WINDOW_SECONDS: '4', SUSURRO_PIKE_MAX_REQUESTS: '100', SUSURRO_ANTIFLOOD_ALLOW: '192.0.2.0/24, 2001:db8::1',
      SUSURRO_TURN_USER_QUOTA: '6', SUSURRO_TURN_TOTAL_QUOTA: '3000',
    } });
    expect(limits.antiflood?.pike).toEqual({ windowSeconds: 4, maxRequests: 100 });
    expect(limits.antiflood?.allowList).toEqual(['192.0.2.0/24', '2001:db8::1/128']);
    expect([limits.turn.userQuota, limits.turn.totalQuota]).toEqual([6, 3000]);
    expect(() => loadConfig({ file: null, env: { SUSURRO_ANTIFLOOD: 'maybe' } })).toThrow(ConfigError);
  });

  it('calls.requireSas (verified calls only) is on unless switched off', () => {
    expect(loadConfig({ file: null, env: { SUSURRO_REQUIRE_SAS: 'off' } }).calls).toEqual({ requireSas: false });
    expect(loadConfig({ file: null, env: {}, overrides: { calls: { requireSas: false } } }).calls).toEqual({ requireSas: false });
    expect(() => loadConfig({ file: null, env: { SUSURRO_REQUIRE_SAS: 'maybe' } })).toThrow(ConfigError);
    const file = join(dir, 'sas.json');
    writeFileSync(file, '{ "calls": { "requireSas": "no" } }');
    expect(() => loadConfig({ file, env: {} })).toThrow(/calls.requireSas must be a boolean/);
  });

  it('SUSURRO_PORT_SIP_UDP=off keeps plain SIP off', () => {
    expect(loadConfig({ file: null, env: { SUSURRO_PORT_SIP_UDP: 'off' } }).ports.sipUdp).toBeNull();
    expect(loadConfig({ file: null, env: { SUSURRO_PORT_SIP_UDP: '5060' } }).ports.sipUdp).toBe(5060);
  });
});
