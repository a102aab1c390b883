/**
 * Health probe for coturn: one STUN Binding request (RFC 8489 §6) over UDP. coturn answers
 * Binding without credentials (we do not set secure-stun), so an answer with our transaction ID
 * proves the TURN listener is up.
 */
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';

/** RFC 8489 §5: the magic cookie in every STUN header. */
export const STUN_MAGIC_COOKIE = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;

export function stunBinding(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const tid = randomBytes(12);
    const msg = Buffer.alloc(20);
    msg.writeUInt16BE(BINDING_REQUEST, 0);
    msg.writeUInt16BE(0, 2);
    msg.writeUInt32BE(STUN_MAGIC_COOKIE, 4);
    tid.copy(msg, 8);
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.close();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on('error', () => finish(false));
    sock.on('message', (reply) => {
      if (reply.length >= 20 && reply.readUInt16BE(0) === BINDING_SUCCESS && reply.subarray(8, 20).equals(tid)) finish(true);
    });
    sock.send(msg, port, host, (err) => {
      if (err) finish(false);
    });
  });
}
