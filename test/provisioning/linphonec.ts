import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createSocket, type Socket } from 'node:dgram';
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
 *     host): the phones see the same host name, port and certificate. coturn's UDP port can be
 *     bridged too (`udpPorts`, framed over a Unix socket, answers only from coturn), with a
 *     non-loopback `privateAddress` that Linphone needs before it gathers ICE candidates
 *     (linphone-relay.e2e.test.ts; docs/native-phones.md says what Linphone does).
 *   - mount: /etc/ssl/certs (belle-sip's root CA path) holds only the stack's CA, so the phones
 *     trust the organisation's CA the way a real phone trusts a public one; nothing on the host
 *     changes.
 */
export interface PhoneNamespace {
  pid: number;
  dir: string;
  stop(): Promise<void>;
}

/*
 * UDP (coturn's listening port) crosses the namespace boundary as frames on a Unix stream
 * socket: [u16 length][u16 phone's source port][datagram]. Inside, one UDP socket on
 * 127.0.0.1:<turn port> stands in for coturn; outside, one UDP socket per phone source port
 * talks to coturn on 127.0.0.1:<turn port> and passes back only what coturn sends (address-
 * dependent filtering: a symmetric NAT in front of the phone, where only the relay works).
 */
const BRIDGE_IN_NS = `
const net = require('node:net');
const dgram = require('node:dgram');
const { tcp, udp, host } = JSON.parse(process.argv[1]);
// TCP on 127.0.0.1 (the proxy's Record-Route address, which in-dialog requests go to) and on the
// private address "localhost" names when there is one
for (const [port, sock] of tcp) {
  for (const h of new Set(['127.0.0.1', host])) {
    net.createServer((c) => { const u = net.createConnection(sock); c.pipe(u).pipe(c); u.on('error', () => c.destroy()); c.on('error', () => u.destroy()); })
      .listen(port, h, () => process.stdout.write('listening ' + port + '\\n'));
  }
}
for (const [port, sock] of udp) {
  const s = dgram.createSocket('udp4');
  const u = net.createConnection(sock);
  let buf = Buffer.alloc(0);
  u.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 4 && buf.length >= 4 + buf.readUInt16BE(0)) {
      const n = buf.readUInt16BE(0);
      s.send(buf.subarray(4, 4 + n), buf.readUInt16BE(2), host);
      buf = buf.subarray(4 + n);
    }
  });
  s.on('message', (m, r) => { const h = Buffer.alloc(4); h.writeUInt16BE(m.length, 0); h.writeUInt16BE(r.port, 2); u.write(Buffer.concat([h, m])); });
  s.bind(port, host, () => process.stdout.write('listening ' + port + '\\n'));
}
setTimeout(() => process.exit(0), 600000); // bounded life
`;

/** Host side of one UDP bridge: frames from the namespace → coturn and back (see BRIDGE_IN_NS). */
function udpBridgeHost(port: number): Server {
  return createServer((u) => {
    const byPhonePort = new Map<number, Socket>();
    let buf = Buffer.alloc(0);
    u.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readUInt16BE(0)) {
        const n = buf.readUInt16BE(0);
        const phonePort = buf.readUInt16BE(2);
        let out = byPhonePort.get(phonePort);
        if (!out) {
          const sock = createSocket('udp4');
          sock.on('message', (m, r) => {
            if (r.address !== '127.0.0.1' || r.port !== port) return; // only coturn gets through
            const h = Buffer.alloc(4);
            h.writeUInt16BE(m.length, 0);
            h.writeUInt16BE(phonePort, 2);
            u.write(Buffer.concat([h, m]));
          });
          sock.bind(0, '127.0.0.1');
          byPhonePort.set(phonePort, sock);
          out = sock;
        }
        out.send(buf.subarray(4, 4 + n), port, '127.0.0.1');
        buf = buf.subarray(4 + n);
      }
    });
    const close = () => { for (const s of byPhonePort.values()) s.close(); byPhonePort.clear(); };
    u.on('close', close);
    u.on('error', () => u.destroy());
  });
}

