/**
 * The error registry (src/zrtp/errors.ts) and its documentation (src/zrtp/ERRORS.md) agree, and
 * ZrtpError carries code, protocol code and cause.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ZRTP_ERROR_CODES, ProtocolErrorCode, ZrtpError, malformed } from '../../../src/zrtp/errors.ts';

const doc = readFileSync(fileURLToPath(new URL('../../../src/zrtp/ERRORS.md', import.meta.url)), 'utf8');
const source = readFileSync(fileURLToPath(new URL('../../../src/zrtp/errors.ts', import.meta.url)), 'utf8');

describe('ZRTP error registry', () => {
  it('every code is documented in ERRORS.md, and ERRORS.md lists no stale code', () => {
    const documented = new Set(doc.match(/SUSURRO_ZRTP_[A-Z_]+/g));
    expect([...documented].sort()).toEqual([...ZRTP_ERROR_CODES].sort());
  });

  it('the runtime list equals the ZrtpErrorCode type union', () => {
    const union = source.slice(source.indexOf('export type ZrtpErrorCode'), source.indexOf(';', source.indexOf('export type ZrtpErrorCode')));
    expect(union.match(/SUSURRO_ZRTP_[A-Z_]+/g)!.sort()).toEqual([...ZRTP_ERROR_CODES].sort());
    expect(new Set(ZRTP_ERROR_CODES).size).toBe(ZRTP_ERROR_CODES.length);
  });

  it('every §5.9 protocol code is documented with its value', () => {
    for (const [name, value] of Object.entries(ProtocolErrorCode)) {
      expect(doc).toMatch(new RegExp(`\\| ${name} \\| 0x${value.toString(16)} \\|`));
    }
    expect(ProtocolErrorCode.DhBadPv).toBe(0x61);
    expect(ProtocolErrorCode.GoClearNotAllowed).toBe(0x100);
  });

  it('ZrtpError has name, code, protocolCode and cause', () => {
    const cause = new Error('inner');
    const e = new ZrtpError('SUSURRO_ZRTP_BAD_MAC', 'x', { protocolCode: 0x70, cause });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('ZrtpError');
    expect(e.code).toBe('SUSURRO_ZRTP_BAD_MAC');
    expect(e.protocolCode).toBe(0x70);
    expect(e.cause).toBe(cause);
    expect(new ZrtpError('SUSURRO_ZRTP_TIMEOUT', 'y').protocolCode).toBeUndefined();
    expect(malformed('z')).toMatchObject({ code: 'SUSURRO_ZRTP_MALFORMED', protocolCode: 0x10 });
  });
});
