/**
 * State 'responder-sent-confirm1', RFC 6189 §4.6: waiting for Confirm2.
 * - repeated DHPart2: resend our stored Confirm1.
 * - Confirm2: checked like Confirm1; answered with Conf2ACK; the exchange is complete.
 *
 * Arrives from: responder-sent-dhpart1.  Goes to: secure.
 */
import { encodeMessage } from '../messages/index.ts';
import { deriveResult, openPeerConfirm } from './confirmation.ts';
import type { StateHandler } from './handler.ts';

export const CONF2_ACK = encodeMessage({ type: 'Conf2ACK' });

export const responderSentConfirm1: StateHandler = (ctx, input) => {
  const m = input.message;
  if (m.type === 'DHPart2' && input.repeat) {
    ctx.send(ctx.selfConfirm!, null); // §6: the initiator missed our Confirm1
    return 'handled';
  }
  if (m.type !== 'Confirm2' || input.repeat) return 'unexpected';
  const body = openPeerConfirm(ctx, m);
  ctx.peerConfirm = input.bytes;
  // Confirm2 is authenticated: acknowledge it at once (the initiator's handshake ends with the
  // Conf2ACK), then derive the SRTP keys, SAS and next rs1, which only we need.
  ctx.send(CONF2_ACK, null);
  deriveResult(ctx, body);
  ctx.transition('secure');
  return 'handled';
};
