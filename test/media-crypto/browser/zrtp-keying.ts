/**
 * Keys for the browser test from two real in-page ZRTP engines (src/zrtp ZrtpSession, RFC 6189
 * DH mode) talking over a negotiated RTCDataChannel with src/zrtp/transport/message-channel.ts,
 * as DESIGN.md step 5 describes. A commits eagerly, B waits, so A is the initiator.
 * `wrongAtB` flips one bit of B's Exported Key after the exchange: a receiver holding a wrong key.
 */
import {
  MemoryRetainedSecretCache,
  ZrtpSession,
  messageChannelLink,
  type MessageChannelLike,
  type ZrtpSecureResult,
} from '../../../src/zrtp/index.ts';
import type { ZrtpKeySource } from '../../../src/media-crypto/zrtp-keys.ts';

function randomZid(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(12));
}

function runEngine(channel: RTCDataChannel, zid: Uint8Array, commit: 'eager' | 'wait'): { session: ZrtpSession; secure: Promise<ZrtpSecureResult> } {
  const link = messageChannelLink(channel as unknown as MessageChannelLike);
  let session!: ZrtpSession;
  const secure = new Promise<ZrtpSecureResult>((resolve, reject) => {
    session = new ZrtpSession({
      zid,
      cache: new MemoryRetainedSecretCache(),
      commit,
      delegate: {
        ...link.sessionDelegate,
        onSecure: resolve,
        onError: (e) => reject(e),
      },
    });
  });
  link.attach(session);
  return { session, secure };
}

export async function zrtpKeySources(
  chA: RTCDataChannel,
  chB: RTCDataChannel,
  wrongAtB: boolean,
): Promise<{ a: ZrtpKeySource; b: ZrtpKeySource; sas: string }> {
  const zidA = randomZid();
  const zidB = randomZid();
  const a = runEngine(chA, zidA, 'eager');
  const b = runEngine(chB, zidB, 'wait');
  a.session.start();
  b.session.start();
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('ZRTP did not reach secure in 10 s')), 10_000));
  const [ra, rb] = await Promise.race([Promise.all([a.secure, b.secure]), timeout]);
  if (ra.sas !== rb.sas) throw new Error(`SAS differ: ${ra.sas} / ${rb.sas}`);
  if (ra.role !== 'initiator' || rb.role !== 'responder') throw new Error(`unexpected roles ${ra.role}/${rb.role}`);
  const exportedB = rb.exportedKey.slice();
  if (wrongAtB) exportedB[0]! ^= 0x01;
  const result = {
    a: { role: ra.role, hash: ra.hash, cipher: ra.cipher, exportedKey: ra.exportedKey.slice(), peerZid: ra.peerZid.slice(), localZid: zidA },
    b: { role: rb.role, hash: rb.hash, cipher: rb.cipher, exportedKey: exportedB, peerZid: rb.peerZid.slice(), localZid: zidB },
    sas: ra.sas,
  };
  a.session.close(); // zeroises the engines' secrets; we copied what SFrame needs
  b.session.close();
  return result;
}
