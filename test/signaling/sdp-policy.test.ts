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
import { createAccountRow } from '../../src/db/index.ts';
import { KAMAILIO_TEMPLATE_DIR } from '../../src/signaling/render.ts';
import { chromiumOffer, sdpCases, type SdpCase } from '../support/sdp-cases.ts';
import { RawSipConnection, header, rawRegister, type SipMessage } from '../support/sip-client.ts';
import { Callee, Caller, isReq, type CallerDialog } from '../support/sip-dialog.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const VALID_OFFER = chromiumOffer().join('\r\n') + '\r\n';
const VALID_ANSWER = chromiumOffer('active').join('\r\n') + '\r\n';

interface Rig {
  t: TestStack;
  callerConn: RawSipConnection;
  calleeConn: RawSipConnection;
  caller: Caller;
  callee: Callee;
  /** The caller answering requests the proxy sends it (BYE after a refusal). */
  callerAsUas: Callee;
  live: CallerDialog | null;
}

async function startRig(opts: { kamailioTemplateDir?: string; calleeOverWss?: boolean } = {}): Promise<Rig> {
  const t = await startTestStack({}, opts.kamailioTemplateDir ? { kamailioTemplateDir: opts.kamailioTemplateDir } : {});
  const domain = t.config.domain;
  for (const [ext, password] of [['301', 'caller-secret-301'], ['302', 'callee-secret-302']] as const) {
    await createAccountRow(t.stack.db, { extension: ext, username: `u${ext}`, displayName: ext, password, domain });
  }
  const open = () => RawSipConnection.openTls({ host: '127.0.0.1', port: t.config.ports.sipTls, ca: t.caPem });
  const callerConn = await open();
  const calleeConn = opts.calleeOverWss
    ? await RawSipConnection.openWss({ url: t.stack.urls.wss, ca: t.caPem, origin: `https://127.0.0.1:${t.config.ports.admin}` })
    : await open();
  expect((await rawRegister(callerConn, { ext: '301', domain, password: 'caller-secret-301' })).status).toBe(200);
  expect((await rawRegister(calleeConn, { ext: '302', domain, password: 'callee-secret-302' })).status).toBe(200);
  return {
    t, callerConn, calleeConn, caller: new Caller(callerConn, '301', 'caller-secret-301', domain),
    callee: new Callee(calleeConn, '302'), callerAsUas: new Callee(callerConn, '301'), live: null,
  };
}

async function stopRig(r: Rig | undefined) {
  r?.callerConn.close();
  r?.calleeConn.close();
  await r?.t.stop();
}

const calleeGets = (r: Rig, method: string, d: CallerDialog, ms = 3_000) => r.calleeConn.waitFor(isReq(method, d.callId), ms);

/** INVITE → 200 → ACK with valid SDP: an established dialog for the in-dialog directions. */
async function established(r: Rig): Promise<CallerDialog> {
  if (r.live) return r.live;
  const d = r.caller.dialog('302');
  await d.invite(VALID_OFFER);
  const inv = await calleeGets(r, 'INVITE', d);
  r.callee.reply(inv, 200, 'OK', VALID_ANSWER);
  const ok = await d.next('INVITE', 200);
  expect(ok.status).toBe(200);
  d.learn(ok);
  d.request('ACK');
  await calleeGets(r, 'ACK', d);
  r.live = d;
  return d;
}

/** After a refused reply or ACK in a dialog: both sides get BYE; they answer it. */
async function bothByed(r: Rig, d: CallerDialog, calleeAck: boolean) {
  if (calleeAck) await calleeGets(r, 'ACK', d);
  const bye = await calleeGets(r, 'BYE', d);
  r.callee.reply(bye, 200, 'OK');
  const byeToCaller = await r.callerConn.waitFor(isReq('BYE', d.callId));
  r.callerAsUas.reply(byeToCaller, 200, 'OK');
  r.live = null;
}

/** INVITE with 100rel → 100, reliable 183 with a valid answer (RFC 3262): an early dialog. */
async function earlyReliable(r: Rig): Promise<{ d: CallerDialog; inv: SipMessage }> {
  const d = r.caller.dialog('302');
  await d.invite(VALID_OFFER, ['Supported: 100rel']);
  const inv = await calleeGets(r, 'INVITE', d);
  r.callee.reply(inv, 100, 'Trying');
  r.callee.reply(inv, 183, 'Session Progress', VALID_ANSWER, ['Require: 100rel', 'RSeq: 1']);
  d.learn(await d.next('INVITE', 183, 183));
  return { d, inv };
}

/** The callee declines the early call; the caller sees 486 and ACKs it. */
async function busy(r: Rig, d: CallerDialog, inv: SipMessage) {
  r.callee.reply(inv, 486, 'Busy Here');
  expect((await d.next('INVITE', 200)).status).toBe(486);
  d.ackNegative();
}

