/**
 * The states of one ZRTP DH-mode exchange (RFC 6189 §4), named after bzrtp's state functions
 * (src/stateMachine.c). The transition table is in ../README.md and at the top of ../session.ts.
 */
export type ZrtpState =
  /** Hello sent (T1), waiting for the peer's Hello and/or HelloACK (§4.1). */
  | 'discovery'
  /** Hellos exchanged, `commit: 'wait'`: waiting for the peer to Commit (we'll be responder). */
  | 'waiting-commit'
  /** Commit sent (T2); a DHPart1 makes us initiator, a higher Commit makes us responder (§4.2). */
  | 'initiator-sent-commit'
  /** Responder: DHPart1 sent, waiting for DHPart2 (§4.4.1.2). */
  | 'responder-sent-dhpart1'
  /** Initiator: DHPart2 sent (T2), waiting for Confirm1 (§4.4.1.3). */
  | 'initiator-sent-dhpart2'
  /** Responder: Confirm1 sent, waiting for Confirm2 (§4.6). */
  | 'responder-sent-confirm1'
  /** Initiator: Confirm2 sent (T2), waiting for Conf2ACK (§4.6). */
  | 'initiator-sent-confirm2'
  /** Keys agreed and confirmed. */
  | 'secure'
  /** Fatal error (sent or received); only ErrorACK / repeated Error are still answered. */
  | 'failed'
  /** close() was called; secrets are wiped. */
  | 'closed';

export const ZRTP_STATES: readonly ZrtpState[] = [
  'discovery',
  'waiting-commit',
  'initiator-sent-commit',
  'responder-sent-dhpart1',
  'initiator-sent-dhpart2',
  'responder-sent-confirm1',
  'initiator-sent-confirm2',
  'secure',
  'failed',
  'closed',
];

/** Allowed transitions (besides any -> failed/closed). Checked on every change. */
export const TRANSITIONS: Readonly<Record<ZrtpState, readonly ZrtpState[]>> = {
  discovery: ['waiting-commit', 'initiator-sent-commit', 'responder-sent-dhpart1'],
  'waiting-commit': ['responder-sent-dhpart1'],
  'initiator-sent-commit': ['initiator-sent-dhpart2', 'responder-sent-dhpart1'],
  'responder-sent-dhpart1': ['responder-sent-confirm1'],
  'initiator-sent-dhpart2': ['initiator-sent-confirm2'],
  'responder-sent-confirm1': ['secure'],
  'initiator-sent-confirm2': ['secure'],
  secure: [],
  failed: [],
  closed: [],
};
