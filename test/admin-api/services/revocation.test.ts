import { describe, expect, it } from 'vitest';
import { revokeLive } from '../../../src/admin-api/services/revocation.ts';
import { connectionIdsFromLookup, dialogsOf } from '../../../src/signaling/rpc-replies.ts';

/**
 * revokeLive against a scripted JSON-RPC: replies captured from Kamailio 5.6 in a
 * test stack (201 registered over WSS and calling 202). Checks parsing, the order
 * of actions and the failure reporting; test/admin-api/revocation.test.ts runs the
 * same code against the real Kamailio.
 */
const LOOKUP_201 = {
  AoR: '201',
  Contacts: [{ Contact: { Address: 'sip:i31cvjv9@l0ufv6q1om55.invalid;transport=ws', Socket: 'tls:127.0.0.1:35507', 'Tcpconn-Id': 2, Received: 'sip:127.0.0.1:40202;transport=ws' } }],
};
const DIALOGS = [
  {
    h_entry: 3619, h_id: 730, 'call-id': 'uj129c2ftl2q1m79lmjn', from_uri: 'sip:201@susurro.local', to_uri: 'sip:202@susurro.local', state: 4,
    caller: { tag: 'qtodbekrqn', contact: 'sip:i31cvjv9@l0ufv6q1om55.invalid;transport=ws;ob;alias=127.0.0.1~40202~6', socket: 'tls:127.0.0.1:35507' },
    callee: { tag: '7752pqcm1l', contact: 'sip:et0fuoqk@sc0cmuma7460.invalid;transport=ws;alias=127.0.0.1~40218~6', socket: 'tls:127.0.0.1:35507' },
  },
  {
    h_entry: 1, h_id: 2, from_uri: 'sip:2010@susurro.local', to_uri: 'sip:203@susurro.local',
    caller: { contact: 'sip:x@y.invalid;alias=127.0.0.1~40300~6' }, callee: { contact: 'sip:z@w.invalid;alias=127.0.0.1~40301~6' },
  },
];
const TCP = [
  { id: 2, type: 'WSS', src_ip: '127.0.0.1', src_port: 40202 },
  { id: 3, type: 'WSS', src_ip: '127.0.0.1', src_port: 40218 },
  { id: 6, type: 'TCP', src_ip: '127.0.0.1', src_port: 36176 },
];

function scriptedRpc(replies: Record<string, unknown>) {
  const calls: string[] = [];
  return {
    calls,
    rpc: {
      async call<T>(method: string, params: unknown[] = []): Promise<T> {
        calls.push(`${method} ${JSON.stringify(params)}`);
        const r = replies[method];
        if (r instanceof Error) throw r;
        return r as T;
      },
    },
  };
}
const turnCli = (n: number | Error) => ({
  cancelUserSessions: async () => (n instanceof Error ? Promise.reject(n) : n),
  cancelUsernames: async () => 0,
});
/** A credential store that records revocations (the real one: test/media-relay/credentials.test.ts). */
function credStore(fail?: Error) {
  const revoked: string[] = [];
  return {
    revoked,
    issue: () => { throw new Error('not used'); },
    revoke: (sel: { account: string }) => { if (fail) throw fail; revoked.push(sel.account); return []; },
    sweepExpired: () => [],
  };
}
const target = { extension: '201', domain: 'susurro.local' };

describe('parsing Kamailio 5.6 replies', () => {
  it('connection ids from ul.lookup', () => {
    expect(connectionIdsFromLookup(LOOKUP_201)).toEqual([2]);
    expect(connectionIdsFromLookup(null)).toEqual([]);
    expect(connectionIdsFromLookup({ Contacts: [{ Contact: { 'Tcpconn-Id': -1 } }] })).toEqual([]);
  });
  it('dialogs of an extension as caller or callee, with its leg\'s source; "2010" is not "201"', () => {
    expect(dialogsOf(DIALOGS, '201')).toEqual([{ entry: 3619, id: 730, source: { ip: '127.0.0.1', port: 40202 } }]);
    expect(dialogsOf(DIALOGS, '202')).toEqual([{ entry: 3619, id: 730, source: { ip: '127.0.0.1', port: 40218 } }]);
    expect(dialogsOf(DIALOGS, '20')).toEqual([]);
  });
});

