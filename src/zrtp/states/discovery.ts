/**
 * State 'discovery' (and 'waiting-commit'), RFC 6189 §4.1: our Hello is retransmitted with T1;
 * the peer's Hello is answered with HelloACK; a HelloACK (or the peer's Commit) ends our
 * Hello's retransmission. Once both Hellos are through and the peer's cache record is loaded,
 * an eager endpoint sends Commit (§4.2); a 'wait' endpoint waits in 'waiting-commit'.
 *
 * Arrives from: start.  Goes to: waiting-commit, initiator-sent-commit (we Commit),
 * responder-sent-dhpart1 (peer's Commit).  Sends: Hello (T1), HelloACK, Commit (T2), DHPart1.
 */
import { equalBytes } from '@noble/ciphers/utils.js';
import { negotiate } from '../algorithms.ts';

import { ProtocolErrorCode, ZrtpError } from '../errors.ts';
import { encodeMessage, type HelloMessage } from '../messages/index.ts';
import { zrtpHashAttribute } from '../zrtp-hash.ts';
import type { MachineContext, Received } from './context.ts';
import type { StateHandler } from './handler.ts';
import { acceptCommit, sendCommit } from './key-agreement.ts';

export const HELLO_ACK = encodeMessage({ type: 'HelloACK' });

/** §8.1 "a=zrtp-hash:1.10 <hex>": compare version and hash, hex case-insensitively. */
function helloHashMatches(expected: string, hello: Uint8Array): boolean {
  const norm = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();
  const a = new TextEncoder().encode(norm(expected));
  const b = new TextEncoder().encode(norm(zrtpHashAttribute(hello)));
  return a.length === b.length && equalBytes(a, b);
}

/** First Hello from the peer: checks (§4.1.1 version, §8.1 zrtp-hash, §4.9 ZID) and negotiation. */
function acceptPeerHello(ctx: MachineContext, hello: Received<HelloMessage>): void {
  const m = hello.message;
  // §4.1.1: we speak 1.10; a peer announcing another 1.1x revision is compatible.
  if (!/^1\.1\d$/.test(m.version)) {
    throw new ZrtpError('SUSURRO_ZRTP_UNSUPPORTED_VERSION', `peer ZRTP version ${JSON.stringify(m.version)}`, {
      protocolCode: ProtocolErrorCode.UnsupportedVersion,
    });
  }
  if (ctx.config.peerHelloHash !== null && !helloHashMatches(ctx.config.peerHelloHash, hello.bytes)) {
    // §8.1: the Hello does not belong to the signalled endpoint: a MiTM in the media path.
    throw new ZrtpError('SUSURRO_ZRTP_ZRTP_HASH_MISMATCH', "peer Hello does not match the signalled a=zrtp-hash (RFC 6189 §8.1)");
  }
  if (equalBytes(m.zid, ctx.config.zid)) {
    throw new ZrtpError('SUSURRO_ZRTP_ZID_COLLISION', 'peer uses our own ZID', { protocolCode: ProtocolErrorCode.EqualZid });
  }
  ctx.algorithms = negotiate(ctx.config.preferences, m);
  ctx.peerHello = hello;
}

/** Sends Commit or waits, once both Hellos are through and the cache record is in. */
export function advanceDiscovery(ctx: MachineContext): void {
  if (ctx.state !== 'discovery' || !ctx.peerHello || !ctx.helloAcked || ctx.cacheRecord === undefined) return;
  if (ctx.config.commitMode === 'eager') sendCommit(ctx);
  else ctx.transition('waiting-commit');
}

export const discovery: StateHandler = (ctx, input) => {
  const m = input.message;
  if (input.repeat) return 'unexpected'; // a repeated Hello is answered before dispatch (./inbound.ts)
  switch (m.type) {
    case 'Hello':
      acceptPeerHello(ctx, input as Received<HelloMessage>);
      ctx.send(HELLO_ACK, null);
      break;
    case 'HelloACK':
      if (ctx.helloAcked) return 'unexpected'; // a second one: nothing left to stop
      ctx.helloAcked = true;
      ctx.stopRetransmit();
      break;
    case 'Commit':
      // Without the peer's Hello we cannot check the Commit; the initiator will resend it.
      if (!ctx.peerHello || ctx.cacheRecord === undefined) return 'unexpected';
      acceptCommit(ctx, input as Received<typeof m>);
      return 'handled';
    default:
      return 'unexpected'; // not for this state: late or stray
  }
  advanceDiscovery(ctx);
  return 'handled';
};

/** 'waiting-commit': only the peer's Commit moves us on. */
export const waitingCommit: StateHandler = (ctx, input) => {
  if (input.message.type !== 'Commit' || input.repeat) return 'unexpected';
  acceptCommit(ctx, input as Received<typeof input.message>);
  return 'handled';
};
