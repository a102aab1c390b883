/**
 * One TLS policy for every listener (Kamailio's tls.cfg states the same list in its own syntax):
 * TLS 1.2 or newer; TLS 1.2 suites only with ECDHE key exchange (forward secrecy) and AEAD
 * ciphers (no CBC, no RSA key transport). All TLS 1.3 suites are forward-secret AEAD.
 */
export const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256',
] as const;

export const TLS13_SUITES = ['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256'] as const;

/** OpenSSL cipher string (TLS 1.2 part). */
export const TLS12_CIPHER_STRING = TLS12_CIPHERS.join(':');

/** Options for node:tls / node:https servers. */
export const NODE_TLS_SERVER_POLICY = {
  minVersion: 'TLSv1.2',
  ciphers: [...TLS13_SUITES, ...TLS12_CIPHERS].join(':'),
  honorCipherOrder: true,
} as const;
