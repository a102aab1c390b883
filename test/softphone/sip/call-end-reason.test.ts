import { describe, it, expect } from 'vitest';
import { endReasonHeaders, endReasonHeaderValue, incomingRejectStatus, isBusyLike, reasonFromPeerBye, reasonFromPeerResponse, reasonMessage, sipStatusMessage } from '../../../softphone-web/src/sip/call-end-reason.ts';
import { translator } from '../../../softphone-web/src/i18n/index.ts';

describe('call end reasons', () => {
  it('maps the SIP final responses the issue names to distinct plain-language messages', () => {
    const t = translator('en');
    const p = { name: 'Bob', target: '299', code: '' };
    expect(t(sipStatusMessage(404), p)).toBe('Extension 299 does not exist.');
    expect(t(sipStatusMessage(403), p)).toMatch(/refused/);
    expect(t(sipStatusMessage(480), p)).toMatch(/not available/);
    expect(t(sipStatusMessage(486), p)).toMatch(/busy/);
    expect(t(sipStatusMessage(488), p)).toMatch(/securely/);
    const keys = [404, 403, 480, 486, 488].map(sipStatusMessage);
    expect(new Set(keys).size).toBe(5);
    expect(sipStatusMessage(500)).toBe('end.other');
  });

  it('plays the busy tone only when the callee exists but cannot take the call', () => {
    expect(isBusyLike({ kind: 'sip', status: 486 })).toBe(true);
    expect(isBusyLike({ kind: 'rejected' })).toBe(true);
    expect(isBusyLike({ kind: 'sip', status: 404 })).toBe(false);
    expect(isBusyLike({ kind: 'sas-mismatch' })).toBe(false);
  });

  it('explains a SAS mismatch in plain words', () => {
    expect(translator('en')(reasonMessage({ kind: 'sas-mismatch' }))).toMatch(/someone may have been listening/);
  });

  it('tells the peer why a call broke (SAS mismatch, failed media, watchdog) and reads it back', () => {
    expect(endReasonHeaderValue({ kind: 'sas-mismatch' })).toBe('sas-mismatch');
    expect(endReasonHeaderValue({ kind: 'media-failed' })).toBe('media-failed');
    expect(endReasonHeaderValue({ kind: 'watchdog' })).toBe('media-failed');
    expect(endReasonHeaderValue({ kind: 'normal' })).toBeNull();
    expect(reasonFromPeerBye('sas-mismatch')).toEqual({ kind: 'peer-sas-mismatch' });
    expect(reasonFromPeerBye('media-failed')).toEqual({ kind: 'media-failed' });
    expect(reasonFromPeerBye(undefined)).toEqual({ kind: 'normal' });
    expect(reasonFromPeerBye('anything else')).toEqual({ kind: 'normal' });
  });

  it('an INVITE this phone cannot take is refused with a status and the reason header (issue 14)', () => {
    expect(incomingRejectStatus({ kind: 'media-failed' })).toBe(488);
    expect(incomingRejectStatus({ kind: 'microphone' })).toBe(500);
    expect(incomingRejectStatus({ kind: 'revoked' })).toBe(480);
    expect(incomingRejectStatus({ kind: 'normal' })).toBe(603);
    expect(endReasonHeaders({ kind: 'media-failed' })).toEqual(['X-Susurro-End-Reason: media-failed']);
    expect(endReasonHeaders({ kind: 'microphone' })).toEqual(['X-Susurro-End-Reason: microphone-unavailable']);
    expect(endReasonHeaders({ kind: 'normal' })).toEqual([]);
  });

  it('the caller reads the callee’s reason before the status, in words', () => {
    const t = translator('en');
    const es = translator('es');
    const p = { name: 'Bob', target: '202', code: '' };
    expect(reasonFromPeerResponse(488, 'media-failed')).toEqual({ kind: 'peer-media-failed' });
    expect(reasonFromPeerResponse(500, 'microphone-unavailable')).toEqual({ kind: 'peer-microphone' });
    expect(reasonFromPeerResponse(488, undefined)).toEqual({ kind: 'sip', status: 488 });
    expect(reasonFromPeerResponse(603, 'nonsense')).toEqual({ kind: 'rejected' });
    expect(t(reasonMessage({ kind: 'peer-media-failed' }), p)).toBe('Bob’s phone could not set up the audio connection, so the call could not start.');
    expect(es(reasonMessage({ kind: 'peer-microphone' }), p)).toBe('El teléfono de Bob no puede usar su micrófono, así que la llamada no pudo empezar.');
  });
});
