import { describe, expect, it } from 'vitest';
import { nativePhoneHostProblems, nativePhoneHostWarning } from '../../src/provisioning/host-check.ts';
import { loadConfig } from '../../src/config/index.ts';

describe('npm start warning for native phones (issue 16)', () => {
  it('warns for the default configuration (127.0.0.1, susurro.local) and names the fix', () => {
    const c = loadConfig({ env: {}, file: null, overrides: {} });
    const w = nativePhoneHostWarning(c);
    expect(w[0]).toMatch(/native phones \(Linphone\) will not connect/);
    expect(w.join('\n')).toContain('publicHost "127.0.0.1" is an IP address');
    expect(w.join('\n')).toContain('domain "susurro.local" is a reserved name');
    expect(w.join('\n')).toContain('docs/native-phones.md');
  });
  it.each([
    ['::1', 'sip.example.org', /IP address/],
    ['localhost', 'sip.example.org', /single-label/],
    ['sip.example.org', 'office', /single-label/],
    ['voice.test', 'sip.example.org', /reserved/],
  ])('publicHost %s, domain %s: one problem', (publicHost, domain, re) => {
    const p = nativePhoneHostProblems({ publicHost, domain });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(re);
  });
  it('positive control: DNS names of a real zone give no warning', () => {
    expect(nativePhoneHostWarning({ publicHost: 'voice.ngo.org', domain: 'ngo.org' })).toEqual([]);
  });
});
