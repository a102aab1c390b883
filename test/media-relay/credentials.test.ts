import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_TURN_CREDENTIAL_TTL_SECONDS, TurnCredentialStore, turnAccountOf } from '../../src/media-relay/credential-store.ts';
import { turnUrls } from '../../src/media-relay/turn-urls.ts';
import { renderTurnConfig, DENIED_PEER_RANGES } from '../../src/media-relay/turn-config.ts';
import { parseSessions } from '../../src/media-relay/turn-cli.ts';
import { loadConfig } from '../../src/config/index.ts';

describe('TurnCredentialStore (coturn userdb, lt-cred-mech)', () => {
  const dirs: string[] = [];
  afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
  function store(now = () => 1_795_305_800_000) {
    const dir = mkdtempSync(join(tmpdir(), 'susurro-turncred-'));
    dirs.push(dir);
    return TurnCredentialStore.open(join(dir, 'secrets', 'turn-credentials.db'), 'example.org', { now });
  }
  const raw = (s: TurnCredentialStore, sql: string, ...args: SQLInputValue[]) => {
    const db = new DatabaseSync(s.file, { readOnly: true });
    try { return db.prepare(sql).all(...args); } finally { db.close(); }
  };

  it('stores the RFC 8489 §9.2.2 key of each issued credential, hex, in a 0600 file', () => {
    const s = store();
    const c = s.issue({ account: '201', ttlSeconds: 600 });
    expect(c.username).toMatch(/^201:[A-Za-z0-9_-]{16}$/);
    expect(c.credential).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(c).toMatchObject({ ttl: 600, expiresAt: 1_795_306_400 });
    // independent computation: printf '%s' "user:realm:pass" | md5sum
    const key = execFileSync('md5sum', { input: `${c.username}:example.org:${c.credential}` }).toString().split(' ')[0];
    expect(raw(s, 'SELECT realm, hmackey, account, scope, expires_at FROM susurro_turn_credential WHERE name = ?', c.username))
      .toEqual([{ realm: 'example.org', hmackey: key, account: '201', scope: 'default', expires_at: 1_795_306_400 }]);
    for (const f of [s.file, `${s.file}-wal`, `${s.file}-shm`]) expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(s.file)).mode & 0o777).toBe(0o700);
    expect(turnAccountOf(c.username)).toBe('201');
    s.close();
  });

  it('coturn reads through the view turnusers_lt, which shows only unexpired rows', () => {
    const s = store(() => Date.now());
    const live = s.issue({ account: '201', ttlSeconds: 600 });
    const past = TurnCredentialStore.open(s.file, 'example.org', { now: () => Date.now() - 3_600_000 });
    const dead = past.issue({ account: '201', ttlSeconds: 600 });
    expect(raw(s, 'SELECT name FROM turnusers_lt')).toEqual([{ name: live.username }]);
    expect(raw(s, "SELECT type FROM sqlite_master WHERE name = 'turnusers_lt'")).toEqual([{ type: 'view' }]);
    expect(s.sweepExpired()).toEqual([dead.username]);
    expect(s.count()).toBe(1);
    past.close();
    s.close();
  });

  it('revokes every credential of an account, or one scope only', () => {
    const s = store();
    const a = s.issue({ account: '201', ttlSeconds: 60, scope: 'softphone' });
    const b = s.issue({ account: '201', ttlSeconds: 60, scope: 'device:7' });
    const other = s.issue({ account: '2010', ttlSeconds: 60 });
    expect(s.revoke({ account: '201', scope: 'device:7' })).toEqual([b.username]);
    expect(s.revoke({ account: '201' })).toEqual([a.username]);
    expect(raw(s, 'SELECT name FROM susurro_turn_credential')).toEqual([{ name: other.username }]);
    s.close();
  });

  it('replaces a plain turnusers_lt table a coturn created before the store', () => {
    const dir = mkdtempSync(join(tmpdir(), 'susurro-turncred-'));
    dirs.push(dir);
    const file = join(dir, 'db');
    const db = new DatabaseSync(file);
    db.exec("CREATE TABLE turnusers_lt (realm varchar(127) default '', name varchar(512), hmackey char(128), primary key (realm,name)); INSERT INTO turnusers_lt VALUES ('example.org', 'intruder', 'aa')");
    db.close();
    const s = TurnCredentialStore.open(file, 'example.org');
    expect(raw(s, 'SELECT name FROM turnusers_lt')).toEqual([]);
    s.close();
  });

  it('validates its inputs', () => {
    const s = store();
    expect(() => s.issue({ account: 'a:b', ttlSeconds: 600 })).toThrow(TypeError);
    expect(() => s.issue({ account: '', ttlSeconds: 600 })).toThrow(TypeError);
    expect(() => s.issue({ account: 'a', ttlSeconds: 600, scope: 'x y' })).toThrow(TypeError);
    expect(() => s.issue({ account: 'a', ttlSeconds: 0 })).toThrow(RangeError);
    expect(() => s.issue({ account: 'a', ttlSeconds: 1.5 })).toThrow(RangeError);
    expect(() => s.issue({ account: 'a', ttlSeconds: MAX_TURN_CREDENTIAL_TTL_SECONDS + 1 })).toThrow(RangeError);
    expect(() => s.revoke({ account: '' })).toThrow(TypeError);
    s.close();
  });
});

