/**
 * Keys for the browser test from two real in-page ZRTP engines (src/zrtp ZrtpSession) talking
 * over a negotiated RTCDataChannel with src/zrtp/transport/message-channel.ts.
 * `wrongAtB` corrupts B's exported key after the exchange, to model a receiver with a wrong key.
 */
import type { ZrtpKeySource } from '../../../src/media-crypto/zrtp-keys.ts';

export async function zrtpKeySources(
  _chA: RTCDataChannel,
  _chB: RTCDataChannel,
  _wrongAtB: boolean,
): Promise<{ a: ZrtpKeySource; b: ZrtpKeySource; sas: string }> {
  throw new Error('ZRTP engine (src/zrtp/session.ts) not available yet');
}
