import { describe, it, expect } from 'vitest';
import { dialTarget } from '../../../softphone-web/src/app/dial-target.ts';
import { EXTENSION } from '../../../src/admin-api/routes/schemas.ts';
import { translator } from '../../../softphone-web/src/i18n/index.ts';

describe('dialTarget: the dial box accepts what the admin API accepts as an extension', () => {
  it('agrees with the admin API’s extension schema, input by input', () => {
    const adminAllows = new RegExp(EXTENSION.pattern);
    for (const input of ['20', '201', '12345678', '123456789', '2', 'abc', '20a', '２０１', '201 ', '-201', '20.1', '', '00']) {
      const r = dialTarget(input, null);
      expect(r.ok, JSON.stringify(input)).toBe(adminAllows.test(input.trim()));
    }
  });

  it('says why, in words, and refuses one’s own extension before dialling', () => {
    const t = translator('en');
    const why = (input: string) => {
      const r = dialTarget(input, '201');
      return r.ok ? 'ok' : t(r.error);
    };
    expect(why('abc')).toBe('An extension is made of digits only (for example 201); letters and other signs are not sent.');
    expect(why('2')).toBe('An extension has 2 to 8 digits.');
    expect(why('')).toBe('Type the extension you want to call.');
    expect(why(' 201 ')).toBe('You cannot call your own extension.');
    expect(dialTarget(' 202 ', '201')).toEqual({ ok: true, extension: '202' });
  });
});
