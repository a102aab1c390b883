/**
 * Command-line options of `npm run zrtp-peer` (src/cli/zrtp-peer.ts). The same flags as the
 * bzrtp reference peer (test/interop/bzrtp-peer.c), so tests drive both alike.
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import { parseArgs } from 'node:util';
import {
  isAuthTagAlgorithm,
  isCipherAlgorithm,
  isHashAlgorithm,
  isKeyAgreementAlgorithm,
  isSasAlgorithm,
  type AlgorithmPreferences,
} from '../../zrtp/algorithms.ts';

export type PeerRole = 'initiator' | 'responder' | 'auto';

/** DH/ECDH arithmetic: OpenSSL via node:crypto (default here), or the pure-JS code browsers run. */
export type KeyAgreementBackend = 'openssl' | 'pure-js' | 'webcrypto';

export interface ZrtpPeerOptions {
  localPort: number;
  remotePort: number;
  ssrc: number;
  role: PeerRole;
  preferences: Partial<AlgorithmPreferences>;
  backend: KeyAgreementBackend;
  /** Retained-secret cache file (JSON); our ZID lives beside it in `<cache>.zid`. */
  cachePath: string | null;
  forgetPeers: boolean;
  verify: boolean;
  auxSecret: Uint8Array | null;
  peerHelloHash: string | null;
  waitGo: boolean;
  capturePath: string | null;
  timeoutMs: number;
  /** How long a responder keeps answering after going secure (a lost Conf2ACK, §6). */
  lingerMs: number;
  verbose: boolean;
}

export const USAGE = `usage: npm run zrtp-peer -- --local PORT --remote PORT [--ssrc HEX]
       [--role initiator|responder|auto] [--ka X255,DH3k] [--hash S256] [--cipher AES1]
       [--auth HS80] [--sas B32] [--backend openssl|pure-js|webcrypto] [--cache FILE] [--forget-peers]
       [--verify] [--aux-secret HEX]
       [--peer-hello-hash "1.10 HEX"] [--wait-go] [--capture FILE] [--timeout-ms N] [--linger-ms N]
       [--verbose]`;

/** Thrown for bad command lines; the CLI prints it with the usage and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function port(value: string | undefined, name: string): number {
  if (value === undefined) throw new UsageError(`--${name} is required`);
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) throw new UsageError(`--${name}: bad port '${value}'`);
  return n;
}

function list<T extends string>(value: string | undefined, name: string, guard: (n: unknown) => n is T): T[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',').filter((n) => n.length > 0);
  if (names.length === 0) throw new UsageError(`--${name}: empty list`);
  for (const n of names) if (!guard(n)) throw new UsageError(`--${name}: unknown algorithm '${n}'`);
  return names as T[];
}

function hexBytes(value: string, name: string): Uint8Array {
  if (!/^([0-9a-fA-F]{2})+$/.test(value)) throw new UsageError(`--${name}: not an even-length hex string`);
  return hexToBytes(value);
}

export function parseZrtpPeerOptions(argv: string[]): ZrtpPeerOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        local: { type: 'string' },
        remote: { type: 'string' },
        ssrc: { type: 'string' },
        role: { type: 'string' },
        ka: { type: 'string' },
        hash: { type: 'string' },
        cipher: { type: 'string' },
        auth: { type: 'string' },
        sas: { type: 'string' },
        backend: { type: 'string' },
        cache: { type: 'string' },
        'forget-peers': { type: 'boolean' },
        verify: { type: 'boolean' },
        'aux-secret': { type: 'string' },
        'peer-hello-hash': { type: 'string' },
        'wait-go': { type: 'boolean' },
        capture: { type: 'string' },
        'timeout-ms': { type: 'string' },
        'linger-ms': { type: 'string' },
        verbose: { type: 'boolean' },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const v = parsed.values;
  const role = (v.role ?? 'auto') as PeerRole;
  if (!['initiator', 'responder', 'auto'].includes(role)) throw new UsageError(`--role: bad role '${role}'`);
  const backend = (v.backend ?? 'openssl') as KeyAgreementBackend;
  if (backend !== 'openssl' && backend !== 'pure-js' && backend !== 'webcrypto') throw new UsageError(`--backend: bad backend '${backend}'`);
  const ssrcText = v.ssrc ?? '5a525450';
  if (!/^(0x)?[0-9a-fA-F]{1,8}$/.test(ssrcText)) throw new UsageError(`--ssrc: bad hex '${ssrcText}'`);
  const timeoutMs = Number(v['timeout-ms'] ?? '10000');
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new UsageError('--timeout-ms must be a positive number');
  const lingerMs = Number(v['linger-ms'] ?? '100');
  if (!Number.isFinite(lingerMs) || lingerMs < 0) throw new UsageError('--linger-ms must be a number >= 0');
  const preferences: Partial<AlgorithmPreferences> = {};
  const ka = list(v.ka, 'ka', isKeyAgreementAlgorithm);
  const hash = list(v.hash, 'hash', isHashAlgorithm);
  const cipher = list(v.cipher, 'cipher', isCipherAlgorithm);
  const authTag = list(v.auth, 'auth', isAuthTagAlgorithm);
  const sas = list(v.sas, 'sas', isSasAlgorithm);
  if (ka) preferences.keyAgreement = ka;
  if (hash) preferences.hash = hash;
  if (cipher) preferences.cipher = cipher;
  if (authTag) preferences.authTag = authTag;
  if (sas) preferences.sas = sas;
  return {
    localPort: port(v.local, 'local'),
    remotePort: port(v.remote, 'remote'),
    ssrc: Number.parseInt(ssrcText.replace(/^0x/, ''), 16) >>> 0,
    role,
    preferences,
    backend,
    cachePath: v.cache ?? null,
    forgetPeers: v['forget-peers'] ?? false,
    verify: v.verify ?? false,
    auxSecret: v['aux-secret'] ? hexBytes(v['aux-secret'], 'aux-secret') : null,
    peerHelloHash: v['peer-hello-hash'] ?? null,
    waitGo: v['wait-go'] ?? false,
    capturePath: v.capture ?? null,
    timeoutMs,
    lingerMs,
    verbose: v.verbose ?? false,
  };
}
