/**
 * The rig of test/signaling/sdp-policy.test.ts: a test stack with a scripted SIP/TLS caller (301)
 * and callee (302, over TLS or WSS), and DIRECTIONS — one function per message that can carry
 * SDP, placing an SDP case there and asserting that it is relayed (accepted) or refused with
 * the call torn down as kamailio.cfg's media policy promises.
 */
import { expect } from 'vitest';
import { createAccountRow } from '../../src/db/index.ts';
import { chromiumOffer, type SdpCase } from './sdp-cases.ts';
import { RawSipConnection, header, rawRegister, type SipMessage } from './sip-client.ts';
import { Callee, Caller, isReq, type CallerDialog } from './sip-dialog.ts';
import { startTestStack, type TestStack } from './stack.ts';

export const VALID_OFFER = chromiumOffer().join('\r\n') + '\r\n';
const VALID_ANSWER = chromiumOffer('active').join('\r\n') + '\r\n';

export interface Rig {
  t: TestStack;
  callerConn: RawSipConnection;
  calleeConn: RawSipConnection;
  caller: Caller;
  callee: Callee;
  /** The caller answering requests the proxy sends it (BYE after a refusal). */
  callerAsUas: Callee;
  live: CallerDialog | null;
}

export async function startRig(opts: { kamailioTemplateDir?: string; calleeOverWss?: boolean; requireSas?: boolean } = {}): Promise<Rig> {
  const t = await startTestStack(
    opts.requireSas === undefined ? {} : { calls: { requireSas: opts.requireSas } },
    opts.kamailioTemplateDir ? { kamailioTemplateDir: opts.kamailioTemplateDir } : {},
  );
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

export async function stopRig(r: Rig | undefined) {
  r?.callerConn.close();
  r?.calleeConn.close();
  await r?.t.stop();
}

export const calleeGets = (r: Rig, method: string, d: CallerDialog, ms = 3_000) => r.calleeConn.waitFor(isReq(method, d.callId), ms);

/** INVITE → 200 → ACK with valid SDP: an established dialog for the in-dialog directions. */
export async function established(r: Rig): Promise<CallerDialog> {
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

export type Direction = (r: Rig, c: SdpCase) => Promise<void>;
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

/** Runs every case in one direction, then checks that no refused body reached either UA. */
export async function runTable(rig: Rig, direction: string, cases: SdpCase[], label: string): Promise<void> {
  for (const c of cases) {
    try {
      await (DIRECTIONS[direction] as Direction)(rig, c);
    } catch (err) {
      throw new Error(`${label}, ${direction} / ${c.name}: ${(err as Error).message}`);
    }
  }
  expect(refusedBodiesSeen(rig.calleeConn, cases)).toEqual([]);
  expect(refusedBodiesSeen(rig.callerConn, cases)).toEqual([]);
}

/** Bodies a UA saw that the policy refuses (must be none). */
export function refusedBodiesSeen(conn: RawSipConnection, cases: SdpCase[]): string[] {
  const refused = new Map(cases.filter((c) => c.expect !== '').map((c) => [c.sdp, c.name]));
  return conn.log.filter((m) => m.body && refused.has(m.body)).map((m) => `${m.method ?? m.status} ${header(m, 'cseq')}: ${refused.get(m.body)}`);
}

