/**
 * One ZRTP endpoint over UDP on 127.0.0.1 from susurro's engine: ZrtpSession +
 * UdpPacketTransport (RFC 6189 §5 packets, §6 timers on the real clock, injected as the
 * Scheduler) + the file retained-secret cache. The body of `npm run zrtp-peer`
 * (src/cli/zrtp-peer.ts), also run in-process by bench/zrtp-udp.bench.ts.
 *
 * DH/ECDH arithmetic: OpenSSL (node:crypto) by default, `--backend pure-js` for the code the
 * browser softphone runs without WebCrypto, `--backend webcrypto` for the one it runs with it
 * (X255/EC25 through WebCrypto; DH2k/DH3k pure JS); the ZRTP rules (validation, formats) are the same code either way.
 *
 * Roles: 'responder' never sends Commit first (session option commit: 'wait'); 'initiator'
 * commits as soon as it may (§4.2) and fails if commit contention made it responder.
 */
import { randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { ZrtpSession, type ZrtpSecureResult } from '../../zrtp/session.ts';
import type { ZrtpError } from '../../zrtp/errors.ts';
import { UdpPacketTransport } from '../../zrtp/transport/udp-packets.ts';
import { systemScheduler } from '../../zrtp/transport/scheduler.ts';
import { FileRetainedSecretCache } from '../../zrtp/cache/file-cache.ts';
import { MemoryRetainedSecretCache } from '../../zrtp/cache/memory-cache.ts';
import { NODE_PRIMITIVES } from '../../zrtp/crypto/node-key-agreement.ts';
import { detectWebCryptoKeyAgreement } from '../../zrtp/crypto/webcrypto-key-agreement.ts';
import type { ZrtpPeerOptions } from './options.ts';
import { loadOrCreateZid } from './local-zid.ts';
import { messageType, Transcript } from './transcript.ts';
import { resultLine, type PeerResultLine } from './result-line.ts';

/** A handshake that did not end secure (message says why; never contains key material). */
export class PeerFailure extends Error {
  override readonly name = 'PeerFailure';
}

export interface EndpointHooks {
  /** Called once the socket is bound and the Hello built; the handshake starts when it resolves. */
  ready?(helloHash: string): Promise<void>;
  /** Called with the result line as soon as the endpoint is secure (before the responder lingers). */
  secure?(line: PeerResultLine): void;
}

function bindSocket(opts: ZrtpPeerOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    // Loopback only: this tool never talks to another interface.
    socket.bind(opts.localPort, '127.0.0.1', () => {
      socket.off('error', reject);
      // A connected UDP socket reports ICMP port-unreachable (peer not bound yet) as an error
      // event: that is a lost packet, which §6 retransmission covers, not a failure.
      socket.on('error', () => undefined);
      socket.connect(opts.remotePort, '127.0.0.1', () => resolve(socket));
    });
  });
}

