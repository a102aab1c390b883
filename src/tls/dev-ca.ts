/**
 * TLS material for Kamailio (SIP/TLS, WSS), coturn (TURNS) and the admin HTTPS server.
 *
 * Two cases:
 *  - the operator configured their own certificate (tls.certFile / tls.keyFile outside
 *    <dataDir>/tls): used as is; missing files are an error (fail closed, never silently
 *    replaced by a self-signed one);
 *  - otherwise a development CA and a server certificate signed by it are created ONCE under
 *    <dataDir>/tls (directory 0700, keys 0600) with the openssl CLI, and reused on every later
 *    start (idempotent: no new CA, so browsers that trusted it keep trusting it).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, isAbsolute } from 'node:path';
import type { SusurroConfig } from '../config/index.ts';

export class TlsError extends Error {
  readonly code: 'SUSURRO_TLS_MISSING_FILE' | 'SUSURRO_TLS_OPENSSL_FAILED';
  constructor(code: TlsError['code'], message: string) {
    super(message);
    this.name = 'TlsError';
    this.code = code;
  }
}

export interface TlsMaterial {
  certFile: string;
  keyFile: string;
  caFile: string | null;
  /** true when this call created a new CA (first start). */
  createdCa: boolean;
  /** true when the files are the operator's own. */
  operatorProvided: boolean;
}

function isInside(dir: string, file: string): boolean {
  const rel = relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new TlsError('SUSURRO_TLS_OPENSSL_FAILED', `openssl ${args[0]} failed: ${stderr.trim()}`);
  }
}

/** Subject alternative names for the server certificate: the public host, domain and loopback. */
function subjectAltNames(config: SusurroConfig): string {
  const names = new Set<string>(['DNS:localhost', 'IP:127.0.0.1', 'IP:::1', `DNS:${config.domain}`]);
  for (const host of [config.publicHost, config.listen.address]) {
    if (host === '0.0.0.0' || host === '::') continue;
    names.add(/^[0-9.]+$/.test(host) || host.includes(':') ? `IP:${host}` : `DNS:${host}`);
  }
  return [...names].join(',');
}

export function ensureTlsMaterial(config: SusurroConfig): TlsMaterial {
  const tlsDir = join(config.dataDir, 'tls');
  const { certFile, keyFile } = config.tls;
  const managed = isInside(tlsDir, certFile) && isInside(tlsDir, keyFile);
  if (!managed) {
    for (const f of [certFile, keyFile, ...(config.tls.caFile ? [config.tls.caFile] : [])]) {
      if (!existsSync(f)) throw new TlsError('SUSURRO_TLS_MISSING_FILE', `configured TLS file ${f} does not exist`);
    }
    return { certFile, keyFile, caFile: config.tls.caFile, createdCa: false, operatorProvided: true };
  }

  mkdirSync(tlsDir, { recursive: true, mode: 0o700 });
  chmodSync(tlsDir, 0o700);
  const caKey = join(tlsDir, 'ca.key');
  const caCrt = config.tls.caFile ?? join(tlsDir, 'ca.crt');
  let createdCa = false;
  if (!existsSync(caKey) || !existsSync(caCrt)) {
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', caKey]);
    chmodSync(caKey, 0o600);
    openssl([
      'req', '-x509', '-new', '-key', caKey, '-sha256', '-days', '3650', '-out', caCrt,
      '-subj', `/O=susurro development CA/CN=susurro dev CA ${config.domain}`,
      '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    createdCa = true;
  }
  if (createdCa || !existsSync(certFile) || !existsSync(keyFile)) {
    mkdirSync(dirname(certFile), { recursive: true, mode: 0o700 });
    const csr = join(tlsDir, 'server.csr');
    const ext = join(tlsDir, 'server.ext');
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile]);
    chmodSync(keyFile, 0o600);
    openssl(['req', '-new', '-key', keyFile, '-out', csr, '-subj', `/O=susurro/CN=${config.publicHost}`]);
    writeFileSync(
      ext,
      `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n` +
        `extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=${subjectAltNames(config)}\n`,
    );
    // 397 days: the maximum browsers accept for a server certificate.
    openssl(['x509', '-req', '-in', csr, '-CA', caCrt, '-CAkey', caKey, '-CAcreateserial', '-days', '397',
      '-sha256', '-extfile', ext, '-out', certFile]);
    rmSync(csr, { force: true });
    rmSync(ext, { force: true });
  }
  for (const f of [caKey, keyFile]) chmodSync(f, 0o600);
  return { certFile, keyFile, caFile: caCrt, createdCa, operatorProvided: false };
}
