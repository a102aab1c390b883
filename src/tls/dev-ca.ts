/**
 * TLS material for Kamailio (SIP/TLS, WSS), coturn (TURNS) and the admin HTTPS server.
 *
 * Two cases:
 *  - the operator configured their own certificate (tls.certFile / tls.keyFile outside
 *    <dataDir>/tls): used as is; missing files are an error (fail closed, never silently
 *    replaced by a self-signed one), and so is a certificate whose names do not cover
 *    `publicHost` (the error names the missing name: clients would refuse it anyway);
 *  - otherwise a development CA and a server certificate signed by it live under <dataDir>/tls
 *    (directory 0700, keys 0600), made with the openssl CLI. Certificates follow the
 *    configuration (issue 14 item 3): at every start the server certificate must cover `domain`,
 *    `publicHost`, `listen.address` and the loopback names, or it is re-issued from the same CA.
 *
 * The CA is name-constrained (RFC 5280 §4.2.1.10): browsers are told to import it, so it must not
 * be able to vouch for any other site even if its key leaks. The extension is NOT marked critical,
 * although §4.2.1.10 asks CAs to: Linphone's mbedTLS 2.28 (Debian 12) does not implement name
 * constraints and refuses to load a CA with a critical extension it does not know ("X509 - The
 * extension tag or value is invalid"), so native phones could not trust it. OpenSSL, Chromium's
 * verifier and Firefox's NSS enforce name constraints whatever the criticality (test/tls/dev-ca.test.ts
 * proves it for OpenSSL, test/hardening/linphone-hold.test.ts that Linphone loads the CA). It may sign only for the
 * names it serves: `domain` and `publicHost` (DNS subtrees or single IPs), `listen.address`,
 * `localhost`, 127.0.0.0/8 and ::1. Its key stays on the server because re-issuing needs it
 * (docs/hardening.md). When the configuration names a host outside those constraints, the old CA
 * cannot sign for it: a NEW CA is made and the start says so loudly (import it again). A CA made
 * before the constraints existed is replaced the same way.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, join, relative, isAbsolute } from 'node:path';
import type { SusurroConfig } from '../config/index.ts';

export class TlsError extends Error {
  readonly code: 'SUSURRO_TLS_MISSING_FILE' | 'SUSURRO_TLS_OPENSSL_FAILED' | 'SUSURRO_TLS_NAME_NOT_COVERED';
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
  /** true when this call created a new CA (first start, or names outside the old CA's constraints). */
  createdCa: boolean;
  /** true when the files are the operator's own. */
  operatorProvided: boolean;
  /** What this call did, in words for the start output (null: reused as it was). */
  notice: string | null;
}

