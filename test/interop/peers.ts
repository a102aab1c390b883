/**
 * Runs two ZRTP endpoints against each other over UDP on 127.0.0.1: our engine
 * (`src/cli/zrtp-peer.ts`) and/or bzrtp (`test/interop/bzrtp-peer.c`), each as a child process
 * with the same flags and the same one-line JSON result (PeerResultLine).
 *
 * Both are started with --wait-go: each binds its socket, builds its Hello and prints
 * "READY {helloHash}" on stderr; only when both are ready do they get "go" on stdin, so no
 * Hello is lost to an unbound port and timings start together. Every child is killed by its
 * own pid when a run ends or times out (killAllPeers() in afterAll covers the rest).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PeerResultLine } from '../../src/cli/zrtp-peer/result-line.ts';
import { ensureBzrtpPeer } from './build-bzrtp-peer.ts';
import { freePorts } from '../support/ports.ts';
import { startUdpRelay, type RelayDecision, type UdpRelay } from './udp-relay.ts';

export type { PeerResultLine } from '../../src/cli/zrtp-peer/result-line.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUR_PEER = join(root, 'src', 'cli', 'zrtp-peer.ts');

export type Implementation = 'susurro' | 'bzrtp';

export interface PeerSpec {
  impl: Implementation;
  /** Flags besides --local/--remote/--wait-go, e.g. ['--role', 'initiator', '--ka', 'X255']. */
  args?: string[];
}

export interface PeerOutcome {
  impl: Implementation;
  code: number | null;
  stdout: string;
  stderr: string;
  /** The parsed JSON line when the peer exited 0. */
  result: PeerResultLine | null;
  helloHash: string | null;
}

export interface PairOptions {
  /** Per-peer limit given with --timeout-ms (default 8000). */
  timeoutMs?: number;
  /**
   * Exchange a=zrtp-hash values (RFC 6189 §8.1) as signalling would: `a` starts first, its
   * hash goes to `b`, `b`'s hash goes back to `a` with "go" (bzrtp only: our CLI takes it
   * as --peer-hello-hash at start, so it can only check a peer that started before it).
   */
  exchangeHelloHashes?: boolean;
  /** Replace the "go" line sent to a peer, e.g. to hand bzrtp a wrong a=zrtp-hash. */
  goLines?: { a?: string; b?: string };
  /** Route the packets through a relay (loss, tampering) instead of peer to peer. */
  relay?: RelayDecision;
}

const live = new Set<ChildProcess>();

/** Kills every peer process still running (by its own pid). */
export function killAllPeers(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

/** A peer process started with --wait-go: `ready` gives its a=zrtp-hash, `go()` starts it. */
export interface RunningPeer {
  child: ChildProcess;
  ready: Promise<string>;
  /** Resolves once the peer has printed its (one-line) result. */
  printed: Promise<void>;
  done: Promise<PeerOutcome>;
  /** Ends a peer that already printed its result (a lingering responder); its result still counts. */
  stopAfterResult(): void;
}

/** Starts one peer process (prefer runPair; benchmarks pair a process with an in-process endpoint). */
export function startPeer(spec: PeerSpec, localPort: number, remotePort: number, timeoutMs: number, extra: string[]): RunningPeer {
  const flags = ['--local', String(localPort), '--remote', String(remotePort), '--wait-go', '--timeout-ms', String(timeoutMs), ...(spec.args ?? []), ...extra];
  const child =
    spec.impl === 'bzrtp'
      ? spawn(ensureBzrtpPeer(), flags, { stdio: ['pipe', 'pipe', 'pipe'] })
      : spawn(process.execPath, ['--import', 'tsx', OUR_PEER, ...flags], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(child);
  let stdout = '';
  let stderr = '';
  let helloHash: string | null = null;
  let onReady: (hash: string) => void = () => undefined;
  let onNotReady: (err: Error) => void = () => undefined;
  const ready = new Promise<string>((res, rej) => {
    onReady = res;
    onNotReady = rej;
  });
  ready.catch(() => undefined);
  let stoppedAfterResult = false;
  let onPrinted: () => void = () => undefined;
  const printed = new Promise<void>((res) => (onPrinted = res));
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    if (stdout.includes('\n')) onPrinted();
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    const m = /^READY (\{.*\})$/m.exec(stderr);
    if (m && helloHash === null) {
      helloHash = (JSON.parse(m[1]!) as { helloHash: string }).helloHash;
      onReady(helloHash);
    }
  });
  const done = new Promise<PeerOutcome>((res) => {
    child.once('exit', (code) => {
      live.delete(child);
      onNotReady(new Error(`${spec.impl} peer exited (${code}) before READY:\n${stderr}`));
      // stdout may still be draining after 'exit'; 'close' follows once the pipes are empty
      child.once('close', () => {
        let result: PeerResultLine | null = null;
        if (code === 0 || stoppedAfterResult) {
          const lines = stdout.trim().split('\n');
          // exactly ONE JSON line is part of the contract; anything else counts as a failure
          if (lines.length === 1) result = JSON.parse(lines[0]!) as PeerResultLine;
          else stderr += `\n(peers.ts: expected one stdout line, got ${lines.length})`;
        }
        res({ impl: spec.impl, code, stdout, stderr, result, helloHash });
      });
    });
  });
  const stopAfterResult = () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    stoppedAfterResult = true;
    child.kill('SIGTERM');
  };
  return { child, ready, printed, done, stopAfterResult };
}