/** A 2xx answer to PRACK/UPDATE in an early dialog: relayed, or 488 + the INVITE CANCELled. */
async function earlyAnswerOutcome(r: Rig, c: SdpCase, d: CallerDialog, inv: SipMessage, method: string) {
  if (c.expect === '') {
    expect((await d.next(method, 200)).body).toBe(c.sdp);
    await busy(r, d, inv);
    return;
  }
  expect((await d.next(method, 200)).status).toBe(488);
  const cancel = await calleeGets(r, 'CANCEL', d);
  r.callee.reply(cancel, 200, 'OK');
  r.callee.reply(inv, 487, 'Request Terminated');
  expect((await d.next('INVITE', 200)).status).toBe(487);
  d.ackNegative();
}

type Direction = (r: Rig, c: SdpCase) => Promise<void>;
const refusedStatus = (c: SdpCase) => Number(c.expect);

/** Each direction: the case's body placed in one message; asserts relay or refusal. */
export const DIRECTIONS: Record<string, Direction> = {
  async 'INVITE offer'(r, c) {
    const d = r.caller.dialog('302');
    await d.invite(c.sdp);
    if (c.expect === '') {
      const inv = await calleeGets(r, 'INVITE', d);
      expect(inv.body).toBe(c.sdp);
      r.callee.reply(inv, 486, 'Busy Here');
      expect((await d.next('INVITE', 200)).status).toBe(486);
    } else {
      expect((await d.next('INVITE', 200)).status).toBe(refusedStatus(c));
    }
    d.ackNegative();
  },
  async '18x answer'(r, c) {
    const d = r.caller.dialog('302');
    await d.invite(VALID_OFFER);
    const inv = await calleeGets(r, 'INVITE', d);
    r.callee.reply(inv, 100, 'Trying');
    r.callee.reply(inv, 183, 'Session Progress', c.sdp);
    if (c.expect === '') {
      expect((await d.next('INVITE', 183, 183)).body).toBe(c.sdp);
      r.callee.reply(inv, 486, 'Busy Here');
      expect((await d.next('INVITE', 200)).status).toBe(486);
    } else {
      expect((await d.next('INVITE', 200)).status).toBe(488);
      const cancel = await calleeGets(r, 'CANCEL', d);
      r.callee.reply(cancel, 200, 'OK');
      r.callee.reply(inv, 487, 'Request Terminated');
    }
    d.ackNegative();
  },
  async '2xx answer to INVITE'(r, c) {
    const d = r.caller.dialog('302');
    await d.invite(VALID_OFFER);
    const inv = await calleeGets(r, 'INVITE', d);
    r.callee.reply(inv, 200, 'OK', c.sdp);
    if (c.expect === '') {
      const ok = await d.next('INVITE', 200);
      expect(ok.body).toBe(c.sdp);
      d.learn(ok);
      d.request('ACK');
      await calleeGets(r, 'ACK', d);
      d.request('BYE');
      r.callee.reply(await calleeGets(r, 'BYE', d), 200, 'OK');
      expect((await d.next('BYE', 200)).status).toBe(200);
    } else {
      expect((await d.next('INVITE', 200)).status).toBe(488);
      d.ackNegative();
      // RFC 3261 §13.2.2.4 + §15: the proxy ACKs the callee's 2xx and ends its dialog
      await calleeGets(r, 'ACK', d);
      r.callee.reply(await calleeGets(r, 'BYE', d), 200, 'OK');
    }
  },
  async 're-INVITE offer'(r, c) {
    const d = await established(r);
    d.request('INVITE', c.sdp);
    if (c.expect === '') {
      const reinv = await calleeGets(r, 'INVITE', d);
      expect(reinv.body).toBe(c.sdp);
      r.callee.reply(reinv, 200, 'OK', VALID_ANSWER);
      expect((await d.next('INVITE', 200)).status).toBe(200);
      d.request('ACK');
      await calleeGets(r, 'ACK', d);
    } else {
      expect((await d.next('INVITE', 200)).status).toBe(refusedStatus(c));
    }
  },
  async '2xx answer to re-INVITE'(r, c) {
    const d = await established(r);
    d.request('INVITE', VALID_OFFER);
    r.callee.reply(await calleeGets(r, 'INVITE', d), 200, 'OK', c.sdp);
    if (c.expect === '') {
      expect((await d.next('INVITE', 200)).body).toBe(c.sdp);
      d.request('ACK');
      await calleeGets(r, 'ACK', d);
    } else {
      expect((await d.next('INVITE', 200)).status).toBe(488);
      await bothByed(r, d, true);
    }
  },
  async 'UPDATE offer'(r, c) {
    const d = await established(r);
    d.request('UPDATE', c.sdp);
    if (c.expect === '') {
      const upd = await calleeGets(r, 'UPDATE', d);
      expect(upd.body).toBe(c.sdp);
      r.callee.reply(upd, 200, 'OK', VALID_ANSWER);
      expect((await d.next('UPDATE', 200)).status).toBe(200);
    } else {
      expect((await d.next('UPDATE', 200)).status).toBe(refusedStatus(c));
    }
  },
  async '2xx answer to UPDATE'(r, c) {
    const d = await established(r);
    d.request('UPDATE', VALID_OFFER);
    r.callee.reply(await calleeGets(r, 'UPDATE', d), 200, 'OK', c.sdp);
    if (c.expect === '') {
      expect((await d.next('UPDATE', 200)).body).toBe(c.sdp);
    } else {
      expect((await d.next('UPDATE', 200)).status).toBe(488);
      await bothByed(r, d, false);
    }
  },
  async 'PRACK offer'(r, c) {
    const { d, inv } = await earlyReliable(r);
    d.request('PRACK', c.sdp, [`RAck: 1 ${d.cseq} INVITE`]);
    if (c.expect === '') {
      const prack = await calleeGets(r, 'PRACK', d);
      expect(prack.body).toBe(c.sdp);
      r.callee.reply(prack, 200, 'OK', VALID_ANSWER);
      expect((await d.next('PRACK', 200)).status).toBe(200);
      await busy(r, d, inv);
    } else {
      expect((await d.next('PRACK', 200)).status).toBe(refusedStatus(c));
      await busy(r, d, inv);
    }
  },
  async '2xx answer to PRACK'(r, c) {
    const { d, inv } = await earlyReliable(r);
    d.request('PRACK', VALID_OFFER, [`RAck: 1 ${d.cseq} INVITE`]);
    r.callee.reply(await calleeGets(r, 'PRACK', d), 200, 'OK', c.sdp);
    await earlyAnswerOutcome(r, c, d, inv, 'PRACK');
  },
  async '2xx answer to early UPDATE'(r, c) {
    const { d, inv } = await earlyReliable(r);
    d.request('PRACK', '', [`RAck: 1 ${d.cseq} INVITE`]);
    r.callee.reply(await calleeGets(r, 'PRACK', d), 200, 'OK');
    expect((await d.next('PRACK', 200)).status).toBe(200);
    d.request('UPDATE', VALID_OFFER);
    r.callee.reply(await calleeGets(r, 'UPDATE', d), 200, 'OK', c.sdp);
    await earlyAnswerOutcome(r, c, d, inv, 'UPDATE');
  },
  async 'ACK'(r, c) {
    const d = await established(r);
    d.request('INVITE', VALID_OFFER);
    r.callee.reply(await calleeGets(r, 'INVITE', d), 200, 'OK', VALID_ANSWER);
    expect((await d.next('INVITE', 200)).status).toBe(200);
    d.request('ACK', c.sdp);
    if (c.expect === '') {
      expect((await calleeGets(r, 'ACK', d)).body).toBe(c.sdp);
    } else {
      // an ACK cannot be refused: it is not relayed, the dialog is ended on both sides
      await bothByed(r, d, false);
    }
  },
};