function isInside(dir: string, file: string): boolean {
  const rel = relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

function openssl(args: string[]): string {
  try {
    return execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new TlsError('SUSURRO_TLS_OPENSSL_FAILED', `openssl ${args[0]} failed: ${stderr.trim()}`);
  }
}

/** A configured host that names a specific machine (not a wildcard listen address). */
function specific(host: string): boolean {
  return host !== '0.0.0.0' && host !== '::' && host !== '';
}

/** The names every server certificate must cover: domain, publicHost, listen.address, loopback. */
export function requiredNames(config: SusurroConfig): string[] {
  const names = new Set<string>(['localhost', '127.0.0.1', '::1', config.domain]);
  for (const host of [config.publicHost, config.listen.address]) if (specific(host)) names.add(host);
  // the XMPP server (src/chat) presents the same certificate for its domain and components
  if (config.chat) for (const n of [config.chat.domain, `conference.${config.chat.domain}`, `upload.${config.chat.domain}`]) names.add(n);
  return [...names];
}

function sanEntry(name: string): string {
  return isIP(name) ? `IP:${name}` : `DNS:${name}`;
}

/** Does the certificate cover `name` (DNS name with wildcard rules, or IP address)? */
function covers(cert: X509Certificate, name: string): boolean {
  return isIP(name) ? cert.checkIP(name) !== undefined : cert.checkHost(name, { subject: 'never' }) !== undefined;
}

/** The names the CA permits: DNS subtrees and IP/mask ranges, as `openssl x509 -ext` prints them. */
function caPermitted(caCrt: string): { dns: string[]; ip: string[] } | null {
  const text = openssl(['x509', '-in', caCrt, '-noout', '-ext', 'nameConstraints']);
  // a critical one (made by an earlier build) cannot be loaded by Linphone's mbedTLS: replaced too
  if (!/Name Constraints:/.test(text) || /Name Constraints: critical/.test(text)) return null;
  const permitted = text.split(/Excluded:/)[0]!;
  return {
    dns: [...permitted.matchAll(/DNS:([^\s,]+)/g)].map((m) => m[1]!.toLowerCase()),
    ip: [...permitted.matchAll(/IP:([0-9A-Fa-f:.]+\/[0-9A-Fa-f:.]+)/g)].map((m) => m[1]!),
  };
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  const [head, tail = ''] = ip.split('::');
  const parts = (s: string) => (s ? s.split(':') : []);
  const h = parts(head!), t = parts(tail);
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return Buffer.from(groups.flatMap((g) => { const n = parseInt(g, 16); return [n >> 8, n & 0xff]; }));
}

/** RFC 5280 §4.2.1.10 matching: a DNS subtree permits the name and its subdomains; IP by mask. */
function permits(p: { dns: string[]; ip: string[] }, name: string): boolean {
  if (!isIP(name)) {
    const n = name.toLowerCase();
    return p.dns.some((d) => n === d || n.endsWith(`.${d}`));
  }
  const addr = ipBytes(name);
  return p.ip.some((range) => {
    const [base, mask] = range.split('/') as [string, string];
    const b = ipBytes(base), m = ipBytes(mask);
    return b.length === addr.length && m.length === addr.length && addr.every((x, i) => (x & m[i]!) === (b[i]! & m[i]!));
  });
}

/** nameConstraints for a new CA: the names this configuration serves, plus loopback. */
function constraintsFor(config: SusurroConfig): string {
  const entries = new Set<string>(['permitted;DNS:localhost', 'permitted;IP:127.0.0.0/255.0.0.0',
    'permitted;IP:::1/ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', `permitted;DNS:${config.domain}`,
    ...(config.chat ? [`permitted;DNS:${config.chat.domain}`] : [])]);
  for (const host of [config.publicHost, config.listen.address]) {
    if (!specific(host)) continue;
    if (isIP(host) === 4) entries.add(`permitted;IP:${host}/255.255.255.255`);
    else if (isIP(host) === 6) entries.add(`permitted;IP:${host}/ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff`);
    else entries.add(`permitted;DNS:${host}`);
  }
  return [...entries].join(',');
}

function newCa(config: SusurroConfig, caKey: string, caCrt: string): void {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', caKey]);
  chmodSync(caKey, 0o600);
  openssl([
    'req', '-x509', '-new', '-key', caKey, '-sha256', '-days', '3650', '-out', caCrt,
    '-subj', `/O=susurro development CA/CN=susurro dev CA ${config.domain} ${new Date().toISOString().slice(0, 10)}`,
    '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-addext', `nameConstraints=${constraintsFor(config)}`,
  ]);
}

function issueServerCert(config: SusurroConfig, tlsDir: string, caKey: string, caCrt: string, certFile: string, keyFile: string): void {
  mkdirSync(dirname(certFile), { recursive: true, mode: 0o700 });
  const csr = join(tlsDir, 'server.csr');
  const ext = join(tlsDir, 'server.ext');
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile]);
  chmodSync(keyFile, 0o600);
  const cn = config.publicHost.length <= 64 ? config.publicHost : 'susurro';
  openssl(['req', '-new', '-key', keyFile, '-out', csr, '-subj', `/O=susurro/CN=${cn}`]);
  writeFileSync(
    ext,
    `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n` +
      `extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=${requiredNames(config).map(sanEntry).join(',')}\n`,
  );
  // 397 days: the maximum browsers accept for a server certificate.
  openssl(['x509', '-req', '-in', csr, '-CA', caCrt, '-CAkey', caKey, '-CAcreateserial', '-days', '397',
    '-sha256', '-extfile', ext, '-out', certFile]);
  rmSync(csr, { force: true });
  rmSync(ext, { force: true });
}

