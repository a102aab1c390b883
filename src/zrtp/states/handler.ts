/** The shape of a per-state handler (one per file in this folder, table in ./index.ts). */
import type { ZrtpMessage } from '../messages/index.ts';
import type { MachineContext, Received } from './context.ts';

/** A decoded message as a handler gets it, after the checks of ./inbound.ts. */
export interface Inbound extends Received<ZrtpMessage> {
  /**
   * True for a byte-identical copy of the message of this kind we stored from the peer: a §6
   * retransmission, to be answered (resend our stored reply), never processed again. A repeat
   * that is NOT identical never reaches a handler (./inbound.ts drops it).
   */
  repeat: boolean;
}

/**
 * 'handled' if the message belonged to this state (acted on or answered), 'unexpected' if it
 * did not (late or stray: dropped and counted by the session). Throws ZrtpError for a fatal
 * protocol failure, or an unauthenticated-message error (./message-auth.ts) to have it dropped.
 */
export type HandlerOutcome = 'handled' | 'unexpected';

export type StateHandler = (ctx: MachineContext, input: Inbound) => HandlerOutcome;
