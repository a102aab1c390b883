/**
 * State 'secure': keys are in use. The responder still answers a repeated Confirm2 with
 * Conf2ACK (its first Conf2ACK may have been lost, §6); other faithful repeats are absorbed,
 * differing ones were dropped before dispatch (./inbound.ts), anything else is unexpected.
 * GoClear (§4.7.2) is not supported: we never set the A flag, so a GoClear is ignored.
 */
import { CONF2_ACK } from './responder-sent-confirm1.ts';
import type { StateHandler } from './handler.ts';

export const secure: StateHandler = (ctx, input) => {
  if (!input.repeat) return 'unexpected';
  if (input.message.type === 'Confirm2' && ctx.role === 'responder') ctx.send(CONF2_ACK, null);
  return 'handled';
};
