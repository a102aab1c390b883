/**
 * A Debian linphonec (liblinphone 5.1) registered over SIP/TLS to a test stack's Kamailio, with
 * mandatory ZRTP, driven over stdin; its liblinphone log (-d 6) is where states and the SAS
 * appear. Used by test/hardening/linphone-hold.test.ts and, as the native-phone reference, by
 * bench/call-setup.bench.ts.
 *
 * The phones reach the proxy as "localhost" (a DNS name in the development certificate:
 * mbedTLS ignores IP SANs) and verify its certificate against the stack's CA.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts } from './ports.ts';
import type { TestStack } from './stack.ts';

export interface Linphone {
  ext: string;
  proc: ChildProcess;
  log: string;
  cmd(line: string): void;
  /** Resolves once the liblinphone log (from `from` on) matches `re`. */
  until(re: RegExp, from?: number, timeoutMs?: number): Promise<void>;
  logText(): string;
  /** Sends `quit` and waits for the exit (SIGKILL after 3 s). */
  quit(): Promise<void>;
}

/** A liblinphone call-state change in the log, e.g. state('StreamsRunning'). */
export const linphoneState = (s: string) => new RegExp(`to (\\[)?LinphoneCall${s}\\b`);

/** bctoolbox log lines start "YYYY-MM-DD HH:MM:SS:mmm": that moment in ms (same clock for every phone here). */
export function linphoneLineTime(line: string): number | null {
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d):(\d{3})/.exec(line);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, ms] = m.map(Number) as number[];
  return new Date(y!, mo! - 1, d!, h!, mi!, s!, ms!).getTime();
}

/** Time of the first log line (from offset `from`) matching `re`, or null. */
export function linphoneTimeOf(text: string, re: RegExp, from = 0): number | null {
  for (const line of text.slice(from).split('\n')) if (re.test(line)) return linphoneLineTime(line);
  return null;
}

export async function startLinphone(t: TestStack, ext: string, password: string, extraRc: string[] = []): Promise<Linphone> {
  const dir = join(t.dir, `linphone-${ext}`);
  mkdirSync(join(dir, '.local', 'share', 'linphone'), { recursive: true });
  const [tlsPort, rtpPort] = await freePorts(2);
  const rc = join(dir, 'linphonerc');
  const proxy = `sip:localhost:${t.config.ports.sipTls};transport=tls`;
  writeFileSync(rc, [
    '[sip]', 'sip_port=0', 'sip_tcp_port=0', `sip_tls_port=${tlsPort}`,
    // without these linphonec waits for a network-up event that never comes
    'auto_net_state_mon=0', 'register_only_when_network_is_up=0',
    'default_proxy=0', `root_ca=${t.stack.tls.caFile ?? ''}`, 'verify_server_certs=1', 'verify_server_cn=1',
    'media_encryption=zrtp', 'media_encryption_mandatory=1',
    ...extraRc,
    '[net]', 'ipv6=0',
    '[rtp]', `audio_rtp_port=${rtpPort}`,
    '[proxy_0]', `reg_proxy=<${proxy}>`, `reg_route=<${proxy};lr>`, `reg_identity="L${ext}" <sip:${ext}@${t.config.domain}>`,
    'reg_expires=600', 'reg_sendregister=1',
    '[auth_info_0]', `username=${ext}`, `passwd=${password}`, `realm=${t.config.domain}`, `domain=${t.config.domain}`, '',
  ].join('\n'));
  const log = join(dir, 'liblinphone.log');
  const proc = spawn('linphonec', ['-c', rc, '-d', '6', '-l', log], { env: { ...process.env, HOME: dir }, stdio: ['pipe', 'ignore', 'ignore'] });
  const logText = () => (existsSync(log) ? readFileSync(log, 'utf8') : '');
  return {
    ext, proc, log, logText,
    cmd: (line) => proc.stdin?.write(`${line}\n`),
    async until(re, from = 0, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!re.test(logText().slice(from))) {
        if (Date.now() > deadline) throw new Error(`linphonec ${ext}: no ${re} within ${timeoutMs} ms`);
        if (proc.exitCode !== null) throw new Error(`linphonec ${ext} exited with ${proc.exitCode}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async quit() {
      if (proc.exitCode !== null) return;
      proc.stdin?.write('quit\n');
      const exited = new Promise((r) => proc.once('exit', r));
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
