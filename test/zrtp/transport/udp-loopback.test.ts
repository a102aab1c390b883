/**
 * Two sessions over real UDP sockets on 127.0.0.1 with the host's timers (systemScheduler):
 * the transport as the zrtp-peer command wires it, here in-process, plus 20% seeded loss in
 * the send path so the real §6 timers have to repair the exchange.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryRetainedSecretCache } from '../../../src/zrtp/cache/memory-cache.ts';
import { ZrtpSession, type ZrtpSecureResult } from '../../../src/zrtp/session.ts';
import { systemScheduler } from '../../../src/zrtp/transport/scheduler.ts';
import { UdpPacketTransport } from '../../../src/zrtp/transport/udp-packets.ts';
import { freePorts } from '../../support/ports.ts';
import { prng, zidOf } from '../support/harness.ts';

const sockets: Socket[] = [];
const transports: UdpPacketTransport[] = [];
afterAll(() => {
  for (const t of transports) t.close();
  for (const s of sockets) s.close();
});

async function endpoint(name: string, localPort: number, remotePort: number, lose: () => boolean) {
  const socket = createSocket('udp4');
  sockets.push(socket);
  await new Promise<void>((resolve) => socket.bind(localPort, '127.0.0.1', resolve));
  const transport = new UdpPacketTransport({
    ssrc: localPort,
    scheduler: systemScheduler(),
    send: (packet) => {
      if (!lose()) socket.send(packet, remotePort, '127.0.0.1');
    },
  });
  transports.push(transport);
  const outcome = new Promise<ZrtpSecureResult>((resolve, reject) => {
    const session = new ZrtpSession({
      zid: zidOf(name),
      cache: new MemoryRetainedSecretCache(),
      delegate: { ...transport.sessionDelegate, onSecure: resolve, onError: reject },
    });
    transport.attach(session);
    socket.on('message', (msg) => transport.receivePacket(new Uint8Array(msg)));
    setImmediate(() => session.start());
  });
  return { transport, outcome };
}

describe('UDP on loopback with real timers', () => {
  it('completes under 20% seeded loss and agrees on SAS and keys', async () => {
    const [pa, pb] = (await freePorts(2)) as [number, number];
    const random = prng(42);
    const lose = () => random() < 0.2;
    const a = await endpoint('alice', pa, pb, lose);
    const b = await endpoint('bob', pb, pa, lose);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('no secure session in 15 s')), 15_000);
    });
    const [ra, rb] = await Promise.race([Promise.all([a.outcome, b.outcome]), timeout]).finally(() => clearTimeout(timer));
    expect(ra.sas).toBe(rb.sas);
    expect(Buffer.from(ra.srtp.initiator.key).equals(Buffer.from(rb.srtp.initiator.key))).toBe(true);
    expect(a.transport.stats.received).toBeGreaterThan(0);
  }, 20_000);
});
