export { loadConfig, validateConfig, REPO_ROOT, ENV_VARS } from './config.ts';
export type { SusurroConfig, DeepPartial, LoadConfigOptions, LogLevel } from './config.ts';
export { ConfigError } from './errors.ts';
export { localTrial, isLoopbackHost, type LocalTrial } from './local-trial.ts';
