/**
 * Issue #19 "Operations": the generated systemd unit passes `systemd-analyze verify` (Debian's
 * systemd 252; nothing is installed or started on this machine) and carries the sandbox
 * directives; a unit with a deliberate error fails the same verification (control).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, loadConfig, type DeepPartial, type SusurroConfig } from '../../src/config/index.ts';
import { SystemdUnitError, renderSystemdUnits } from '../../src/stack/systemd-units.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'susurro-systemd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// a Node binary outside /home and /root, as an installation uses (ProtectHome hides those)
const NODE = '/usr/bin/node';

function config(overrides: DeepPartial<SusurroConfig> = {}): SusurroConfig {
  return loadConfig({ file: null, env: {}, overrides: { dataDir: '/var/lib/susurro', ...overrides } });
}

async function verify(unitFile: string): Promise<{ code: number; stderr: string }> {
  try {
    const r = await run('systemd-analyze', ['verify', '--man=no', unitFile]);
    return { code: 0, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stderr: e.stderr ?? String(err) };
  }
}

describe('npm run systemd (the generator command)', () => {
  it('writes susurro.service and susurro.sysusers, and systemd-analyze verify accepts the unit', async () => {
    const configFile = join(dir, 'susurro.config.json');
    writeFileSync(configFile, JSON.stringify({ dataDir: '/var/lib/susurro', domain: 'voice.example.org' }));
    const out = join(dir, 'units');
    await run(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['src/cli/systemd-units.ts', '--out', out, '--config', configFile, '--node', NODE], { cwd: REPO_ROOT });
    const unit = readFileSync(join(out, 'susurro.service'), 'utf8');
    const r = await verify(join(out, 'susurro.service'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    for (const line of [
      'User=susurro', 'ProtectSystem=strict', 'ReadWritePaths=/var/lib/susurro', 'NoNewPrivileges=yes', 'ProtectHome=yes',
      'PrivateTmp=yes', 'CapabilityBoundingSet=', `Environment=SUSURRO_CONFIG=${configFile}`,
      `ExecStart=${NODE} ${REPO_ROOT}/node_modules/tsx/dist/cli.mjs src/cli/start.ts`,
    ]) expect(unit.split('\n')).toContain(line);
    expect(readFileSync(join(out, 'susurro.sysusers'), 'utf8')).toContain('u susurro - "susurro voice service" /var/lib/susurro /usr/sbin/nologin');
  });

  it('PostgreSQL and a port below 1024: ordered after postgresql, only CAP_NET_BIND_SERVICE; still verified', async () => {
    const units = renderSystemdUnits(config({ database: { url: 'postgres://s:p@127.0.0.1/s' }, ports: { admin: 443 } }), { installDir: REPO_ROOT, node: NODE, configFile: '/etc/susurro/c.json' });
    const file = join(dir, 'pg.service');
    writeFileSync(file, units['susurro.service']);
    const r = await verify(file);
    expect(r.code, r.stderr).toBe(0);
    expect(units['susurro.service']).toMatch(/^After=network-online\.target postgresql\.service$/m);
    expect(units['susurro.service']).toMatch(/^AmbientCapabilities=CAP_NET_BIND_SERVICE$/m);
  });

  it('control: the same verification fails a unit with an error in it', async () => {
    const units = renderSystemdUnits(config(), { installDir: REPO_ROOT, node: NODE, configFile: '/etc/susurro/c.json' });
    const file = join(dir, 'broken.service');
    writeFileSync(file, units['susurro.service'].replace(`ExecStart=${NODE} `, 'ExecStart=/nonexistent/node '));
    const r = await verify(file);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/nonexistent/);
  });

  it('refuses what the sandbox would break: a runtime under /root, a data directory inside the clone, odd paths', () => {
    const opts = { installDir: REPO_ROOT, node: NODE, configFile: '/etc/susurro/c.json' };
    // a runtime in root's or a user's home (built with join: the repository names no home directory)
    for (const home of ['root', 'home']) expect(() => renderSystemdUnits(config(), { ...opts, node: join('/', home, 'rt', 'node') })).toThrow(/ProtectHome/);
    expect(() => renderSystemdUnits(config({ dataDir: join(REPO_ROOT, 'var') }), opts)).toThrow(/outside installDir/);
    expect(() => renderSystemdUnits(config(), { ...opts, configFile: '/etc/su surro.json' })).toThrow(SystemdUnitError);
    expect(() => renderSystemdUnits(config(), { ...opts, user: 'Root;x' })).toThrow(SystemdUnitError);
  });
});
