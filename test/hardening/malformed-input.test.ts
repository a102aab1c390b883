/**
 * Issue #7 "Malformed input": a corpus of malformed SIP messages (malformed-corpus.ts) sent to
 * the real Kamailio over SIP/TLS and over WSS, while and after a legitimate client registers
 * and places a call. Kamailio must keep serving (same PID, no restart), answer nothing that
 * looks like success to garbage, and refuse the oversize message.
 */
import { connect as tlsConnect } from 'node:tls';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountRow } from '../../src/db/index.ts';
import { establishCall, registeredPhone } from '../admin-api/live-rig.ts';
import { RawSipConnection, dtlsSdp, rawRegister, zrtpSdp, type Phone } from '../support/sip-client.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { malformedCorpus, type CorpusEntry } from './malformed-corpus.ts';

let t: TestStack;
let pid: number;
const phones: Phone[] = [];

beforeAll(async () => {
  t = await startTestStack();
  pid = t.stack.kamailio.pid as number;
  await createAccountRow(t.stack.db, { extension: '201', username: 'alice', displayName: 'Alice', password: 'alice-secret-1', domain: t.config.domain });
  await createAccountRow(t.stack.db, { extension: '202', username: 'bob', displayName: 'Bob', password: 'bob-secret-22', domain: t.config.domain });
}, 60_000);
afterAll(async () => {
  for (const p of phones) await p.stop().catch(() => {});
  await t?.stop();
});

interface Outcome { name: string; transport: 'TLS' | 'WSS'; replies: string[]; closedByServer: boolean }

/** One TLS connection per entry (a broken frame must not spoil the next one); bounded wait. */
function sendTls(e: CorpusEntry): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const sock = tlsConnect({ host: '127.0.0.1', port: t.config.ports.sipTls, ca: t.caPem, servername: 'localhost' });
    let text = '';
    let closedByServer = false;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      sock.destroy();
      resolve({ name: e.name, transport: 'TLS', replies: statusLines(text), closedByServer });
    };
    sock.once('secureConnect', () => {
      sock.write(e.bytes);
      setTimeout(finish, 700);
    });
    sock.on('data', (d) => (text += d.toString('latin1')));
    sock.on('end', () => { closedByServer = true; finish(); });
    sock.on('close', () => { closedByServer = true; finish(); });
    sock.on('error', (err) => (done ? undefined : sock.readyState === 'opening' ? reject(err) : finish()));
  });
}

/** One WebSocket per entry: the bytes as a text frame (RFC 7118 §5), unvalidated on our side. */
function sendWss(e: CorpusEntry): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(t.stack.urls.wss, 'sip', { ca: t.caPem, origin: `https://127.0.0.1:${t.config.ports.admin}`, skipUTF8Validation: true });
    const replies: string[] = [];
    let closedByServer = false;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      ws.terminate();
      resolve({ name: e.name, transport: 'WSS', replies, closedByServer });
    };
    ws.once('open', () => {
      ws.send(e.bytes, { binary: false });
      setTimeout(finish, 700);
    });
    ws.on('message', (m) => replies.push(...statusLines(m.toString('latin1'))));
    ws.on('close', () => { closedByServer = true; finish(); });
    ws.on('error', (err) => (ws.readyState === WebSocket.CONNECTING ? reject(err) : finish()));
  });
}

function statusLines(text: string): string[] {
  return [...text.matchAll(/^SIP\/2\.0 (\d{3}[^\r\n]*)/gm)].map((m) => m[1] as string);
}

async function inBatches<T>(items: (() => Promise<T>)[], size: number): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map((f) => f()))));
  return out;
}

