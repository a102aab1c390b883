import type { ZrtpSecureResult } from '../../../src/zrtp/session.ts';

/**
 * The seam between a call and the SFrame media transforms (src/media-crypto). A call
 * hands its RTCPeerConnection to it before any transceiver exists and again after each
 * addTrack/addTransceiver; protect() gives every sender and receiver its transform, now and
 * for transceivers a remote offer creates later ('track'). It gets the ZRTP result once
 * keys are agreed.
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
  /** Idempotent: nothing gets a second transform. */
  protect(pc: RTCPeerConnection): void;
  setKeys(result: ZrtpSecureResult): Promise<void>;
  stats(): MediaCryptoStats;
  close(): void;
}
