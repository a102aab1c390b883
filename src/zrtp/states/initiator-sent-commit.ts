/**
 * State 'initiator-sent-commit', RFC 6189 §4.2/§4.4.1.3: our Commit is retransmitted (T2).
 * - DHPart1: we are the initiator. Its H1 authenticates the responder's Hello; we compute the
 *   DH result, s0 and the Confirm keys and send DHPart2 (T2).
 * - Commit from the peer: contention (§4.2); the lower hvi loses and becomes responder.
 *
 * Arrives from: discovery.  Goes to: initiator-sent-dhpart2, responder-sent-dhpart1.
 */
import type { CommitMessage } from '../messages/commit.ts';
import type { DhPartMessage } from '../messages/dh-part.ts';
import type { Received } from './context.ts';
import type { StateHandler } from './handler.ts';
import { acceptCommit, authenticateResponderHello, deriveS0, dhResult, weLoseContention } from './key-agreement.ts';

export const initiatorSentCommit: StateHandler = (ctx, input) => {
  const m = input.message;
  if (input.repeat) return 'unexpected'; // nothing of the peer's is stored in this state yet
  if (m.type === 'Commit') {
    if (!weLoseContention(ctx.selfCommit!.message, m)) return 'unexpected'; // §4.2: the lower hvi is discarded, ours stands
    acceptCommit(ctx, input as Received<CommitMessage>);
    return 'handled';
  }
  if (m.type !== 'DHPart1') return 'unexpected';
  authenticateResponderHello(ctx, m);
  const dh = dhResult(ctx, m.pv);
  ctx.role = 'initiator';
  ctx.peerDhPart = input as Received<DhPartMessage>;
  // DHPart2 was built before our Commit and every check that can fail (H1, Hello MAC, the
  // peer's pv) is done: send it first, so s0 and the Confirm keys (needed only once Confirm1
  // arrives) are derived while the responder computes its side, not before it can start.
  ctx.send(ctx.selfDhPart!.bytes, 'T2');
  deriveS0(ctx, m, dh);
  ctx.transition('initiator-sent-dhpart2');
  return 'handled';
};
