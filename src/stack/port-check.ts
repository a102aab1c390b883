/**
 * Before starting anything: every port the stack will listen on must be free, so that an
 * operator gets "ports.wss (8443/tcp on 0.0.0.0) is in use" instead of a Kamailio restart loop.
 */
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import type { SusurroConfig } from '../config/index.ts';

export interface PortUse {
  field: string;
  port: number;
  proto: 'tcp' | 'udp';
  address: string;
}

/** The listening sockets a config implies. */
export function listeningPorts(config: SusurroConfig): PortUse[] {
  const a = config.listen.address;
  const p = config.ports;
  const uses: PortUse[] = [
    { field: 'ports.sipTls', port: p.sipTls, proto: 'tcp', address: a },
    { field: 'ports.wss', port: p.wss, proto: 'tcp', address: a },
    { field: 'ports.jsonrpc', port: p.jsonrpc, proto: 'tcp', address: '127.0.0.1' },
    { field: 'ports.turn', port: p.turn, proto: 'udp', address: a },
    { field: 'ports.turn', port: p.turn, proto: 'tcp', address: a },
    { field: 'ports.turnTls', port: p.turnTls, proto: 'tcp', address: a },
    { field: 'ports.turnCli', port: p.turnCli, proto: 'tcp', address: '127.0.0.1' },
    { field: 'ports.admin', port: p.admin, proto: 'tcp', address: a },
  ];
  const chat = config.chat;
  if (chat) {
    uses.push(
      { field: 'chat.ports.c2s', port: chat.ports.c2s, proto: 'tcp', address: a },
      { field: 'chat.ports.c2sTls', port: chat.ports.c2sTls, proto: 'tcp', address: a },
      { field: 'chat.ports.https', port: chat.ports.https, proto: 'tcp', address: a },
    );
    if (chat.federation) uses.push({ field: 'chat.ports.s2s', port: chat.ports.s2s, proto: 'tcp', address: a });
  }
  if (p.sipUdp !== null) {
    uses.push({ field: 'ports.sipUdp', port: p.sipUdp, proto: 'udp', address: a }, { field: 'ports.sipUdp', port: p.sipUdp, proto: 'tcp', address: a });
  }
  return uses;
}

function free(use: PortUse): Promise<boolean> {
  return new Promise((resolve) => {
    if (use.proto === 'tcp') {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen({ port: use.port, host: use.address, exclusive: true }, () => srv.close(() => resolve(true)));
    } else {
      const sock = createSocket(use.address.includes(':') ? 'udp6' : 'udp4');
      sock.once('error', () => resolve(false));
      sock.bind({ port: use.port, address: use.address, exclusive: true }, () => sock.close(() => resolve(true)));
    }
  });
}

/** The ports of `config` that are already in use (empty when all are free). */
export async function portsInUse(config: SusurroConfig): Promise<PortUse[]> {
  const busy: PortUse[] = [];
  for (const use of listeningPorts(config)) if (!(await free(use))) busy.push(use);
  return busy;
}
