/**
 * The phases of one softphone call's set-up, from the two pages' timelines
 * (test/softphone/webrtc-probe.ts callTimeline: SIP over the WebSocket, ICE, DTLS, the ZRTP data
 * channel and its messages) and the bench's own marks (dial click, answer click, SAS rendered).
 * Every value is a duration in ms; a phase whose marks are missing is left out (NaN filtered).
 *
 *   caller A                         callee B
 *   dial click → INVITE sent         INVITE received (ringing; excluded from dial → SAS)
 *                                    answer click → 200 OK sent
 *   200 OK received ("answer → 200 OK at caller")
 *   ICE via TURN: remote answer → ice-connected  | answer click → ice-connected
 *   DTLS: ice-connected → pc-connected (both sides)
 *   data channel: pc-connected → channelOpen (both sides)
 *   ZRTP start: channelOpen → Hello sent (both sides)
 *   ZRTP: Hello sent → Conf2ACK sent/received (both sides)
 *   SAS rendered: Conf2ACK → SAS on the screen (both sides)
 */
export type Timeline = Record<string, number>;

export interface CallMarks {
  dialAt: number;
  answerAt: number;
  sasA: number;
  sasB: number;
  a: Timeline;
  b: Timeline;
}

export const PHASES = [
  'dial-to-invite-sent',
  'invite-through-proxy',
  'answer-to-200-at-caller',
  'ice.caller',
  'ice.callee',
  'dtls.caller',
  'dtls.callee',
  'channel-open.caller',
  'channel-open.callee',
  'zrtp-start.caller',
  'zrtp-start.callee',
  'zrtp-hello-to-conf2ack.caller',
  'zrtp-hello-to-conf2ack.callee',
  'sas-render.caller',
  'sas-render.callee',
] as const;
export type Phase = (typeof PHASES)[number];

const conf2ack = (t: Timeline) => t['zrtp-sent-Conf2ACK'] ?? t['zrtp-recv-Conf2ACK'] ?? NaN;
const get = (t: Timeline, k: string) => t[k] ?? NaN;

/** The ringing interval: callee's INVITE received → answer click (a person's time, not the phone's). */
export function ringMs(m: CallMarks): number {
  return m.answerAt - get(m.b, 'sip-recv-INVITE');
}

export function callPhases(m: CallMarks): Record<Phase, number> {
  const { a, b } = m;
  return {
    'dial-to-invite-sent': get(a, 'sip-sent-INVITE') - m.dialAt,
    'invite-through-proxy': get(b, 'sip-recv-INVITE') - get(a, 'sip-sent-INVITE'),
    'answer-to-200-at-caller': get(a, 'sip-recv-200-INVITE') - m.answerAt,
    'ice.caller': get(a, 'ice-connected') - get(a, 'sip-recv-200-INVITE'),
    'ice.callee': get(b, 'ice-connected') - m.answerAt,
    'dtls.caller': get(a, 'pc-connected') - get(a, 'ice-connected'),
    'dtls.callee': get(b, 'pc-connected') - get(b, 'ice-connected'),
    'channel-open.caller': get(a, 'channelOpen') - get(a, 'pc-connected'),
    'channel-open.callee': get(b, 'channelOpen') - get(b, 'pc-connected'),
    'zrtp-start.caller': get(a, 'zrtp-sent-Hello') - get(a, 'channelOpen'),
    'zrtp-start.callee': get(b, 'zrtp-sent-Hello') - get(b, 'channelOpen'),
    'zrtp-hello-to-conf2ack.caller': conf2ack(a) - get(a, 'zrtp-sent-Hello'),
    'zrtp-hello-to-conf2ack.callee': conf2ack(b) - get(b, 'zrtp-sent-Hello'),
    'sas-render.caller': m.sasA - conf2ack(a),
    'sas-render.callee': m.sasB - conf2ack(b),
  };
}
