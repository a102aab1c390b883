import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { ensureTlsMaterial, TlsError } from '../../src/tls/dev-ca.ts';

const dir = mkdtempSync(join(tmpdir(), 'susurro-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('development CA', () => {
  const config = loadConfig({ file: null, env: {}, overrides: { dataDir: join(dir, 'data'), publicHost: 'voice.example.org' } });

  it('creates a CA and a server certificate it signed, with the public host in the SANs', () => {
    const m = ensureTlsMaterial(config);
    expect(m.createdCa).toBe(true);
    expect(m.operatorProvided).toBe(false);
    const ca = new X509Certificate(readFileSync(m.caFile as string));
    const server = new X509Certificate(readFileSync(m.certFile));
    expect(ca.ca).toBe(true);
    expect(server.ca).toBe(false);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.subjectAltName).toContain('DNS:voice.example.org');
    expect(server.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(server.subjectAltName).toContain('DNS:susurro.local');
    // openssl agrees: the chain verifies
    expect(execFileSync('openssl', ['verify', '-CAfile', m.caFile as string, m.certFile]).toString()).toContain('OK');
  });

  it('writes keys 0600 in a 0700 directory', () => {
    expect(statSync(join(dir, 'data', 'tls')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'data', 'tls', 'ca.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'data', 'tls', 'server.key')).mode & 0o777).toBe(0o600);
  });

  it('is idempotent: a second call reuses the CA and the certificate', () => {
    const before = readFileSync(join(dir, 'data', 'tls', 'ca.crt'), 'utf8');
    const cert = readFileSync(join(dir, 'data', 'tls', 'server.crt'), 'utf8');
    const m = ensureTlsMaterial(config);
    expect(m.createdCa).toBe(false);
    expect(readFileSync(m.caFile as string, 'utf8')).toBe(before);
    expect(readFileSync(m.certFile, 'utf8')).toBe(cert);
  });

  it('re-issues a missing server certificate from the existing CA', () => {
    rmSync(join(dir, 'data', 'tls', 'server.crt'));
    const m = ensureTlsMaterial(config);
    expect(m.createdCa).toBe(false);
    const ca = new X509Certificate(readFileSync(m.caFile as string));
    expect(new X509Certificate(readFileSync(m.certFile)).checkIssued(ca)).toBe(true);
  });
});

describe("operator's own certificate", () => {
  it('is used as is when configured outside <dataDir>/tls', () => {
    const own = join(dir, 'own');
    const dev = loadConfig({ file: null, env: {}, overrides: { dataDir: own } });
    const made = ensureTlsMaterial(dev);
    copyFileSync(made.certFile, join(dir, 'mine.crt'));
    copyFileSync(made.keyFile, join(dir, 'mine.key'));
    const config = loadConfig({ file: null, env: {}, overrides: {
      dataDir: join(dir, 'op'), tls: { certFile: join(dir, 'mine.crt'), keyFile: join(dir, 'mine.key'), caFile: null },
    } });
    const m = ensureTlsMaterial(config);
    expect(m).toMatchObject({ operatorProvided: true, createdCa: false, certFile: join(dir, 'mine.crt'), caFile: null });
  });

  it('fails closed when a configured file is missing (no silent self-signed fallback)', () => {
    const config = loadConfig({ file: null, env: {}, overrides: {
      dataDir: join(dir, 'op2'), tls: { certFile: join(dir, 'absent.crt'), keyFile: join(dir, 'absent.key') },
    } });
    expect(() => ensureTlsMaterial(config)).toThrow(TlsError);
  });
});
