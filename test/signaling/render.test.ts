/**
 * kamailio-config/ rendering: the generated #!substdef/#!define header, and `kamailio -c` (the
 * real 5.6 parser, with every module's parameters) accepting the result for each feature set.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, type DeepPartial, type SusurroConfig } from '../../src/config/index.ts';
import { kamailioDebugLevel, kamailioModuleDbUrl, renderAllowList, renderDefs, renderKamailioConfig, RenderError } from '../../src/signaling/render.ts';
import { checkKamailioConfig } from '../../src/stack/index.ts';
import { ensureTlsMaterial } from '../../src/tls/dev-ca.ts';

const dir = mkdtempSync(join(tmpdir(), 'susurro-render-'));
const SHA = 'ab'.repeat(32);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function config(overrides: DeepPartial<SusurroConfig> = {}): SusurroConfig {
  return loadConfig({ file: null, env: {}, overrides: { dataDir: dir, ...overrides } });
}

describe('renderDefs', () => {
  it('puts every deployment value into #!substdef lines', () => {
    const c = config({ domain: 'example.org', publicHost: 'voice.example.org', ports: { admin: 9444, wss: 9443 } });
    const defs = renderDefs(c, { tlsCfgFile: '/run/tls.cfg', rpcTokenSha256: SHA });
    expect(defs).toContain('#!substdef "!SUSURRO_DOMAIN!example.org!g"');
    expect(defs).toContain('#!substdef "!SUSURRO_ORIGIN!https://voice.example.org:9444!g"');
    expect(defs).toContain('#!substdef "!SUSURRO_WS_HOST!voice.example.org:9443!g"');
    expect(defs).toContain(`#!substdef "!SUSURRO_DBURL!sqlite:///${dir}/susurro.db!g"`);
    expect(defs).toContain('#!define WITH_SQLITE');
    expect(defs).toContain('#!define WITH_ANTIFLOOD');
    expect(defs).toContain('#!define WITH_REQUIRE_SAS');
    expect(defs).not.toContain('WITH_PLAIN_SIP');
  });

  it('switches features from the config', () => {
    const defs = renderDefs(config({ ports: { sipUdp: 5060 }, database: { url: 'postgres://k:p@db/k' } }), { tlsCfgFile: '/t', rpcTokenSha256: SHA }, { antiflood: false });
    expect(defs).toContain('#!define WITH_PLAIN_SIP');
    expect(defs).toContain('#!define WITH_POSTGRES');
    expect(defs).not.toContain('WITH_SQLITE');
    expect(defs).not.toContain('WITH_ANTIFLOOD');
    expect(defs).toContain('#!substdef "!SUSURRO_SIP_PORT!5060!g"');
    expect(renderDefs(config({ calls: { requireSas: false } }), { tlsCfgFile: '/t', rpcTokenSha256: SHA })).not.toContain('WITH_REQUIRE_SAS');
    // a hand-built config without `calls` gets the policy (fail closed)
    const { calls: _omitted, ...handBuilt } = config();
    expect(renderDefs(handBuilt, { tlsCfgFile: '/t', rpcTokenSha256: SHA })).toContain('#!define WITH_REQUIRE_SAS');
  });

  it('picks a separator the value does not contain, and refuses quotes', () => {
    const defs = renderDefs(config({ database: { url: 'postgres://k:p!ss@db/k' } }), { tlsCfgFile: '/t', rpcTokenSha256: SHA });
    expect(defs).toContain('#!substdef "|SUSURRO_DBURL|postgres://k:p!ss@db/k|g"');
    expect(() => renderDefs(config({ database: { url: 'postgres://k:p"ss@db/k' } }), { tlsCfgFile: '/t', rpcTokenSha256: SHA })).toThrow(RenderError);
  });

  it('db_sqlite needs four slashes for an absolute path', () => {
    expect(kamailioModuleDbUrl('sqlite:/var/lib/s.db')).toBe('sqlite:////var/lib/s.db');
    expect(kamailioModuleDbUrl('postgres://u:p@h/d')).toBe('postgres://u:p@h/d');
  });

  it('never uses Kamailio DBG (3), which logs whole messages', () => {
    expect(kamailioDebugLevel('debug')).toBeLessThan(3);
    expect(kamailioDebugLevel('error')).toBe(-1);
  });
});

describe('the JSON-RPC token in the rendered files', () => {
  it('defs carry only the token\'s SHA-256, in a 0600 file; a malformed hash is refused', () => {
    const c = config();
    const files = renderKamailioConfig(c, join(dir, 'run-token'), ensureTlsMaterial(c));
    const token = readFileSync(join(dir, 'secrets', 'kamailio-rpc-token'), 'utf8').trim();
    expect(statSync(join(dir, 'secrets', 'kamailio-rpc-token')).mode & 0o777).toBe(0o600);
    const defs = readFileSync(files.defsFile, 'utf8');
    expect(defs).toContain(`!SUSURRO_RPC_TOKEN_SHA256!${createHash('sha256').update(token).digest('hex')}!g`);
    expect(defs).not.toContain(token);
    expect(readFileSync(files.cfgFile, 'utf8')).not.toContain(token);
    expect(statSync(files.defsFile).mode & 0o777).toBe(0o600);
    expect(() => renderDefs(c, { tlsCfgFile: '/t', rpcTokenSha256: 'AB'.repeat(32) })).toThrow(RenderError);
  });
});

describe('abuse limits in the rendered script', () => {
  it('pike thresholds become #!substdef lines, the allow-list one is_in_subnet test per entry', () => {
    const c = config({ antiflood: { pike: { windowSeconds: 5, maxRequests: 200 }, allowList: ['192.0.2.0/24', '2001:db8::7'] } });
    const defs = renderDefs(c, { tlsCfgFile: '/t', rpcTokenSha256: SHA });
    expect(defs).toContain('#!substdef "!SUSURRO_PIKE_WINDOW!5!g"');
    expect(defs).toContain('#!substdef "!SUSURRO_PIKE_MAX!200!g"');
    expect(renderAllowList(c.antiflood!.allowList!)).toBe([
      '# Generated by src/signaling/render.ts from config.antiflood.allowList. Do not edit.',
      'route[ANTIFLOOD_ALLOWLIST] {',
      '\tif (is_in_subnet("$si", "192.0.2.0/24")) return 1;',
      '\tif (is_in_subnet("$si", "2001:db8::7/128")) return 1;',
      '\treturn -1;',
      '}',
      '',
    ].join('\n'));
    expect(() => renderAllowList(['1.2.3.4"); exit; #'])).toThrow(RenderError);
  });
});

describe('kamailio -c accepts the rendered script', () => {
  const variants: [string, DeepPartial<SusurroConfig>, { antiflood?: boolean }][] = [
    ['defaults (sqlite, TLS + WSS, anti-flood)', {}, {}],
    ['plain SIP on for a LAN, no anti-flood', { ports: { sipUdp: 25060 } }, { antiflood: false }],
    ['calls.requireSas off', { calls: { requireSas: false } }, {}],
    ['pike thresholds and an IPv4 + IPv6 allow-list', { antiflood: { pike: { windowSeconds: 5, maxRequests: 200 }, allowList: ['192.0.2.0/24', '2001:db8::/48'] } }, {}],
    ['postgres', { database: { url: 'postgres://kamailio:pw@127.0.0.1:5432/susurro' } }, {}],
    ['all interfaces + debug log level', { listen: { address: '0.0.0.0' }, logLevel: 'debug' }, {}],
    ['IPv6 loopback', { listen: { address: '::1' }, publicHost: '::1' }, {}],
  ];
  it.each(variants)('%s', async (name, overrides, features) => {
    const c = config(overrides);
    const tls = ensureTlsMaterial(c);
    const files = renderKamailioConfig(c, join(dir, `run-${name.replace(/\W+/g, '-')}`), tls, features);
    const out = await checkKamailioConfig(files);
    expect(out).toContain('config file ok');
    expect(out).toContain(`tls: ${c.listen.address} `);
    expect(readFileSync(files.tlsCfgFile, 'utf8')).toContain(`certificate = ${tls.certFile}`);
    // the media policy's parser is rendered next to the script and named by SUSURRO_SDP_LUA
    expect(readFileSync(files.sdpLuaFile, 'utf8')).toContain('function susurro_sdp_policy()');
    expect(readFileSync(files.defsFile, 'utf8')).toContain(`SUSURRO_SDP_LUA!${files.sdpLuaFile}!`);
  });

  it('a broken template is reported with kamailio\'s error', async () => {
    const c = config();
    const files = renderKamailioConfig(c, join(dir, 'run-broken'), ensureTlsMaterial(c));
    const { writeFileSync, appendFileSync } = await import('node:fs');
    appendFileSync(files.cfgFile, '\nroute[BROKEN] { this is not kamailio }\n');
    await expect(checkKamailioConfig(files)).rejects.toMatchObject({ code: 'SUSURRO_STACK_KAMAILIO_CONFIG' });
    writeFileSync(files.cfgFile, '');
  });
});