describe('turn config rendering', () => {
  const base = { dataDir: '/srv/susurro', domain: 'example.org', publicHost: 'voice.example.org' };
  it('denies private, loopback and special peer ranges by default', () => {
    const cfg = loadConfig({ file: null, env: {}, overrides: base });
    const text = renderTurnConfig(cfg, '/srv/susurro/run', { cliPassword: 'p'.repeat(16) }, cfg.tls);
    for (const r of DENIED_PEER_RANGES) expect(text).toContain(`denied-peer-ip=${r}\n`);
    expect(text).toContain('denied-peer-ip=10.0.0.0-10.255.255.255');
    expect(text).toContain('denied-peer-ip=127.0.0.0-127.255.255.255');
    expect(text).not.toMatch(/^allow-loopback-peers/m);
    expect(text).toMatch(/^lt-cred-mech$/m);
    expect(text).not.toMatch(/auth-secret/);
    expect(text).toContain('userdb=/srv/susurro/secrets/turn-credentials.db\n');
    expect(text).toContain('realm=example.org\n');
    expect(text).toContain('cli-ip=127.0.0.1\n');
    expect(text).toContain('min-port=49152\nmax-port=51151\n');
    expect(text).toContain('user-quota=12\ntotal-quota=2000\n');
  });
  const render = (overrides: Record<string, unknown>) => {
    const cfg = loadConfig({ file: null, env: {}, overrides: { dataDir: '/srv/susurro', ...overrides } });
    return renderTurnConfig(cfg, '/r', { cliPassword: 'p'.repeat(16) }, cfg.tls);
  };
  it('TURN quotas and the relay range come from the configuration', () => {
    const text = render({ turn: { userQuota: 4, totalQuota: 900 }, ports: { relayMin: 40000, relayMax: 40999 } });
    expect(text).toContain('min-port=40000\nmax-port=40999\n');
    expect(text).toMatch(/^user-quota=4$/m);
    expect(text).toMatch(/^total-quota=900$/m);
  });
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
    const out = '\r\n    1) id=001000000000000001, user <201:q9Xr2mKd0aZt7LbC>:\r\n      realm: susurro.local\r\n      started 2 secs ago\r\n\r\n    2) id=002000000000000002, user <202:Zz0-_aaaaaaaaaaa>:\r\n  Total sessions: 2\r\n\r\n';
    expect(parseSessions(out)).toEqual([
      { id: '001000000000000001', user: '201', username: '201:q9Xr2mKd0aZt7LbC' },
      { id: '002000000000000002', user: '202', username: '202:Zz0-_aaaaaaaaaaa' },
    ]);
    expect(parseSessions('  Total sessions: 0\r\n')).toEqual([]);
  });
});
