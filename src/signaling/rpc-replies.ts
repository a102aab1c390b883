/**
 * Reading Kamailio 5.6 JSON-RPC replies (ul.lookup, dlg.list, core.tcp_list) and errors: what the
 * engine answers, independent of who acts on it. The admin API's revocation
 * (src/admin-api/services/revocation.ts) is their user; test/admin-api/services/revocation.test.ts
 * checks them on replies captured from a real Kamailio 5.6.
 */

/** Kamailio answers "AOR not found" (ul.*), "Unknown connection ID" (ws.close), 404 codes: already gone. */
export function isRpcNotFound(err: unknown): boolean {
  const e = err as { message?: string; code?: number; rpcCode?: number } | null;
  return e?.code === 404 || e?.rpcCode === 404 || /not found|unknown connection/i.test(e?.message ?? '');
}

/** Connection ids of the AoR's contacts from ul.lookup's reply (5.6: Contacts[].Contact["Tcpconn-Id"]). */
export function connectionIdsFromLookup(reply: unknown): number[] {
  const ids = new Set<number>();
  const contacts = (reply as { Contacts?: unknown[] } | null)?.Contacts;
  if (!Array.isArray(contacts)) return [];
  for (const c of contacts) {
    const contact = ((c as { Contact?: unknown })?.Contact ?? c) as Record<string, unknown>;
    const id = Number(contact['Tcpconn-Id'] ?? -1);
    if (Number.isInteger(id) && id > 0) ids.add(id);
  }
  return [...ids];
}

function uriUser(uri: unknown): string | undefined {
  if (typeof uri !== 'string') return undefined;
  return /^sips?:([^@;>]+)@/i.exec(uri.replace(/^.*</, ''))?.[1];
}

export interface AccountDialog {
  entry: number;
  id: number;
  /** Source address of the account's own leg (from the contact's alias=ip~port~proto), if known. */
  source: { ip: string; port: number } | null;
}

/**
 * Dialogs where the extension is caller (from_uri) or callee (to_uri), from dlg.list's
 * reply, with the source address of that party's leg: Kamailio's set_contact_alias()
 * adds `alias=<ip>~<port>~<proto>` to contacts behind connection-oriented transports.
 * Only the user part is compared, not the host: a call addressed to "201@<proxy IP>"
 * must end too, and ending a few dialogs too many fails closed.
 */
export function dialogsOf(reply: unknown, extension: string): AccountDialog[] {
  const list = Array.isArray(reply) ? reply : ((reply as { Dialogs?: unknown[] } | null)?.Dialogs ?? []);
  const out: AccountDialog[] = [];
  for (const d of list as Array<Record<string, unknown>>) {
    const isCaller = uriUser(d['from_uri']) === extension;
    const isCallee = uriUser(d['to_uri']) === extension;
    if (!isCaller && !isCallee) continue;
    const leg = (isCaller ? d['caller'] : d['callee']) as { contact?: unknown } | undefined;
    const alias = typeof leg?.contact === 'string' ? /;alias=([^~;>]+)~(\d+)~\d+/.exec(leg.contact) : null;
    out.push({
      entry: Number(d['h_entry']),
      id: Number(d['h_id']),
      source: alias ? { ip: alias[1]!, port: Number(alias[2]) } : null,
    });
  }
  return out;
}

/** One entry of core.tcp_list's reply. */
export interface TcpConnection {
  id: number;
  type: string;
  src_ip: string;
  src_port: number;
}
