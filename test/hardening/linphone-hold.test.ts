/**
 * Issue #16 "Hang-up and hold are broken", with the real phone: two Debian linphonec
 * (liblinphone 5.1, mandatory ZRTP) registered over SIP/TLS through the real Kamailio call each
 * other, hold and resume from both sides, and hang up from either side. Before the in-dialog
 * routing fix every request relayed to them carried the WSS port in its Via, so Linphone's
 * answers failed ("Cannot connect"), BYE and hold got 408 after ~32 s. Here every step must
 * complete within seconds, and neither phone's log may show a failed connect or a 408.
 *
 * The phones reach the proxy as "localhost" (a DNS name in the development certificate:
 * mbedTLS ignores IP SANs) and verify its certificate against the stack's CA. The test writes
 * their linphonerc itself (provisioning is another part of issue #16).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountRow } from '../../src/db/index.ts';
import { freePorts } from '../support/ports.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

interface Linphone {
  ext: string;
  proc: ChildProcess;
  log: string;
  cmd(line: string): void;
  /** Resolves once the liblinphone log (from `from` on) matches `re`. */
  until(re: RegExp, from?: number, timeoutMs?: number): Promise<void>;
  logText(): string;
}

let t: TestStack;
const phones: Linphone[] = [];
const pw = (ext: string) => `linphone-${ext}-secret`;

async function startLinphone(ext: string): Promise<Linphone> {
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
    '[net]', 'ipv6=0',
    '[rtp]', `audio_rtp_port=${rtpPort}`,
    '[proxy_0]', `reg_proxy=<${proxy}>`, `reg_route=<${proxy};lr>`, `reg_identity="L${ext}" <sip:${ext}@${t.config.domain}>`,
    'reg_expires=600', 'reg_sendregister=1',
    '[auth_info_0]', `username=${ext}`, `passwd=${pw(ext)}`, `realm=${t.config.domain}`, `domain=${t.config.domain}`, '',
  ].join('\n'));
  const log = join(dir, 'liblinphone.log');
  const proc = spawn('linphonec', ['-c', rc, '-d', '6', '-l', log], { env: { ...process.env, HOME: dir }, stdio: ['pipe', 'ignore', 'ignore'] });
  const logText = () => (existsSync(log) ? readFileSync(log, 'utf8') : '');
  const phone: Linphone = {
    ext, proc, log, logText,
    cmd: (line) => proc.stdin?.write(`${line}\n`),
    async until(re, from = 0, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!re.test(logText().slice(from))) {
        if (Date.now() > deadline) throw new Error(`linphonec ${ext}: no ${re} within ${timeoutMs} ms`);
        if (proc.exitCode !== null) throw new Error(`linphonec ${ext} exited with ${proc.exitCode}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
  phones.push(phone);
  return phone;
}

beforeAll(async () => {
  t = await startTestStack();
  for (const ext of ['601', '602']) {
    await createAccountRow(t.stack.db, { extension: ext, username: `l${ext}`, displayName: `L${ext}`, password: pw(ext), domain: t.config.domain });
  }
}, 60_000);
afterAll(async () => {
  for (const p of phones) {
    p.cmd('quit');
    const exited = new Promise((r) => p.proc.once('exit', r));
    const timer = setTimeout(() => p.proc.kill('SIGKILL'), 3_000);
    if (p.proc.exitCode === null) await exited;
    clearTimeout(timer);
  }
  await t?.stop();
});

const state = (s: string) => new RegExp(`to (\\[)?LinphoneCall${s}\\b`);

describe('two linphonec over SIP/TLS', () => {
  it('register, call with ZRTP, hold/resume by either side, hang up by either side: every step answered, no 408, no failed connect', async () => {
    const a = await startLinphone('601');
    const b = await startLinphone('602');
    await a.until(/to \[LinphoneRegistrationOk\]/);
    await b.until(/to \[LinphoneRegistrationOk\]/);

    for (const hangsUp of [a, b]) {
      const [fromA, fromB] = [a.logText().length, b.logText().length];
      a.cmd(`call sip:602@${t.config.domain}`);
      await b.until(state('IncomingReceived'), fromB);
      b.cmd('answer');
      await a.until(state('StreamsRunning'), fromA);
      await b.until(state('StreamsRunning'), fromB);
      await a.until(/ZRTP secrets on: SAS is \w+/, fromA);

      for (const [holder, other] of [[b, a], [a, b]] as const) {
        const [h0, o0] = [holder.logText().length, other.logText().length];
        holder.cmd('pause');
        await holder.until(state('Paused'), h0, 5_000);
        await other.until(state('PausedByRemote'), o0, 5_000);
        holder.cmd('resume');
        await holder.until(state('StreamsRunning'), h0, 5_000);
        await other.until(state('StreamsRunning'), o0, 5_000);
      }

      const other = hangsUp === a ? b : a;
      const [h0, o0] = [hangsUp.logText().length, other.logText().length];
      hangsUp.cmd('terminate');
      await hangsUp.until(state('Released'), h0, 5_000);
      await other.until(state('End'), o0, 5_000);
    }
    // the two phones showed the same SAS in each call
    const sas = (p: Linphone) => [...p.logText().matchAll(/ZRTP secrets on: SAS is (\w+)/g)].map((m) => m[1]);
    expect(new Set(sas(a)).size).toBe(2);
    expect(new Set(sas(b))).toEqual(new Set(sas(a)));
    for (const p of [a, b]) {
      expect(p.logText(), `linphonec ${p.ext}`).not.toMatch(/Cannot connect|SIP\/2\.0 408|Request Timeout/);
    }
  });
});
