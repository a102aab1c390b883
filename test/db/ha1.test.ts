import { describe, expect, it } from 'vitest';
import { ha1, ha1b } from '../../src/db/ha1.ts';

describe('ha1 / ha1b (digest A1, what Kamailio auth_db stores)', () => {
  it('matches RFC 2617 §3.5 example: HA1 of Mufasa / testrealm@host.com / "Circle Of Life"', () => {
    expect(ha1('Mufasa', 'testrealm@host.com', 'Circle Of Life')).toBe('939e7578ed9e3c518a452acee763bce9');
  });
  it('ha1b is MD5("user@realm:realm:password") (known answers from coreutils md5sum)', () => {
    // printf '201@susurro.local:susurro.local:secret' | md5sum
    expect(ha1b('201', 'susurro.local', 'secret')).toBe('f5f7300dad54be0207c08700bbb3a160');
    // printf '201:susurro.local:secret' | md5sum
    expect(ha1('201', 'susurro.local', 'secret')).toBe('8783d59dac0867f3dac65efbfd33378f');
  });
  it('refuses non-strings, empty names and ":" inside user or realm', () => {
    expect(() => ha1(1 as unknown as string, 'r', 'p')).toThrow(TypeError);
    expect(() => ha1('', 'r', 'p')).toThrow(RangeError);
    expect(() => ha1('a:b', 'r', 'p')).toThrow(RangeError);
    expect(() => ha1b('a', 'r:x', 'p')).toThrow(RangeError);
  });
});