/** Runs `a` and `b` against each other; resolves when both have exited. */
export async function runPair(a: PeerSpec, b: PeerSpec, options: PairOptions = {}): Promise<[PeerOutcome, PeerOutcome]> {
  const timeoutMs = options.timeoutMs ?? 8000;
  const [portA, portB, relayA, relayB] = (await freePorts(4)) as [number, number, number, number];
  let relay: UdpRelay | null = null;
  if (options.relay) relay = await startUdpRelay({ relayA, relayB, peerA: portA, peerB: portB }, options.relay);
  const remoteOfA = relay ? relay.portForA : portB;
  const remoteOfB = relay ? relay.portForB : portA;
  const runA = startPeer(a, portA, remoteOfA, timeoutMs, []);
  let runB: RunningPeer | null = null;
  const guard = setTimeout(() => {
    runA.child.kill('SIGKILL');
    runB?.child.kill('SIGKILL');
  }, timeoutMs + 15_000); // startup (tsx) + the peers' own timeouts; never hang a test
  try {
    const hashA = await runA.ready;
    const extraB = options.exchangeHelloHashes && b.impl === 'susurro' ? ['--peer-hello-hash', hashA] : [];
    runB = startPeer(b, portB, remoteOfB, timeoutMs, extraB);
    const hashB = await runB.ready;
    const goFor = (spec: PeerSpec, peerHash: string) =>
      options.exchangeHelloHashes && spec.impl === 'bzrtp' ? `go ${peerHash}\n` : 'go\n';
    runA.child.stdin!.end(options.goLines?.a ?? goFor(a, hashB));
    runB.child.stdin!.end(options.goLines?.b ?? goFor(b, hashA));
    // Once both are secure, a responder still lingering (to answer a repeated Confirm2, §6)
    // is no longer needed: the initiator only prints after its Conf2ACK arrived.
    const both = Promise.all([runA.printed, runB.printed]).then(() => {
      runA.stopAfterResult();
      runB!.stopAfterResult();
    });
    const outcomes = await Promise.all([runA.done, runB.done]);
    void both;
    return outcomes;
  } catch (err) {
    runA.child.kill('SIGKILL');
    runB?.child.kill('SIGKILL');
    throw err;
  } finally {
    clearTimeout(guard);
    await relay?.close();
  }
}

/** Both outcomes succeeded; returns their JSON lines (fails with both stderr texts otherwise). */
export function bothSecure([a, b]: [PeerOutcome, PeerOutcome]): [PeerResultLine, PeerResultLine] {
  if (!a.result || !b.result) {
    throw new Error(
      `handshake failed: ${a.impl} exit ${a.code}, ${b.impl} exit ${b.code}\n--- ${a.impl} stderr:\n${a.stderr}\n--- ${b.impl} stderr:\n${b.stderr}`,
    );
  }
  return [a.result, b.result];
}
