/**
 * susurro admin CLI — talks HTTPS to the admin API (trusting the dev CA by default).
 *
 *   npm run admin -- login [--user admin] [--password-stdin]
 *   npm run admin -- accounts create --ext 201 --user alice --name "Alice" [--password-stdin]
 *   npm run admin -- accounts list [--search ali] [--status active|disabled] [--limit 50] [--offset 0]
 *   npm run admin -- accounts show|reset|disable|enable|delete 201
 *   npm run admin -- admins list | admins create --user bob | admins disable|enable bob
 *   npm run admin -- audit [--limit 50] [--offset 0] [--target 201] [--actor admin]
 *   npm run admin -- devices list 201 | devices add 201 --label "Pixel" [--days 30] | devices revoke 7
 *   npm run admin -- passwd | logout
 * Global: --json (machine-readable output), --url https://host:8444, --ca <pem file>.
 * The session token is stored in $XDG_CONFIG_HOME/susurro/session.json (~/.config by
 * default; SUSURRO_CLI_CONFIG_DIR overrides), mode 0600. Passwords are never taken
 * from the command line (they would land in shell history and `ps`).
 * Exit codes: 0 ok, 1 API or network error, 2 usage error, 3 revocation with failed live actions.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.ts';
import { qrTerminal } from '../provisioning/qr.ts';

class UsageError extends Error {}
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Session {
  url: string;
  ca: string | null;
  token: string;
  expiresAt: string;
  username: string;
}

const USAGE = `usage: npm run admin -- <command> [options]
  login [--user NAME] [--password-stdin]     log in (password prompted, or read from stdin)
  logout | passwd                            end the session | change your password
  accounts list [--search TEXT] [--status active|disabled] [--limit N] [--offset N]
  accounts create --ext EXT --user NAME --name "Display Name" [--password-stdin]
  accounts show|reset|disable|enable|delete EXT     (reset: [--password-stdin])
  admins list | admins create --user NAME [--password-stdin] | admins disable|enable NAME
  audit [--limit N] [--offset N] [--target T] [--actor A] [--action A]
  devices list EXT | devices add EXT --label TEXT [--days N] | devices revoke ID
                                             native phones: provisioning link + QR code (docs/native-phones.md)
global options: --json  --url https://HOST:PORT  --ca FILE`;

function configDir(): string {
  return process.env['SUSURRO_CLI_CONFIG_DIR'] ?? join(process.env['XDG_CONFIG_HOME'] ?? join(homedir(), '.config'), 'susurro');
}
const sessionFile = () => join(configDir(), 'session.json');

function readSession(): Session | null {
  if (!existsSync(sessionFile())) return null;
  return JSON.parse(readFileSync(sessionFile(), 'utf8')) as Session;
}

function writeSession(s: Session): void {
  mkdirSync(configDir(), { recursive: true, mode: 0o700 });
  chmodSync(configDir(), 0o700);
  writeFileSync(sessionFile(), JSON.stringify(s, null, 2) + '\n', { mode: 0o600 });
  chmodSync(sessionFile(), 0o600);
}

/** Default URL and CA from the installation's configuration (same host). */
function defaults(): { url: string; ca: string | null } {
  try {
    const c = loadConfig();
    const host = c.publicHost.includes(':') ? `[${c.publicHost}]` : c.publicHost;
    return { url: `https://${host}:${c.ports.admin}`, ca: c.tls.caFile };
  } catch {
    return { url: 'https://127.0.0.1:8444', ca: null };
  }
}

function call(base: { url: string; ca: string | null; token?: string }, method: string, path: string, body?: unknown): Promise<any> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const ca = base.ca && existsSync(base.ca) ? readFileSync(base.ca, 'utf8') : undefined;
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, base.url),
      {
        method,
        ...(ca ? { ca } : {}),
        headers: {
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          ...(base.token ? { authorization: `Bearer ${base.token}` } : {}),
        },
        timeout: 15_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          const json = text ? (JSON.parse(text) as any) : null;
          if ((res.statusCode ?? 500) >= 400) {
            reject(new ApiError(res.statusCode ?? 0, json?.code ?? 'HTTP', json?.message ?? text));
          } else resolve(json);
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${base.url} within 15 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Lines of a non-interactive stdin, read once (passwd takes two: current, then new). */
let stdinLines: Promise<string[]> | undefined;
async function readStdinLines(): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split('\n').map((l) => l.replace(/\r$/, ''));
}

