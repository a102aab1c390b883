/**
 * Issue 17 privacy defaults, attacked: a client that skips STARTTLS gets no login, in-band
 * registration is not offered, the server keeps no client IP address in its log at the default
 * level, and there is no server-to-server listener. Positive controls: the same probes over TLS
 * see the SASL mechanisms, and a second Prosody rendered by the same code with logLevel debug
 * and chat.federation on does log the address and does listen for s2s.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { startProsody, type ManagedProsody } from '../../src/chat/index.ts';
import { ensureTlsMaterial } from '../../src/tls/dev-ca.ts';
import { scramSha1 } from '../../src/db/index.ts';
import { freePorts } from '../support/ports.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { adminApiFor } from '../admin-api/live-rig.ts';
import { xmppLogin } from '../support/xmpp.ts';

let t: TestStack;
let other: { prosody: ManagedProsody; dir: string; c2s: number; s2s: number; log: string } | undefined;

function open(domain: string): string {
  return `<?xml version='1.0'?><stream:stream to='${domain}' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`;
}

/** Writes `send`, collects what the server answers until `until` matches or 3 s pass. */
function exchange(sock: Socket, send: string, until: RegExp): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const done = () => {
      clearTimeout(timer);
      sock.off('data', onData);
      sock.off('close', done);
      resolve(got);
    };
    const onData = (d: Buffer) => {
      got += d.toString('utf8');
      if (until.test(got)) done();
    };
    const timer = setTimeout(done, 3_000);
    sock.on('data', onData);
    sock.once('close', done);
    sock.write(send);
  });
}

function tcp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

beforeAll(async () => {
  t = await startTestStack();
  const dir = mkdtempSync(join(tmpdir(), 'susurro-chat-control-'));
  const [c2s, c2sTls, s2s, https] = await freePorts(4);
  const config = loadConfig({ file: null, env: {}, overrides: { dataDir: dir, logLevel: 'debug', chat: { federation: true, ports: { c2s, c2sTls, s2s, https } } } });
  const tls = ensureTlsMaterial(config);
  mkdirSync(join(dir, 'run'), { mode: 0o700 });
  const prosody = await startProsody(config, join(dir, 'run'), tls, { maxRestarts: 0 });
  other = { prosody, dir, c2s: c2s!, s2s: s2s!, log: prosody.files.logFile };
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (await prosody.control.version().then(() => true, () => false)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
}, 60_000);

afterAll(async () => {
  await other?.prosody.process.stop();
  if (other) rmSync(other.dir, { recursive: true, force: true });
  await t?.stop();
});

describe('SCRAM credentials the admin service computes', () => {
  it('equal what Prosody itself stores for the same password and salt (known answer from Prosody, SASLprep included)', async () => {
    const c = other!.prosody.control;
    for (const [user, password] of [['3001', 'plain-ascii-pass-42'], ['3002', 'pässwörd ﬁ Ⅸ']] as const) {
      await c.shell.run(`user:create(${JSON.stringify(`${user}@susurro.local`)}, ${JSON.stringify(password)})`);
      const r = await c.shell.run(`>local a = require"core.storagemanager".open("susurro.local", "accounts"):get("${user}"); return a.salt .. " " .. a.iteration_count`);
      const [salt, iterations] = r.result.replace(/^Result:\s*/, '').split(' ');
      const mine = scramSha1(password, salt!, Number(iterations));
      expect(await c.credentialKeys(user)).toBe(`${mine.storedKey}:${mine.serverKey}`);
      // and a different password does not give the same keys (the comparison can fail)
      const wrong = scramSha1(`${password}x`, salt!, Number(iterations));
      expect(await c.credentialKeys(user)).not.toBe(`${wrong.storedKey}:${wrong.serverKey}`);
    }
  });
});

describe('chat privacy defaults under attack', () => {
  it('a client that skips STARTTLS sees no SASL mechanism and cannot authenticate', async () => {
    const sock = await tcp(t.config.chat!.ports.c2s);
    const features = await exchange(sock, open(t.config.chat!.domain), /<\/stream:features>/);
    expect(features).toMatch(/<starttls xmlns=['"]urn:ietf:params:xml:ns:xmpp-tls['"]>\s*<required\s*\/>/);
    expect(features).not.toContain('<mechanisms');
    // PLAIN in the clear anyway ("\0ana\0password"): refused, never <success/>
    const reply = await exchange(sock, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGFuYQBwYXNzd29yZA==</auth>", /<\/(failure|stream:stream)>|<failure[^>]*\/>/);
    expect(reply).not.toContain('<success');
    expect(reply).toMatch(/encryption-required|failure|stream:error/);
    sock.destroy();
  });

  it('positive control: over TLS the same probe sees SCRAM-SHA-1, and in-band registration is not offered', async () => {
    const sock = tlsConnect({ host: '127.0.0.1', port: t.config.chat!.ports.c2sTls, servername: t.config.chat!.domain, ca: t.caPem });
    await new Promise<void>((resolve, reject) => { sock.once('secureConnect', resolve); sock.once('error', reject); });
    const features = await exchange(sock as unknown as Socket, open(t.config.chat!.domain), /<\/stream:features>/);
    expect(features).toContain('<mechanism>SCRAM-SHA-1</mechanism>');
    expect(features).not.toContain('jabber.org/features/iq-register');
    sock.destroy();
  });

  it('keeps no client IP address in the log at the default level (positive control: debug does)', async () => {
    const api = await adminApiFor(t);
    expect((await api.call('POST', '/api/v1/accounts', { extension: '2001', username: 'eva', displayName: 'Eva', password: 'tidal-ember-quartz-61' })).body.chat).toBe('ok');
    const s = await xmppLogin(t, '2001', 'tidal-ember-quartz-61');
    await s.stop();
    const bad = await tcp(t.config.chat!.ports.c2s);
    await exchange(bad, '<not-xml', /stream:error/);
    bad.destroy();
    await new Promise((r) => setTimeout(r, 300));
    expect(readFileSync(t.stack.chat.files.logFile, 'utf8')).not.toContain('127.0.0.1');

    const probe = await tcp(other!.c2s);
    await exchange(probe, open('susurro.local'), /<\/stream:features>/);
    probe.destroy();
    await new Promise((r) => setTimeout(r, 300));
    expect(readFileSync(other!.log, 'utf8')).toContain('127.0.0.1');
  });

  it('has no server-to-server listener unless chat.federation is on (positive control: federation on listens)', async () => {
    await expect(tcp(t.config.chat!.ports.s2s)).rejects.toThrow(/ECONNREFUSED/);
    const s2s = await tcp(other!.s2s);
    s2s.destroy();
  });
});
