/**
 * `npm run zrtp-peer -- --local PORT --remote PORT [...]`: one ZRTP endpoint (RFC 6189 DH mode)
 * over UDP on 127.0.0.1, built from susurro's engine: ZrtpSession + UdpPacketTransport (§5
 * packets, §6 timers on the real clock) + the file retained-secret cache. Once secure it prints
 * ONE JSON line (src/cli/zrtp-peer/result-line.ts; same keys as the bzrtp reference peer in
 * test/interop/bzrtp-peer.c) and exits 0; on failure or timeout it prints a message on stderr
 * and exits 1 (2 for a bad command line).
 *
 * Roles: --role responder never sends Commit first (session option commit: 'wait'); --role
 * initiator commits as soon as it may (§4.2) and fails if commit contention made it responder.
 * --wait-go: print "READY {"helloHash": ...}" on stderr, then wait for "go" on stdin, so a test
 * or benchmark can start two endpoints at the same instant.
 */
import { createSocket, type Socket } from 'node:dgram';
import { writeFileSync, appendFileSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { ZrtpSession, type ZrtpSecureResult } from '../zrtp/session.ts';
import type { ZrtpError } from '../zrtp/errors.ts';
import { UdpPacketTransport } from '../zrtp/transport/udp-packets.ts';
import { systemScheduler } from '../zrtp/transport/scheduler.ts';
import { FileRetainedSecretCache } from '../zrtp/cache/file-cache.ts';
import { MemoryRetainedSecretCache } from '../zrtp/cache/memory-cache.ts';
import { parseZrtpPeerOptions, UsageError, USAGE, type ZrtpPeerOptions } from './zrtp-peer/options.ts';
import { loadOrCreateZid } from './zrtp-peer/local-zid.ts';
import { messageType, Transcript } from './zrtp-peer/transcript.ts';
import { resultLine } from './zrtp-peer/result-line.ts';

/** The responder lingers this long after going secure to answer a retransmitted Confirm2 (§6). */
const RESPONDER_LINGER_MS = 100;

class PeerFailure extends Error {
  override readonly name = 'PeerFailure';
}

function readGoLine(): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: process.stdin });
    rl.once('line', (line) => {
      rl.close();
      resolve(line.trim());
    });
    rl.once('close', () => reject(new PeerFailure('stdin closed before "go"')));
  });
}

function bindSocket(opts: ZrtpPeerOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    // Loopback only: this tool never talks to another interface.
    socket.bind(opts.localPort, '127.0.0.1', () => {
      socket.off('error', reject);
      socket.connect(opts.remotePort, '127.0.0.1', () => resolve(socket));
    });
  });
}

async function run(opts: ZrtpPeerOptions): Promise<void> {
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
    ...(opts.auxSecret ? { auxSecret: opts.auxSecret } : {}),
    ...(opts.peerHelloHash ? { peerHelloHash: opts.peerHelloHash } : {}),
    delegate: {
      onSend: (message, retransmit) => {
        transcript.record('out', message);
        log(`sent ${messageType(message)}${retransmit ? ` (${retransmit})` : ''}`);
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
      log(`recv ${messageType(message)}`);
      session.receive(message);
    },
    timeout: () => session.timeout(),
  });
  socket.on('message', (datagram) => {
    capture('in', datagram);
    transport.receivePacket(new Uint8Array(datagram));
  });

  try {
    if (opts.waitGo) {
      process.stderr.write(`READY ${JSON.stringify({ helloHash: session.helloHash })}\n`);
      const line = await readGoLine();
      if (line !== 'go') throw new PeerFailure(`expected "go" on stdin, got '${line}'`);
    }
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
    process.stdout.write(`${JSON.stringify(resultLine(result, probe, secureAt - firstHello))}\n`);
    if (result.role === 'responder') await new Promise((r) => setTimeout(r, RESPONDER_LINGER_MS));
  } finally {
    transport.close();
    session.close();
    socket.close();
  }
}

async function main(): Promise<void> {
  let opts: ZrtpPeerOptions;
  try {
    opts = parseZrtpPeerOptions(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`zrtp-peer: ${err.message}\n${USAGE}\n`);
      process.exit(2);
    }
    throw err;
  }
  try {
    await run(opts);
    process.exit(0);
  } catch (err) {
    process.stderr.write(`zrtp-peer: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}

await main();
