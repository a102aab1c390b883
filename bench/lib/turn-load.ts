/**
 * coturn load with coturn's own client, turnutils_uclient (4.6): client-to-client mode (-y),
 * each client sending fixed-size packets at a fixed interval through its relay to its peer
 * client and receiving the peer's, with either TURN REST credentials (-W secret -u user, the
 * bare reference) or long-term credentials the project's store issued (-u user -w password).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runProcess } from './proc.ts';

export interface UclientSummary {
  sent: number;
  received: number;
  /** "Total lost packets N" as uclient prints it. */
  lost: number;
  /** "total send dropped N". */
  sendDropped: number;
}

/** The summary lines uclient prints at the end of a run (null when it never got there). */
export function parseUclientSummary(output: string): UclientSummary | null {
  const tot = /tot_send_msgs=(\d+), tot_recv_msgs=(\d+)\s*$/m.exec(output);
  const lost = /Total lost packets (\d+) \([\d.]+%\), total send dropped (\d+)/.exec(output);
  if (!tot || !lost) return null;
  return { sent: Number(tot[1]), received: Number(tot[2]), lost: Number(lost[1]), sendDropped: Number(lost[2]) };
}

export interface StepResult {
  sessions: number;
  /** Packets the clients were asked to send in total (sessions × packets). */
  expected: number;
  received: number;
  /** 1 - received / expected: a session that failed to allocate counts all its packets lost. */
  loss: number;
  failedProcesses: number;
  /** Per uclient process: clients, packets it sent and received (-1 when it printed no summary). */
  processes: { clients: number; sent: number; received: number }[];
  seconds: number;
}

/**
 * `sessions` clients at once, split over processes of at most `perProcess` clients (so both
 * cores drive load), each sending `packets` packets of `length` bytes every `intervalMs`.
 */
/** How uclient process `i` authenticates: a REST shared secret, or one issued credential per process. */
export type UclientAuth = { secret: string } | { credential: (i: number) => { username: string; credential: string } };

export async function runUclientStep(o: {
  port: number; auth: UclientAuth; sessions: number; perProcess: number; packets: number;
  intervalMs: number; length: number; timeoutMs: number;
}): Promise<StepResult> {
  const t0 = Date.now();
  const chunks: number[] = [];
  for (let left = o.sessions; left > 0; left -= o.perProcess) chunks.push(Math.min(left, o.perProcess));
  const runs = await Promise.all(chunks.map((m, i) => runProcess('turnutils_uclient', [
    '-y', '-c', '-X', '-m', String(m), '-n', String(o.packets), '-z', String(o.intervalMs), '-l', String(o.length),
    ...authArgs(o.auth, i), '-p', String(o.port), '-e', '127.0.0.1', '127.0.0.1',
  ], o.timeoutMs)));
  let received = 0;
  let failedProcesses = 0;
  const processes: StepResult['processes'] = [];
  runs.forEach((r, i) => {
    const s = parseUclientSummary(r.stdout + '\n' + r.stderr);
    if (!s || r.code !== 0) failedProcesses++;
    if (s) received += Math.min(s.received, s.sent);
    processes.push({ clients: chunks[i]!, sent: s?.sent ?? -1, received: s?.received ?? -1 });
  });
  const expected = o.sessions * o.packets;
  return { sessions: o.sessions, expected, received, loss: 1 - received / expected, failedProcesses, processes, seconds: (Date.now() - t0) / 1000 };
}

function authArgs(auth: UclientAuth, i: number): string[] {
  if ('secret' in auth) return ['-W', auth.secret, '-u', `bench${i}`];
  const c = auth.credential(i);
  return ['-u', c.username, '-w', c.credential];
}

/** A bare coturn: listener, relay range, the same REST-secret auth, nothing else (+ loopback peers for the bench). */
export function writeBareTurnConfig(dir: string, o: { port: number; relayMin: number; relayMax: number; secret: string; realm: string }): string {
  const file = join(dir, 'bare-turnserver.conf');
  writeFileSync(file, [
    'listening-ip=127.0.0.1',
    `listening-port=${o.port}`,
    `min-port=${o.relayMin}`,
    `max-port=${o.relayMax}`,
    'use-auth-secret',
    `static-auth-secret=${o.secret}`,
    `realm=${o.realm}`,
    'allow-loopback-peers',
    'no-cli',
    'no-tls',
    'no-dtls',
    `userdb=${join(dir, 'bare-turndb')}`,
    `pidfile=${join(dir, 'bare-turnserver.pid')}`,
    `log-file=${join(dir, 'bare-turnserver.log')}`,
    'simple-log',
    'no-stdout-log',
  ].join('\n') + '\n', { mode: 0o600 });
  return file;
}
