/**
 * Public API of the ZRTP engine (RFC 6189 DH mode). Runs in browsers and Node; the Node-only
 * file cache is imported from './cache/file-cache.ts' directly and deliberately not re-exported.
 */
export { ZrtpSession, DEFAULT_CLIENT_ID, ZRTP_DROP_REASONS } from './session.ts';
export type { ZrtpSessionOptions, ZrtpSessionDelegate, ZrtpSecureResult, ZrtpState, ZrtpDropReason, ZrtpInputStats } from './session.ts';
export { ZRTP_STATES, TRANSITIONS } from './states/state.ts';

export type { RetainedSecretCache, RetainedSecretRecord } from './cache/retained-secret-cache.ts';
export { MemoryRetainedSecretCache } from './cache/memory-cache.ts';

export { UdpPacketTransport } from './transport/udp-packets.ts';
export type { UdpPacketTransportOptions, UdpTransportStats, PacketSessionSink } from './transport/udp-packets.ts';
export type { Scheduler } from './transport/scheduler.ts';
export { systemScheduler } from './transport/scheduler.ts';
export { TIMER_POLICY, retransmitDelay, type RetransmitTimer } from './transport/retransmission.ts';
export { attachMessageChannel, messageChannelLink } from './transport/message-channel.ts';
export type { MessageChannelLike, MessageChannelLink } from './transport/message-channel.ts';

export { ZrtpError, ProtocolErrorCode, ZRTP_ERROR_CODES, type ZrtpErrorCode } from './errors.ts';
export {
  DEFAULT_PREFERENCES,
  negotiate,
  type AlgorithmPreferences,
  type AuthTagAlgorithm,
  type CipherAlgorithm,
  type HashAlgorithm,
  type KeyAgreementAlgorithm,
  type SasAlgorithm,
} from './algorithms.ts';
export { zrtpHashAttribute } from './zrtp-hash.ts';
export { renderSas } from './sas.ts';
export { encodePacket, decodePacket } from './packet.ts';
export { encodeMessage, decodeMessage, type ZrtpMessage } from './messages/index.ts';
