import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lpconfigXmlToIni } from './lpconfig-ini.ts';

/**
 * One Debian linphonec (liblinphone 5.1) configured from a provisioning document, in its own
 * mount namespace where /etc/ssl/certs (belle-sip's root CA path) holds only the stack's CA:
 * the phone trusts the organisation's CA the way a real phone trusts a public one, and nothing
 * on the host changes. The only lines the test adds to the document are the two linphonec
 * needs on a machine with no network manager (`[sip] auto_net_state_mon=0`,
 * `register_only_when_network_is_up=0`); `soundcard use files` is typed at its prompt (no
 * sound card here).
 */
export interface Linphonec {
  proc: ChildProcess;
  dir: string;
  output(): string;
  send(line: string): void;
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  log(): string;
  stop(): Promise<void>;
}

export function startLinphonec(dir: string, provisioningXml: string, caPem: string): Linphonec {
  mkdirSync(join(dir, 'certs'), { recursive: true });
  mkdirSync(join(dir, '.local', 'share', 'linphone'), { recursive: true });
  writeFileSync(join(dir, 'certs', 'ca.pem'), caPem);
  writeFileSync(join(dir, 'provisioning.xml'), provisioningXml);
  const ini = lpconfigXmlToIni(provisioningXml).replace('[sip]\n', '[sip]\nauto_net_state_mon=0\nregister_only_when_network_is_up=0\n');
  writeFileSync(join(dir, 'linphonerc'), ini);
  const script = `mount --bind "${dir}/certs" /etc/ssl/certs && exec linphonec -c "${dir}/linphonerc" -d 6 -l "${dir}/linphone.log"`;
  const proc = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], {
    env: { ...process.env, HOME: dir },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    proc,
    dir,
    output: () => out,
    send: (line) => proc.stdin!.write(`${line}\n`),
    async waitFor(re, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = re.exec(out);
        if (m) return m;
        if (Date.now() > deadline || proc.exitCode !== null) {
          throw new Error(`linphonec in ${dir}: no ${re} within ${timeoutMs} ms; output:\n${out.slice(-2000)}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    log: () => {
      try {
        return readFileSync(join(dir, 'linphone.log'), 'utf8');
      } catch {
        return '';
      }
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.stdin!.write('quit\n');
      const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    },
  };
}
