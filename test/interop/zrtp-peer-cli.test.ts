/**
 * The `npm run zrtp-peer` command itself (src/cli/zrtp-peer.ts): exit codes and messages, and
 * the local ZID it keeps beside the cache (src/cli/zrtp-peer/local-zid.ts). Its handshakes are
 * judged against bzrtp in the other files of this folder.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../support/ports.ts';
import { bothSecure, killAllPeers, runPair } from './peers.ts';

const root = resolve(import.meta.dirname, '..', '..');
const run = promisify(execFile);

async function zrtpPeer(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli/zrtp-peer.ts', ...args], { cwd: root, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'susurro-cli-'));
});
afterAll(() => {
  killAllPeers();
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run zrtp-peer', () => {
  it('exits 2 with the usage on a bad command line, printing nothing on stdout', async () => {
    const bad = [[], ['--local', '5000'], ['--local', '5000', '--remote', '70000'], ['--local', '1', '--remote', '2', '--ka', 'RSA1'], ['--local', '1', '--remote', '2', '--bogus'], ['--local', '1', '--remote', '2', '--backend', 'gmp']];
    const results = await Promise.all(bad.map((args) => zrtpPeer(args)));
    results.forEach((r, i) => {
      expect(r.code, bad[i]!.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/usage: npm run zrtp-peer/);
    });
  });

  it('exits 1 with a clear message when nobody answers', async () => {
    const [local, remote] = (await freePorts(2)) as [number, number];
    const r = await zrtpPeer(['--local', String(local), '--remote', String(remote), '--timeout-ms', '400']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^zrtp-peer: timeout after 400 ms without reaching secure state \(state discovery\)$/m);
  });

  it('keeps its ZID beside the cache (mode 0600) across calls and --forget-peers, and refuses a damaged one', async () => {
    const cache = join(dir, 'zid-test.json');
    const pair = (...extra: string[]) =>
      runPair({ impl: 'susurro', args: ['--role', 'initiator', '--cache', cache, ...extra] }, { impl: 'bzrtp', args: ['--role', 'responder'] });
    bothSecure(await pair());
    const zid = readFileSync(`${cache}.zid`, 'utf8');
    expect(zid).toMatch(/^[0-9a-f]{24}\n$/);
    expect(statSync(`${cache}.zid`).mode & 0o777).toBe(0o600);
    expect(existsSync(cache)).toBe(true); // the retained secret of the call
    bothSecure(await pair('--forget-peers'));
    expect(readFileSync(`${cache}.zid`, 'utf8')).toBe(zid);

    // fail closed: a damaged ZID file would silently turn us into a stranger to every peer
    writeFileSync(`${cache}.zid`, 'not a zid\n');
    const [local, remote] = (await freePorts(2)) as [number, number];
    const r = await zrtpPeer(['--local', String(local), '--remote', String(remote), '--cache', cache, '--timeout-ms', '400']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/does not hold a 96-bit hex ZID/);
  });
});
