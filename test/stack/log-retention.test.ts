/** Log rotation and retention (docs/privacy.md) on real files, with an injected clock. */
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { rotateLogs } from '../../src/stack/log-retention.ts';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('rotateLogs', () => {
  it('copies and truncates each log daily and deletes copies older than the retention', () => {
    dir = mkdtempSync(join(tmpdir(), 'susurro-logs-'));
    const log = join(dir, 'kamailio.log');
    writeFileSync(log, 'day one 127.0.0.61\n');
    writeFileSync(join(dir, 'turnserver.conf'), 'not a log\n');
    expect(rotateLogs(dir, 7, new Date('2026-12-01T03:00:00Z'))).toEqual({ rotated: ['kamailio.log.2026-12-01'], deleted: [] });
    expect(readFileSync(log, 'utf8')).toBe('');
    expect(readFileSync(join(dir, 'kamailio.log.2026-12-01'), 'utf8')).toBe('day one 127.0.0.61\n');

    appendFileSync(log, 'same day again\n');
    expect(rotateLogs(dir, 7, new Date('2026-12-01T20:00:00Z')).rotated).toEqual(['kamailio.log.2026-12-01.1']);

    // Day 8 after the copy: 2026-12-01 is still within 7 days of 2026-12-08; on 12-09 it is not.
    expect(rotateLogs(dir, 7, new Date('2026-12-08T01:00:00Z'))).toEqual({ rotated: [], deleted: [] });
    appendFileSync(log, 'later\n');
    const r = rotateLogs(dir, 7, new Date('2026-12-09T01:00:00Z'));
    expect(r.rotated).toEqual(['kamailio.log.2026-12-09']);
    expect(r.deleted.sort()).toEqual(['kamailio.log.2026-12-01', 'kamailio.log.2026-12-01.1']);
    expect(readdirSync(dir).sort()).toEqual(['kamailio.log', 'kamailio.log.2026-12-09', 'turnserver.conf']);
  });
});

describe('logs.retentionDays', () => {
  it('defaults to 7 and refuses values outside 1..3650', () => {
    expect(loadConfig({ file: null, env: {}, overrides: {} }).logs?.retentionDays).toBe(7);
    expect(loadConfig({ file: null, env: {}, overrides: { logs: { retentionDays: 30 } } }).logs?.retentionDays).toBe(30);
    expect(() => loadConfig({ file: null, env: {}, overrides: { logs: { retentionDays: 0 } } })).toThrow(/logs.retentionDays/);
  });
});
