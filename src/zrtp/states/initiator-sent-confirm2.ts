/**
 * State 'initiator-sent-confirm2', RFC 6189 §4.6/§5.8: Confirm2 is retransmitted (T2) until
 * Conf2ACK. A repeated Confirm1 is absorbed (a differing one never gets here, ./inbound.ts).
 *
 * Arrives from: initiator-sent-dhpart2.  Goes to: secure.
 */
import type { StateHandler } from './handler.ts';

export const initiatorSentConfirm2: StateHandler = (ctx, input) => {
  const m = input.message;
  // A repeated Confirm1 needs no answer: our T2 timer resends Confirm2.
  if (m.type === 'Confirm1' && input.repeat) return 'handled';
  if (m.type !== 'Conf2ACK') return 'unexpected';
  ctx.stopRetransmit();
  ctx.transition('secure');
  return 'handled';
};
