import { describe, it, expect } from 'vitest';
import { endReasonHeaders, endReasonHeaderValue, incomingRejectStatus, isBusyLike, reasonFromPeerBye, reasonFromPeerResponse, reasonMessage, sipStatusMessage } from '../../../softphone-web/src/sip/call-end-reason.ts';
import { translator, type MessageKey } from '../../../softphone-web/src/i18n/index.ts';
import { SIP_STATUS_MESSAGES } from '../../../softphone-web/src/sip/call-end-reason.ts';
import { getReasonPhrase } from 'sip.js/lib/core/messages/utils.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

describe('call end reasons', () => {
  it('maps the SIP final responses the issue names to distinct plain-language messages', () => {
    const t = translator('en');
    const p = { name: 'Bob', target: '299' };
    expect(t(sipStatusMessage(404), p)).toBe('Extension 299 does not exist.');
    expect(t(sipStatusMessage(403), p)).toMatch(/refused/);
    expect(t(sipStatusMessage(480), p)).toMatch(/not available/);
    expect(t(sipStatusMessage(486), p)).toMatch(/busy/);
    expect(t(sipStatusMessage(488), p)).toMatch(/securely/);
    const keys = [404, 403, 480, 486, 488].map(sipStatusMessage);
    expect(new Set(keys).size).toBe(5);
    expect(sipStatusMessage(500)).toBe('end.serverProblem');
  });

  // The statuses sip.js can surface: every final one in its reason-phrase table (what it
  // knows of RFC 3261 §21 and later RFCs), which includes its own 408/503 for a timeout or a
  // transport error.
  const sipJsStatuses = Array.from({ length: 400 }, (_, i) => 300 + i).filter((c) => getReasonPhrase(c) !== '');
  // …and every status Kamailio's config sends itself (sl_send_reply / t_reply / t_reply_callid, the Lua policy's refused()).
  const cfg = readFileSync(join(import.meta.dirname, '..', '..', '..', 'kamailio-config', 'kamailio.cfg'), 'utf8');
  const lua = readFileSync(join(import.meta.dirname, '..', '..', '..', 'kamailio-config', 'sdp-policy.lua'), 'utf8');
  const kamailioStatuses = [...new Set([...cfg.matchAll(/(?:sl_send_reply|t_reply|t_reply_callid)\([^)]*?"([3-6]\d\d)"/g), ...cfg.matchAll(/sdp_code\) = "([3-6]\d\d)"/g), ...lua.matchAll(/return "([3-6]\d\d)"/g)].map((m) => Number(m[1])))];

  it('knows every status sip.js and Kamailio can produce (fails on an unmapped one)', () => {
    expect(sipJsStatuses.length).toBeGreaterThan(60); // the table was found
    expect(kamailioStatuses).toEqual(expect.arrayContaining([403, 404, 405, 480, 481, 483, 484, 488]));
    const unmapped = [...sipJsStatuses, ...kamailioStatuses, 408, 503].filter((c) => !(c in SIP_STATUS_MESSAGES));
    expect(unmapped).toEqual([]);
  });

  it('no status ever reaches the screen as a number, in English or Spanish', () => {
    const p = { name: 'Bob', target: 'X' };
    for (const lang of ['en', 'es'] as const) {
      const t = translator(lang);
      for (const code of [...sipJsStatuses, 299, 399, 499, 599, 699, 799]) {
        const text = t(sipStatusMessage(code), p);
        expect(text, `${lang} ${code}`).not.toMatch(/\d{3}/);
        expect(text, `${lang} ${code}`).not.toMatch(/\{\w+\}/); // every placeholder filled
      }
    }
  });

  it('calling oneself (482 from one’s own registration) and the server’s refusals read as what they are', () => {
    const t = translator('en');
    const p = { name: 'Bob', target: '202' };
    expect(t(sipStatusMessage(482), p)).toBe('You cannot call your own extension.');
    expect(t(sipStatusMessage(503), p)).toBe('The server cannot be reached right now. Check your connection and try again.');
    expect(t(sipStatusMessage(405), p)).toBe('Bob’s phone cannot take this kind of call.');
    expect(t(reasonMessage(reasonFromPeerResponse(488, undefined, 'Not Acceptable Here: verified calls only: DTLS-SRTP media without ZRTP cannot show a security code')), p)).toBe(
      'This server allows only calls with a security code, and Bob’s phone cannot show one, so the call was refused.',
    );
    expect(reasonFromPeerResponse(488, undefined, 'Not Acceptable Here: callee media refused')).toEqual({ kind: 'sip', status: 488 });
    const keys: MessageKey[] = [...new Set(Object.values(SIP_STATUS_MESSAGES))];
    expect(keys.length).toBeGreaterThan(12); // distinct sentences, not one catch-all
  });

  it('the peer learns why a call was ended: securing failed, page closed', () => {
    expect(endReasonHeaders({ kind: 'zrtp-failed', detail: 'timeout' })).toEqual(['X-Susurro-End-Reason: zrtp-failed']);
    expect(endReasonHeaders({ kind: 'page-closed' })).toEqual(['X-Susurro-End-Reason: page-closed']);
    expect(reasonFromPeerBye('zrtp-failed')).toEqual({ kind: 'peer-zrtp-failed' });
    expect(reasonFromPeerBye('page-closed')).toEqual({ kind: 'peer-left' });
    expect(incomingRejectStatus({ kind: 'page-closed' })).toBe(480);
    expect(reasonFromPeerResponse(480, 'page-closed')).toEqual({ kind: 'peer-left' }); // closed while ringing
    expect(reasonFromPeerResponse(480, undefined)).toEqual({ kind: 'sip', status: 480 });
    const t = translator('en');
    expect(t(reasonMessage({ kind: 'peer-left' }), { name: 'Bob' })).toBe('Bob closed or reloaded the softphone page, so the call ended.');
    expect(t(reasonMessage({ kind: 'peer-zrtp-failed' }), { name: 'Bob' })).toBe('Bob’s phone ended the call because the encryption could not be set up. No audio was sent.');
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
    const p = { name: 'Bob', target: '202' };
    expect(reasonFromPeerResponse(488, 'media-failed')).toEqual({ kind: 'peer-media-failed' });
    expect(reasonFromPeerResponse(500, 'microphone-unavailable')).toEqual({ kind: 'peer-microphone' });
    expect(reasonFromPeerResponse(488, undefined)).toEqual({ kind: 'sip', status: 488 });
    expect(reasonFromPeerResponse(603, 'nonsense')).toEqual({ kind: 'rejected' });
    expect(t(reasonMessage({ kind: 'peer-media-failed' }), p)).toBe('Bob’s phone could not set up the audio connection, so the call could not start.');
    expect(es(reasonMessage({ kind: 'peer-microphone' }), p)).toBe('El teléfono de Bob no puede usar su micrófono, así que la llamada no pudo empezar.');
  });
});
