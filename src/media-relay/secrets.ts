/**
 * Secrets generated once and kept with mode 0600 under <dataDir>/secrets: the password of
 * coturn's loopback telnet CLI (turn-cli-password). TURN credentials themselves live in
 * config.turn.credentialsDb (credential-store.ts).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SusurroConfig } from '../config/index.ts';

/** Reads the secret in `file`, creating it (32 random bytes, hex) when missing. */
export function ensureSecretFile(file: string): string {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  if (!existsSync(file)) {
    // wx: never overwrite a secret another process created meanwhile
    try {
      writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  chmodSync(file, 0o600);
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < 16) throw new Error(`secret file ${file} holds fewer than 16 characters`);
  return secret;
}

export function turnCliPasswordFile(config: SusurroConfig): string {
  return join(config.dataDir, 'secrets', 'turn-cli-password');
}

export function readTurnCliPassword(config: SusurroConfig): string {
  return ensureSecretFile(turnCliPasswordFile(config));
}
