/**
 * Client for coturn's telnet CLI (cli-ip=127.0.0.1, cli-port, cli-password), used to cut the
 * relays of a revoked account (coturn keeps an allocation's key in memory, so deleting the
 * credential alone does not stop Refresh/CreatePermission on it): coturn 4.6 has no "cancel user" command, so we list sessions with
 * `psp <user>` ("print sessions with pattern") and cancel each with `cs <session id>`.
 * A UDP client gets no notice; its allocation simply stops relaying.
 */
import { connect, type Socket } from 'node:net';

export class TurnCliError extends Error {
  readonly code: 'SUSURRO_TURN_CLI_UNREACHABLE' | 'SUSURRO_TURN_CLI_AUTH' | 'SUSURRO_TURN_CLI_TIMEOUT';
  constructor(code: TurnCliError['code'], message: string) {
    super(message);
    this.name = 'TurnCliError';
    this.code = code;
  }
}

export interface TurnSession {
  id: string;
  /** The account the credential belongs to (the username's part before ":"). */
  user: string;
  /** Full TURN username ("<account>:<credential id>", src/media-relay/credential-store.ts). */
  username: string;
}

const PROMPT = '> ';

/** One CLI connection for one or more commands; the CLI prompt is "> ". */
class CliSession {
  #sock: Socket;
  #buf = '';
  #waiter: { resolve: (s: string) => void; reject: (e: Error) => void; marker: string } | null = null;
  #closed: Error | null = null;

  constructor(sock: Socket) {
    this.#sock = sock;
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      this.#buf += d;
      this.#check();
    });
    const fail = (err: Error) => {
      this.#closed = err;
      this.#waiter?.reject(err);
      this.#waiter = null;
    };
    sock.on('error', (e) => fail(new TurnCliError('SUSURRO_TURN_CLI_UNREACHABLE', e.message)));
    sock.on('close', () => fail(new TurnCliError('SUSURRO_TURN_CLI_UNREACHABLE', 'connection closed')));
  }

  #check() {
    if (!this.#waiter) return;
    const i = this.#buf.lastIndexOf(this.#waiter.marker);
    if (i >= 0 && this.#buf.slice(i + this.#waiter.marker.length).trim() === '') {
      const out = this.#buf.slice(0, i);
      this.#buf = '';
      const w = this.#waiter;
      this.#waiter = null;
      w.resolve(out);
    }
  }

  waitFor(marker: string, timeoutMs: number): Promise<string> {
    if (this.#closed) return Promise.reject(this.#closed);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = null;
        reject(new TurnCliError('SUSURRO_TURN_CLI_TIMEOUT', `no "${marker.trim()}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiter = {
        marker,
        resolve: (s) => { clearTimeout(timer); resolve(s); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      };
      this.#check();
    });
  }

  send(line: string) {
    this.#sock.write(line + '\r\n');
  }
  close() {
    this.#sock.destroy();
  }
}

export class TurnCli {
  readonly port: number;
  readonly #password: string;
  readonly #timeoutMs: number;

  constructor(port: number, password: string, opts: { host?: string; timeoutMs?: number } = {}) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError('port must be 1..65535');
    if (typeof password !== 'string' || password === '') throw new TypeError('password must be a non-empty string');
    this.port = port;
    this.#password = password;
    this.#host = opts.host ?? '127.0.0.1';
    this.#timeoutMs = opts.timeoutMs ?? 3_000;
  }
  readonly #host: string;

  async #session<T>(fn: (s: CliSession) => Promise<T>): Promise<T> {
    const sock = connect({ host: this.#host, port: this.port });
    const s = new CliSession(sock);
    try {
      await new Promise<void>((resolve, reject) => {
        sock.once('connect', resolve);
        sock.once('error', (e) => reject(new TurnCliError('SUSURRO_TURN_CLI_UNREACHABLE', e.message)));
      });
      const greeting = await s.waitFor(':', this.#timeoutMs); // "Enter password: "
      if (!/password/i.test(greeting)) throw new TurnCliError('SUSURRO_TURN_CLI_AUTH', 'unexpected CLI greeting');
      s.send(this.#password);
      await s.waitFor(PROMPT, this.#timeoutMs).catch(() => {
        throw new TurnCliError('SUSURRO_TURN_CLI_AUTH', 'coturn CLI refused the password');
      });
      return await fn(s);
    } finally {
      try { s.send('quit'); } catch { /* already closed */ }
      s.close();
    }
  }

  /** Sessions of account `user` (all sessions without a filter). */
  async listSessions(user?: string): Promise<TurnSession[]> {
    if (user !== undefined && (typeof user !== 'string' || /[\s]/.test(user) || user === '')) {
      throw new TypeError('user must be a non-empty string without spaces');
    }
    const out = await this.#session(async (s) => {
      s.send(user ? `psp ${user}:` : 'ps');
      return s.waitFor(PROMPT, this.#timeoutMs);
    });
    return parseSessions(out).filter((x) => user === undefined || x.user === user);
  }

  async cancelSession(id: string): Promise<void> {
    if (typeof id !== 'string' || !/^\d+$/.test(id)) throw new TypeError('session id must be a decimal string');
    await this.#session(async (s) => {
      s.send(`cs ${id}`);
      await s.waitFor(PROMPT, this.#timeoutMs);
    });
  }

  /** Cancels every session of account `user`; returns how many were cancelled. */
  async cancelUserSessions(user: string): Promise<number> {
    return this.#cancel(await this.listSessions(user));
  }

  /** Cancels the sessions authenticated with exactly these usernames (e.g. expired credentials). */
  async cancelUsernames(usernames: readonly string[]): Promise<number> {
    if (usernames.length === 0) return 0;
    const wanted = new Set(usernames);
    return this.#cancel((await this.listSessions()).filter((x) => wanted.has(x.username)));
  }

  async #cancel(sessions: TurnSession[]): Promise<number> {
    if (sessions.length === 0) return 0;
    await this.#session(async (s) => {
      for (const x of sessions) {
        s.send(`cs ${x.id}`);
        await s.waitFor(PROMPT, this.#timeoutMs);
      }
    });
    return sessions.length;
  }
}

/**
 * Parses `ps`/`psp` output. coturn 4.6 prints, per session:
 *     1) id=<session id>, user <username>:
 *       realm: ..., origin: ...
 * followed by indented detail lines; only the "id=..., user <...>" lines matter.
 */
export function parseSessions(out: string): TurnSession[] {
  const sessions: TurnSession[] = [];
  const re = /id=(\d+),\s*user\s*<([^>]*)>/g;
  for (const m of out.matchAll(re)) {
    const username = m[2] ?? '';
    const i = username.indexOf(':');
    sessions.push({ id: m[1] as string, username, user: i < 0 ? username : username.slice(0, i) });
  }
  return sessions;
}
