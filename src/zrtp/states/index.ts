/** Handler per state (the transition table lives in ./state.ts and ../README.md). */
import { discovery, waitingCommit } from './discovery.ts';
import type { StateHandler } from './handler.ts';
import { initiatorSentCommit } from './initiator-sent-commit.ts';
import { initiatorSentConfirm2 } from './initiator-sent-confirm2.ts';
import { initiatorSentDhPart2 } from './initiator-sent-dhpart2.ts';
import { responderSentConfirm1 } from './responder-sent-confirm1.ts';
import { responderSentDhPart1 } from './responder-sent-dhpart1.ts';
import { secure } from './secure.ts';
import type { ZrtpState } from './state.ts';

/** failed/closed: the session answers Error/ErrorACK itself and never dispatches here. */
const ignore: StateHandler = () => 'unexpected';

export const STATE_HANDLERS: Readonly<Record<ZrtpState, StateHandler>> = {
  discovery,
  'waiting-commit': waitingCommit,
  'initiator-sent-commit': initiatorSentCommit,
  'responder-sent-dhpart1': responderSentDhPart1,
  'initiator-sent-dhpart2': initiatorSentDhPart2,
  'responder-sent-confirm1': responderSentConfirm1,
  'initiator-sent-confirm2': initiatorSentConfirm2,
  secure,
  failed: ignore,
  closed: ignore,
};
