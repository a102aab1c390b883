/** Typed error for an invalid configuration; code is stable (docs/configuration.md). */
export class ConfigError extends Error {
  readonly code = 'SUSURRO_CONFIG_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
