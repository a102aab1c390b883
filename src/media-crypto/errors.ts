/**
 * Typed SFrame errors with stable codes (listed, with meaning, in ./ERRORS.md; a test keeps
 * the two in sync). Messages never contain key material.
 */
export type SframeErrorCode =
  | 'SUSURRO_SFRAME_INVALID_ARGUMENT'
  | 'SUSURRO_SFRAME_MALFORMED_HEADER'
  | 'SUSURRO_SFRAME_UNSUPPORTED_SUITE'
  | 'SUSURRO_SFRAME_NO_KEY'
  | 'SUSURRO_SFRAME_UNKNOWN_KID'
  | 'SUSURRO_SFRAME_AUTH_FAILED'
  | 'SUSURRO_SFRAME_REPLAY'
  | 'SUSURRO_SFRAME_COUNTER_EXHAUSTED'
  | 'SUSURRO_SFRAME_WORKER'
  | 'SUSURRO_SFRAME_INTERNAL';

export const SFRAME_ERROR_CODES: readonly SframeErrorCode[] = [
  'SUSURRO_SFRAME_INVALID_ARGUMENT',
  'SUSURRO_SFRAME_MALFORMED_HEADER',
  'SUSURRO_SFRAME_UNSUPPORTED_SUITE',
  'SUSURRO_SFRAME_NO_KEY',
  'SUSURRO_SFRAME_UNKNOWN_KID',
  'SUSURRO_SFRAME_AUTH_FAILED',
  'SUSURRO_SFRAME_REPLAY',
  'SUSURRO_SFRAME_COUNTER_EXHAUSTED',
  'SUSURRO_SFRAME_WORKER',
  'SUSURRO_SFRAME_INTERNAL',
];

export class SframeError extends Error {
  readonly code: SframeErrorCode;
  constructor(code: SframeErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'SframeError';
    this.code = code;
  }
}
