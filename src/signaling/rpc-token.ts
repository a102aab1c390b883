/**
 * The shared secret the admin service sends to Kamailio's JSON-RPC listener
 * (X-Susurro-Rpc-Token, checked in kamailio.cfg route[JSONRPC_GUARD]). Generated once like the
 * other secrets (32 random bytes, hex) into <dataDir>/secrets/kamailio-rpc-token, mode 0600.
 * Kamailio's rendered defs hold only its SHA-256, so the script compares hashes: no timing
 * leak about the token and no token in the run directory.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { SusurroConfig } from '../config/index.ts';
import { ensureSecretFile } from '../media-relay/secrets.ts';

/** The HTTP header that carries the token. */
export const RPC_TOKEN_HEADER = 'x-susurro-rpc-token';

export function kamailioRpcTokenFile(config: SusurroConfig): string {
  return join(config.dataDir, 'secrets', 'kamailio-rpc-token');
}

/** The token (created on first use). */
export function readKamailioRpcToken(config: SusurroConfig): string {
  return ensureSecretFile(kamailioRpcTokenFile(config));
}

/** Lower-case hex SHA-256, as Kamailio's {s.sha256} transformation prints it. */
export function rpcTokenSha256(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
