/**
 * Writes the systemd unit for this installation (src/stack/systemd-units.ts) into a directory;
 * installs nothing. docs/operations.md "systemd" has the install commands.
 *
 *   npm run systemd -- --out DIR [--config /etc/susurro/susurro.config.json]
 *                      [--install-dir <this clone>] [--node <Node 24 binary>] [--user susurro]
 *
 * The configuration file is read like the service will read it (SUSURRO_CONFIG), for dataDir,
 * the database kind and the ports. Exit codes: 0 written, 2 usage or configuration error.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, loadConfig } from '../config/index.ts';
import { renderSystemdUnits } from '../stack/systemd-units.ts';

function main(): number {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      config: { type: 'string', default: process.env['SUSURRO_CONFIG'] ?? '/etc/susurro/susurro.config.json' },
      'install-dir': { type: 'string', default: REPO_ROOT },
      node: { type: 'string', default: process.execPath },
      user: { type: 'string', default: 'susurro' },
    },
    strict: true,
  });
  if (!values.out) throw new Error('--out DIR is required');
  const configFile = resolve(values.config);
  const config = loadConfig({ file: configFile, env: {} });
  const units = renderSystemdUnits(config, { installDir: resolve(values['install-dir']), node: values.node, configFile, user: values.user });
  mkdirSync(values.out, { recursive: true });
  for (const [name, text] of Object.entries(units)) {
    writeFileSync(join(values.out, name), text, { mode: 0o644 });
    process.stdout.write(`wrote ${join(values.out, name)}\n`);
  }
  return 0;
}

try {
  process.exitCode = main();
} catch (err) {
  process.stderr.write(`systemd: ${(err as Error).message}\n`);
  process.exitCode = 2;
}
