/**
 * Kamailio JSON-RPC: answers on the loopback listener, refused on the public listeners. (The
 * revocation that acts over it — src/admin-api/services/revocation.ts, the product's only one — is
 * tested against the real stack in test/admin-api/revocation.test.ts.)
 */
import { request as httpsRequest } from 'node:https';
import { connect as netConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountRow } from '../../src/db/index.ts';
import { KamailioRpc, KamailioRpcError } from '../../src/signaling/kamailio-rpc.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { createPhone, type Phone } from '../support/sip-client.ts';

let t: TestStack;
let origin: string;
const phones: Phone[] = [];
const users = [
  { extension: '201', username: 'alice', displayName: 'Alice', password: 'alice-secret-1' },
  { extension: '202', username: 'bob', displayName: 'Bob', password: 'bob-secret-2' },
];

beforeAll(async () => {
  t = await startTestStack();
  origin = `https://127.0.0.1:${t.config.ports.admin}`;
  for (const u of users) await createAccountRow(t.stack.db, { ...u, domain: t.config.domain });
});
afterAll(async () => {
  for (const p of phones) await p.stop();
  await t?.stop();
});

async function phone(ext: string): Promise<Phone> {
  const u = users.find((x) => x.extension === ext);
  const p = await createPhone({ wssUrl: t.stack.urls.wss, domain: t.config.domain, ext, password: u?.password ?? '', ca: t.caPem, origin });
  phones.push(p);
  expect(await p.register()).toBe(200);
  return p;
}

/** POST a JSON-RPC body over HTTPS to a public (TLS) listener. */
function rpcOverTls(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ jsonrpc: '2.0', method: 'core.version', id: 1 });
    const req = httpsRequest({ host: '127.0.0.1', port, path: '/RPC', method: 'POST', ca: t.caPem, servername: 'localhost',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('JSON-RPC', () => {
  it('answers on 127.0.0.1:<jsonrpc>: core.version, and ul.lookup shows a registered alice', async () => {
    expect(await t.stack.rpc.call<string>('core.version')).toMatch(/^kamailio 5\.6/);
    await phone('201');
    const found = await t.stack.rpc.call<unknown>('ul.lookup', ['location', `201@${t.config.domain}`]);
    expect(JSON.stringify(found)).toMatch(/"AoR":"201"/);
  });

  it.each(['wss', 'sipTls'] as const)('is refused with 403 on the %s listener', async (listener) => {
    const r = await rpcOverTls(t.config.ports[listener]);
    expect(r.status).toBe(403);
    expect(r.body).not.toContain('kamailio 5.6');
  });

  it('the JSON-RPC port is bound to loopback only and does not accept SIP', async () => {
    // bound to 127.0.0.1 itself, not to every address: another loopback address is refused
    // (corex.list_sockets, used here before, is not on the JSON-RPC allow-list)
    const refused = await new Promise<string>((resolve) => {
      const s = netConnect({ port: t.config.ports.jsonrpc, host: '127.0.0.2' }, () => { s.destroy(); resolve('connected'); });
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
    // a SIP request sent to the JSON-RPC port gets no SIP answer (dropped)
    const reply = await new Promise<string>((resolve) => {
      const s = netConnect(t.config.ports.jsonrpc, '127.0.0.1', () => {
        s.write('OPTIONS sip:201@susurro.local SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKx\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:201@susurro.local>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n');
      });
      let got = '';
      s.on('data', (d) => { got += d; });
      setTimeout(() => { s.destroy(); resolve(got); }, 700);
      s.on('error', () => resolve(got));
    });
    expect(reply).not.toMatch(/^SIP\/2\.0 2/);
  });

  it('KamailioRpc reports RPC errors with a typed error and unreachable ports as such', async () => {
    await expect(t.stack.rpc.call('ul.lookup', ['location', '299@susurro.local'])).rejects.toMatchObject({
      name: 'KamailioRpcError', code: 'SUSURRO_KAMAILIO_RPC_ERROR',
    });
    const dead = new KamailioRpc('http://127.0.0.1:1/RPC', { token: 'x'.repeat(32), timeoutMs: 500 });
    const err = await dead.call('core.version').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KamailioRpcError);
    expect((err as KamailioRpcError).code).toBe('SUSURRO_KAMAILIO_RPC_UNREACHABLE');
    expect(() => new KamailioRpc('https://127.0.0.1:1/RPC', { token: 'x'.repeat(32) })).toThrow(RangeError);
    expect(() => t.stack.rpc.call('bad method; drop')).toThrow(TypeError);
  });
});