describe('revokeLive', () => {
  it('reads, then ends calls / removes registrations, and closes the WebSocket last', async () => {
    const { rpc, calls } = scriptedRpc({ 'ul.lookup': LOOKUP_201, 'dlg.list': DIALOGS, 'core.tcp_list': TCP, 'dlg.end_dlg': {}, 'ul.rm': null, 'ws.close': null });
    const r = await revokeLive(target, { rpc, turnCli: turnCli(1), turnCredentials: credStore(), timeoutMs: 500 });
    expect(r).toEqual({
      registrations: 'ok', websockets: 'ok', calls: 'ok', turn: 'ok',
      counts: { registrations: 1, websockets: 1, calls: 1, turn: 1, sipTlsLeftOpen: 0 },
    });
    expect(calls.indexOf('ws.close [2]')).toBe(calls.length - 1);
    expect(calls).toContain('dlg.end_dlg [3619,730]');
    expect(calls).toContain('ul.rm ["location","201@susurro.local"]');
    expect(calls.filter((c) => c.startsWith('ws.close'))).toEqual(['ws.close [2]']); // not bob's connection 3
  });

  it('finds the connection of an unregistered phone through its dialog', async () => {
    const { rpc, calls } = scriptedRpc({ 'ul.lookup': new Error('AOR not found'), 'dlg.list': DIALOGS, 'core.tcp_list': TCP, 'dlg.end_dlg': {}, 'ws.close': null });
    const r = await revokeLive(target, { rpc, turnCli: turnCli(0), turnCredentials: credStore(), timeoutMs: 500 });
    expect(r.registrations).toBe('ok');
    expect(r.counts).toMatchObject({ registrations: 0, websockets: 1, calls: 1 });
    expect(calls).not.toContain('ul.rm ["location","201@susurro.local"]');
    expect(calls.at(-1)).toBe('ws.close [2]');
  });

  it('counts a plain SIP/TLS connection instead of trying ws.close on it', async () => {
    const lookup = { Contacts: [{ Contact: { 'Tcpconn-Id': 6 } }] };
    const { rpc, calls } = scriptedRpc({ 'ul.lookup': lookup, 'dlg.list': [], 'core.tcp_list': TCP, 'ul.rm': null });
    const r = await revokeLive(target, { rpc, turnCli: turnCli(0), turnCredentials: credStore(), timeoutMs: 500 });
    expect(r.websockets).toBe('ok');
    expect(r.counts.sipTlsLeftOpen).toBe(1);
    expect(calls.some((c) => c.startsWith('ws.close'))).toBe(false);
  });

  it('reports each failure by name and keeps going', async () => {
    const { rpc } = scriptedRpc({ 'ul.lookup': LOOKUP_201, 'dlg.list': new Error('dialog module gone'), 'core.tcp_list': TCP, 'ul.rm': new Error('db error\n  detail'), 'ws.close': null });
    const r = await revokeLive(target, { rpc, turnCli: turnCli(new Error('connect ECONNREFUSED 127.0.0.1:5766')), turnCredentials: credStore(), timeoutMs: 500 });
    expect(r).toMatchObject({
      calls: 'failed: dialog module gone',
      registrations: 'failed: db error detail',
      turn: 'failed: connect ECONNREFUSED 127.0.0.1:5766',
      websockets: 'ok',
    });
    expect(r.counts.websockets).toBe(1);
  });

  it('a hanging Kamailio is cut off by the per-action time limit', async () => {
    const rpc = { call: () => new Promise<never>(() => {}) };
    const t0 = Date.now();
    const r = await revokeLive(target, { rpc, turnCli: turnCli(0), turnCredentials: credStore(), timeoutMs: 100 });
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(r.registrations).toBe('failed: ul.lookup timed out after 100 ms');
    expect(r.calls).toBe('failed: dlg.list timed out after 100 ms');
  });

  it('deletes the account\'s TURN credentials before its first Kamailio call; a store failure fails the turn step', async () => {
    const store = credStore();
    const order: string[] = [];
    const rpc = { call: async <T>(m: string) => { order.push(`${m} after revoke=${store.revoked.length}`); return (m === 'core.tcp_list' || m === 'dlg.list' ? [] : null) as T; } };
    const r = await revokeLive(target, { rpc, turnCli: turnCli(0), turnCredentials: store, timeoutMs: 500 });
    expect(store.revoked).toEqual(['201']);
    expect(order[0]).toMatch(/after revoke=1$/);
    expect(r.turn).toBe('ok');
    const broken = await revokeLive(target, { rpc, turnCli: turnCli(0), turnCredentials: credStore(new Error('disk I/O error')), timeoutMs: 500 });
    expect(broken.turn).toBe('failed: disk I/O error');
  });

  it('without control channels every action fails, none is skipped silently', async () => {
    const r = await revokeLive(target, { rpc: null, turnCli: null, timeoutMs: 100 });
    for (const k of ['registrations', 'websockets', 'calls', 'turn'] as const) expect(r[k]).toMatch(/^failed: .*not configured/);
  });
});
