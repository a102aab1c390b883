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
  | { kind: 'missed' };

/** Header our BYE carries when the user pressed "Does not match" or the media broke, so the peer can explain. */
export const END_REASON_HEADER = 'X-Susurro-End-Reason';

/** The END_REASON_HEADER value our BYE carries for a reason, or null for a plain BYE. */
export function endReasonHeaderValue(reason: CallEndReason): string | null {
  switch (reason.kind) {
    case 'sas-mismatch':
      return 'sas-mismatch';
    case 'media-failed':
    case 'watchdog':
      return 'media-failed';
    default:
      return null;
  }
}

/** What a BYE from the peer means for our screen, from its END_REASON_HEADER value. */
export function reasonFromPeerBye(header: string | undefined): CallEndReason {
  if (header === 'sas-mismatch') return { kind: 'peer-sas-mismatch' };
  if (header === 'media-failed') return { kind: 'media-failed' };
  return { kind: 'normal' };
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
