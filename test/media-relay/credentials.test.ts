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
  const render = (overrides: Record<string, unknown>) => {
    const cfg = loadConfig({ file: null, env: {}, overrides: { dataDir: '/srv/susurro', ...overrides } });
    return renderTurnConfig(cfg, '/r', { turnSecret: 's'.repeat(32), cliPassword: 'p'.repeat(16) }, cfg.tls);
  };
  it('local trial (the defaults: loopback public host and listen address) opens the relay address only, no TCP relays', () => {
    const text = render({});
    expect(text).toMatch(/^allow-loopback-peers$/m);
    expect(text).toMatch(/^allowed-peer-ip=127\.0\.0\.1$/m);
    expect(text.match(/^allowed-peer-ip=.*$/gm)).toEqual(['allowed-peer-ip=127.0.0.1']);
    expect(text).toMatch(/^no-tcp-relay$/m);
    // every denied range is still listed, loopback included (the relay address is the one exception)
    for (const r of DENIED_PEER_RANGES) expect(text).toContain(`denied-peer-ip=${r}\n`);
    expect(render({ publicHost: 'localhost' })).toMatch(/^allow-loopback-peers$/m);
    const v6 = render({ publicHost: '::1', listen: { address: '::1' } });
    expect(v6.match(/^allowed-peer-ip=.*$/gm)).toEqual(['allowed-peer-ip=::1']);
  });
  it.each([
    ['a real host name', { publicHost: 'voice.example.org', listen: { address: '0.0.0.0' } }],
    ['a real host name on a loopback listener', { publicHost: 'voice.example.org' }],
    ['a loopback public host on a reachable listener', { listen: { address: '0.0.0.0' } }],
    ['a private public address', { publicHost: '192.168.1.10', listen: { address: '192.168.1.10' } }],
  ])('outside local trial (%s) loopback stays denied', (_what, overrides) => {
    const text = render(overrides);
    expect(text).not.toMatch(/allow-loopback-peers/);
    expect(text).not.toMatch(/^allowed-peer-ip=(127\.|::1$)/m);
    for (const r of DENIED_PEER_RANGES) expect(text).toContain(`denied-peer-ip=${r}\n`);
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