function operatorMaterial(config: SusurroConfig): TlsMaterial {
  const { certFile, keyFile } = config.tls;
  for (const f of [certFile, keyFile, ...(config.tls.caFile ? [config.tls.caFile] : [])]) {
    if (!existsSync(f)) throw new TlsError('SUSURRO_TLS_MISSING_FILE', `configured TLS file ${f} does not exist`);
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(readFileSync(certFile));
  } catch (err) {
    throw new TlsError('SUSURRO_TLS_MISSING_FILE', `configured certificate ${certFile} is not a PEM certificate: ${(err as Error).message}`);
  }
  if (specific(config.publicHost) && !covers(cert, config.publicHost)) {
    throw new TlsError('SUSURRO_TLS_NAME_NOT_COVERED',
      `the configured certificate ${certFile} does not cover publicHost "${config.publicHost}" ` +
      `(its names: ${cert.subjectAltName ?? 'none'}); clients would refuse it. Use a certificate for "${config.publicHost}" or change publicHost`);
  }
  return { certFile, keyFile, caFile: config.tls.caFile, createdCa: false, operatorProvided: true, notice: null };
}

export function ensureTlsMaterial(config: SusurroConfig): TlsMaterial {
  const tlsDir = join(config.dataDir, 'tls');
  const { certFile, keyFile } = config.tls;
  if (!(isInside(tlsDir, certFile) && isInside(tlsDir, keyFile))) return operatorMaterial(config);

  mkdirSync(tlsDir, { recursive: true, mode: 0o700 });
  chmodSync(tlsDir, 0o700);
  const caKey = join(tlsDir, 'ca.key');
  const caCrt = config.tls.caFile ?? join(tlsDir, 'ca.crt');
  const needed = requiredNames(config);
  let createdCa = false;
  let notice: string | null = null;
  if (!existsSync(caKey) || !existsSync(caCrt)) {
    newCa(config, caKey, caCrt);
    createdCa = true;
    notice = `created development CA ${caCrt} (name-constrained to ${needed.join(', ')} and 127.0.0.0/8)`;
  } else {
    const permitted = caPermitted(caCrt);
    const outside = permitted ? needed.filter((n) => !permits(permitted, n)) : needed;
    if (outside.length > 0) {
      newCa(config, caKey, caCrt);
      createdCa = true;
      notice = `NEW DEVELOPMENT CA ${caCrt}: the previous one ${permitted ? `may not sign for ${outside.join(', ')}` : 'had no name constraints that every client can load'}. ` +
        'Browsers and clients that imported the old CA must import this one instead';
    }
  }
  let reissue = createdCa || !existsSync(certFile) || !existsSync(keyFile);
  if (!reissue) {
    const cert = new X509Certificate(readFileSync(certFile));
    const missing = needed.filter((n) => !covers(cert, n));
    if (missing.length > 0) {
      reissue = true;
      notice = `re-issued the server certificate ${certFile} from the development CA: it did not cover ${missing.join(', ')}`;
    }
  }
  if (reissue) {
    issueServerCert(config, tlsDir, caKey, caCrt, certFile, keyFile);
    if (createdCa) notice = `${notice}; issued a server certificate for ${needed.join(', ')}`;
    else notice ??= `issued a server certificate ${certFile} for ${needed.join(', ')}`;
  }
  for (const f of [caKey, keyFile]) chmodSync(f, 0o600);
  return { certFile, keyFile, caFile: caCrt, createdCa, operatorProvided: false, notice };
}
