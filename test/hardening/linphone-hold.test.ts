/**
 * Issue #16 "Hang-up and hold are broken", with the real phone: two Debian linphonec
 * (liblinphone 5.1, mandatory ZRTP) registered over SIP/TLS through the real Kamailio call each
 * other, hold and resume from both sides, and hang up from either side. Before the in-dialog
 * routing fix every request relayed to them carried the WSS port in its Via, so Linphone's
 * answers failed ("Cannot connect"), BYE and hold got 408 after ~32 s. Here every step must
 * complete within seconds, and neither phone's log may show a failed connect or a 408.
 *
 * The phones (test/support/linphone.ts) reach the proxy as "localhost" and verify its
 * certificate against the stack's CA. The test writes their linphonerc itself (provisioning is
 * another part of issue #16).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountRow } from '../../src/db/index.ts';
import { linphoneState, startLinphone, type Linphone } from '../support/linphone.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

let t: TestStack;
const phones: Linphone[] = [];
const pw = (ext: string) => `linphone-${ext}-secret`;

async function startPhone(ext: string): Promise<Linphone> {
  const phone = await startLinphone(t, ext, pw(ext));
  phones.push(phone);
  return phone;
}

beforeAll(async () => {
  t = await startTestStack();
  for (const ext of ['601', '602']) {
    await createAccountRow(t.stack.db, { extension: ext, username: `l${ext}`, displayName: `L${ext}`, password: pw(ext), domain: t.config.domain });
  }
}, 60_000);
afterAll(async () => {
  for (const p of phones) await p.quit();
  await t?.stop();
});

const state = linphoneState;

describe('two linphonec over SIP/TLS', () => {
  it('register, call with ZRTP, hold/resume by either side, hang up by either side: every step answered, no 408, no failed connect', async () => {
    const a = await startPhone('601');
    const b = await startPhone('602');
    await a.until(/to \[LinphoneRegistrationOk\]/);
    await b.until(/to \[LinphoneRegistrationOk\]/);

    for (const hangsUp of [a, b]) {
      const [fromA, fromB] = [a.logText().length, b.logText().length];
      a.cmd(`call sip:602@${t.config.domain}`);
      await b.until(state('IncomingReceived'), fromB);
      b.cmd('answer');
      await a.until(state('StreamsRunning'), fromA);
      await b.until(state('StreamsRunning'), fromB);
      await a.until(/ZRTP secrets on: SAS is \w+/, fromA);

      for (const [holder, other] of [[b, a], [a, b]] as const) {
        const [h0, o0] = [holder.logText().length, other.logText().length];
        holder.cmd('pause');
        await holder.until(state('Paused'), h0, 5_000);
        await other.until(state('PausedByRemote'), o0, 5_000);
        holder.cmd('resume');
        await holder.until(state('StreamsRunning'), h0, 5_000);
        await other.until(state('StreamsRunning'), o0, 5_000);
      }

      const other = hangsUp === a ? b : a;
      const [h0, o0] = [hangsUp.logText().length, other.logText().length];
      hangsUp.cmd('terminate');
      await hangsUp.until(state('Released'), h0, 5_000);
      await other.until(state('End'), o0, 5_000);
    }
    // the two phones showed the same SAS in each call
    const sas = (p: Linphone) => [...p.logText().matchAll(/ZRTP secrets on: SAS is (\w+)/g)].map((m) => m[1]);
    expect(new Set(sas(a)).size).toBe(2);
    expect(new Set(sas(b))).toEqual(new Set(sas(a)));
    for (const p of [a, b]) {
      expect(p.logText(), `linphonec ${p.ext}`).not.toMatch(/Cannot connect|SIP\/2\.0 408|Request Timeout/);
    }
  });
});
