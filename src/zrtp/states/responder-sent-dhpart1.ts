/**
 * State 'responder-sent-dhpart1', RFC 6189 §4.4.1.2: waiting for DHPart2.
 * - repeated Commit: resend our stored DHPart1 (the initiator missed it).
 * - DHPart2: its H1 authenticates the Commit; hvi must equal hash(DHPart2 || our Hello)
 *   (§4.4.1.1, else Error 0x62); DH result, s0, Confirm keys; send Confirm1.
 *
 * Arrives from: discovery, waiting-commit, initiator-sent-commit.  Goes to: responder-sent-confirm1.
 */
import { verifyHvi } from '../crypto/hvi.ts';
import type { DhPartMessage } from '../messages/dh-part.ts';
import { buildOurConfirm } from './confirmation.ts';
import type { Received } from './context.ts';
import type { StateHandler } from './handler.ts';
import { authenticateCommit, deriveS0, dhResult } from './key-agreement.ts';

export const responderSentDhPart1: StateHandler = (ctx, input) => {
  const m = input.message;
  if (m.type === 'Commit' && input.repeat) {
    ctx.send(ctx.selfDhPart!.bytes, null); // §6: the initiator missed our DHPart1
    return 'handled';
  }
  if (m.type !== 'DHPart2' || input.repeat) return 'unexpected';
  const dhPart2 = input as Received<DhPartMessage>;
  authenticateCommit(ctx, dhPart2);
  // §4.4.1.1: the initiator committed to this DHPart2 (and our Hello) in its Commit: 0x62 otherwise.
  verifyHvi(ctx.algorithms!.hash, ctx.peerCommit!.message.hvi, input.bytes, ctx.selfHello.bytes);
  const dh = dhResult(ctx, m.pv);
  ctx.peerDhPart = dhPart2;
  deriveS0(ctx, m, dh);
  ctx.selfConfirm = buildOurConfirm(ctx);
  ctx.send(ctx.selfConfirm, null);
  ctx.transition('responder-sent-confirm1');
  return 'handled';
};
