/**
 * State 'initiator-sent-confirm2', RFC 6189 §4.6/§5.8: Confirm2 is retransmitted (T2) until
 * Conf2ACK. A repeated Confirm1 must equal the stored one and is otherwise ignored.
 *
 * Arrives from: initiator-sent-dhpart2.  Goes to: secure.
 */
import { isFaithfulRepeat, type StateHandler } from './handler.ts';

export const initiatorSentConfirm2: StateHandler = (ctx, input) => {
  const m = input.message;
  if (m.type === 'Confirm1') {
    isFaithfulRepeat(ctx.peerConfirm!, input.bytes, 'Confirm1');
    return;
  }
  if (m.type !== 'Conf2ACK') return;
  ctx.stopRetransmit();
  ctx.transition('secure');
};
