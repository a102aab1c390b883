import { describe, it, expect } from 'vitest';
import { MAX_MISSED_CALLS, MissedCallLog } from '../../../softphone-web/src/app/missed-calls.ts';
import { memoryStorage as storage } from './memory-storage.ts';

describe('MissedCallLog (this device only, per account)', () => {
  it('keeps notices per account, newest first, until dismissed', () => {
    const s = storage();
    const log = new MissedCallLog(s);
    log.add('201', { kind: 'missed', extension: '202', displayName: 'Bob', at: 1000 });
    const [busy] = log.add('201', { kind: 'busy', extension: '203', displayName: 'Carol', at: 2000 });
    log.add('202', { kind: 'missed', extension: '201', displayName: 'Alice', at: 3000 });
    expect(log.list('201').map((c) => c.displayName)).toEqual(['Carol', 'Bob']);
    expect(new MissedCallLog(s).list('201')).toHaveLength(2); // survives a reload
    expect(log.dismiss('201', busy!.id).map((c) => c.displayName)).toEqual(['Bob']);
    expect(log.list('202')).toHaveLength(1); // the other account's list is untouched
    log.dismiss('201', log.list('201')[0]!.id);
    expect(s.map.has('susurro.missed.201')).toBe(false);
  });

  it('is bounded, and a damaged entry is dropped rather than shown', () => {
    const s = storage();
    const log = new MissedCallLog(s);
    for (let i = 0; i < MAX_MISSED_CALLS + 5; i++) log.add('201', { kind: 'missed', extension: '202', displayName: 'Bob', at: i });
    expect(log.list('201')).toHaveLength(MAX_MISSED_CALLS);
    expect(log.list('201')[0]!.at).toBe(MAX_MISSED_CALLS + 4);
    s.setItem('susurro.missed.201', '{not json');
    expect(log.list('201')).toEqual([]);
    s.setItem('susurro.missed.201', JSON.stringify([{ id: 'x', kind: 'evil', extension: 1 }]));
    expect(log.list('201')).toEqual([]);
  });
});
