/**
 * Runs inside the server network namespace of netns-nat.test.ts (`ip netns exec <srv> tsx ...`):
 * starts the real stack listening on the namespace's address, creates two accounts, prints one
 * JSON line { ready, config, caPem, turn: { <ext>: TURN credential } }, answers "ul" on stdin with Kamailio's ul.lookup of 201 and 202,
 * and stops everything on "stop", SIGTERM or stdin EOF.
 */
import { createInterface } from 'node:readline';
import { loadConfig } from '../../../src/config/index.ts';
import { createAccountRow } from '../../../src/db/index.ts';
import { startStack } from '../../../src/stack/index.ts';
import { readFileSync } from 'node:fs';

const [address, dir, portsJson] = process.argv.slice(2) as [string, string, string];
const ports = JSON.parse(portsJson);
const config = loadConfig({
  file: null,
  env: {},
  overrides: { dataDir: dir, listen: { address }, publicHost: address, ports, logLevel: 'info' },
});
const stack = await startStack(config, { restart: { initialBackoffMs: 200 } });
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await stack.stop().catch(() => {});
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
try {
  await createAccountRow(stack.db, { extension: '201', username: 'alice', displayName: 'Alice', password: 'alice-secret-1', domain: config.domain });
  await createAccountRow(stack.db, { extension: '202', username: 'bob', displayName: 'Bob', password: 'bob-secret-22', domain: config.domain });
  const caPem = stack.tls.caFile ? readFileSync(stack.tls.caFile, 'utf8') : '';
  process.stdout.write(JSON.stringify({ ready: true, config, caPem, turn: Object.fromEntries(['201', '202'].map((ext) => [ext, stack.turnCredentials.issue({ account: ext, ttlSeconds: 600 })])), turnConf: readFileSync(`${stack.runDir}/turnserver.conf`, 'utf8').split('\n').filter((l) => /peer-ip/.test(l)) }) + '\n');
} catch (err) {
  process.stdout.write(JSON.stringify({ ready: false, error: String(err) }) + '\n');
  await stop();
}
const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (line === 'stop') void stop();
  else if (line === 'ul') {
    // ul.lookup per account (ul.dump is not on Kamailio's JSON-RPC allow-list)
    Promise.all(['201', '202'].map((ext) => stack.rpc.call('ul.lookup', ['location', `${ext}@${config.domain}`]))).then(
      (r) => process.stdout.write(JSON.stringify({ ul: r }) + '\n'),
      (e) => process.stdout.write(JSON.stringify({ ul: null, error: String(e) }) + '\n'),
    );
  }
});
rl.on('close', () => void stop());
