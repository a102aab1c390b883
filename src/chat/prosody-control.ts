/**
 * Engine control of the managed Prosody through its admin shell (admin-shell.ts): set or remove
 * an account's SCRAM credentials, close its sessions, purge it, list the accounts Prosody has,
 * and the directory roster. Knows no account policy: which account is active, and when
 * sessions must end, is decided by the admin service (src/admin-api/services/chat-sync.ts).
 *
 * Credentials are written through Prosody's own storage API inside the running server
 * (core.storagemanager, the store mod_auth_internal_hashed reads at every login), never by
 * editing its files: a removed record refuses the next login at once.
 */
import { writeFileSync, renameSync } from 'node:fs';
import type { ScramCredentials } from '../db/scram.ts';
import { ProsodyShell, ProsodyShellError } from './admin-shell.ts';
import { luaString } from './prosody-config.ts';

/** The localparts the admin service hands us are extensions; anything else is refused here too. */
const LOCALPART = /^[a-z0-9][a-z0-9._-]{0,63}$/;

function localpart(user: string): string {
  if (!LOCALPART.test(user)) throw new ProsodyShellError('SUSURRO_CHAT_SHELL_COMMAND', `"${user}" is not a valid XMPP localpart here`);
  return user;
}

const STORE = (host: string) => `require"core.storagemanager".open(${luaString(host)}, "accounts")`;

export interface DirectoryEntry {
  user: string;
  name: string;
}

export class ProsodyControl {
  readonly shell: ProsodyShell;
  constructor(socketPath: string, readonly host: string, readonly groupsFile: string, timeoutMs = 3_000) {
    this.shell = new ProsodyShell(socketPath, timeoutMs);
  }

  jid(user: string): string {
    return `${localpart(user)}@${this.host}`;
  }

  /** Prosody's version ("0.12.3"); the health probe. */
  async version(): Promise<string> {
    const r = await this.shell.run('server:version()');
    return r.result.replace(/^OK:\s*/, '');
  }

  /** Creates the account or replaces its credentials (the next login needs the new password). */
  async setCredentials(user: string, c: ScramCredentials): Promise<void> {
    const rec = `{ salt = ${luaString(c.salt)}, iteration_count = ${Math.trunc(c.iterationCount)}, stored_key = ${luaString(c.storedKey)}, server_key = ${luaString(c.serverKey)} }`;
    await this.shell.run(`>assert(${STORE(this.host)}:set(${luaString(localpart(user))}, ${rec})); return "susurro-ok"`);
  }

  /** Removes the credentials only (roster, vCard, PEP stay for a later enable): logins refused. */
  async removeCredentials(user: string): Promise<void> {
    await this.shell.run(`>assert(${STORE(this.host)}:set(${luaString(localpart(user))}, nil)); return "susurro-ok"`);
  }

  /** "stored_key:server_key" of the account, or null without credentials (reconcile compares). */
  async credentialKeys(user: string): Promise<string | null> {
    const r = await this.shell.run(`>local a = ${STORE(this.host)}:get(${luaString(localpart(user))}); return a and (a.stored_key .. ":" .. a.server_key) or "none"`);
    const v = r.result.replace(/^Result:\s*/, '');
    return v === 'none' ? null : v;
  }

  /** Every account Prosody holds credentials for. */
  async users(): Promise<string[]> {
    const r = await this.shell.run(`>local t = {}; for u in ${STORE(this.host)}:users() do t[#t + 1] = u end; return table.concat(t, " ")`);
    return r.result.replace(/^Result:\s*/, '').split(' ').filter((u) => u !== '');
  }

  /** Closes every stream of the account (all resources, hibernated smacks sessions too). */
  async closeSessions(user: string, text = 'account revoked'): Promise<number> {
    const r = await this.shell.run(`c2s:close(${luaString(this.jid(user))}, ${luaString(text)}, "not-authorized")`);
    return Number(/Total: (\d+)/.exec(r.result)?.[1] ?? 0);
  }

  /** Deletes all of the account's data (credentials, roster, vCard, PEP, offline messages). */
  async purge(user: string): Promise<void> {
    await this.shell.run(`>assert(require"core.storagemanager".purge(${luaString(localpart(user))}, ${luaString(this.host)})); return "susurro-ok"`);
  }

  /**
   * The directory roster: one shared group of every active account (mod_groups), with its
   * display name as the roster name. The file is mod_groups' input, not Prosody's storage; it
   * is replaced atomically and the module reloaded through the shell. mod_groups only injects
   * contacts when a roster is loaded, so the rosters of connected accounts are brought in step
   * in memory too and each change is pushed to their clients (RFC 6121 §2.1.6 roster push):
   * a revoked colleague disappears from open clients at once.
   */
  async setDirectory(entries: DirectoryEntry[], group = 'Colleagues'): Promise<void> {
    const clean = entries.map((e) => ({ jid: this.jid(e.user), name: e.name.replace(/[\r\n=]/g, ' ') }));
    const lines = [`[${group}]`, ...clean.map((e) => `${e.jid}=${e.name}`)];
    const tmp = `${this.groupsFile}.tmp`;
    writeFileSync(tmp, lines.join('\n') + '\n', { mode: 0o600 });
    renameSync(tmp, this.groupsFile);
    await this.shell.run(`module:reload("groups", ${luaString(this.host)})`);
    const want = `{ ${clean.map((e) => `[${luaString(e.jid)}] = ${luaString(e.name)}`).join(', ')} }`;
    const H = luaString(this.host);
    const G = luaString(group);
    await this.shell.run(`>local rm = require"core.rostermanager"; local want = ${want}; ` +
      `for user, bare in pairs(prosody.hosts[${H}].sessions) do local roster = bare.roster; if roster then ` +
      `local me = user .. "@" .. ${H}; ` +
      `for jid, item in pairs(roster) do if jid and item.persist == false and item.groups and item.groups[${G}] and not want[jid] then roster[jid] = nil; rm.roster_push(user, ${H}, jid) end end; ` +
      `for jid, name in pairs(want) do local item = roster[jid]; if jid ~= me and (item == nil or (item.persist == false and item.name ~= name)) then ` +
      `roster[jid] = { subscription = "both", name = name, groups = { [${G}] = true }, persist = false }; rm.roster_push(user, ${H}, jid) end end ` +
      `end end; return "susurro-ok"`);
  }
}
