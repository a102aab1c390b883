import type { MessageKey } from '../i18n/index.ts';

/**
 * Why a call ended, in the words the UI uses (keys into i18n). SIP final responses
 * map to the plain-language messages the issue asks for (404/403/480/486/488).
 */
export type CallEndReason =
  | { kind: 'normal' }
  | { kind: 'rejected' }
  | { kind: 'sip'; status: number }
  | { kind: 'sas-mismatch' }
  | { kind: 'peer-sas-mismatch' }
  | { kind: 'zrtp-failed'; detail: string }
  | { kind: 'watchdog' }
  | { kind: 'revoked' }
  | { kind: 'connection-lost' }
  | { kind: 'media-failed' }
  /** This phone cannot open the microphone (permission refused, no device). */
  | { kind: 'microphone' }
  /** The callee's phone answered our INVITE that it could not set up the audio connection. */
  | { kind: 'peer-media-failed' }
  /** The callee's phone answered our INVITE that it cannot use its microphone. */
  | { kind: 'peer-microphone' }
  | { kind: 'missed' };

/**
 * Header our BYE, or our final response to an INVITE we cannot take, carries when the user
 * pressed "Does not match" or the media broke, so the peer can explain.
 */
export const END_REASON_HEADER = 'X-Susurro-End-Reason';

/** The END_REASON_HEADER value our BYE or final response carries for a reason, or null for none. */
export function endReasonHeaderValue(reason: CallEndReason): string | null {
  switch (reason.kind) {
    case 'sas-mismatch':
      return 'sas-mismatch';
    case 'media-failed':
    case 'watchdog':
      return 'media-failed';
    case 'microphone':
      return 'microphone-unavailable';
    default:
      return null;
  }
}

/** END_REASON_HEADER as an extra header line for sip.js, or none. */
export function endReasonHeaders(reason: CallEndReason): string[] {
  const value = endReasonHeaderValue(reason);
  return value ? [`${END_REASON_HEADER}: ${value}`] : [];
}

/** What a BYE from the peer means for our screen, from its END_REASON_HEADER value. */
export function reasonFromPeerBye(header: string | undefined): CallEndReason {
  if (header === 'sas-mismatch') return { kind: 'peer-sas-mismatch' };
  if (header === 'media-failed') return { kind: 'media-failed' };
  if (header === 'microphone-unavailable') return { kind: 'peer-microphone' };
  return { kind: 'normal' };
}

/** What a final response to our INVITE means: the callee's own reason first, else its status. */
export function reasonFromPeerResponse(status: number, header: string | undefined): CallEndReason {
  if (header === 'media-failed') return { kind: 'peer-media-failed' };
  if (header === 'microphone-unavailable') return { kind: 'peer-microphone' };
  return status === 603 ? { kind: 'rejected' } : { kind: 'sip', status };
}

/**
 * The final response an incoming INVITE gets when this phone ends the call before answering
 * it: 488 when the offered session cannot be set up here (RFC 3261 §21.4.26), 500 for a
 * fault of this phone such as no microphone (§21.5.1), 480 while signing out or revoked
 * (§21.4.18), 603 when the user declined (§21.6.2).
 */
export function incomingRejectStatus(reason: CallEndReason): number {
  switch (reason.kind) {
    case 'media-failed':
    case 'zrtp-failed':
    case 'watchdog':
      return 488;
    case 'revoked':
    case 'connection-lost':
      return 480;
    case 'normal':
    case 'rejected':
    case 'missed':
      return 603;
    default:
      return 500;
  }
}

export function reasonMessage(reason: CallEndReason): MessageKey {
  switch (reason.kind) {
    case 'normal':
      return 'end.normal';
    case 'rejected':
      return 'end.rejected';
    case 'sas-mismatch':
      return 'end.sasMismatch';
    case 'peer-sas-mismatch':
      return 'end.peerSasMismatch';
    case 'zrtp-failed':
      return 'end.zrtpFailed';
    case 'watchdog':
      return 'end.watchdog';
    case 'revoked':
      return 'end.revoked';
    case 'connection-lost':
      return 'end.connectionLost';
    case 'media-failed':
      return 'end.mediaFailed';
    case 'microphone':
      return 'end.microphone';
    case 'peer-media-failed':
      return 'end.peerMediaFailed';
    case 'peer-microphone':
      return 'end.peerMicrophone';
    case 'missed':
      return 'end.missed';
    case 'sip':
      return sipStatusMessage(reason.status);
  }
}

/** RFC 3261 §21 final responses a caller can meet, in plain words. */
export function sipStatusMessage(status: number): MessageKey {
  switch (status) {
    case 404:
    case 484:
      return 'end.404';
    case 403:
      return 'end.403';
    case 480:
      return 'end.480';
    case 486:
    case 600:
      return 'end.486';
    case 603:
      return 'end.rejected';
    case 488:
    case 606:
      return 'end.488';
    case 487:
      return 'end.487';
    case 408:
      return 'end.408';
    default:
      return 'end.other';
  }
}

/** Whether the busy tone fits (the callee exists but cannot take the call). */
export function isBusyLike(reason: CallEndReason): boolean {
  return reason.kind === 'rejected' || (reason.kind === 'sip' && [486, 600, 603, 480].includes(reason.status));
}
