/**
 * Typed errors of the ZRTP engine (RFC 6189). Every failure inside src/zrtp surfaces as a
 * {@link ZrtpError} with a stable `code` (documented in ./ERRORS.md) and, when the failure maps
 * onto an on-the-wire Error message, the RFC 6189 §5.9 `protocolCode` to send to the peer.
 */

/** Stable codes. Keep this list, ERRORS.md and test/zrtp/wire/errors.test.ts in sync. */
export type ZrtpErrorCode =
  | 'SUSURRO_ZRTP_MALFORMED'
  | 'SUSURRO_ZRTP_BAD_CRC'
  | 'SUSURRO_ZRTP_BAD_MAC'
  | 'SUSURRO_ZRTP_UNSUPPORTED_VERSION'
  | 'SUSURRO_ZRTP_UNKNOWN_MESSAGE'
  | 'SUSURRO_ZRTP_BAD_DH_VALUE'
  | 'SUSURRO_ZRTP_HVI_MISMATCH'
  | 'SUSURRO_ZRTP_HASH_CHAIN'
  | 'SUSURRO_ZRTP_NO_COMMON_ALGORITHM'
  | 'SUSURRO_ZRTP_UNEXPECTED_MESSAGE'
  | 'SUSURRO_ZRTP_TIMEOUT'
  | 'SUSURRO_ZRTP_PEER_ERROR'
  | 'SUSURRO_ZRTP_ZRTP_HASH_MISMATCH'
  | 'SUSURRO_ZRTP_ZID_COLLISION'
  | 'SUSURRO_ZRTP_INVALID_ARGUMENT'
  | 'SUSURRO_ZRTP_UNSUPPORTED_ALGORITHM'
  | 'SUSURRO_ZRTP_CACHE_CORRUPT'
  /** A bug inside the state machine, caught and reported (answered with Error 0x20). */
  | 'SUSURRO_ZRTP_INTERNAL';

/** Every code, for registries and the docs-consistency test. */
export const ZRTP_ERROR_CODES: readonly ZrtpErrorCode[] = [
  'SUSURRO_ZRTP_MALFORMED',
  'SUSURRO_ZRTP_BAD_CRC',
  'SUSURRO_ZRTP_BAD_MAC',
  'SUSURRO_ZRTP_UNSUPPORTED_VERSION',
  'SUSURRO_ZRTP_UNKNOWN_MESSAGE',
  'SUSURRO_ZRTP_BAD_DH_VALUE',
  'SUSURRO_ZRTP_HVI_MISMATCH',
  'SUSURRO_ZRTP_HASH_CHAIN',
  'SUSURRO_ZRTP_NO_COMMON_ALGORITHM',
  'SUSURRO_ZRTP_UNEXPECTED_MESSAGE',
  'SUSURRO_ZRTP_TIMEOUT',
  'SUSURRO_ZRTP_PEER_ERROR',
  'SUSURRO_ZRTP_ZRTP_HASH_MISMATCH',
  'SUSURRO_ZRTP_ZID_COLLISION',
  'SUSURRO_ZRTP_INVALID_ARGUMENT',
  'SUSURRO_ZRTP_UNSUPPORTED_ALGORITHM',
  'SUSURRO_ZRTP_CACHE_CORRUPT',
  'SUSURRO_ZRTP_INTERNAL',
];

/**
 * Error codes carried in the ZRTP Error message, RFC 6189 §5.9 (values are the 32-bit
 * "Error Code" word).
 */
export const ProtocolErrorCode = {
  MalformedPacket: 0x10,
  CriticalSoftwareError: 0x20,
  UnsupportedVersion: 0x30,
  HelloComponentsMismatch: 0x40,
  UnsupportedHash: 0x51,
  UnsupportedCipher: 0x52,
  UnsupportedKeyExchange: 0x53,
  UnsupportedAuthTag: 0x54,
  UnsupportedSas: 0x55,
  NoSharedSecret: 0x56,
  DhBadPv: 0x61,
  DhHviMismatch: 0x62,
  UntrustedMitm: 0x63,
  BadConfirmMac: 0x70,
  NonceReuse: 0x80,
  EqualZid: 0x90,
  SsrcCollision: 0x91,
  ServiceUnavailable: 0xa0,
  ProtocolTimeout: 0xb0,
  GoClearNotAllowed: 0x100,
} as const;

export type ProtocolErrorCodeValue = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

/** A failure of the ZRTP engine. `protocolCode` is what to put in an Error message, if any. */
export class ZrtpError extends Error {
  readonly code: ZrtpErrorCode;
  readonly protocolCode?: number;

  constructor(code: ZrtpErrorCode, message: string, options?: { protocolCode?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ZrtpError';
    this.code = code;
    if (options?.protocolCode !== undefined) this.protocolCode = options.protocolCode;
  }
}

/** Shorthand for the codec: a malformed message, answered with Error 0x10 (§5.9). */
export function malformed(message: string): ZrtpError {
  return new ZrtpError('SUSURRO_ZRTP_MALFORMED', message, { protocolCode: ProtocolErrorCode.MalformedPacket });
}

/** Any exception from a state handler as a ZrtpError (bugs become CriticalSoftwareError, §5.9). */
export function asZrtpError(e: unknown): ZrtpError {
  if (e instanceof ZrtpError) {
    if (e.code === 'SUSURRO_ZRTP_BAD_DH_VALUE' && e.protocolCode === undefined) {
      return new ZrtpError(e.code, e.message, { protocolCode: ProtocolErrorCode.DhBadPv, cause: e });
    }
    return e;
  }
  return new ZrtpError('SUSURRO_ZRTP_INTERNAL', 'internal error in the ZRTP state machine', {
    protocolCode: ProtocolErrorCode.CriticalSoftwareError,
    cause: e,
  });
}
