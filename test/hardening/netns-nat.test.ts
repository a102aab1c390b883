/**
 * Issue #7 "Realistic network test": with `ip netns` and veth pairs, a server host and two client
 * hosts, each client behind its own NAT (iptables MASQUERADE), all inside this test's own
 * namespaces on 10.77.0.0/16 (nothing leaves them):
 *
 *   c1 10.77.11.2 ── 10.77.11.1 nat1 10.77.0.11 ─┐
 *                                                br0 10.77.0.1  srv (Kamailio, coturn, admin API)
 *   c2 10.77.12.2 ── 10.77.12.1 nat2 10.77.0.12 ─┘
 *
 * The server has no route to the client LANs, so everything it sees comes through a NAT. The
 * real stack runs inside srv (netns/server.ts); a sip.js phone and a TURN allocation run inside
 * each client namespace (netns/client.ts). They register, call, and exchange a relayed
 * 50 packets/s flow relay-to-relay through coturn. Production TURN peer policy (no loopback
 * peers, private ranges denied) except the relay's own address.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const id = randomBytes(2).toString('hex');
const NS = { srv: `sus-srv-${id}`, nat1: `sus-nat1-${id}`, nat2: `sus-nat2-${id}`, c1: `sus-c1-${id}`, c2: `sus-c2-${id}` };
const SERVER = '10.77.0.1';
const PORTS = { sipTls: 5061, wss: 8443, jsonrpc: 5090, sipUdp: null, turn: 3478, turnTls: 5349, relayMin: 49160, relayMax: 49199, turnCli: 5766, admin: 8444 };

function ip(...args: string[]) {
  execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
}
function inNs(ns: string, ...cmd: string[]) {
  return execFileSync('ip', ['netns', 'exec', ns, ...cmd], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 }).toString();
}

/**
 * Network namespaces need root (CAP_NET_ADMIN) and iproute2/iptables. Without them this test
 * fails, saying why; it never skips itself, so it cannot silently not run (CI runs as root).
 */
function requireNamespaces(): void {
  const probe = `sus-probe-${id}`;
  try {
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
  } catch (err) {
    const why = (err as { stderr?: Buffer }).stderr?.toString().trim() || String(err);
    throw new Error(`this test needs root (CAP_NET_ADMIN) and iproute2 to create network namespaces: ${why}`);
  }
}
let built = false;

function buildTopology() {
  for (const ns of Object.values(NS)) ip('netns', 'add', ns);
  for (const ns of Object.values(NS)) inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
  inNs(NS.srv, 'ip', 'link', 'add', 'br0', 'type', 'bridge');
  inNs(NS.srv, 'ip', 'addr', 'add', `${SERVER}/24`, 'dev', 'br0');
  inNs(NS.srv, 'ip', 'link', 'set', 'br0', 'up');
  for (const n of [1, 2] as const) {
    const nat = n === 1 ? NS.nat1 : NS.nat2;
    const client = n === 1 ? NS.c1 : NS.c2;
    const [wanIn, wanOut, lanIn, lanOut] = [`hx${id}w${n}`, `hx${id}s${n}`, `hx${id}l${n}`, `hx${id}c${n}`];
    // WAN: nat <-> server bridge
    ip('link', 'add', wanIn, 'netns', nat, 'type', 'veth', 'peer', 'name', wanOut, 'netns', NS.srv);
    inNs(NS.srv, 'ip', 'link', 'set', wanOut, 'master', 'br0');
    inNs(NS.srv, 'ip', 'link', 'set', wanOut, 'up');
    inNs(nat, 'ip', 'addr', 'add', `10.77.0.1${n}/24`, 'dev', wanIn);
    inNs(nat, 'ip', 'link', 'set', wanIn, 'up');
    // LAN: client <-> nat
    ip('link', 'add', lanIn, 'netns', nat, 'type', 'veth', 'peer', 'name', lanOut, 'netns', client);
    inNs(nat, 'ip', 'addr', 'add', `10.77.1${n}.1/24`, 'dev', lanIn);
    inNs(nat, 'ip', 'link', 'set', lanIn, 'up');
    inNs(client, 'ip', 'addr', 'add', `10.77.1${n}.2/24`, 'dev', lanOut);
    inNs(client, 'ip', 'link', 'set', lanOut, 'up');
    inNs(client, 'ip', 'route', 'add', 'default', 'via', `10.77.1${n}.1`);
    // the NAT: forward LAN → WAN, masquerade to the WAN address
    inNs(nat, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
    inNs(nat, 'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', wanIn, '-j', 'MASQUERADE');
  }
}

function teardown() {
  for (const ns of Object.values(NS)) {
    // anything still running in our namespaces was started by this test
    let pids: string[] = [];
    try {
      pids = execFileSync('ip', ['netns', 'pids', ns], { timeout: 5_000 }).toString().split(/\s+/).filter(Boolean);
    } catch { /* namespace absent */ }
    for (const pid of pids) {
      try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ }
    }
    try { ip('netns', 'del', ns); } catch { /* absent */ }
  }
}

/** A child process speaking JSON lines. */
class LineChild {
  readonly proc: ChildProcess;
  readonly #lines: Record<string, unknown>[] = [];
  #waiters: { pred: (o: Record<string, unknown>) => boolean; resolve: (o: Record<string, unknown>) => void }[] = [];
  stderr = '';

  constructor(ns: string, script: string, args: string[]) {
    this.proc = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr?.on('data', (d) => { this.stderr = (this.stderr + d.toString()).slice(-4000); });
    createInterface({ input: this.proc.stdout! }).on('line', (line) => {
      let o: Record<string, unknown>;
      try { o = JSON.parse(line); } catch { return; }
      const i = this.#waiters.findIndex((w) => w.pred(o));
      if (i >= 0) this.#waiters.splice(i, 1)[0]?.resolve(o);
      else this.#lines.push(o);
    });
  }