async function readPassword(prompt: string, fromStdin: boolean): Promise<string> {
  if (fromStdin || !process.stdin.isTTY) {
    stdinLines ??= readStdinLines();
    const pw = (await stdinLines).shift();
    if (!pw) throw new UsageError('no password on stdin');
    return pw;
  }
  // Interactive: no echo.
  process.stderr.write(prompt);
  const rl = createInterface({ input: process.stdin, terminal: true });
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {};
  const pw = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stderr.write('\n');
  return pw;
}

function table(rows: Array<Record<string, unknown>>, cols: string[]): string {
  const cells = rows.map((r) => cols.map((c) => String(r[c] ?? '')));
  const width = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (xs: string[]) => xs.map((x, i) => x.padEnd(width[i]!)).join('  ').trimEnd();
  return [line(cols.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n');
}

function liveSummary(live: Record<string, string>): { text: string; ok: boolean } {
  const keys = ['registrations', 'websockets', 'calls', 'turn'];
  const ok = keys.every((k) => live[k] === 'ok');
  return { ok, text: keys.map((k) => `  ${k.padEnd(14)} ${live[k]}`).join('\n') };
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      url: { type: 'string' },
      ca: { type: 'string' },
      user: { type: 'string' },
      ext: { type: 'string' },
      name: { type: 'string' },
      search: { type: 'string' },
      status: { type: 'string' },
      limit: { type: 'string' },
      offset: { type: 'string' },
      target: { type: 'string' },
      actor: { type: 'string' },
      action: { type: 'string' },
      label: { type: 'string' },
      days: { type: 'string' },
      'password-stdin': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [cmd, sub, arg] = positionals;
  if (values.help || !cmd) {
    process.stdout.write(USAGE + '\n');
    return values.help ? 0 : 2;
  }
  const out = (human: string, json: unknown) => process.stdout.write((values.json ? JSON.stringify(json, null, 2) : human) + '\n');

  if (cmd === 'login') {
    const d = defaults();
    const base = { url: values.url ?? d.url, ca: values.ca ?? d.ca };
    const username = values.user ?? 'admin';
    const password = await readPassword(`password for ${username}: `, values['password-stdin']!);
    const r = await call(base, 'POST', '/api/v1/admin/login', { username, password });
    writeSession({ ...base, token: r.token, expiresAt: r.expiresAt, username });
    out(`logged in as ${username} at ${base.url} (session until ${r.expiresAt})`, { username, url: base.url, expiresAt: r.expiresAt });
    return 0;
  }

  const session = readSession();
  if (!session) throw new UsageError('not logged in: run `npm run admin -- login` first');
  const base = { url: values.url ?? session.url, ca: values.ca ?? session.ca, token: session.token };
  const q = (params: Record<string, string | undefined>) => {
    const s = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined)).toString();
    return s ? `?${s}` : '';
  };
  const needArg = (what: string) => {
    if (!arg) throw new UsageError(`missing ${what}`);
    return encodeURIComponent(arg);
  };

  switch (`${cmd} ${sub ?? ''}`.trim()) {
    case 'logout': {
      await call(base, 'POST', '/api/v1/admin/logout').catch(() => {});
      rmSync(sessionFile(), { force: true });
      out('logged out', { loggedOut: true });
      return 0;
    }
    case 'passwd': {
      const currentPassword = await readPassword('current password: ', false);
      const newPassword = await readPassword('new password: ', false);
      await call(base, 'POST', '/api/v1/admin/password', { currentPassword, newPassword });
      out('password changed', { changed: true });
      return 0;
    }
    case 'accounts list': {
      const r = await call(base, 'GET', `/api/v1/accounts${q({ q: values.search, status: values.status, limit: values.limit, offset: values.offset })}`);
      out(`${table(r.items, ['extension', 'username', 'displayName', 'status', 'createdAt'])}\n(${r.items.length} of ${r.total})`, r);
      return 0;
    }
    case 'accounts create': {
      if (!values.ext || !values.user || !values.name) throw new UsageError('accounts create needs --ext, --user and --name');
      const password = values['password-stdin'] ? await readPassword('', true) : undefined;
      const r = await call(base, 'POST', '/api/v1/accounts', {
        extension: values.ext,
        username: values.user,
        displayName: values.name,
        ...(password ? { password } : {}),
      });
      const shown = r.password
        ? `\npassword: ${r.password}\n(shown once: give it to ${r.account.displayName} over a safe channel)`
        : '';
      out(`created ${r.account.extension} ${r.account.username} "${r.account.displayName}"${shown}`, r);
      return 0;
    }
    case 'accounts show': {
      const r = await call(base, 'GET', `/api/v1/accounts/${needArg('extension')}`);
      out(table([r], ['extension', 'username', 'displayName', 'status', 'createdAt', 'disabledAt']), r);
      return 0;
    }
    case 'accounts reset': {
      const ext = needArg('extension');
      const password = values['password-stdin'] ? await readPassword('', true) : undefined;
      const r = await call(base, 'POST', `/api/v1/accounts/${ext}/reset-password`, password ? { password } : {});
      const live = liveSummary(r.live);
      out(`new password for ${r.account.extension}${r.password ? `: ${r.password}\n(shown once)` : ' set'}\nlive sessions ended:\n${live.text}`, r);
      return live.ok ? 0 : 3;
    }
    case 'accounts disable':
    case 'accounts delete': {
      const ext = needArg('extension');
      const r =
        sub === 'disable'
          ? await call(base, 'POST', `/api/v1/accounts/${ext}/disable`)
          : await call(base, 'DELETE', `/api/v1/accounts/${ext}`);
      const live = liveSummary(r.live);
      const verb = sub === 'disable' ? 'disabled' : 'deleted';
      const warn = live.ok ? '' : '\nWARNING: some live actions failed; the account is refused from now on, but retry to cut existing sessions';
      out(`${arg} ${verb}\n${live.text}${warn}`, r);
      return live.ok ? 0 : 3;
    }
    case 'accounts enable': {
      const r = await call(base, 'POST', `/api/v1/accounts/${needArg('extension')}/enable`);
      out(`${r.account.extension} enabled`, r);
      return 0;
    }
    case 'admins list': {
      const r = await call(base, 'GET', '/api/v1/admins');
      out(table(r.items, ['username', 'status', 'createdAt', 'createdBy']), r);
      return 0;
    }
    case 'admins create': {
      if (!values.user) throw new UsageError('admins create needs --user');
      const password = values['password-stdin'] ? await readPassword('', true) : undefined;
      const r = await call(base, 'POST', '/api/v1/admins', { username: values.user, ...(password ? { password } : {}) });
      out(`created administrator ${r.admin.username}${r.password ? `\npassword: ${r.password}\n(shown once)` : ''}`, r);
      return 0;
    }
    case 'admins disable':
    case 'admins enable': {
      const r = await call(base, 'POST', `/api/v1/admins/${needArg('administrator name')}/${sub}`);
      out(`administrator ${r.username} ${r.status}`, r);
      return 0;
    }
    case 'audit': {
      const r = await call(
        base,
        'GET',
        `/api/v1/audit${q({ limit: values.limit, offset: values.offset, target: values.target, actor: values.actor, action: values.action })}`,
      );
      const rows = r.items.map((e: any) => ({ ...e, detail: e.detail ? JSON.stringify(e.detail) : '' }));
      out(`${table(rows, ['at', 'actor', 'action', 'target', 'outcome', 'sourceIp', 'detail'])}\n(${r.items.length} of ${r.total})`, r);
      return 0;
    }
    case 'devices list': {
      const r = await call(base, 'GET', `/api/v1/accounts/${needArg('extension')}/devices`);
      out(table(r.items, ['id', 'label', 'status', 'createdAt', 'expiresAt', 'lastFetchedAt', 'createdBy']), r);
      return 0;
    }
    case 'devices add': {
      const ext = needArg('extension');
      if (!values.label) throw new UsageError('devices add needs --label (e.g. --label "Alice\'s Pixel")');
      const ttlDays = values.days === undefined ? undefined : Number(values.days);
      if (ttlDays !== undefined && !Number.isInteger(ttlDays)) throw new UsageError('--days must be a whole number');
      const r = await call(base, 'POST', `/api/v1/accounts/${ext}/devices`, { label: values.label, ...(ttlDays ? { ttlDays } : {}) });
      const qr = await qrTerminal(r.url);
      out(
        `${qr}\nprovisioning link for ${r.device.extension} "${r.device.label}" (device ${r.device.id}, valid until ${r.device.expiresAt}):\n${r.url}\n` +
          '(shown once; whoever has it can configure a phone as this account: hand it over in person, revoke with `devices revoke ' +
          `${r.device.id}\`)`,
        r,
      );
      return 0;
    }
    case 'devices revoke': {
      const r = await call(base, 'DELETE', `/api/v1/devices/${needArg('device id')}`);
      out(`device ${r.device.id} "${r.device.label}" revoked; TURN sessions: ${r.turn}`, r);
      return r.turn === 'ok' ? 0 : 3;
    }
    default:
      throw new UsageError(`unknown command "${positionals.join(' ')}"\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    if (err instanceof ApiError) {
      process.stderr.write(`error ${err.status} ${err.code}: ${err.message}\n`);
      if (err.status === 401) process.stderr.write('(log in again: npm run admin -- login)\n');
      process.exit(1);
    }
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