/** Bodies a UA saw that the policy refuses (must be none). */
function refusedBodiesSeen(conn: RawSipConnection, cases: SdpCase[]): string[] {
  const refused = new Map(cases.filter((c) => c.expect !== '').map((c) => [c.sdp, c.name]));
  return conn.seen.filter((m) => m.body && refused.has(m.body)).map((m) => `${m.method ?? m.status} ${header(m, 'cseq')}: ${refused.get(m.body)}`);
}

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
          const tail = (conn: RawSipConnection) => conn.seen.slice(-4).map((m) => m.raw.split('\r\n\r\n')[0]).join('\n--\n');
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

describe('bodies that would hide an SDP from the parser, and late offers', () => {
  let r: Rig | undefined;
  beforeAll(async () => { r = await startRig(); }, 60_000);
  afterAll(async () => { await stopRig(r); });
  const plaintext = sdpCases().find((c) => c.name === 'plaintext RTP/AVP answer without fingerprint')?.sdp ?? '';
  const multipart = (sdp: string) => `--b1\r\nContent-Type: application/sdp\r\n\r\n${sdp}\r\n--b1--\r\n`;
  const hidden = () => (r as Rig).calleeConn.seen.concat((r as Rig).callerConn.seen).filter((m) => m.body.includes('m=audio 40000 RTP/AVP 0 8'));

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
      const rig = r as Rig;
      for (const c of cases) {
        try {
          await (DIRECTIONS[direction] as Direction)(rig, c);
        } catch (err) {
          throw new Error(`WSS callee, ${direction} / ${c.name}: ${(err as Error).message}`);
        }
      }
      expect(refusedBodiesSeen(rig.calleeConn, cases)).toEqual([]);
      expect(refusedBodiesSeen(rig.callerConn, cases)).toEqual([]);
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
