/**
 * Operators may install an RSA certificate (tls.certFile/keyFile). With one, a TLS 1.2 client
 * offering only static-RSA key transport suites (no forward secrecy) could be served by a
 * careless policy; ours refuses it on every listener. Positive control: a permissive
 * `openssl s_server` with the same RSA certificate accepts exactly that client.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const RSA_KX = ['-tls1_2', '-cipher', 'AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA:@SECLEVEL=0'];

let certDir: string;
let t: TestStack;
let control: ChildProcess | undefined;
let controlPort = 0;

function sClient(port: number, args: string[]): Promise<{ ok: boolean; protocol?: string; cipher?: string; detail: string }> {
  return new Promise((resolve) => {
    const child = execFile('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', join(certDir, 'ca.crt'),
      '-verify_return_error', '-brief', ...args], { timeout: 3_000 }, (err, stdout, stderr) => {
      const text = `${stdout}\n${stderr}`;
      const protocol = /Protocol version: (\S+)/.exec(text)?.[1];
      const cipher = /Ciphersuite: (\S+)/.exec(text)?.[1];
      resolve({ ok: !err && !!protocol, ...(protocol ? { protocol } : {}), ...(cipher ? { cipher } : {}), detail: text.trim().split('\n').slice(-2).join(' | ') });
    });
    child.stdin?.end();
  });
}

beforeAll(async () => {
  certDir = mkdtempSync(join(tmpdir(), 'susurro-rsa-'));
  const o = (...args: string[]) => execFileSync('openssl', args, { cwd: certDir, stdio: 'pipe', timeout: 20_000 });
  o('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=hardening RSA CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
  o('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(join(certDir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  o('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'ext.cnf');
  t = await startTestStack({ tls: { certFile: join(certDir, 'server.crt'), keyFile: join(certDir, 'server.key'), caFile: join(certDir, 'ca.crt') } });
  controlPort = await freePort();
  control = spawn('openssl', ['s_server', '-accept', `127.0.0.1:${controlPort}`, '-cert', join(certDir, 'server.crt'), '-key', join(certDir, 'server.key'),
    '-cipher', 'ALL:@SECLEVEL=0', '-quiet', '-naccept', '10'], { stdio: ['pipe', 'ignore', 'ignore'] });
  await new Promise((r) => setTimeout(r, 500));
}, 60_000);
afterAll(async () => {
  control?.kill('SIGKILL');
  await t?.stop();
  rmSync(certDir, { recursive: true, force: true });
});

describe('RSA certificate: static RSA key transport refused everywhere', () => {
  it('positive control: the permissive server accepts the RSA key transport client', async () => {
    const r = await sClient(controlPort, RSA_KX);
    expect(r.ok, r.detail).toBe(true);
    expect(r.cipher).toMatch(/^AES/);
  });

  it.each(['sipTls', 'wss', 'admin', 'turnTls'] as const)('%s refuses it and serves ECDHE-RSA AEAD instead', async (name) => {
    const refused = await sClient(t.config.ports[name], RSA_KX);
    expect(refused.ok, refused.detail).toBe(false);
    const good = await sClient(t.config.ports[name], ['-tls1_2']);
    expect(good.ok, good.detail).toBe(true);
    expect(good.cipher).toMatch(/^ECDHE-RSA-(AES\d+-GCM-SHA\d+|CHACHA20-POLY1305)$/);
  });
});
