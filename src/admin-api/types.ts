import type { SusurroConfig } from '../config/index.ts';
import type { Db } from '../db/index.ts';
import type { TurnCredentialIssuer } from '../media-relay/credential-store.ts';
import type { AdminLogOptions } from './logger.ts';

/** The piece of STACK's KamailioRpc the admin API uses (src/signaling). */
export interface KamailioRpcLike {
  call<T>(method: string, params?: unknown[]): Promise<T>;
}

/** The piece of STACK's TurnCli the admin API uses (src/media-relay). */
export interface TurnCliLike {
  cancelUserSessions(user: string): Promise<number>;
  cancelUsernames(usernames: readonly string[]): Promise<number>;
  /** Every TURN session (for /metrics, which keeps only their number). */
  listSessions?(): Promise<readonly unknown[]>;
}

/** The piece of STACK's TurnCredentialStore the admin API uses (src/media-relay). */
export type { TurnCredentialIssuer } from '../media-relay/credential-store.ts';

/** The piece of src/chat's ProsodyControl the admin API uses (engine control, no policy). */
export interface ChatControlLike {
  setCredentials(user: string, c: import('../db/scram.ts').ScramCredentials): Promise<void>;
  removeCredentials(user: string): Promise<void>;
  credentialKeys(user: string): Promise<string | null>;
  users(): Promise<string[]>;
  closeSessions(user: string, text?: string): Promise<number>;
  purge(user: string): Promise<void>;
  setDirectory(entries: { user: string; name: string }[]): Promise<void>;
}

export interface ComponentHealth {
  name: 'kamailio' | 'turn' | 'database' | string;
  up: boolean;
  detail?: string;
}

export interface AppDeps {
  config: SusurroConfig;
  db: Db;
  rpc: KamailioRpcLike | null;
  turnCli: TurnCliLike | null;
  /** Issues and revokes the TURN credentials coturn checks (the admin service is its only writer). */
  turnCredentials: TurnCredentialIssuer;
  health: () => Promise<ComponentHealth[]>;
  /** Prosody's control (src/chat); null: no managed chat server (every chat step then fails, reported). */
  chat?: ChatControlLike | null;
  /** The token the managed Prosody sends to ask for chat clients' TURN credentials (routes/chat.ts); null: route refuses all. */
  chatServiceToken?: string | null;
  /** The service log (pino, redacted: see logger.ts); absent or false: no log (tests that inject()). */
  logger?: AdminLogOptions | false;
  /** Knobs with production defaults; tests shorten them. */
  options?: Partial<AppOptions>;
}

export interface AppOptions {
  /** Lifetime of an admin session token. Default 8 h. */
  adminSessionTtlSeconds: number;
  /** Lifetime of a softphone token. Default 12 h. */
  phoneTokenTtlSeconds: number;
  /** Login attempts (admin and phone, each) per client IP per window. Default 10 / 1 min. */
  loginRateLimit: { max: number; timeWindowMs: number };
  /** Clock, injected so tests can expire tokens. */
  now: () => Date;
  /** Directory of the built softphone (served at "/"); default <repo>/softphone-web/dist. */
  softphoneDir: string | null;
  /** Time limit for each live revocation action (Kamailio / coturn calls). Default 2 s. */
  liveActionTimeoutMs: number;
  /** How often expired TURN credentials are deleted and their allocations cancelled. Default 60 s. */
  turnSweepIntervalMs: number;
  /** Lifetime of the TURN credential in each provisioning fetch (Linphone re-fetches at every start). Default 7 days. */
  provisioningTurnTtlSeconds: number;
  /** First retry of a chat step that failed; doubles up to chatRetryMaxMs. Defaults 1 s / 30 s. */
  chatRetryBaseMs: number;
  chatRetryMaxMs: number;
}