/** Runs one handshake; resolves with the result line, rejects with PeerFailure. */
export async function runZrtpEndpoint(opts: ZrtpPeerOptions, hooks: EndpointHooks = {}): Promise<PeerResultLine> {
  const webCrypto = opts.backend === 'webcrypto' ? await detectWebCryptoKeyAgreement(globalThis.crypto.subtle) : null;
  if (opts.backend === 'webcrypto' && !webCrypto) throw new Error('--backend webcrypto: this runtime has neither X25519 nor P-256 in WebCrypto');
  const log = (line: string) => {
    if (opts.verbose) process.stderr.write(`zrtp-peer: ${(performance.now() - started).toFixed(1).padStart(8)} ms ${line}\n`);
  };
  const capture = (direction: 'out' | 'in', packet: Uint8Array) => {
    if (!opts.capturePath) return;
    const t = (performance.now() - started).toFixed(3);
    appendFileSync(opts.capturePath, `{"t":${t},"dir":"${direction}","packet":"${Buffer.from(packet).toString('hex')}"}\n`);
  };
  let started = performance.now();
  if (opts.capturePath) writeFileSync(opts.capturePath, '');
  if (opts.cachePath && opts.forgetPeers) rmSync(opts.cachePath, { force: true }); // keeps <cache>.zid
  const zid = loadOrCreateZid(opts.cachePath);
  const cache = opts.cachePath ? new FileRetainedSecretCache(opts.cachePath) : new MemoryRetainedSecretCache();
  const socket = await bindSocket(opts);
  const transcript = new Transcript(() => performance.now());

  const transport = new UdpPacketTransport({
    ssrc: opts.ssrc,
    // §5 allows any start; like bzrtp, a random one in 1..4096, so 16 bits never wrap within
    // a handshake (bzrtp's out-of-order check does not handle wrap-around, nor sequence 0)
    initialSequence: 1 + randomInt(0x1000),
    scheduler: systemScheduler(),
    send: (packet) => {
      capture('out', packet);
      // A refused datagram (peer not bound yet) is a lost packet: §6 retransmission covers it.
      socket.send(packet, (err) => err && log(`send: ${err.message}`));
    },
  });

  let resolveSecure!: (v: { result: ZrtpSecureResult; secureAt: number }) => void;
  let rejectSecure!: (err: Error) => void;
  const outcome = new Promise<{ result: ZrtpSecureResult; secureAt: number }>((resolve, reject) => {
    resolveSecure = resolve;
    rejectSecure = reject;
  });
  outcome.catch(() => undefined); // observed below; an early failure must not be "unhandled"

  const session = new ZrtpSession({
    zid,
    cache,
    preferences: opts.preferences,
    commit: opts.role === 'responder' ? 'wait' : 'eager',
    // Node entry point: OpenSSL arithmetic unless asked for the browsers' pure-JS code, or for
    // the browsers' WebCrypto backend (Node's webcrypto; DH2k/DH3k then stay pure JS, as in a browser)
    ...(opts.backend === 'openssl' ? { keyAgreementPrimitives: NODE_PRIMITIVES } : {}),
    ...(webCrypto ? { asyncKeyAgreementPrimitives: webCrypto } : {}),
    ...(opts.auxSecret ? { auxSecret: opts.auxSecret } : {}),
    ...(opts.peerHelloHash ? { peerHelloHash: opts.peerHelloHash } : {}),
    delegate: {
      onSend: (message, retransmit) => {
        transcript.record('out', message);
        // Formatted only with --verbose: this runs on every message of the timed handshake.
        if (opts.verbose) log(`sent ${messageType(message)}${retransmit ? ` (${retransmit})` : ''}`);
        transport.sessionDelegate.onSend(message, retransmit);
      },
      onStopRetransmit: () => transport.sessionDelegate.onStopRetransmit(),
      onSecure: (result) => resolveSecure({ result, secureAt: performance.now() }),
      onError: (error: ZrtpError) => rejectSecure(new PeerFailure(`ZRTP failed: ${error.code}: ${error.message}`)),
      onStateChange: (state) => log(`state ${state}`),
    },
  });
  transport.attach({
    receive: (message) => {
      transcript.record('in', message);
      if (opts.verbose) log(`recv ${messageType(message)}`);
      session.receive(message);
    },
    timeout: () => session.timeout(),
  });
  socket.on('message', (datagram) => {
    capture('in', datagram);
    transport.receivePacket(new Uint8Array(datagram));
  });

  try {
    if (hooks.ready) await hooks.ready(session.helloHash);
    started = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new PeerFailure(`timeout after ${opts.timeoutMs} ms without reaching secure state (state ${session.state})`)),
        opts.timeoutMs,
      );
    });
    session.start();
    const { result, secureAt } = await Promise.race([outcome, deadline]).finally(() => clearTimeout(timer));

    if (opts.role !== 'auto' && result.role !== opts.role) {
      throw new PeerFailure(`asked for role ${opts.role} but became the ${result.role} (commit contention)`);
    }
    if (!transcript.sent(result.role === 'initiator' ? 'DHPart2' : 'DHPart1')) {
      throw new PeerFailure(`reported role ${result.role} disagrees with the messages sent`);
    }
    // §7.1: the users compared the SAS; the V flag goes to the cache for the next call.
    if (opts.verify) await session.setSasVerified(true);
    const probe = transcript.exportProbe(result.hash, result.role, result.exportedKey);
    const firstHello = transcript.firstHelloSentAt ?? started;
    const line = resultLine(result, probe, secureAt - firstHello);
    hooks.secure?.(line);
    // The responder keeps answering a while, in case its Conf2ACK was lost and Confirm2 comes again (§6).
    if (result.role === 'responder') await new Promise((r) => setTimeout(r, opts.lingerMs));
    return line;
  } finally {
    transport.close();
    session.close();
    socket.close();
  }
}