  next(key: string, timeoutMs = 20_000): Promise<Record<string, unknown>> {
    const pred = (o: Record<string, unknown>) => key in o || 'error' in o;
    const i = this.#lines.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.#lines.splice(i, 1)[0] as Record<string, unknown>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${key}" within ${timeoutMs} ms; stderr: ${this.stderr}`)), timeoutMs);
      this.#waiters.push({ pred, resolve: (o) => { clearTimeout(timer); resolve(o); } });
    });
  }

  send(o: unknown) {
    this.proc.stdin?.write(typeof o === 'string' ? `${o}\n` : `${JSON.stringify(o)}\n`);
  }

  async stop(graceMs = 10_000) {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.stdin?.end();
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'susurro-netns-'));
let server: LineChild | undefined;
const clients: LineChild[] = [];

beforeAll(async () => {
  requireNamespaces();
  built = true;
  buildTopology();
  server = new LineChild(NS.srv, 'test/hardening/netns/server.ts', [SERVER, join(dir, 'srv'), JSON.stringify(PORTS)]);
}, 30_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.stop(5_000)));
  await server?.stop(15_000);
  if (built) teardown();
  rmSync(dir, { recursive: true, force: true });
}, 40_000);

describe('two clients behind their own NATs call through TURN (ip netns)', () => {
  let ready: Record<string, unknown>;

  it('the topology isolates the client LANs: clients reach the server only through their NAT', () => {
    // (no ping on this machine: routing decisions are checked; the registrations below prove
    // that traffic really passes the NATs, the server seeing only their WAN addresses)
    expect(inNs(NS.c1, 'ip', 'route', 'get', SERVER)).toMatch(/via 10\.77\.11\.1 /);
    expect(inNs(NS.c2, 'ip', 'route', 'get', SERVER)).toMatch(/via 10\.77\.12\.1 /);
    // the server has no route into the LANs: nothing from it reaches a client directly
    expect(() => inNs(NS.srv, 'ip', 'route', 'get', '10.77.11.2')).toThrow();
    expect(() => inNs(NS.srv, 'ip', 'route', 'get', '10.77.12.2')).toThrow();
    for (const nat of [NS.nat1, NS.nat2]) {
      expect(inNs(nat, 'iptables', '-t', 'nat', '-S', 'POSTROUTING')).toMatch(/-j MASQUERADE/);
      expect(inNs(nat, 'sysctl', '-n', 'net.ipv4.ip_forward').trim()).toBe('1');
    }
  });

  it('the stack starts inside the server namespace with the production TURN peer policy', async () => {
    ready = await server!.next('ready', 60_000);
    expect(ready, JSON.stringify(ready)).toMatchObject({ ready: true });
    const peerLines = ready['turnConf'] as string[];
    expect(peerLines).toContain('denied-peer-ip=10.0.0.0-10.255.255.255');
    expect(peerLines).toContain(`allowed-peer-ip=${SERVER}`);
    expect(peerLines.some((l) => l.includes('127.0.0.0'))).toBe(true);
  }, 70_000);

  it('both clients register over WSS and allocate a relay through their NAT; they call and media flows relay to relay', async () => {
    const cfg = ready['config'] as { domain: string };
    const start = (ns: string, ext: string, password: string) => {
      const file = join(dir, `client-${ext}.json`);
      writeFileSync(file, JSON.stringify({
        server: SERVER, wssPort: PORTS.wss, adminPort: PORTS.admin, turnPort: PORTS.turn, domain: cfg.domain,
        ext, password, caPem: ready['caPem'], turn: (ready['turn'] as Record<string, unknown>)[ext],
      }), { mode: 0o600 });
      const c = new LineChild(ns, 'test/hardening/netns/client.ts', [file]);
      clients.push(c);
      return c;
    };
    const alice = start(NS.c1, '201', 'alice-secret-1');
    const bob = start(NS.c2, '202', 'bob-secret-22');
    for (const c of [alice, bob]) {
      expect(await c.next('registered', 30_000)).toEqual({ registered: 200 });
    }
    const [aAlloc, bAlloc] = [await alice.next('allocated'), await bob.next('allocated')];
    expect(aAlloc).toMatchObject({ allocated: 200, relayed: { ip: SERVER } });
    expect(bAlloc).toMatchObject({ allocated: 200, relayed: { ip: SERVER } });

    // the server saw each client at its NAT's public address, never at its LAN address
    server!.send('ul');
    const ul = JSON.stringify((await server!.next('ul')).ul);
    expect(ul).toContain('10.77.0.11');
    expect(ul).toContain('10.77.0.12');
    expect(ul).not.toContain('10.77.11.2');
    expect(ul).not.toContain('10.77.12.2');

    // ICE relay/relay pair: each side permits and sends to the other's relayed address
    alice.send({ peer: bAlloc.relayed });
    bob.send({ peer: aAlloc.relayed });
    expect(await alice.next('permission')).toEqual({ permission: 200 });
    expect(await bob.next('permission')).toEqual({ permission: 200 });

    bob.send({ answer: true });
    alice.send({ call: '202' });
    expect(await alice.next('callStatus')).toEqual({ callStatus: 200 });
    expect(await bob.next('answered')).toEqual({ answered: true, from: '201' });

    alice.send({ send: 50 });
    const flow = await alice.next('sent', 20_000);
    expect(flow['sent']).toBe(50);
    expect(flow['echoedBack']).toBeGreaterThanOrEqual(48); // ≤ 4 % loss on a loaded 2-core machine
  }, 90_000);
});
