import type { KamailioRpcLike, TurnCliLike } from '../types.ts';

/**
 * The live half of a revocation, run AFTER the database transaction committed
 * (so the account is disabled even when every step here fails):
 *
 *   1. look up the account's contacts (ul.lookup) to learn their TCP/WS connection ids;
 *   2. end its dialogs (dlg.end_dlg sends BYE to both parties, so the peer hangs up);
 *      remove its registrations (ul.rm); cancel its TURN allocations (coturn CLI);
 *   3. close its WebSocket connections (ws.close) last, so the BYEs got out first.
 *
 * Each step has a time limit and reports 'ok' or 'failed: <reason>'; nothing is
 * silently skipped: without a Kamailio or coturn control channel the step fails.
 */
export type LiveOutcome = 'ok' | `failed: ${string}`;

export interface LiveRevocation {
  registrations: LiveOutcome;
  websockets: LiveOutcome;
  calls: LiveOutcome;
  turn: LiveOutcome;
  /**
   * How many of each were found and acted on (0 when the step failed).
   * `sipTlsLeftOpen`: registrations that came over plain SIP/TLS, not WebSocket;
   * Kamailio 5.6 has no RPC to close such a connection, so it stays open (idle:
   * its registration, calls and credentials are gone) until the client closes it.
   */
  counts: { registrations: number; websockets: number; calls: number; turn: number; sipTlsLeftOpen: number };
}

export interface RevocationTarget {
  extension: string;
  domain: string;
}

export function liveAllOk(l: LiveRevocation): boolean {
  return l.registrations === 'ok' && l.websockets === 'ok' && l.calls === 'ok' && l.turn === 'ok';
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

function reason(err: unknown): `failed: ${string}` {
  const msg = err instanceof Error ? err.message : String(err);
  // One line, bounded: this text goes into API responses and the audit log.
  return `failed: ${msg.replace(/\s+/g, ' ').slice(0, 200)}`;
}

/** Kamailio answers "AOR not found" / 404 when there is nothing to remove. */
function isNotFound(err: unknown): boolean {
  const e = err as { message?: string; code?: number } | null;
  return e?.code === 404 || /not found/i.test(e?.message ?? '');
}

/** Connection ids of the AoR's contacts from ul.lookup's reply (5.6: Contacts[].Contact["Tcpconn-Id"]). */
export function connectionIdsFromLookup(reply: unknown): number[] {
  const ids = new Set<number>();
  const contacts = (reply as { Contacts?: unknown[] } | null)?.Contacts;
  if (!Array.isArray(contacts)) return [];
  for (const c of contacts) {
    const contact = ((c as { Contact?: unknown })?.Contact ?? c) as Record<string, unknown>;
    const id = Number(contact['Tcpconn-Id'] ?? contact['tcpconn_id'] ?? -1);
    if (Number.isInteger(id) && id > 0) ids.add(id);
  }
  return [...ids];
}

function uriUser(uri: unknown): string | undefined {
  if (typeof uri !== 'string') return undefined;
  return /^sips?:([^@;>]+)@/i.exec(uri.replace(/^.*</, ''))?.[1];
}

/** Dialogs (h_entry, h_id) where the extension is caller or callee, from dlg.list's reply. */
export function dialogsOf(reply: unknown, extension: string): Array<[number, number]> {
  const list = Array.isArray(reply) ? reply : ((reply as { Dialogs?: unknown[] } | null)?.Dialogs ?? []);
  const out: Array<[number, number]> = [];
  for (const d of list as Array<Record<string, unknown>>) {
    const users = [d['from_uri'], d['to_uri'], d['r_uri'], d['req_uri']].map(uriUser);
    if (users.includes(extension)) out.push([Number(d['h_entry']), Number(d['h_id'])]);
  }
  return out;
}

export async function revokeLive(
  target: RevocationTarget,
  deps: { rpc: KamailioRpcLike | null; turnCli: TurnCliLike | null; timeoutMs: number },
): Promise<LiveRevocation> {
  const { rpc, turnCli, timeoutMs } = deps;
  const aor = `${target.extension}@${target.domain}`;
  const counts = { registrations: 0, websockets: 0, calls: 0, turn: 0, sipTlsLeftOpen: 0 };
  const noRpc = 'failed: Kamailio control (JSON-RPC) is not configured' as const;

  // Step 1: the connections behind the registrations, before ul.rm forgets them.
  let connIds: number[] = [];
  let lookupError: unknown = null;
  if (rpc) {
    try {
      connIds = connectionIdsFromLookup(await withTimeout(rpc.call('ul.lookup', ['location', aor]), timeoutMs, 'ul.lookup'));
    } catch (err) {
      if (!isNotFound(err)) lookupError = err;
    }
  }

  const calls = async (): Promise<LiveOutcome> => {
    if (!rpc) return noRpc;
    try {
      const dialogs = dialogsOf(await withTimeout(rpc.call('dlg.list'), timeoutMs, 'dlg.list'), target.extension);
      for (const [entry, id] of dialogs) {
        try {
          await withTimeout(rpc.call('dlg.end_dlg', [entry, id]), timeoutMs, 'dlg.end_dlg');
          counts.calls++;
        } catch (err) {
          // The dialog may have ended on its own between list and end.
          if (!isNotFound(err)) throw err;
        }
      }
      return 'ok';
    } catch (err) {
      return reason(err);
    }
  };

  const registrations = async (): Promise<LiveOutcome> => {
    if (!rpc) return noRpc;
    if (lookupError) return reason(lookupError);
    try {
      await withTimeout(rpc.call('ul.rm', ['location', aor]), timeoutMs, 'ul.rm');
      counts.registrations = Math.max(1, connIds.length);
      return 'ok';
    } catch (err) {
      return isNotFound(err) ? 'ok' : reason(err);
    }
  };

  const turn = async (): Promise<LiveOutcome> => {
    if (!turnCli) return 'failed: coturn control (CLI) is not configured';
    try {
      counts.turn = await withTimeout(turnCli.cancelUserSessions(target.extension), timeoutMs, 'coturn cancel');
      return 'ok';
    } catch (err) {
      return reason(err);
    }
  };

  const [callsOutcome, regOutcome, turnOutcome] = await Promise.all([calls(), registrations(), turn()]);

  let wsOutcome: LiveOutcome = 'ok';
  if (!rpc) wsOutcome = noRpc;
  else if (lookupError) wsOutcome = reason(lookupError);
  else {
    let tcpList: Array<{ id?: unknown; type?: unknown }> | null = null;
    for (const id of connIds) {
      try {
        await withTimeout(rpc.call('ws.close', [id]), timeoutMs, 'ws.close');
        counts.websockets++;
      } catch (err) {
        if (!/unknown connection/i.test((err as Error)?.message ?? '') && !isNotFound(err)) {
          wsOutcome = reason(err);
          continue;
        }
        // Not a WebSocket: either already closed (the client hung up after the BYE),
        // or a plain SIP/TLS connection, which ws.close cannot close; core.tcp_list tells.
        try {
          tcpList ??= (await withTimeout(rpc.call<Array<{ id?: unknown; type?: unknown }>>('core.tcp_list'), timeoutMs, 'core.tcp_list')) ?? [];
          const conn = tcpList.find((c) => Number(c.id) === id);
          if (conn && !/^WSS?$/i.test(String(conn.type))) counts.sipTlsLeftOpen++;
        } catch (listErr) {
          wsOutcome = reason(listErr);
        }
      }
    }
  }
  return { registrations: regOutcome, websockets: wsOutcome, calls: callsOutcome, turn: turnOutcome, counts };
}