async function legitimateWork() {
  const tls = await RawSipConnection.openTls({ host: '127.0.0.1', port: t.config.ports.sipTls, ca: t.caPem });
  try {
    const reg = await rawRegister(tls, { ext: '202', domain: t.config.domain, password: 'bob-secret-22' });
    expect(reg.status).toBe(200);
  } finally {
    tls.close();
  }
  const alice = await registeredPhone(t, phones, '201', 'alice-secret-1');
  const bob = await registeredPhone(t, phones, '202', 'bob-secret-22');
  const call = await establishCall(alice, bob, '202', t.config.domain);
  await call.outgoing.bye();
  await alice.stop();
  await bob.stop();
}

describe('malformed SIP over TLS and WSS', () => {
  let outcomes: Outcome[] = [];

  it('a legitimate client registers and calls while the corpus is being sent', async () => {
    const corpus = malformedCorpus(t.config.domain);
    expect(corpus.length).toBeGreaterThanOrEqual(20);
    const attack = inBatches([...corpus.map((e) => () => sendTls(e)), ...corpus.map((e) => () => sendWss(e))], 8);
    const [o] = await Promise.all([attack, legitimateWork()]);
    outcomes = o;
    expect(outcomes).toHaveLength(corpus.length * 2);
  }, 60_000);

  it('nothing in the corpus is answered with success', () => {
    const successes = outcomes.flatMap((o) => o.replies.filter((r) => /^[12]\d\d/.test(r) && !r.startsWith('100')).map((r) => `${o.transport} ${o.name}: ${r}`));
    expect(successes).toEqual([]);
  });

  it('the oversize message is refused (connection closed, no answer) on both transports', () => {
    for (const o of outcomes.filter((x) => x.name.startsWith('oversize'))) {
      expect(o.replies, `${o.transport}`).toEqual([]);
      expect(o.closedByServer, `${o.transport}`).toBe(true);
    }
  });

  it('Kamailio is the same process and serves REGISTER and calls afterwards', async () => {
    expect(t.stack.kamailio.pid).toBe(pid);
    expect(t.stack.kamailio.restarts).toBe(0);
    await legitimateWork();
    expect(t.stack.kamailio.pid).toBe(pid);
  }, 30_000);

  it('SDP garbage from an authenticated caller is refused by the media policy and never reaches the callee', async () => {
    const alice = await registeredPhone(t, phones, '201', 'alice-secret-1');
    const bob = await registeredPhone(t, phones, '202', 'bob-secret-22');
    // each breaks exactly one rule of a description that is otherwise accepted
    const garbage = [
      dtlsSdp().replace(/^v=0\r\n/, ''),                                   // no v=0 (RFC 8866 §5.1)
      dtlsSdp().replace(/^m=audio \d+ /m, 'm=audio 70000 '),                // port beyond 65535
      zrtpSdp().replace(/^a=zrtp-hash:.*$/m, 'a=zrtp-hash:1.10 zz'),       // RFC 6189 §8.1 value
      '\u00ff\u00fe\u0000binary\r\n',
    ];
    // the unbroken descriptions pass the same rule
    for (const sdp of [dtlsSdp(), zrtpSdp()]) {
      const incoming = bob.nextInvitation(3_000);
      const calling = alice.call(`sip:202@${t.config.domain}`, { sdp });
      await (await incoming).reject();
      expect((await calling).status).toBe(480); // sip.js reject(): 480, after reaching Bob
    }
    const statuses: number[] = [];
    for (const sdp of garbage) {
      // bounded: a garbage offer that reached Bob would ring without a final answer
      const status = await Promise.race([
        alice.call(`sip:202@${t.config.domain}`, { sdp }).then((r) => r.status),
        new Promise<number>((r) => setTimeout(() => r(-1), 3_000)),
      ]);
      statuses.push(status);
    }
    expect(statuses).toEqual([400, 400, 400, 400]);
    expect(bob.invitations).toHaveLength(0);
    await expect(bob.nextInvitation(300)).rejects.toThrow(/no INVITE/);
    expect(t.stack.kamailio.pid).toBe(pid);
  }, 30_000);
});
