import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, copyFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { ensureTlsMaterial, requiredNames, TlsError } from '../../src/tls/dev-ca.ts';

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

/**
 * What someone holding the CA key (a thief of var/tls/ca.key) can sign: a certificate for `sans`,
 * issued by the development CA exactly as dev-ca.ts issues the real one. Returns `openssl verify`.
 */
function forge(tlsDir: string, name: string, sans: string): { ok: boolean; out: string } {
  const key = join(dir, `${name}.key`), csr = join(dir, `${name}.csr`), crt = join(dir, `${name}.crt`), ext = join(dir, `${name}.ext`);
  execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
  execFileSync('openssl', ['req', '-new', '-key', key, '-out', csr, '-subj', `/CN=${name}`]);
  writeFileSync(ext, `basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=${sans}\n`);
  execFileSync('openssl', ['x509', '-req', '-in', csr, '-CA', join(tlsDir, 'ca.crt'), '-CAkey', join(tlsDir, 'ca.key'),
    '-CAcreateserial', '-days', '30', '-sha256', '-extfile', ext, '-out', crt], { stdio: 'pipe' });
  const r = spawnSync('openssl', ['verify', '-CAfile', join(tlsDir, 'ca.crt'), crt], { encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

describe('development CA name constraints (issue 13 item 6)', () => {
  const data = join(dir, 'nc');
  const tlsDir = join(data, 'tls');
  const config = loadConfig({ file: null, env: {}, overrides: { dataDir: data, publicHost: 'voice.example.org' } });

  it('the CA carries nameConstraints (not critical: mbedTLS could not load it) naming only what it serves', () => {
    ensureTlsMaterial(config);
    const text = execFileSync('openssl', ['x509', '-in', join(tlsDir, 'ca.crt'), '-noout', '-ext', 'nameConstraints']).toString();
    expect(text).toMatch(/X509v3 Name Constraints: *\n/);
    for (const n of ['DNS:localhost', 'DNS:susurro.local', 'DNS:voice.example.org', 'IP:127.0.0.0/255.0.0.0', 'IP:0:0:0:0:0:0:0:1/FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF']) {
      expect(text).toContain(n);
    }
  });

  it('a certificate for a foreign name signed with the CA key is refused by openssl verify', () => {
    for (const [name, sans] of [['bank', 'DNS:www.bank.example'], ['google', 'DNS:accounts.google.com'], ['lan', 'IP:192.168.1.10'],
      ['sneaky', 'DNS:voice.example.org,DNS:mail.example.org']] as const) {
      const r = forge(tlsDir, name, sans);
      expect([name, r.ok]).toEqual([name, false]);
      expect(r.out).toMatch(/permitted subtree violation/);
    }
  });

  it('positive control: the same forging path for a permitted name verifies', () => {
    for (const [name, sans] of [['sub', 'DNS:call.voice.example.org'], ['loop', 'IP:127.0.0.9'], ['dom', 'DNS:susurro.local']] as const) {
      const r = forge(tlsDir, name, sans);
      expect([name, r.ok, r.out]).toEqual([name, true, expect.stringContaining('OK')]);
    }
  });
});

describe('certificates follow the configuration (issue 14 item 3)', () => {
  const data = join(dir, 'follow');
  const tlsDir = join(data, 'tls');
  const at = (publicHost: string, listen = '127.0.0.1') =>
    loadConfig({ file: null, env: {}, overrides: { dataDir: data, publicHost, listen: { address: listen } } });
  const read = (f: string) => readFileSync(join(tlsDir, f), 'utf8');

  it('covers domain, publicHost, listen.address and loopback', () => {
    const m = ensureTlsMaterial(at('voice.example.org', '127.0.0.3'));
    expect(m.notice).toMatch(/^created development CA/);
    const cert = new X509Certificate(read('server.crt'));
    for (const n of requiredNames(at('voice.example.org', '127.0.0.3'))) {
      expect([n, /:/.test(n) || /^\d/.test(n) ? cert.checkIP(n) : cert.checkHost(n)]).toEqual([n, n]);
    }
    expect(requiredNames(at('voice.example.org', '127.0.0.3'))).toEqual(['localhost', '127.0.0.1', '::1', 'susurro.local', 'voice.example.org', '127.0.0.3',
      // the chat server's rooms and file sharing (issue 17)
      'conference.susurro.local', 'upload.susurro.local']);
  });

  it('a new publicHost inside the constraints: the certificate is re-issued from the same CA', () => {
    const ca = read('ca.crt');
    const oldCert = read('server.crt');
    const m = ensureTlsMaterial(at('127.0.0.2'));
    expect(m.createdCa).toBe(false);
    expect(m.notice).toBe(`re-issued the server certificate ${join(tlsDir, 'server.crt')} from the development CA: it did not cover 127.0.0.2`);
    expect(read('ca.crt')).toBe(ca);
    expect(read('server.crt')).not.toBe(oldCert);
    expect(new X509Certificate(read('server.crt')).checkIP('127.0.0.2')).toBe('127.0.0.2');
    expect(execFileSync('openssl', ['verify', '-CAfile', join(tlsDir, 'ca.crt'), join(tlsDir, 'server.crt')]).toString()).toContain('OK');
    expect(ensureTlsMaterial(at('127.0.0.2')).notice).toBeNull(); // and then reused
  });

  it('a publicHost outside the constraints: a new CA, announced loudly, and a certificate it verifies', () => {
    const ca = read('ca.crt');
    const m = ensureTlsMaterial(at('voice.other.example'));
    expect(m.createdCa).toBe(true);
    expect(m.notice).toMatch(/^NEW DEVELOPMENT CA .*may not sign for voice\.other\.example\. Browsers and clients that imported the old CA must import this one/);
    expect(read('ca.crt')).not.toBe(ca);
    expect(execFileSync('openssl', ['verify', '-CAfile', join(tlsDir, 'ca.crt'), join(tlsDir, 'server.crt')]).toString()).toContain('OK');
    expect(new X509Certificate(read('server.crt')).checkHost('voice.other.example')).toBe('voice.other.example');
  });

  it('a CA made before name constraints existed is replaced', () => {
    const legacy = join(dir, 'legacy', 'tls');
    const config = loadConfig({ file: null, env: {}, overrides: { dataDir: join(dir, 'legacy') } });
    ensureTlsMaterial(config);
    execFileSync('openssl', ['req', '-x509', '-new', '-key', join(legacy, 'ca.key'), '-sha256', '-days', '30', '-out', join(legacy, 'ca.crt'),
      '-subj', '/CN=old unconstrained', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
    const m = ensureTlsMaterial(config);
    expect(m.notice).toMatch(/^NEW DEVELOPMENT CA .*had no name constraints/);
    expect(execFileSync('openssl', ['x509', '-in', join(legacy, 'ca.crt'), '-noout', '-ext', 'nameConstraints']).toString()).toContain('DNS:localhost');
  });
});

describe("operator's own certificate", () => {
  it('that does not cover publicHost stops the start with an error naming the missing name', () => {
    const made = ensureTlsMaterial(loadConfig({ file: null, env: {}, overrides: { dataDir: join(dir, 'own2') } }));
    const config = loadConfig({ file: null, env: {}, overrides: {
      dataDir: join(dir, 'op3'), publicHost: 'voice.example.org', tls: { certFile: made.certFile, keyFile: made.keyFile, caFile: null },
    } });
    let err: unknown;
    try { ensureTlsMaterial(config); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(TlsError);
    expect(err).toMatchObject({ code: 'SUSURRO_TLS_NAME_NOT_COVERED', message: expect.stringContaining('does not cover publicHost "voice.example.org"') });
  });

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
