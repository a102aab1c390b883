import { isIP } from 'node:net';

/**
 * Can a native phone verify the server's certificate for this host? Linphone's TLS stack
 * (mbedTLS in belle-sip) matches only DNS names: it ignores IP-address SANs, so a phone told
 * to reach 127.0.0.1 or 192.0.2.7 fails the handshake. A single-label name (no dot) or a
 * `.local` name (mDNS, RFC 6762) is no name a public CA certifies or a phone resolves through
 * ordinary DNS. Returns the problems in plain words; empty when both look usable.
 */
export function nativePhoneHostProblems(c: { publicHost: string; domain: string }): string[] {
  const out: string[] = [];
  const dnsProblem = (name: string): string | null => {
    if (isIP(name)) return 'is an IP address (phones verify only DNS names in the certificate)';
    if (!name.includes('.')) return 'is a single-label name that phones cannot look up in public DNS';
    if (/\.(local|localhost|test|invalid|example)$/i.test(name)) return 'is a reserved name that no public certificate covers';
    return null;
  };
  const host = dnsProblem(c.publicHost);
  if (host) out.push(`publicHost "${c.publicHost}" ${host}`);
  const domain = dnsProblem(c.domain);
  if (domain) out.push(`domain "${c.domain}" ${domain}`);
  return out;
}

/** The lines `npm start` prints when native phones (Linphone) would fail to connect. */
export function nativePhoneHostWarning(c: { publicHost: string; domain: string }): string[] {
  const problems = nativePhoneHostProblems(c);
  if (problems.length === 0) return [];
  return [
    'WARNING: native phones (Linphone) will not connect with this configuration:',
    ...problems.map((p) => `  - ${p}`),
    '  Set publicHost (SUSURRO_PUBLIC_HOST) and domain (SUSURRO_DOMAIN) to DNS names of this server,',
    '  with a certificate for them from a public CA such as Let\'s Encrypt (tls.certFile / tls.keyFile).',
    '  See docs/native-phones.md, "Certificate". The web softphone is not affected.',
  ];
}
