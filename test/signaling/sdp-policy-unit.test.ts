/**
 * Unit test of the media policy's SDP parser (kamailio-config/sdp-policy.lua) with Debian's
 * Lua 5.1 interpreter — the same Lua version app_lua embeds in Kamailio 5.6 — over the whole
 * table of test/support/sdp-cases.ts, with calls.requireSas on and off. The end-to-end test
 * (sdp-policy.test.ts) runs the same table through Kamailio.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KAMAILIO_TEMPLATE_DIR } from '../../src/signaling/render.ts';
import { sdpCases, verdict } from '../support/sdp-cases.ts';

/**
 * Reads "<byte length>\n<body>" frames from stdin, prints "<code>\t<reason>" per body.
 * REQUIRE_SAS is "default" (check(body): no options, must mean on), "on" or "off".
 */
const RUNNER = `
local policy = dofile(${JSON.stringify(join(KAMAILIO_TEMPLATE_DIR, 'sdp-policy.lua'))})
local mode = os.getenv("REQUIRE_SAS")
local opts = nil
if mode == "on" then opts = { require_sas = true } elseif mode == "off" then opts = { require_sas = false } end
while true do
  local len = io.read("*l")
  if not len then break end
  local body = io.read(tonumber(len)) or ""
  local code, reason = policy.check(body, opts)
  io.write((code or ""), "\\t", (reason or ""), "\\n")
end
`;

function runLua(bodies: string[], mode: 'default' | 'on' | 'off'): { code: string; reason: string }[] {
  const input = Buffer.concat(bodies.map((b) => {
    const bytes = Buffer.from(b);
    return Buffer.concat([Buffer.from(`${bytes.length}\n`), bytes]);
  }));
  const out = execFileSync('lua5.1', ['-e', RUNNER], { input, env: { ...process.env, REQUIRE_SAS: mode } }).toString();
  return out.split('\n').slice(0, -1).map((l) => {
    const [code = '', reason = ''] = l.split('\t');
    return { code, reason };
  });
}

describe('sdp-policy.lua (lua5.1)', () => {
  const cases = sdpCases();
  it('the table has at least 100 bodies, valid and invalid', () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
    expect(cases.filter((c) => c.expect === '').length).toBeGreaterThanOrEqual(25);
  });
  for (const mode of ['default', 'on', 'off'] as const) {
    const requireSas = mode !== 'off';
    it(`gives every body its expected verdict (requireSas ${mode})`, () => {
      const got = runLua(cases.map((c) => c.sdp), mode);
      expect(got).toHaveLength(cases.length);
      const mismatches = cases
        .map((c, i) => ({ name: c.name, expect: verdict(c, requireSas), got: got[i]?.code, reason: got[i]?.reason }))
        .filter((r) => r.expect !== r.got);
      expect(mismatches).toEqual([]);
      // a refusal always says why, an acceptance says nothing
      for (const [i, c] of cases.entries()) expect(Boolean(got[i]?.reason)).toBe(verdict(c, requireSas) !== '');
    });
  }
  it('the setting decides at least 8 bodies, and says so in words', () => {
    const differ = cases.filter((c) => verdict(c, true) !== verdict(c, false));
    expect(differ.length).toBeGreaterThanOrEqual(8);
    const got = runLua(differ.map((c) => c.sdp), 'on');
    for (const g of got) expect(g.reason).toBe('Not Acceptable Here: verified calls only: DTLS-SRTP media without ZRTP cannot show a security code');
  });
});
