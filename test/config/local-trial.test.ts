import { describe, expect, it } from 'vitest';
import { isLoopbackHost, loadConfig, localTrial } from '../../src/config/index.ts';

const mode = (overrides: Record<string, unknown>) => localTrial(loadConfig({ file: null, env: {}, overrides: { dataDir: '/srv/s', ...overrides } }));

describe('local trial mode (derived from publicHost and listen.address)', () => {
  it('is on with the defaults, and says so', () => {
    const m = mode({});
    expect(m.on).toBe(true);
    expect(m.explanation).toMatch(/^on: public host 127\.0\.0\.1 is loopback/);
  });

  it.each([
    ['localhost', '127.0.0.1'], ['127.0.0.1', '127.0.0.1'], ['127.1.2.3', '127.0.0.1'], ['::1', '::1'], ['LOCALHOST', '::1'],
  ])('is on for public host %s on listener %s', (publicHost, address) => {
    expect(mode({ publicHost, listen: { address } }).on).toBe(true);
  });

  it.each([
    ['voice.example.org', '127.0.0.1'], ['voice.example.org', '0.0.0.0'], ['192.168.1.10', '192.168.1.10'],
    ['10.0.0.5', '127.0.0.1'], ['localhost.example.org', '127.0.0.1'], ['127.0.0.1.nip.io', '127.0.0.1'],
  ])('is off for public host %s on listener %s', (publicHost, address) => {
    const m = mode({ publicHost, listen: { address } });
    expect(m.on).toBe(false);
    expect(m.explanation).toMatch(/^off: public host .* coturn denies loopback and private peers$/);
  });

  it('is off, with a warning that calls will fail, for a loopback public host on a reachable listener', () => {
    for (const address of ['0.0.0.0', '::', '192.168.1.10']) {
      const m = mode({ listen: { address } });
      expect(m.on).toBe(false);
      expect(m.explanation).toContain(`listen.address ${address} is reachable from other machines`);
      expect(m.explanation).toContain('calls will fail');
    }
  });

  it('isLoopbackHost knows 127.0.0.0/8, ::1 and localhost only', () => {
    expect(['127.0.0.1', '127.255.255.254', '::1', 'localhost'].map(isLoopbackHost)).toEqual([true, true, true, true]);
    expect(['128.0.0.1', '0.0.0.0', '::', '::ffff:127.0.0.1', '127.0.0', 'mylocalhost'].map(isLoopbackHost)).toEqual([false, false, false, false, false, false]);
  });
});
