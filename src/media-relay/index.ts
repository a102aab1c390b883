export { turnCredentials, turnUserOf, type TurnCredentials } from './credentials.ts';
export { turnUrls } from './turn-urls.ts';
export { TurnCli, TurnCliError, parseSessions, type TurnSession } from './turn-cli.ts';
export { readTurnSecret, readTurnCliPassword, ensureSecretFile, turnCliPasswordFile } from './secrets.ts';
export { renderTurnConfig, writeTurnConfig, DENIED_PEER_RANGES } from './turn-config.ts';
export { stunBinding, STUN_MAGIC_COOKIE } from './stun-probe.ts';
