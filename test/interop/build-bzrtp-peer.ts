/**
 * Compiles test/interop/bzrtp-peer.c (our own ZRTP test endpoint on Debian's libbzrtp 5.1)
 * into node_modules/.cache/susurro/, outside git, when the binary is missing or older than
 * its source. Used by the interop tests and bench/zrtp-udp.bench.ts; also runnable alone:
 * `npx tsx test/interop/build-bzrtp-peer.ts` prints the binary's path.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
export const BZRTP_PEER_SOURCE = join(here, 'bzrtp-peer.c');
export const BZRTP_PEER_BINARY = join(root, 'node_modules', '.cache', 'susurro', 'bzrtp-peer');

/** Thrown when the C toolchain or libbzrtp-dev is missing, with what to install. */
export class BzrtpPeerBuildError extends Error {
  override readonly name = 'BzrtpPeerBuildError';
}

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function compilerFlags(): string[] {
  if (!existsSync('/usr/include/bzrtp/bzrtp.h')) {
    throw new BzrtpPeerBuildError(
      'libbzrtp-dev is not installed (/usr/include/bzrtp/bzrtp.h missing): apt-get install libbzrtp-dev libsqlite3-dev gcc pkg-config',
    );
  }
  if (!existsSync('/usr/include/sqlite3.h')) {
    throw new BzrtpPeerBuildError('libsqlite3-dev is not installed (the peer opens bzrtp\'s sqlite ZID cache): apt-get install libsqlite3-dev');
  }
  try {
    return run('pkg-config', ['--cflags', '--libs', 'libbzrtp', 'bctoolbox']).split(/\s+/).filter(Boolean);
  } catch {
    // Debian's libbzrtp.pc names bctoolbox only as Requires.private; fall back to plain -l flags.
    return ['-lbzrtp', '-lbctoolbox'];
  }
}

/**
 * Path of an up-to-date bzrtp-peer binary, compiling it first if needed. Concurrent callers
 * (test files run in parallel) each compile to a private name and rename atomically.
 */
export function ensureBzrtpPeer(): string {
  const fresh =
    existsSync(BZRTP_PEER_BINARY) && statSync(BZRTP_PEER_BINARY).mtimeMs >= statSync(BZRTP_PEER_SOURCE).mtimeMs;
  if (fresh) return BZRTP_PEER_BINARY;
  mkdirSync(dirname(BZRTP_PEER_BINARY), { recursive: true });
  const flags = compilerFlags();
  const tmp = `${BZRTP_PEER_BINARY}.${process.pid}.tmp`;
  try {
    execFileSync('gcc', ['-std=gnu11', '-O2', '-Wall', '-Wextra', '-o', tmp, BZRTP_PEER_SOURCE, ...flags, '-lsqlite3'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const e = err as { code?: string; stderr?: Buffer };
    if (e.code === 'ENOENT') throw new BzrtpPeerBuildError('gcc is not installed: apt-get install gcc');
    throw new BzrtpPeerBuildError(`compiling ${BZRTP_PEER_SOURCE} failed:\n${e.stderr?.toString() ?? String(err)}`);
  }
  renameSync(tmp, BZRTP_PEER_BINARY);
  return BZRTP_PEER_BINARY;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.stdout.write(`${ensureBzrtpPeer()}\n`);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
