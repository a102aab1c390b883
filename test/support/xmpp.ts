/**
 * A real XMPP client (@xmpp/client, xmpp.js) for the chat tests: TLS verified against the test
 * stack's CA, SCRAM-SHA-1 insisted on (the mechanism is asserted, never PLAIN), no reconnect.
 */
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { performance } from 'node:perf_hooks';
import { client, xml } from '@xmpp/client';
import type { TestStack } from './stack.ts';

let trusted = new Set<string>();

/** xmpp.js passes no CA option down to tls.connect: the stack's CA joins Node's default store. */
export function trustStackCa(caPem: string): void {
  if (trusted.has(caPem)) return;
  trusted.add(caPem);
  setDefaultCACertificates([...getCACertificates('default'), ...trusted]);
}

export interface XmppSession {
  jid: string;
  mechanism: string;
  /** Messages received (from, body). */
  messages: { from: string; body: string }[];
  /** performance.now() when the stream went away (server closed it), null while open. */
  closedAt: number | null;
  /** The stream error condition the server sent, if any. */
  streamError: string | null;
  nextMessage(timeoutMs?: number): Promise<{ from: string; body: string }>;
  closed(timeoutMs?: number): Promise<number>;
  send(to: string, body: string): Promise<void>;
  roster(): Promise<{ jid: string; name: string | undefined }[]>;
  /** XEP-0215 external services of the server (attributes of each <service/>). */
  services(type?: string): Promise<Record<string, string>[]>;
  stop(): Promise<void>;
}

export async function xmppLogin(
  t: TestStack,
  user: string,
  password: string,
  opts: { directTls?: boolean; resource?: string } = {},
): Promise<XmppSession> {
  trustStackCa(t.caPem);
  const chat = t.config.chat!;
  const service = opts.directTls ? `xmpps://127.0.0.1:${chat.ports.c2sTls}` : `xmpp://127.0.0.1:${chat.ports.c2s}`;
  let mechanism = '';
  const x = client({
    service,
    domain: chat.domain,
    resource: opts.resource ?? 'test',
    credentials: async (auth: (c: { username: string; password: string }) => Promise<void>, mech: string) => {
      mechanism = mech;
      if (mech !== 'SCRAM-SHA-1') throw new Error(`server offered ${mech} first, expected SCRAM-SHA-1`);
      await auth({ username: user, password });
    },
  });
  x.reconnect.stop();
  const s: XmppSession = {
    jid: '', mechanism: '', messages: [], closedAt: null, streamError: null,
    async nextMessage(timeoutMs = 5_000) {
      const start = s.messages.length;
      const deadline = Date.now() + timeoutMs;
      while (s.messages.length === start && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      if (s.messages.length === start) throw new Error(`${user}: no message within ${timeoutMs} ms`);
      return s.messages[start]!;
    },
    async closed(timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (s.closedAt === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      if (s.closedAt === null) throw new Error(`${user}: stream still open after ${timeoutMs} ms`);
      return s.closedAt;
    },
    async send(to, body) {
      await x.send(xml('message', { to, type: 'chat' }, xml('body', {}, body)));
    },
    async roster() {
      const r = await x.iqCaller.get(xml('query', { xmlns: 'jabber:iq:roster' }));
      return r.getChildren('item').map((i: { attrs: Record<string, string> }) => ({ jid: i.attrs['jid']!, name: i.attrs['name'] }));
    },
    async services(type?: string) {
      const r = await x.iqCaller.get(xml('services', { xmlns: 'urn:xmpp:extdisco:2', ...(type ? { type } : {}) }), chat.domain);
      return r.getChildren('service').map((i: { attrs: Record<string, string> }) => ({ ...i.attrs }));
    },
    async stop() {
      if (s.closedAt === null) await x.stop().catch(() => {});
    },
  };
  x.on('stanza', (st: { is(n: string): boolean; attrs: Record<string, string>; getChildText(n: string): string | null }) => {
    if (st.is('message') && st.getChildText('body') !== null) s.messages.push({ from: st.attrs['from']!, body: st.getChildText('body')! });
  });
  x.on('element', (el: { name: string; children: { name?: string }[] }) => {
    if (el.name === 'stream:error') s.streamError = el.children.find((c) => c.name && c.name !== 'text')?.name ?? 'unknown';
  });
  x.on('error', () => {});
  x.on('disconnect', () => {
    s.closedAt ??= performance.now();
  });
  x.on('offline', () => {
    s.closedAt ??= performance.now();
  });
  const address = await x.start();
  // available: messages to the bare JID reach this resource (RFC 6121 §8.5.2), and offline
  // messages are delivered now (XEP-0160)
  await x.send(xml('presence'));
  s.jid = String(address);
  s.mechanism = mechanism;
  return s;
}

/** Resolves with the error message of a refused login (rejects if the login succeeds). */
export async function xmppLoginRefused(t: TestStack, user: string, password: string): Promise<string> {
  try {
    const s = await xmppLogin(t, user, password);
    await s.stop();
  } catch (err) {
    return (err as Error).message || String((err as { condition?: string }).condition);
  }
  throw new Error(`${user} logged in, expected a refusal`);
}
