import type { ZrtpSecureResult } from '../../../src/zrtp/session.ts';

/**
 * The seam between a call and the SFrame media transforms (src/media-crypto). A call
 * hands every RTCRtpSender/RTCRtpReceiver to it the moment the transceiver exists
 * (before any frame can flow) and gives it the ZRTP result once keys are agreed.
 *
 * Contract (fail closed, DESIGN.md step 7): a protected sender emits nothing until
 * setKeys() resolved; a protected receiver delivers only frames that authenticate.
 */
export interface MediaCryptoStats {
  framesEncrypted: number;
  framesDecrypted: number;
  droppedNoKey: number;
  droppedAuth: number;
}

export interface MediaProtection {
  protectSender(sender: RTCRtpSender): void;
  protectReceiver(receiver: RTCRtpReceiver): void;
  setKeys(result: ZrtpSecureResult): Promise<void>;
  stats(): MediaCryptoStats;
  close(): void;
}

export type MediaProtectionFactory = () => MediaProtection;
