import { describe, it, expect } from 'vitest';
import { matchesQuery } from '../../../softphone-web/src/ui/home-screen.ts';
import { formatDuration, } from '../../../softphone-web/src/ui/dom.ts';

describe('directory search', () => {
  const c = { extension: '203', displayName: 'Carol Ibáñez' };
  it('matches name or extension, ignoring case and accents', () => {
    expect(matchesQuery(c, 'ibanez')).toBe(true);
    expect(matchesQuery(c, 'IBÁÑ')).toBe(true);
    expect(matchesQuery(c, '20')).toBe(true);
    expect(matchesQuery(c, '  ')).toBe(true);
    expect(matchesQuery(c, 'bob')).toBe(false);
  });
  it('formats the call timer', () => {
    expect(formatDuration(0)).toBe('00:00');
    expect(formatDuration(61_999)).toBe('01:01');
    expect(formatDuration(-5)).toBe('00:00');
  });
});
