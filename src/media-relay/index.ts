export {
  TurnCredentialStore, openTurnCredentialStore, turnAccountOf, MAX_TURN_CREDENTIAL_TTL_SECONDS,
  type IssuedTurnCredential, type TurnCredentialIssuer, type TurnCredentialRequest,
} from './credential-store.ts';
export { turnUrls } from './turn-urls.ts';
export { TurnCli, TurnCliError, parseSessions, type TurnSession } from './turn-cli.ts';
export { readTurnCliPassword, ensureSecretFile, turnCliPasswordFile } from './secrets.ts';
export { renderTurnConfig, writeTurnConfig, DENIED_PEER_RANGES } from './turn-config.ts';
export { stunBinding, STUN_MAGIC_COOKIE } from './stun-probe.ts';
