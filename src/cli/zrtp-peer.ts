/**
 * `npm run zrtp-peer -- --local PORT --remote PORT [...]`: one ZRTP endpoint (RFC 6189 DH mode)
 * over UDP on 127.0.0.1, built from susurro's engine (src/cli/zrtp-peer/endpoint.ts). Once
 * secure it prints ONE JSON line (src/cli/zrtp-peer/result-line.ts; the same keys as the bzrtp
 * reference peer, test/interop/bzrtp-peer.c) and exits 0; on failure or timeout it prints a
 * message on stderr and exits 1 (2 for a bad command line). Flags: see options.ts.
 *
 * --wait-go: print "READY {"helloHash": ...}" on stderr, then wait for the line "go" on stdin,
 * so a test or benchmark can start two endpoints at the same instant.
 */
import { createInterface } from 'node:readline';
import { parseZrtpPeerOptions, UsageError, USAGE, type ZrtpPeerOptions } from './zrtp-peer/options.ts';
import { PeerFailure, runZrtpEndpoint } from './zrtp-peer/endpoint.ts';

function readGoLine(): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: process.stdin });
    rl.once('line', (line) => {
      resolve(line.trim()); // before close(), which emits 'close' synchronously
      rl.close();
    });
    rl.once('close', () => reject(new PeerFailure('stdin closed before "go"')));
  });
}

async function waitForGo(helloHash: string): Promise<void> {
  process.stderr.write(`READY ${JSON.stringify({ helloHash })}\n`);
  const line = await readGoLine();
  if (line !== 'go') throw new PeerFailure(`expected "go" on stdin, got '${line}'`);
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
    await runZrtpEndpoint(opts, {
      ...(opts.waitGo ? { ready: waitForGo } : {}),
      // print at once: the responder still lingers a moment to answer a repeated Confirm2
      secure: (line) => process.stdout.write(`${JSON.stringify(line)}\n`),
    });
    process.exit(0);
  } catch (err) {
    process.stderr.write(`zrtp-peer: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}

await main();
