/**
 * A tiny TURN client over UDP for tests (RFC 8656 Allocate / Refresh / CreatePermission / Send,
 * STUN RFC 8489 long-term credentials). Enough to prove that coturn accepts credentials minted
 * from the shared secret, refuses forged or expired ones, relays to allowed peers and refuses
 * denied peer addresses.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { connect as netConnect, type Socket as NetSocket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

const MAGIC = 0x2112a442;

/** RFC 8489 §18.2 / RFC 8656 §18 */
export const Method = { Allocate: 0x003, Refresh: 0x004, Send: 0x006, Data: 0x007, CreatePermission: 0x008 } as const;
const Attr = {
  USERNAME: 0x0006, MESSAGE_INTEGRITY: 0x0008, ERROR_CODE: 0x0009, LIFETIME: 0x000d, XOR_PEER_ADDRESS: 0x0012,
  DATA: 0x0013, REALM: 0x0014, NONCE: 0x0015, XOR_RELAYED_ADDRESS: 0x0016, REQUESTED_TRANSPORT: 0x0019,
  XOR_MAPPED_ADDRESS: 0x0020, FINGERPRINT: 0x8028,
} as const;

export interface StunMessage {
  type: number;
  tid: Buffer;
  attrs: Map<number, Buffer>;
}

function pad4(n: number) {
  return (4 - (n % 4)) % 4;
}

function encodeAttrs(attrs: [number, Buffer][]): Buffer {
  const parts: Buffer[] = [];
  for (const [t, v] of attrs) {
    const h = Buffer.alloc(4);
    h.writeUInt16BE(t, 0);
    h.writeUInt16BE(v.length, 2);
    parts.push(h, v, Buffer.alloc(pad4(v.length)));
  }
  return Buffer.concat(parts);
}

function header(type: number, length: number, tid: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(type, 0);
  h.writeUInt16BE(length, 2);
  h.writeUInt32BE(MAGIC, 4);
  tid.copy(h, 8);
  return h;
}

/** RFC 8489 §14.5: MESSAGE-INTEGRITY over the header (length incl. MI) and attributes before it. */
export function buildStun(type: number, tid: Buffer, attrs: [number, Buffer][], key?: Buffer): Buffer {
  let body = encodeAttrs(attrs);
  if (key) {
    const withMiLen = body.length + 24;
    const mi = createHmac('sha1', key).update(Buffer.concat([header(type, withMiLen, tid), body])).digest();
    body = Buffer.concat([body, encodeAttrs([[Attr.MESSAGE_INTEGRITY, mi]])]);
  }
  return Buffer.concat([header(type, body.length, tid), body]);
}

export function parseStun(buf: Buffer): StunMessage | null {
  if (buf.length < 20 || buf.readUInt32BE(4) !== MAGIC) return null;
  const len = buf.readUInt16BE(2);
  const attrs = new Map<number, Buffer>();
  let off = 20;
  while (off + 4 <= 20 + len && off + 4 <= buf.length) {
    const t = buf.readUInt16BE(off);
    const l = buf.readUInt16BE(off + 2);
    if (!attrs.has(t)) attrs.set(t, buf.subarray(off + 4, off + 4 + l));
    off += 4 + l + pad4(l);
  }
  return { type: buf.readUInt16BE(0), tid: buf.subarray(8, 20), attrs };
}

/** XOR-*-ADDRESS (RFC 8489 §14.2), IPv4 only. */
export function xorAddress(ip: string, port: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt8(0x01, 1);
  b.writeUInt16BE(port ^ (MAGIC >>> 16), 2);
  const octets = ip.split('.').map(Number);
  const n = (((octets[0] ?? 0) << 24) | ((octets[1] ?? 0) << 16) | ((octets[2] ?? 0) << 8) | (octets[3] ?? 0)) >>> 0;
  b.writeUInt32BE((n ^ MAGIC) >>> 0, 4);
  return b;
}

