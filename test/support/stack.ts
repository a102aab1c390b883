/**
 * Starts the real stack (kamailio, coturn, database, admin API) in a fresh temp directory on
 * free loopback ports, for integration tests. Call stop() in afterAll: it stops every process
 * and removes the directory.
 *
 *   const t = await startTestStack();                       // sqlite, 127.0.0.1, anti-flood on
 *   afterAll(() => t.stop());
 *   t.config.ports.wss, t.stack.urls.wss, t.stack.rpc, t.stack.turnCli, t.stack.turnCredentials,
 *   t.stack.db, t.caPem (trust it for TLS/WSS/HTTPS), t.stack.health(), t.stack.pids()
 *
 * Overrides are merged two levels deep: startTestStack({ database: { url: pg.url } }),
 * startTestStack({ ports: { sipUdp: port } }), startTestStack({ antiflood: { enabled: false } }).
 * Options go to startStack(): { kamailio: { antifloodLoopback: true } } makes the anti-flood
 * rules apply to 127.0.0.1 (off by default, so parallel tests never ban each other).
 * WebSocket clients must send Origin https://127.0.0.1:<ports.admin> (see sip-client.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type DeepPartial, type SusurroConfig } from '../../src/config/index.ts';
import { startStack, type RunningStack, type StartStackOptions } from '../../src/stack/index.ts';
import { freePorts } from './ports.ts';
import { RawSipConnection } from './sip-client.ts';

export interface TestStack {
  stack: RunningStack;
  config: SusurroConfig;
  dir: string;
  /** PEM of the development CA that signed the server certificate. */
  caPem: string;
  stop(): Promise<void>;
}

/** Ports for a test stack: every listener on its own free port, a small relay range. */
export async function testStackOverrides(dir: string): Promise<DeepPartial<SusurroConfig>> {
  const [sipTls, wss, jsonrpc, turn, turnTls, turnCli, admin, c2s, c2sTls, s2s, https] = await freePorts(11);
  // Relay range: 40 ports from a random base in 20000..29999. Below Linux's ephemeral range
  // (32768..60999), so no other process's bind(0) socket lands in it (the relay capture test
  // counts every packet in the range), and random so parallel stacks rarely share it.
  const relayMin = 20000 + Math.floor(Math.random() * 250) * 40;
  return {
    dataDir: dir,
    ports: { sipTls, wss, jsonrpc, turn, turnTls, turnCli, admin, relayMin, relayMax: relayMin + 39, sipUdp: null },
    chat: { ports: { c2s, c2sTls, s2s, https } },
    logLevel: 'info',
  };
}

export async function startTestStack(
  overrides: DeepPartial<SusurroConfig> = {},
  opts: StartStackOptions = {},
): Promise<TestStack> {
  const dir = mkdtempSync(join(tmpdir(), 'susurro-stack-'));
  try {
    // Free ports can be taken by a parallel test between freePorts() and the bind: startStack
    // then refuses with SUSURRO_STACK_PORT_IN_USE before starting anything, and we retry.
    let config: SusurroConfig | undefined;
    let stack: RunningStack | undefined;
    for (let attempt = 1; stack === undefined; attempt++) {
      const base = await testStackOverrides(dir);
      config = loadConfig({ file: null, env: {}, overrides: mergeOverrides(base, overrides) });
      try {
        stack = await startStack(config, { restart: { initialBackoffMs: 200 }, ...opts });
      } catch (err) {
        if ((err as { code?: string }).code !== 'SUSURRO_STACK_PORT_IN_USE' || attempt >= 3) throw err;
      }
    }
    if (!config) throw new Error('unreachable');
    const caPem = stack.tls.caFile ? readFileSync(stack.tls.caFile, 'utf8') : '';
    return {
      stack, config, dir, caPem,
      async stop() {
        try {
          await stack.stop();
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * A raw SIP/TLS connection to the stack's Kamailio (verified against the stack's CA), from
 * `localAddress` if given, pushed onto `opened` so the test's afterAll closes it even when the
 * test fails half-way.
 */
export async function openSipTls(t: TestStack, opened: RawSipConnection[], localAddress?: string): Promise<RawSipConnection> {
  const c = await RawSipConnection.openTls({ host: '127.0.0.1', port: t.config.ports.sipTls, ca: t.caPem, ...(localAddress ? { localAddress } : {}) });
  opened.push(c);
  return c;
}

function mergeOverrides(a: DeepPartial<SusurroConfig>, b: DeepPartial<SusurroConfig>): DeepPartial<SusurroConfig> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object'
      ? { ...(prev as object), ...(v as object) }
      : v;
  }
  return out as DeepPartial<SusurroConfig>;
}
