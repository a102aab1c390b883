import type { KamailioRpcLike, TurnCliLike, TurnCredentialIssuer } from '../types.ts';
import { connectionIdsFromLookup, dialogsOf, isRpcNotFound as isNotFound, type TcpConnection } from '../../signaling/rpc-replies.ts';

/**
 * The live half of a revocation, run AFTER the database transaction committed
 * (so the account is disabled even when every step here fails):
 *
 *   1. read: `ul.lookup` (its contacts' connection ids), `dlg.list` (its dialogs) and
 *      `core.tcp_list` (to map a dialog leg's `alias=ip~port~proto` contact parameter to
 *      a connection: a phone in a call need not be registered);
 *   2. act, in parallel: `dlg.end_dlg` on each of its dialogs (Kamailio sends BYE to both
 *      parties, so the peer hangs up), `ul.rm` of its AoR, coturn CLI cancel of its TURN
 *      allocations;
 *   3. `ws.close` each of its WebSocket connections, last, so the BYEs went out first.
 *
 * Each step has a time limit and reports 'ok' or 'failed: <reason>'; nothing is skipped
 * silently: without a Kamailio or coturn control channel the step fails.
 * This is the product's one revocation; reading Kamailio's replies lives in
 * src/signaling/rpc-replies.ts.
 */
export type LiveOutcome = 'ok' | `failed: ${string}`;

export interface LiveRevocation {
  registrations: LiveOutcome;
  websockets: LiveOutcome;
  calls: LiveOutcome;
  turn: LiveOutcome;
  /**
   * How many of each were found and acted on (0 when the step failed).
   * `sipTlsLeftOpen`: connections of the account over plain SIP/TLS, not WebSocket;
   * Kamailio 5.6 has no RPC to close one, so it stays open (idle: its registration,
   * calls and credentials are gone) until the client closes it.
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

/** Deletes every TURN credential issued to the account (synchronous: one SQLite DELETE). */
function revokeTurnCredentials(account: string, store: TurnCredentialIssuer | null): LiveOutcome {
  if (!store) return 'failed: TURN credential store is not configured';
  try {
    store.revoke({ account });
    return 'ok';
  } catch (err) {
    return reason(err);
  }
}

export async function revokeLive(
  target: RevocationTarget,
  deps: { rpc: KamailioRpcLike | null; turnCli: TurnCliLike | null; turnCredentials?: TurnCredentialIssuer | null; timeoutMs: number },
): Promise<LiveRevocation> {
  const { rpc, turnCli, timeoutMs } = deps;
  // Step 0 (relay-rpc): delete the account's issued TURN credentials before anything else, so
  // coturn refuses them for every new Allocate at once; step 2 still cancels live allocations.
  const credentialsRevoked = revokeTurnCredentials(target.extension, deps.turnCredentials ?? null);
  const aor = `${target.extension}@${target.domain}`;
  const counts = { registrations: 0, websockets: 0, calls: 0, turn: 0, sipTlsLeftOpen: 0 };
  const call = <T>(method: string, params?: unknown[]) => withTimeout(rpc!.call<T>(method, params), timeoutMs, method);

  const turn = async (): Promise<LiveOutcome> => {
    if (credentialsRevoked !== 'ok') return credentialsRevoked;
    if (!turnCli) return 'failed: coturn control (CLI) is not configured';
    try {
      counts.turn = await withTimeout(turnCli.cancelUserSessions(target.extension), timeoutMs, 'coturn cancel');
      return 'ok';
    } catch (err) {
      return reason(err);
    }
  };
  if (!rpc) {
    const noRpc = 'failed: Kamailio control (JSON-RPC) is not configured' as const;
    return { registrations: noRpc, websockets: noRpc, calls: noRpc, turn: await turn(), counts };
  }

  // Step 1: read everything needed before anything is removed.
  const [lookup, dialogs, tcp] = await Promise.allSettled([
    call('ul.lookup', ['location', aor]).catch((err: unknown) => (isNotFound(err) ? null : Promise.reject(err))),
    call('dlg.list').then((r) => dialogsOf(r, target.extension)),
    call<TcpConnection[]>('core.tcp_list').then((r) => (Array.isArray(r) ? r : [])),
  ]);
  const connIds = new Set(lookup.status === 'fulfilled' ? connectionIdsFromLookup(lookup.value) : []);
  const tcpList = tcp.status === 'fulfilled' ? tcp.value : null;
  if (dialogs.status === 'fulfilled' && tcpList) {
    for (const d of dialogs.value) {
      const conn = d.source && tcpList.find((c) => c.src_ip === d.source!.ip && Number(c.src_port) === d.source!.port);
      if (conn) connIds.add(Number(conn.id));
    }
  }

  // Step 2: end calls, remove registrations, cancel relays.
  const calls = async (): Promise<LiveOutcome> => {
    if (dialogs.status === 'rejected') return reason(dialogs.reason);
    try {
      for (const d of dialogs.value) {
        try {
          await call('dlg.end_dlg', [d.entry, d.id]);
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
    if (lookup.status === 'rejected') return reason(lookup.reason);
    if (lookup.value === null) return 'ok'; // nothing registered
    try {
      await call('ul.rm', ['location', aor]);
      counts.registrations = Math.max(1, connectionIdsFromLookup(lookup.value).length);
      return 'ok';
    } catch (err) {
      return isNotFound(err) ? 'ok' : reason(err);
    }
  };
  const [callsOutcome, regOutcome, turnOutcome] = await Promise.all([calls(), registrations(), turn()]);

  // Step 3: close the WebSockets. Plain SIP/TLS connections cannot be closed by RPC: counted.
  let wsOutcome: LiveOutcome = 'ok';
  if (lookup.status === 'rejected') wsOutcome = reason(lookup.reason);
  else if (tcp.status === 'rejected') wsOutcome = reason(tcp.reason);
  for (const id of connIds) {
    const conn = tcpList?.find((c) => Number(c.id) === id);
    if (conn && !/^WSS?$/i.test(String(conn.type))) {
      counts.sipTlsLeftOpen++;
      continue;
    }
    try {
      await call('ws.close', [id]);
      counts.websockets++;
    } catch (err) {
      // Already closed (the client hung up after the BYE) counts as done.
      if (!isNotFound(err)) wsOutcome = reason(err);
    }
  }
  return { registrations: regOutcome, websockets: wsOutcome, calls: callsOutcome, turn: turnOutcome, counts };
}
