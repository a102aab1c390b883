/**
 * Every TLS listener of a running stack (SIP/TLS, WSS, TURNS, admin HTTPS) speaks TLS 1.2+ only,
 * with forward-secret AEAD suites only (issue #7), and presents the certificate of the
 * development CA.
 */
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { TLS12_CIPHER_STRING } from '../../src/tls/policy.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => {
  await t?.stop();
});

type Outcome = { ok: true; protocol: string; cipher: string } | { ok: false; why: string };

function handshake(port: number, opts: Record<string, unknown>): Promise<Outcome> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port, ca: t.caPem, ...opts });
    const timer = setTimeout(() => { s.destroy(); resolve({ ok: false, why: 'no handshake within 2 s' }); }, 2_000);
    s.once('secureConnect', () => {
      clearTimeout(timer);
      resolve({ ok: true, protocol: s.getProtocol() ?? '', cipher: s.getCipher().name });
      s.destroy();
    });
    s.once('error', (e: NodeJS.ErrnoException) => { clearTimeout(timer); resolve({ ok: false, why: e.code ?? e.message }); });
  });
}

const listeners = ['sipTls', 'wss', 'turnTls', 'admin'] as const;

describe.each(listeners)('TLS listener %s', (name) => {
  const port = () => t.config.ports[name];

  it('completes a verified handshake (TLS 1.2 or 1.3) with the development CA', async () => {
    const r = await handshake(port(), {});
    expect(r.ok).toBe(true);
    if (r.ok) expect(['TLSv1.2', 'TLSv1.3']).toContain(r.protocol);
  });

  it('refuses TLS 1.0/1.1', async () => {
    const r = await handshake(port(), { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
    expect(r.ok).toBe(false);
  });

  it('refuses TLS 1.2 CBC suites (non-AEAD)', async () => {
    const r = await handshake(port(), { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384' });
    expect(r.ok).toBe(false);
  });

  it('accepts TLS 1.2 with an ECDHE AEAD suite', async () => {
    const r = await handshake(port(), { maxVersion: 'TLSv1.2', ciphers: TLS12_CIPHER_STRING });
    expect(r).toMatchObject({ ok: true, protocol: 'TLSv1.2' });
    if (r.ok) expect(r.cipher).toMatch(/^ECDHE-/);
  });
});

it('the rendered tls.cfg states the same TLS 1.2 suites', () => {
  const tlsCfg = readFileSync(t.stack.kamailioFiles.tlsCfgFile, 'utf8');
  expect(tlsCfg).toContain(`cipher_list = ${TLS12_CIPHER_STRING}`);
  expect(tlsCfg).toMatch(/^method = TLSv1\.2\+$/m);
});
