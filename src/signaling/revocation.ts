/**
 * Cutting a revoked account off Kamailio over JSON-RPC (DESIGN.md "Accounts": revocation =
 * subscriber row gone, then ul.rm + ws.close + dialog end). ADMIN calls these after the database
 * transaction; `revokeSignaling` runs them in the order that works:
 *   1. end the user's dialogs (BYE to both parties while their connections still exist),
 *   2. close the user's WebSocket connections (found through its usrloc contacts),
 *   3. remove its registrations.
 * Kamailio 5.6 has no RPC to close a plain TLS connection; a TLS client loses its registration
 * and dialogs, and its next request fails authentication (no subscriber row → 403).
 */
import { KamailioRpcError, type KamailioRpc } from './kamailio-rpc.ts';

const EXTENSION = /^[A-Za-z0-9_.+-]{1,64}$/;

function checkUser(ext: string, domain: string): void {
  if (typeof ext !== 'string' || !EXTENSION.test(ext)) throw new TypeError('ext must be an extension (letters, digits, _.+-)');
  if (typeof domain !== 'string' || !/^[A-Za-z0-9.-]+$/.test(domain)) throw new TypeError('domain must be a host name');
}

/** "AOR not found" and "Unknown connection ID" mean the thing is already gone. */
function isNotFound(err: unknown): boolean {
  return err instanceof KamailioRpcError && err.code === 'SUSURRO_KAMAILIO_RPC_ERROR' && /not found|unknown/i.test(err.message);
}

interface UlContact {
  Contact?: { Address?: string; Received?: string; 'Tcpconn-Id'?: number };
}

/** The usrloc contacts of `aor` ("ext@domain"); [] when it has none. */
export async function userContacts(rpc: KamailioRpc, aor: string): Promise<UlContact[]> {
  try {
    const r = await rpc.call<{ Contacts?: UlContact[] }>('ul.lookup', ['location', aor]);
    return r.Contacts ?? [];
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}

/** ul.rm: removes every registration of `aor` ("201@susurro.local"). */
export async function removeRegistrations(rpc: KamailioRpc, aor: string): Promise<void> {
  if (typeof aor !== 'string' || !/^[A-Za-z0-9_.+-]{1,64}(@[A-Za-z0-9.-]+)?$/.test(aor)) throw new TypeError('aor must be "ext@domain"');
  try {
    await rpc.call('ul.rm', ['location', aor]);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/**
 * Closes the WebSocket connections the user registered from (usrloc contact → Tcpconn-Id →
 * ws.close). Returns how many were closed.
 */
export async function closeWebSockets(rpc: KamailioRpc, ext: string, domain: string): Promise<number> {
  checkUser(ext, domain);
  const ids = new Set<number>();
  for (const c of await userContacts(rpc, `${ext}@${domain}`)) {
    const id = c.Contact?.['Tcpconn-Id'];
    const transport = `${c.Contact?.Received ?? ''} ${c.Contact?.Address ?? ''}`;
    if (typeof id === 'number' && id > 0 && /transport=wss?\b/i.test(transport)) ids.add(id);
  }
  let closed = 0;
  for (const id of ids) {
    try {
      await rpc.call('ws.close', [id]);
      closed++;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return closed;
}

interface DialogInfo {
  h_entry: number;
  h_id: number;
  from_uri?: string;
  to_uri?: string;
}

function userOf(uri: string | undefined): { user: string; host: string } | null {
  const m = /^sips?:([^@;>]+)@([^;:>]+)/i.exec(uri ?? '');
  return m ? { user: m[1] as string, host: (m[2] as string).toLowerCase() } : null;
}

/** Dialogs where the user is caller (From) or callee (To). */
export async function userDialogs(rpc: KamailioRpc, ext: string, domain: string): Promise<DialogInfo[]> {
  checkUser(ext, domain);
  const all = (await rpc.call<DialogInfo[] | null>('dlg.list')) ?? [];
  return all.filter((d) =>
    [d.from_uri, d.to_uri].some((u) => {
      const p = userOf(u);
      return p !== null && p.user === ext && p.host === domain.toLowerCase();
    }),
  );
}

/** dlg.end_dlg for each of the user's dialogs: Kamailio sends BYE to both sides. */
export async function endDialogs(rpc: KamailioRpc, ext: string, domain: string): Promise<number> {
  let ended = 0;
  for (const d of await userDialogs(rpc, ext, domain)) {
    try {
      await rpc.call('dlg.end_dlg', [d.h_entry, d.h_id]);
      ended++;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return ended;
}

export interface SignalingRevocation {
  dialogsEnded: number;
  webSocketsClosed: number;
}

/** All three steps, in the order that works (see the file comment). */
export async function revokeSignaling(rpc: KamailioRpc, ext: string, domain: string): Promise<SignalingRevocation> {
  const dialogsEnded = await endDialogs(rpc, ext, domain);
  const webSocketsClosed = await closeWebSockets(rpc, ext, domain);
  await removeRegistrations(rpc, `${ext}@${domain}`);
  return { dialogsEnded, webSocketsClosed };
}
