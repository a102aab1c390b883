/**
 * State 'secure': keys are in use. The responder still answers a repeated Confirm2 with
 * Conf2ACK (its first Conf2ACK may have been lost, §6); anything else is ignored.
 * GoClear (§4.7.2) is not supported: we never set the A flag, so a GoClear is ignored.
 */
import { CONF2_ACK } from './responder-sent-confirm1.ts';
import { isFaithfulRepeat, type StateHandler } from './handler.ts';

export const secure: StateHandler = (ctx, input) => {
  const m = input.message;
  if (m.type === 'Confirm2' && ctx.role === 'responder') {
    if (isFaithfulRepeat(ctx.peerConfirm!, input.bytes, 'Confirm2')) ctx.send(CONF2_ACK, null);
  } else if (m.type === 'Confirm1' && ctx.role === 'initiator') {
    isFaithfulRepeat(ctx.peerConfirm!, input.bytes, 'Confirm1');
  }
};
