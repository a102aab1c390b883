import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';

/**
 * Debian linphonec (liblinphone 5.1) phones for the e2e test, configured ONLY by remote
 * provisioning: each one's linphonerc holds `[misc] config-uri=<the project's URL>` and the
 * two lines linphonec needs on a machine with no network manager (`[sip]
 * auto_net_state_mon=0`, `register_only_when_network_is_up=0`); liblinphone fetches the URL
 * over HTTPS at start and applies the XML itself.
 *
 * They run in a network + mount namespace the test creates:
 *   - network: only `lo`. Linphone gathers ICE host candidates on every interface and has no
 *     relay-only setting, so in the host namespace it would send ICE checks and RTP to this
 *     machine's own non-loopback addresses, which tests must never do. In the namespace its only
 *     address is 127.0.0.1. The stack's SIP/TLS and HTTPS ports are reached through a byte
 *     bridge (TCP 127.0.0.1:port in the namespace ⇄ a Unix socket ⇄ TCP 127.0.0.1:port on the
 *     host): the phones see the same host name, port and certificate. coturn (UDP) is not
 *     bridged, so TURN is not exercised here (docs/native-phones.md says what Linphone does).
 *   - mount: /etc/ssl/certs (belle-sip's root CA path) holds only the stack's CA, so the phones
 *     trust the organisation's CA the way a real phone trusts a public one; nothing on the host
 *     changes.
 */
export interface PhoneNamespace {
  pid: number;
  dir: string;
  stop(): Promise<void>;
}

const BRIDGE_IN_NS = `
const net = require('node:net');
for (const [port, sock] of JSON.parse(process.argv[1])) {
  net.createServer((c) => { const u = net.createConnection(sock); c.pipe(u).pipe(c); u.on('error', () => c.destroy()); c.on('error', () => u.destroy()); })
    .listen(port, '127.0.0.1', () => process.stdout.write('listening ' + port + '\\n'));
}
setTimeout(() => process.exit(0), 600000); // bounded life
`;

export async function startPhoneNamespace(dir: string, caPem: string, tcpPorts: number[]): Promise<PhoneNamespace> {
  mkdirSync(join(dir, 'certs'), { recursive: true });
  writeFileSync(join(dir, 'certs', 'ca.pem'), caPem);
  const holder = spawn(
    'unshare',
    ['--net', '--mount', '--propagation', 'private', 'sh', '-c', `ip link set lo up && mount --bind "${dir}/certs" /etc/ssl/certs && echo ready && exec sleep 600`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let holderOut = '';
  holder.stdout!.on('data', (c: Buffer) => (holderOut += c.toString()));
  holder.stderr!.on('data', (c: Buffer) => (holderOut += c.toString()));
  await waitUntil(() => holderOut.includes('ready'), 10_000, () => `namespace holder: ${holderOut}`);

  const servers: Server[] = [];
  const pairs: Array<[number, string]> = [];
  for (const port of tcpPorts) {
    const sock = join(dir, `bridge-${port}.sock`);
    const s = createServer((u) => {
      const c = createConnection(port, '127.0.0.1');
      u.pipe(c).pipe(u);
      c.on('error', () => u.destroy());
      u.on('error', () => c.destroy());
    });
    await new Promise<void>((r) => s.listen(sock, r));
    servers.push(s);
    pairs.push([port, sock]);
  }
  const bridge = spawn('nsenter', ['-t', String(holder.pid), '-n', process.execPath, '-e', BRIDGE_IN_NS, JSON.stringify(pairs)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let bridgeOut = '';
  bridge.stdout!.on('data', (c: Buffer) => (bridgeOut += c.toString()));
  bridge.stderr!.on('data', (c: Buffer) => (bridgeOut += c.toString()));
  await waitUntil(() => tcpPorts.every((p) => bridgeOut.includes(`listening ${p}`)), 10_000, () => `bridge: ${bridgeOut}`);

  return {
    pid: holder.pid!,
    dir,
    async stop() {
      bridge.kill('SIGKILL');
      holder.kill('SIGKILL');
      for (const s of servers) s.close();
    },
  };
}

export interface Linphonec {
  proc: ChildProcess;
  dir: string;
  output(): string;
  send(line: string): void;
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  log(): string;
  stop(): Promise<void>;
}

export function startLinphonec(ns: PhoneNamespace, name: string, provisioningUrl: string): Linphonec {
  return startLinphonecWithRc(ns, name, `[sip]\nauto_net_state_mon=0\nregister_only_when_network_is_up=0\n\n[misc]\nconfig-uri=${provisioningUrl}\n`);
}

/**
 * A phone configured by hand (not provisioned): an attacker's or a misconfigured phone, e.g.
 * one set to "no encryption", which provisioning never produces. Same namespace, same trust.
 */
export function handConfiguredRc(o: { ext: string; password: string; domain: string; sipTlsPort: number; caFile: string; mediaEncryption: 'none' | 'srtp' | 'zrtp' | 'dtls' }): string {
  const proxy = `sip:localhost:${o.sipTlsPort};transport=tls`;
  return [
    '[sip]', 'sip_port=0', 'sip_tcp_port=0', 'sip_tls_port=-2',
    'auto_net_state_mon=0', 'register_only_when_network_is_up=0',
    'default_proxy=0', `root_ca=${o.caFile}`, 'verify_server_certs=1', 'verify_server_cn=1',
    `media_encryption=${o.mediaEncryption}`, `media_encryption_mandatory=${o.mediaEncryption === 'none' ? 0 : 1}`,
    '[net]', 'ipv6=0',
    '[rtp]', 'audio_rtp_port=-1', 'video_rtp_port=-1',
    '[video]', 'capture=0', 'display=0',
    '[proxy_0]', `reg_proxy=<${proxy}>`, `reg_route=<${proxy};lr>`, `reg_identity="H${o.ext}" <sip:${o.ext}@${o.domain}>`,
    'reg_expires=600', 'reg_sendregister=1',
    '[auth_info_0]', `username=${o.ext}`, `passwd=${o.password}`, `realm=${o.domain}`, `domain=${o.domain}`, '',
  ].join('\n');
}

export function startLinphonecWithRc(ns: PhoneNamespace, name: string, rc: string): Linphonec {
  const dir = join(ns.dir, name);
  mkdirSync(join(dir, '.local', 'share', 'linphone'), { recursive: true });
  writeFileSync(join(dir, 'linphonerc'), rc);
  const proc = spawn('nsenter', ['-t', String(ns.pid), '-n', '-m', 'linphonec', '-c', join(dir, 'linphonerc'), '-d', '6', '-l', join(dir, 'linphone.log')], {
    env: { ...process.env, HOME: dir },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    proc,
    dir,
    output: () => out,
    send: (line) => proc.stdin!.write(`${line}\n`),
    async waitFor(re, timeoutMs) {
      let m: RegExpMatchArray | null = null;
      await waitUntil(() => (m = re.exec(out)) !== null || proc.exitCode !== null, timeoutMs, () => `linphonec ${name}: no ${re}; output:\n${out.slice(-2000)}`);
      if (!m) throw new Error(`linphonec ${name} exited (${proc.exitCode}); output:\n${out.slice(-2000)}`);
      return m;
    },
    log: () => {
      try {
        return readFileSync(join(dir, 'linphone.log'), 'utf8');
      } catch {
        return '';
      }
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.stdin!.write('quit\n');
      const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    },
  };
}

async function waitUntil(ok: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
