/**
 * The media policy through the real Kamailio (issue #13 item 2): every body of
 * test/support/sdp-cases.ts, as an offer or answer in every message that can carry SDP —
 * INVITE, 18x, 2xx to INVITE, re-INVITE, 2xx to re-INVITE, UPDATE, 2xx to UPDATE, PRACK, 2xx to
 * PRACK, 2xx to an early UPDATE, ACK —
 * between two scripted SIP/TLS UAs. A refused body gets its status (400/488) or, for a reply
 * or an ACK, the call torn down (callee: CANCEL, or ACK + BYE; caller: 488 and BYE), and the
 * recording UA on the other side never sees it. The positive control runs the observed
 * bypasses against a copy of the config without the policy calls and sees them arrive.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KAMAILIO_TEMPLATE_DIR } from '../../src/signaling/render.ts';
import { sdpCases, sdpCasesNoSas, webrtcWithoutZrtp } from '../support/sdp-cases.ts';
import type { RawSipConnection } from '../support/sip-client.ts';
import { header } from '../support/sip-client.ts';
import { isReq } from '../support/sip-dialog.ts';
import {
  DIRECTIONS, VALID_OFFER, calleeGets, established, refusedBodiesSeen, runTable, startRig, stopRig, type Direction, type Rig,
} from '../support/sdp-policy-rig.ts';

const crlfJoin = (lines: string[]) => lines.join('\r\n') + '\r\n';

describe('media policy through Kamailio: every SDP case in every direction', () => {
  let r: Rig | undefined;
  beforeAll(async () => { r = await startRig(); }, 60_000);
  afterAll(async () => { await stopRig(r); });
  const cases = sdpCases();

  for (const [direction, run] of Object.entries(DIRECTIONS)) {
    it(`${direction}: ${cases.length} bodies`, async () => {
      const rig = r as Rig;
      for (const c of cases) {
        try {
          await run(rig, c);
        } catch (err) {
          const tail = (conn: RawSipConnection) => conn.log.slice(-4).map((m) => m.raw.split('\r\n\r\n')[0]).join('\n--\n');
          throw new Error(`${direction} / ${c.name} (expected ${c.expect || 'accepted'}): ${(err as Error).message}\n` +
            `caller saw (last 4):\n${tail(rig.callerConn)}\ncallee saw (last 4):\n${tail(rig.calleeConn)}\n` +
            `kamailio.log:\n${readFileSync(join(rig.t.config.dataDir, 'run', 'kamailio.log'), 'utf8').split('\n').slice(-12).join('\n')}`);
        }
      }
      // the recording UAs: no refused body reached the callee (offers) or the caller (answers)
      expect(refusedBodiesSeen(rig.calleeConn, cases)).toEqual([]);
      expect(refusedBodiesSeen(rig.callerConn, cases)).toEqual([]);
    }, 120_000);
  }
});

describe('calls.requireSas off: DTLS-SRTP without a=zrtp-hash passes, everything else as before', () => {
  let r: Rig | undefined;
  beforeAll(async () => { r = await startRig({ requireSas: false }); }, 60_000);
  afterAll(async () => { await stopRig(r); });
  const cases = sdpCasesNoSas();
  for (const direction of ['INVITE offer', '2xx answer to INVITE', '2xx answer to re-INVITE', 'UPDATE offer']) {
    it(`${direction}: ${cases.length} bodies`, async () => {
      const rig = r as Rig;
      await runTable(rig, direction, cases, 'requireSas off');
      // the DTLS-only bodies did reach the other side (the setting really is off)
      const plainWebrtc = crlfJoin(webrtcWithoutZrtp(direction.includes('answer') ? 'active' : 'actpass'));
      const victim = direction.includes('answer') ? rig.callerConn : rig.calleeConn;
      expect(victim.log.some((m) => m.body === plainWebrtc)).toBe(true);
    }, 120_000);
  }
});

describe('calls.requireSas on (default): the refusal says why, offers and answers', () => {
  let r: Rig | undefined;
  beforeAll(async () => { r = await startRig(); }, 60_000);
  afterAll(async () => { await stopRig(r); });
  const SAS_REASON = 'Not Acceptable Here: verified calls only: DTLS-SRTP media without ZRTP cannot show a security code';

  it('a DTLS-only offer gets 488 with the reason, and never reaches the callee', async () => {
    const rig = r as Rig;
    const d = rig.caller.dialog('302');
    await d.invite(crlfJoin(webrtcWithoutZrtp()));
    const resp = await d.next('INVITE', 200);
    expect([resp.status, resp.reason]).toEqual([488, SAS_REASON]);
    d.ackNegative();
    await expect(rig.calleeConn.waitFor(isReq('INVITE', d.callId), 300)).rejects.toThrow(/no matching/);
  });

  it('a DTLS-only 2xx answer to the softphone\'s ZRTP offer: the caller gets 488 with the reason, the callee ACK + BYE', async () => {
    const rig = r as Rig;
    const d = rig.caller.dialog('302');
    await d.invite(VALID_OFFER);
    const inv = await calleeGets(rig, 'INVITE', d);
    const answer = crlfJoin(webrtcWithoutZrtp('active'));
    rig.callee.reply(inv, 200, 'OK', answer);
    const resp = await d.next('INVITE', 200);
    expect([resp.status, resp.reason]).toEqual([488, SAS_REASON]);
    d.ackNegative();
    await calleeGets(rig, 'ACK', d);
    rig.callee.reply(await calleeGets(rig, 'BYE', d), 200, 'OK');
    expect(rig.callerConn.log.some((m) => m.body === answer)).toBe(false);
  });
});

describe('bodies that would hide an SDP from the parser, and late offers', () => {
  let r: Rig | undefined;
  beforeAll(async () => { r = await startRig(); }, 60_000);
  afterAll(async () => { await stopRig(r); });
  const plaintext = sdpCases().find((c) => c.name === 'plaintext RTP/AVP answer without fingerprint')?.sdp ?? '';
  const multipart = (sdp: string) => `--b1\r\nContent-Type: application/sdp\r\n\r\n${sdp}\r\n--b1--\r\n`;
  const hidden = () => (r as Rig).calleeConn.log.concat((r as Rig).callerConn.log).filter((m) => m.body.includes('m=audio 40000 RTP/AVP 0 8'));

  it('an INVITE with a multipart body, or with Content-Encoding, gets 415 and reaches nobody', async () => {
    const rig = r as Rig;
    for (const [body, extra, type] of [
      [multipart(plaintext), [], 'multipart/mixed;boundary=b1'],
      [plaintext, ['Content-Encoding: gzip'], 'application/sdp'],
    ] as const) {
      const d = rig.caller.dialog('302');
      await d.invite(body, [...extra], type);
      const resp = await d.next('INVITE', 200);
      expect(resp.status).toBe(415);
      expect(header(resp, 'accept')).toBe('application/sdp');
      d.ackNegative();
    }
    expect(hidden()).toEqual([]);
  });

  it('a 2xx with a multipart answer is replaced by 488; the callee gets ACK and BYE', async () => {
    const rig = r as Rig;
    const d = rig.caller.dialog('302');
    await d.invite(VALID_OFFER);
    const inv = await calleeGets(rig, 'INVITE', d);
    rig.callee.reply(inv, 200, 'OK', multipart(plaintext), [], 'multipart/mixed;boundary=b1');
    expect((await d.next('INVITE', 200)).status).toBe(488);
    d.ackNegative();
    await calleeGets(rig, 'ACK', d);
    rig.callee.reply(await calleeGets(rig, 'BYE', d), 200, 'OK');
    expect(hidden()).toEqual([]);
  });

  it('a re-INVITE without SDP (offer in the 2xx, answer in the ACK) gets 488 and reaches nobody', async () => {
    const rig = r as Rig;
    const d = await established(rig);
    d.request('INVITE');
    expect((await d.next('INVITE', 200)).status).toBe(488);
    await expect(rig.calleeConn.waitFor(isReq('INVITE', d.callId), 300)).rejects.toThrow(/no matching/);
  });
});

describe('a callee over WSS (the web softphone\'s transport) answering with every SDP case', () => {
  let r: Rig | undefined;
  beforeAll(async () => { r = await startRig({ calleeOverWss: true }); }, 60_000);
  afterAll(async () => { await stopRig(r); });
  const cases = sdpCases();
  for (const direction of ['18x answer', '2xx answer to INVITE', '2xx answer to re-INVITE', '2xx answer to UPDATE', '2xx answer to PRACK', 'ACK']) {
    it(`${direction}: ${cases.length} bodies`, async () => {
      await runTable(r as Rig, direction, cases, 'WSS callee');
    }, 120_000);
  }
});

describe('positive control: the same attacks against a config without the policy calls', () => {
  let r: Rig | undefined;
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'susurro-weak-cfg-'));
    cpSync(KAMAILIO_TEMPLATE_DIR, dir, { recursive: true });
    const cfg = join(dir, 'kamailio.cfg');
    const weakened = readFileSync(cfg, 'utf8').replace(/^\s*route\((MEDIAPOLICY|SDPCHECK|SDPREPLY)\);\s*$/gm, '');
    expect(weakened).not.toMatch(/route\((MEDIAPOLICY|SDPCHECK|SDPREPLY)\);/);
    writeFileSync(cfg, weakened);
    r = await startRig({ kamailioTemplateDir: dir });
  }, 60_000);
  afterAll(async () => {
    await stopRig(r);
    rmSync(dir, { recursive: true, force: true });
  });

  const bypasses = sdpCases().filter((c) => c.expect !== '').slice(0, 12);
  for (const direction of ['INVITE offer', '2xx answer to INVITE', 'UPDATE offer', 'ACK']) {
    it(`${direction}: the refused bodies reach the other party when the policy is off`, async () => {
      const rig = r as Rig;
      for (const c of bypasses) {
        // run the accepted path: the weakened proxy relays the body like a valid one
        await (DIRECTIONS[direction] as Direction)(rig, { ...c, expect: '' });
      }
      const victim = direction.includes('answer') ? rig.callerConn : rig.calleeConn;
      expect(refusedBodiesSeen(victim, bypasses).length).toBeGreaterThanOrEqual(bypasses.length);
    }, 60_000);
  }
});
