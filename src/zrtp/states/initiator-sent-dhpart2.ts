/**
 * State 'initiator-sent-dhpart2', RFC 6189 §4.6: DHPart2 is retransmitted (T2).
 * - repeated DHPart1: nothing to do (our timer resends DHPart2); a differing one is dropped
 *   before dispatch (./inbound.ts).
 * - Confirm1: confirm_mac, H0 and the DHPart1 MAC are checked, the keys and SAS derived, and
 *   Confirm2 is sent (T2).
 *
 * Arrives from: initiator-sent-commit.  Goes to: initiator-sent-confirm2.
 */
import type { StateHandler } from './handler.ts';
import { buildOurConfirm, deriveResult, openPeerConfirm } from './confirmation.ts';

export const initiatorSentDhPart2: StateHandler = (ctx, input) => {
  const m = input.message;
  if (m.type === 'DHPart1' && input.repeat) return 'handled';
  if (m.type !== 'Confirm1' || input.repeat) return 'unexpected';
  const body = openPeerConfirm(ctx, m);
  ctx.peerConfirm = input.bytes;
  ctx.selfConfirm = buildOurConfirm(ctx);
  // Confirm2 needs only the Confirm keys: send it before deriving the SRTP keys, SAS and next
  // rs1, which nothing on the wire waits for (the responder checks Confirm2 meanwhile).
  ctx.send(ctx.selfConfirm, 'T2');
  deriveResult(ctx, body);
  ctx.transition('initiator-sent-confirm2');
  return 'handled';
};
