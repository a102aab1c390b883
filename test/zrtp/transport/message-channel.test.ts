/**
 * ZRTP over a reliable ordered message channel. Node's MessageChannel stands in for the WebRTC
 * data channel: asynchronous, ordered, structured-clone delivery of one Uint8Array per message.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { MemoryRetainedSecretCache } from '../../../src/zrtp/cache/memory-cache.ts';
import { ZrtpSession, type ZrtpSecureResult } from '../../../src/zrtp/session.ts';
import { attachMessageChannel, messageChannelLink, type MessageChannelLike } from '../../../src/zrtp/transport/message-channel.ts';
import { zidOf } from '../support/harness.ts';

/** A MessagePort in the shape of RTCDataChannel's send/addEventListener. */
function channelOf(port: MessagePort): MessageChannelLike {
  port.start();
  const wrappers = new Map<unknown, (data: unknown) => void>();
  return {
    send: (data) => port.postMessage(data),
    addEventListener: (type, listener) => {
      const w = (data: unknown) => listener({ data });
      wrappers.set(listener, w);
      port.on(type, w);
    },
    removeEventListener: (type, listener) => port.off(type, wrappers.get(listener)!),
  };
}

function endpoint(name: string, channel: MessageChannelLike) {
  const link = messageChannelLink(channel);
  const retransmits: ('T1' | 'T2' | null)[] = [];
  let resolveSecure!: (r: ZrtpSecureResult) => void;
  const secure = new Promise<ZrtpSecureResult>((r) => (resolveSecure = r));
  const session = new ZrtpSession({
    zid: zidOf(name),
    cache: new MemoryRetainedSecretCache(),
    delegate: {
      onSend: (m, r) => {
        retransmits.push(r);
        link.sessionDelegate.onSend(m, r);
      },
      onSecure: resolveSecure,
      onError: (e) => {
        throw e;
      },
    },
  });
  const detach = link.attach(session);
  return { session, secure, detach, retransmits };
}

describe('message channel transport', () => {
  it('runs a full exchange over an asynchronous ordered channel', async () => {
    const { port1, port2 } = new MessageChannel();
    const a = endpoint('alice', channelOf(port1));
    const b = endpoint('bob', channelOf(port2));
    a.session.start();
    b.session.start();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('no secure session in 5 s')), 5000);
    });
    const [ra, rb] = await Promise.race([Promise.all([a.secure, b.secure]), timeout]).finally(() => clearTimeout(timer));
    expect(ra.sas).toBe(rb.sas);
    expect(Buffer.from(ra.srtp.responder.key).equals(Buffer.from(rb.srtp.responder.key))).toBe(true);
    // The session still states its §6 timers; the channel simply never needs them.
    expect(a.retransmits).toContain('T1');
    a.detach();
    b.detach();
    a.session.close();
    b.session.close();
    port1.close();
  });

  it('drops text frames and accepts ArrayBuffer and typed-array views', () => {
    const received: Uint8Array[] = [];
    const listeners: ((e: { data: unknown }) => void)[] = [];
    const fake: MessageChannelLike = {
      send: () => undefined,
      addEventListener: (_t, l) => listeners.push(l),
      removeEventListener: (_t, l) => listeners.splice(listeners.indexOf(l), 1),
    };
    const detach = attachMessageChannel({ receive: (m) => received.push(m) }, fake);
    listeners[0]!({ data: 'Hello' });
    listeners[0]!({ data: new Uint8Array([1, 2, 3, 4]).buffer });
    listeners[0]!({ data: new DataView(new Uint8Array([9, 8, 7, 6, 5]).buffer, 1, 3) });
    expect(received.map((r) => [...r])).toEqual([[1, 2, 3, 4], [8, 7, 6]]);
    detach();
    expect(listeners).toHaveLength(0);
    expect(() => messageChannelLink({} as never)).toThrow(TypeError);
  });
});