export function decodeXorAddress(b: Buffer): { ip: string; port: number } {
  const port = b.readUInt16BE(2) ^ (MAGIC >>> 16);
  const n = (b.readUInt32BE(4) ^ MAGIC) >>> 0;
  return { ip: [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.'), port };
}

export function errorCode(m: StunMessage): number | undefined {
  const e = m.attrs.get(Attr.ERROR_CODE);
  return e ? (e[2] ?? 0) * 100 + (e[3] ?? 0) : undefined;
}

const SUCCESS = 0x0100;
const ERROR = 0x0110;

export interface AllocateResult {
  /** 200 on success, else the STUN error code (401, 403, 437, ...). */
  status: number;
  relayed?: { ip: string; port: number };
  lifetime?: number;
}

/**
 * One TURN client: one transport connection (a UDP socket, or a TCP/TLS stream) = one 5-tuple =
 * at most one allocation (RFC 8656 §2.2).
 */
export class TurnUdpClient {
  readonly #send: (buf: Buffer) => void;
  readonly #close: () => void;
  /** Stream transports deliver reliably: no retransmissions (RFC 8489 §6.2.2). */
  readonly #reliable: boolean;
  #realm = '';
  #nonce = '';
  #key: Buffer | null = null;
  #username = '';
  readonly #pending = new Map<string, (m: StunMessage) => void>();
  readonly dataIndications: { from: { ip: string; port: number }; data: Buffer }[] = [];

  private constructor(send: (buf: Buffer) => void, close: () => void, reliable: boolean) {
    this.#send = send;
    this.#close = close;
    this.#reliable = reliable;
  }

  #onMessage(buf: Buffer): void {
    const m = parseStun(buf);
    if (!m) return;
    if (m.type === (0x0010 | Method.Data)) {
      const peer = m.attrs.get(Attr.XOR_PEER_ADDRESS);
      const data = m.attrs.get(Attr.DATA);
      if (peer && data) this.dataIndications.push({ from: decodeXorAddress(peer), data: Buffer.from(data) });
      return;
    }
    this.#pending.get(m.tid.toString('hex'))?.(m);
  }

  /** TURN over UDP. */
  static async open(host: string, port: number, localAddress = '127.0.0.1'): Promise<TurnUdpClient> {
    const sock: Socket = createSocket('udp4');
    // localAddress '0.0.0.0': clients inside a network namespace (test/hardening NAT test)
    await new Promise<void>((resolve) => sock.bind(0, localAddress, () => resolve()));
    const c = new TurnUdpClient((b) => sock.send(b, port, host), () => sock.close(), false);
    sock.on('message', (buf) => c.#onMessage(buf));
    return c;
  }

  /**
   * TURN over TCP, or over TLS (`turns:`, RFC 8656 §3.1) when `ca` is given. On a stream, STUN
   * messages follow each other; each one's length is in its header (RFC 8489 §6.2.2).
   */
  static async openStream(host: string, port: number, ca?: string): Promise<TurnUdpClient> {
    const sock: NetSocket = ca ? tlsConnect({ host, port, ca }) : netConnect({ host, port });
    await new Promise<void>((resolve, reject) => {
      sock.once(ca ? 'secureConnect' : 'connect', () => resolve());
      sock.once('error', reject);
    });
    const c = new TurnUdpClient((b) => sock.write(b), () => sock.destroy(), true);
    let buf = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (let guard = 0; guard < 100 && buf.length >= 20; guard++) {
        const len = 20 + buf.readUInt16BE(2);
        if (buf.length < len) break;
        c.#onMessage(buf.subarray(0, len));
        buf = buf.subarray(len);
      }
    });
    sock.on('error', () => {});
    return c;
  }

  async #transact(method: number, attrs: [number, Buffer][], authenticated: boolean, timeoutMs = 2_000): Promise<StunMessage> {
    const tid = randomBytes(12);
    const all: [number, Buffer][] = authenticated
      ? [...attrs, [Attr.USERNAME, Buffer.from(this.#username)], [Attr.REALM, Buffer.from(this.#realm)], [Attr.NONCE, Buffer.from(this.#nonce)]]
      : attrs;
    const msg = buildStun(method, tid, all, authenticated ? (this.#key ?? undefined) : undefined);
    return new Promise((resolve, reject) => {
      const key = tid.toString('hex');
      // RFC 8489 §6.2.1 retransmissions over UDP: bounded, 3 tries; none on streams
      const maxTries = this.#reliable ? 1 : 3;
      let tries = 0;
      const send = () => {
        tries++;
        this.#send(msg);
      };
      const timer = setInterval(() => {
        if (tries >= maxTries) {
          clearInterval(timer);
          this.#pending.delete(key);
          reject(new Error(`no STUN response to method ${method} within ${timeoutMs} ms`));
        } else send();
      }, timeoutMs / maxTries);
      this.#pending.set(key, (m) => {
        clearInterval(timer);
        this.#pending.delete(key);
        resolve(m);
      });
      send();
    });
  }

  /**
   * Allocate (RFC 8656 §7.1) with long-term credentials (RFC 8489 §9.2): the first request
   * without credentials draws a 401 with REALM and NONCE; the second carries USERNAME, REALM,
   * NONCE and MESSAGE-INTEGRITY keyed with MD5(username ":" realm ":" password).
   */
  /** `relay` 'tcp': an RFC 6062 §5.1 TCP allocation (REQUESTED-TRANSPORT 6; needs a stream client). */
  async allocate(username: string, password: string, relay: 'udp' | 'tcp' = 'udp'): Promise<AllocateResult> {
    const transport = Buffer.from([relay === 'udp' ? 17 : 6, 0, 0, 0]); // IANA protocol numbers
    const first = await this.#transact(Method.Allocate, [[Attr.REQUESTED_TRANSPORT, transport]], false);
    if (first.type !== (ERROR | Method.Allocate) || errorCode(first) !== 401) {
      return { status: errorCode(first) ?? 200 };
    }
    this.#realm = first.attrs.get(Attr.REALM)?.toString() ?? '';
    this.#nonce = first.attrs.get(Attr.NONCE)?.toString() ?? '';
    this.#username = username;
    this.#key = createHash('md5').update(`${username}:${this.#realm}:${password}`).digest();
    const second = await this.#transact(Method.Allocate, [[Attr.REQUESTED_TRANSPORT, transport]], true);
    if (second.type === (SUCCESS | Method.Allocate)) {
      const relayed = second.attrs.get(Attr.XOR_RELAYED_ADDRESS);
      return {
        status: 200,
        ...(relayed ? { relayed: decodeXorAddress(relayed) } : {}),
        lifetime: second.attrs.get(Attr.LIFETIME)?.readUInt32BE(0),
      };
    }
    return { status: errorCode(second) ?? 0 };
  }

  /** Refresh (RFC 8656 §7.2); returns 200 or the error code (437 after the allocation is gone). */
  async refresh(lifetime = 600): Promise<number> {
    const lt = Buffer.alloc(4);
    lt.writeUInt32BE(lifetime, 0);
    let r = await this.#transact(Method.Refresh, [[Attr.LIFETIME, lt]], true);
    if (errorCode(r) === 438) {
      // RFC 8489 §9.2.5: Stale Nonce → retry once with the new NONCE
      this.#nonce = r.attrs.get(Attr.NONCE)?.toString() ?? this.#nonce;
      r = await this.#transact(Method.Refresh, [[Attr.LIFETIME, lt]], true);
    }
    return r.type === (SUCCESS | Method.Refresh) ? 200 : (errorCode(r) ?? 0);
  }

  /** Deletes the allocation (RFC 8656 §7.2: Refresh with LIFETIME 0) so its relay port is freed. */
  release(): Promise<number> {
    return this.refresh(0);
  }

  /** CreatePermission (RFC 8656 §9) for a peer IP; 200 or the error code (403 for a denied peer). */
  async createPermission(peerIp: string): Promise<number> {
    const r = await this.#transact(Method.CreatePermission, [[Attr.XOR_PEER_ADDRESS, xorAddress(peerIp, 0)]], true);
    return r.type === (SUCCESS | Method.CreatePermission) ? 200 : (errorCode(r) ?? 0);
  }

  /** Send indication (RFC 8656 §11.1): no response; the relay forwards DATA to the peer. */
  sendIndication(peerIp: string, peerPort: number, data: Buffer): void {
    const msg = buildStun(0x0010 | Method.Send, randomBytes(12), [
      [Attr.XOR_PEER_ADDRESS, xorAddress(peerIp, peerPort)],
      [Attr.DATA, data],
    ]);
    this.#send(msg);
  }

  close(): void {
    this.#close();
  }
}
