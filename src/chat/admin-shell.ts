/**
 * A client of Prosody 0.12's admin socket (mod_admin_socket + mod_admin_shell): the channel
 * `prosodyctl shell` uses. The stream is XML in the namespace xmpp:prosody.im/admin; each
 * command is one <repl-input>, answered by zero or more <repl-output> and one <repl-result>
 * (type="error" on failure). One connection per command: a restarted Prosody needs no
 * reconnect logic, and commands never interleave.
 *
 * The socket is a Unix socket inside the runtime directory (0700): only the stack's user
 * reaches it. Nothing here knows about accounts (prosody-control.ts does).
 */
import { connect } from 'node:net';

export class ProsodyShellError extends Error {
  readonly code: 'SUSURRO_CHAT_SHELL_UNREACHABLE' | 'SUSURRO_CHAT_SHELL_TIMEOUT' | 'SUSURRO_CHAT_SHELL_COMMAND';
  constructor(code: ProsodyShellError['code'], message: string) {
    super(message);
    this.name = 'ProsodyShellError';
    this.code = code;
  }
}

export interface ShellReply {
  /** Text of the <repl-result> ("OK: …", "Result: …"). */
  result: string;
  /** Lines of <repl-output> that came before it. */
  output: string[];
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function xmlText(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) =>
    e.startsWith('#x') ? String.fromCodePoint(parseInt(e.slice(2), 16))
      : e.startsWith('#') ? String.fromCodePoint(Number(e.slice(1)))
        : ENTITIES[e]!);
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const OPEN = "<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='xmpp:prosody.im/admin' version='1.0'>";
// Prosody's util.stanza serialises with single-quoted attributes; elements are never nested.
const ELEMENT = /<(repl-output|repl-result)((?:\s+[\w:-]+=(?:'[^']*'|"[^"]*"))*)\s*(?:\/>|>([\s\S]*?)<\/\1>)/y;

export class ProsodyShell {
  constructor(readonly socketPath: string, readonly timeoutMs = 3_000) {}

  /** Runs one shell line; rejects with SUSURRO_CHAT_SHELL_COMMAND when Prosody reports an error. */
  run(line: string): Promise<ShellReply> {
    return new Promise((resolve, reject) => {
      const sock = connect(this.socketPath);
      let buf = '';
      let opened = false;
      const output: string[] = [];
      const finish = (err: Error | null, reply?: ShellReply) => {
        clearTimeout(timer);
        sock.removeAllListeners('data');
        sock.end('</stream:stream>');
        sock.destroy();
        if (err) reject(err);
        else resolve(reply!);
      };
      const timer = setTimeout(
        () => finish(new ProsodyShellError('SUSURRO_CHAT_SHELL_TIMEOUT', `Prosody admin socket did not answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      sock.setEncoding('utf8');
      sock.once('connect', () => sock.write(`${OPEN}<repl-input>${xmlEscape(line)}</repl-input>`));
      sock.on('error', (err: NodeJS.ErrnoException) =>
        finish(new ProsodyShellError('SUSURRO_CHAT_SHELL_UNREACHABLE', `Prosody admin socket ${this.socketPath}: ${err.code ?? err.message}`)));
      sock.on('close', () => finish(new ProsodyShellError('SUSURRO_CHAT_SHELL_UNREACHABLE', 'Prosody closed the admin socket before answering')));
      sock.on('data', (chunk: string) => {
        buf += chunk;
        if (!opened) {
          const end = buf.indexOf('<stream:stream');
          const close = end >= 0 ? buf.indexOf('>', end) : -1;
          if (close < 0) return;
          buf = buf.slice(close + 1);
          opened = true;
        }
        for (;;) {
          buf = buf.replace(/^\s+/, '');
          ELEMENT.lastIndex = 0;
          const m = ELEMENT.exec(buf);
          if (!m) return;
          buf = buf.slice(m[0].length);
          const text = xmlText(m[3] ?? '');
          if (m[1] === 'repl-output') {
            output.push(text);
            continue;
          }
          if (/type=['"]error['"]/.test(m[2] ?? '')) {
            finish(new ProsodyShellError('SUSURRO_CHAT_SHELL_COMMAND', `Prosody: ${text}`));
          } else {
            finish(null, { result: text, output });
          }
          return;
        }
      });
    });
  }
}
