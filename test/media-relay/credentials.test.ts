import { describe, expect, it } from 'vitest';
import { turnCredentials, turnUserOf } from '../../src/media-relay/credentials.ts';
import { turnUrls } from '../../src/media-relay/turn-urls.ts';
import { renderTurnConfig, DENIED_PEER_RANGES } from '../../src/media-relay/turn-config.ts';
import { parseSessions } from '../../src/media-relay/turn-cli.ts';
import { loadConfig } from '../../src/config/index.ts';

describe('turnCredentials (TURN REST scheme)', () => {
  it('matches an independent computation (openssl dgst -sha1 -hmac … | base64)', () => {
    // printf '%s' "1795306400:201" | openssl dgst -sha1 -hmac "0123456789abcdef-test-secret" -binary | base64
    const c = turnCredentials('0123456789abcdef-test-secret', '201', 600, 1795305800_000);
    expect(c).toEqual({ username: '1795306400:201', credential: 'PVHWX27Dnus787WHl36bvixJgZs=', ttl: 600 });
  });

  it('expiry is now + ttl in whole seconds', () => {
    expect(turnCredentials('0123456789abcdef-x', 'bob', 30, 1_000_999).username).toBe('1030:bob');
  });

  it('validates its inputs', () => {
    expect(() => turnCredentials('short', 'a', 600)).toThrow(TypeError);
    expect(() => turnCredentials('0123456789abcdef', 'a:b', 600)).toThrow(TypeError);
    expect(() => turnCredentials('0123456789abcdef', '', 600)).toThrow(TypeError);
    expect(() => turnCredentials('0123456789abcdef', 'a', 0)).toThrow(RangeError);
    expect(() => turnCredentials('0123456789abcdef', 'a', 1.5)).toThrow(RangeError);
    expect(() => turnCredentials('0123456789abcdef', 'a', 60, Number.NaN)).toThrow(RangeError);
  });

  it('turnUserOf extracts the user part', () => {
    expect(turnUserOf('1795306400:201')).toBe('201');
    expect(turnUserOf('plain')).toBe('plain');
  });
});

describe('turn config rendering', () => {
  const base = { dataDir: '/srv/susurro', domain: 'example.org', publicHost: 'voice.example.org' };
  it('denies private, loopback and special peer ranges by default', () => {
    const cfg = loadConfig({ file: null, env: {}, overrides: base });
    const text = renderTurnConfig(cfg, '/srv/susurro/run', { turnSecret: 's'.repeat(32), cliPassword: 'p'.repeat(16) }, cfg.tls);
    for (const r of DENIED_PEER_RANGES) expect(text).toContain(`denied-peer-ip=${r}\n`);
    expect(text).toContain('denied-peer-ip=10.0.0.0-10.255.255.255');
    expect(text).toContain('denied-peer-ip=127.0.0.0-127.255.255.255');
    expect(text).not.toMatch(/^allow-loopback-peers/m);
    expect(text).toMatch(/^use-auth-secret$/m);
    expect(text).toContain('realm=example.org\n');
    expect(text).toContain('cli-ip=127.0.0.1\n');
    expect(text).toContain('min-port=49160\nmax-port=49400\n');
  });
  it('allows loopback peers only when asked (tests)', () => {
    const cfg = loadConfig({ file: null, env: {}, overrides: { ...base, turn: { allowLoopbackPeers: true } } });
    const text = renderTurnConfig(cfg, '/r', { turnSecret: 's'.repeat(32), cliPassword: 'p'.repeat(16) }, cfg.tls);
    expect(text).toMatch(/^allow-loopback-peers$/m);
    expect(text).not.toContain('denied-peer-ip=127.0.0.0-127.255.255.255');
    expect(text).toContain('denied-peer-ip=192.168.0.0-192.168.255.255');
  });
  it('turnUrls lists udp, tcp and turns on the public host', () => {
    const cfg = loadConfig({ file: null, env: {}, overrides: base });
    expect(turnUrls(cfg)).toEqual([
      'turn:voice.example.org:3478?transport=udp',
      'turn:voice.example.org:3478?transport=tcp',
      'turns:voice.example.org:5349?transport=tcp',
    ]);
  });
});

describe('parseSessions', () => {
  it('reads id and user from coturn 4.6 "ps" output', () => {
    const out = '\r\n    1) id=001000000000000001, user <1795306400:201>:\r\n      realm: susurro.local\r\n      started 2 secs ago\r\n\r\n    2) id=002000000000000002, user <1795306400:202>:\r\n  Total sessions: 2\r\n\r\n';
    expect(parseSessions(out)).toEqual([
      { id: '001000000000000001', user: '201', username: '1795306400:201' },
      { id: '002000000000000002', user: '202', username: '1795306400:202' },
    ]);
    expect(parseSessions('  Total sessions: 0\r\n')).toEqual([]);
  });
});
