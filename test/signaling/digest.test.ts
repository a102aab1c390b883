/** The test clients' digest (test/support/sip-message.ts) against RFC 2617 §3.5's worked example. */
import { describe, expect, it } from 'vitest';
import { digestAuthorization, parseChallenge, parseSipMessage, header } from '../support/sip-message.ts';

describe('digestAuthorization', () => {
  it('reproduces RFC 2617 §3.5 (qop=auth)', () => {
    const auth = digestAuthorization({
      challenge: 'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
      method: 'GET', uri: '/dir/index.html', username: 'Mufasa', password: 'Circle Of Life', nc: 1, cnonce: '0a4f113b',
    });
    const p = parseChallenge(auth);
    expect(p['response']).toBe('6629fae49393a05397450978507c4ef1');
    expect(p).toMatchObject({ qop: 'auth', nc: '00000001', cnonce: '0a4f113b', opaque: '5ccc069c403ebaf9f0171e9517f40e41' });
  });
});

describe('parseSipMessage', () => {
  it('reads status, compact headers and the body', () => {
    const m = parseSipMessage('SIP/2.0 401 Unauthorized\r\nv: SIP/2.0/TLS a;branch=z9hG4bK1\r\ni: abc\r\nl: 4\r\n\r\nbody');
    expect(m.status).toBe(401);
    expect(header(m, 'call-id')).toBe('abc');
    expect(header(m, 'Via')).toBe('SIP/2.0/TLS a;branch=z9hG4bK1');
    expect(m.body).toBe('body');
  });
});
