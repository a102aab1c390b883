/**
 * SFrame (RFC 9605) media protection keyed from ZRTP: the pure library. Browser glue lives in
 * ./page.ts (main thread) and ./sframe-worker.ts (worker entry); see SPEC.md for the scheme.
 */
export { SframeError, SFRAME_ERROR_CODES, type SframeErrorCode } from './errors.ts';
export { encodeHeader, decodeHeader, MAX_UINT64, type SframeHeader } from './header.ts';
export {
  CIPHER_SUITES,
  cipherSuite,
  AES_128_GCM_SHA256_128,
  AES_256_GCM_SHA512_128,
  type CipherSuite,
} from './cipher-suites.ts';
export { importAead, type SframeAead } from './aead.ts';
export {
  deriveSframeKey,
  deriveSframeKeyBytes,
  importBaseKey,
  sframeKeyLabel,
  sframeSaltLabel,
  type SframeKey,
} from './key-schedule.ts';
export { ReplayWindow, DEFAULT_REPLAY_WINDOW, type ReplayVerdict } from './replay-window.ts';
export {
  SframeSender,
  SframeReceiver,
  encryptFrame,
  frameNonce,
  type DecryptedFrame,
  type SframeReceiverOptions,
} from './sframe-context.ts';
export {
  deriveSframeBaseKeys,
  sframeKeysFromZrtp,
  suiteForZrtpCipher,
  LABEL_INITIATOR_TO_RESPONDER,
  LABEL_RESPONDER_TO_INITIATOR,
  type ZrtpKeySource,
  type SframeBaseKeys,
  type SframeKeyBundle,
} from './zrtp-keys.ts';
export { sframeTransformer, emptyStats, type EncodedFrameLike, type SframeTransformDeps } from './frame-transform.ts';
export type { SframeStats, PageToWorker, WorkerToPage, SframeTransformOptions, TransformSide, KeyEntry } from './worker-protocol.ts';