export async function startPhoneNamespace(dir: string, caPem: string, tcpPorts: number[], udpPorts: number[] = [], privateAddress?: string, localhostIsPrivate = true): Promise<PhoneNamespace> {
  mkdirSync(join(dir, 'certs'), { recursive: true });
  writeFileSync(join(dir, 'certs', 'ca.pem'), caPem);
  // The phones resolve only "localhost" (/etc/hosts); a DNS query (belle-sip asks for AAAA too)
  // goes to 127.0.0.1:53 in the namespace, where nothing listens: refused at once. With the
  // machine's resolver, the query would wait for its timeout and Linphone gives up on the STUN
  // server ("Failed to resolve STUN server for ICE gathering") before it answers.
  writeFileSync(join(dir, 'resolv.conf'), 'nameserver 127.0.0.1\n');
  // Linphone gathers ICE candidates only after finding a "default local address" (a UDP
  // connect() to a public address, then getsockname), and a loopback answer does not count:
  // with only `lo` its offer carries no candidate at all. `privateAddress` gives it one: a veth
  // pair whose BOTH ends stay in this namespace, the address on one end and the default route
  // through it; packets to any other address leave on ph0, arrive on ph1 (no address, no
  // forwarding) and are dropped there. Nothing leaves the namespace.
  const defaultRoute = privateAddress
    ? `ip link add ph0 type veth peer name ph1 && ip addr add ${privateAddress}/32 dev ph0 && ip link set ph0 up && ip link set ph1 up && ip route add default dev ph0 &&`
    : '';
  // ... and the relay's answers must arrive on that address: mediastreamer drops an Allocate
  // response received on an address that is not one of its host candidates ("Received allocate
  // response through an unknown local interface"), and it never offers 127.0.0.1. So here
  // "localhost" names `privateAddress` (a private /etc/hosts in the mount namespace) and the
  // bridges listen on it; the certificate is still verified for the name "localhost".
  // (`localhostIsPrivate` false: "localhost" stays 127.0.0.1, for phones configured with the
  // TURN server's address as `privateAddress` directly.)
  const privateHosts = privateAddress !== undefined && localhostIsPrivate;
  if (privateHosts) writeFileSync(join(dir, 'hosts'), `${privateAddress} localhost\n`);
  const hosts = privateHosts ? `mount --bind "${dir}/hosts" /etc/hosts &&` : '';
  const holder = spawn(
    'unshare',
    ['--net', '--mount', '--propagation', 'private', 'sh', '-c', `ip link set lo up && ${defaultRoute} mount --bind "${dir}/certs" /etc/ssl/certs && mount --bind "${dir}/resolv.conf" /etc/resolv.conf && ${hosts} echo ready && exec sleep 600`],
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
  const udpPairs: Array<[number, string]> = [];
  for (const port of udpPorts) {
    const sock = join(dir, `bridge-udp-${port}.sock`);
    const s = udpBridgeHost(port);
    await new Promise<void>((r) => s.listen(sock, r));
    servers.push(s);
    udpPairs.push([port, sock]);
  }
  const bridge = spawn('nsenter', ['-t', String(holder.pid), '-n', process.execPath, '-e', BRIDGE_IN_NS, JSON.stringify({ tcp: pairs, udp: udpPairs, host: privateAddress ?? '127.0.0.1' })], { stdio: ['ignore', 'pipe', 'pipe'] });
  let bridgeOut = '';
  bridge.stdout!.on('data', (c: Buffer) => (bridgeOut += c.toString()));
  bridge.stderr!.on('data', (c: Buffer) => (bridgeOut += c.toString()));
  await waitUntil(() => [...tcpPorts, ...udpPorts].every((p) => bridgeOut.includes(`listening ${p}`)), 10_000, () => `bridge: ${bridgeOut}`);

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
export function handConfiguredRc(o: {
  ext: string; password: string; domain: string; sipTlsPort: number; caFile: string; mediaEncryption: 'none' | 'srtp' | 'zrtp' | 'dtls';
  /** ICE with this TURN server and long-term credential, the same entries provisioning writes. */
  turn?: { host: string; port: number; username: string; password: string };
}): string {
  const proxy = `sip:localhost:${o.sipTlsPort};transport=tls`;
  const turn = o.turn
    ? ['[auth_info_1]', `username=${o.turn.username}`, `passwd=${o.turn.password}`, `realm=${o.domain}`,
      '[nat_policy_0]', 'ref=nat', `stun_server=${o.turn.host}:${o.turn.port}`, `stun_server_username=${o.turn.username}`, 'protocols=stun,turn,ice',
      '[net]', 'nat_policy_ref=nat']
    : ['[net]'];
  return [
    '[sip]', 'sip_port=0', 'sip_tcp_port=0', 'sip_tls_port=-2',
    'auto_net_state_mon=0', 'register_only_when_network_is_up=0',
    'default_proxy=0', `root_ca=${o.caFile}`, 'verify_server_certs=1', 'verify_server_cn=1',
    `media_encryption=${o.mediaEncryption}`, `media_encryption_mandatory=${o.mediaEncryption === 'none' ? 0 : 1}`,
    ...turn, 'ipv6=0',
    '[rtp]', 'audio_rtp_port=-1', 'video_rtp_port=-1',
    '[video]', 'capture=0', 'display=0',
    '[proxy_0]', `reg_proxy=<${proxy}>`, `reg_route=<${proxy};lr>`, `reg_identity="H${o.ext}" <sip:${o.ext}@${o.domain}>`,
    'reg_expires=600', 'reg_sendregister=1', ...(o.turn ? ['nat_policy_ref=nat'] : []),
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

/**
 * Switches the phone to wav files and auto-answer, then asks `status register` once a second
 * until it reports a registered identity (a loop, not expect.poll: also used in beforeAll and
 * in benchmarks). Throws after `seconds`.
 */
export async function registeredPhone(p: Linphonec, seconds = 20): Promise<void> {
  p.send('soundcard use files');
  p.send('autoanswer enable');
  const ok = /registered, identity="[^"]+" <sip:\d+@/;
  for (let i = 0; i < seconds && !ok.test(p.output()); i++) {
    p.send('status register');
    await new Promise((r) => setTimeout(r, 1000));
  }
  if (!ok.test(p.output())) throw new Error(`linphonec ${p.dir} did not register: ${p.output().slice(-800)}`);
}

async function waitUntil(ok: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
