/**
 * JSON-RPC 2.0 client for Kamailio's jsonrpcs module over HTTP (xhttp), which our
 * kamailio.cfg serves ONLY on 127.0.0.1:<ports.jsonrpc> to loopback sources, and only to
 * requests shaped like ours (route[JSONRPC_GUARD]): the shared token header, Host
 * 127.0.0.1:<port>, Content-Type application/json, no browser headers, one request object
 * whose method is on the allow-list and whose body holds no backslash.
 */
import { request } from 'node:http';
import { RPC_TOKEN_HEADER } from './rpc-token.ts';

export class KamailioRpcError extends Error {
  readonly code: 'SUSURRO_KAMAILIO_RPC_UNREACHABLE' | 'SUSURRO_KAMAILIO_RPC_HTTP' | 'SUSURRO_KAMAILIO_RPC_ERROR' | 'SUSURRO_KAMAILIO_RPC_BAD_REPLY';
  /** The JSON-RPC error code Kamailio returned (e.g. 500 "Not found"), when there was one. */
  readonly rpcCode: number | undefined;
  constructor(code: KamailioRpcError['code'], message: string, rpcCode?: number) {
    super(message);
    this.name = 'KamailioRpcError';
    this.code = code;
    this.rpcCode = rpcCode;
  }
}

export interface KamailioRpcOptions {
  /** The shared secret (readKamailioRpcToken): Kamailio refuses every request without it. */
  token: string;
  /** Per-call timeout. Default 3000 ms. */
  timeoutMs?: number;
}

export class KamailioRpc {
  readonly url: URL;
  readonly #timeoutMs: number;
  readonly #token: string;
  #nextId = 1;

  constructor(url: string, opts: KamailioRpcOptions) {
    if (typeof url !== 'string') throw new TypeError('url must be a string');
    this.url = new URL(url);
    if (this.url.protocol !== 'http:') throw new RangeError('Kamailio JSON-RPC url must be http:// (loopback listener)');
    if (typeof opts?.token !== 'string' || opts.token.length < 16 || /[^\x21-\x7e]/.test(opts.token)) {
      throw new TypeError('token must be at least 16 printable ASCII characters');
    }
    this.#token = opts.token;
    this.#timeoutMs = opts.timeoutMs ?? 3_000;
  }

  /** Calls `method` with positional params; resolves with `result` or throws KamailioRpcError. */
  call<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    if (typeof method !== 'string' || !/^[A-Za-z0-9_.]+$/.test(method)) throw new TypeError('method must be an RPC method name');
    if (!Array.isArray(params)) throw new TypeError('params must be an array');
    const id = this.#nextId++;
    const body = JSON.stringify({ jsonrpc: '2.0', method, params, id });
    // Kamailio refuses any body with a backslash (its two JSON parsers must agree on the method)
    if (body.includes('\\')) throw new TypeError('params must not contain backslashes or characters JSON escapes');
    return new Promise<T>((resolve, reject) => {
      const req = request(
        this.url,
        {
          method: 'POST',
          headers: {
            host: `127.0.0.1:${this.url.port}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            [RPC_TOKEN_HEADER]: this.#token,
          },
          timeout: this.#timeoutMs,
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) => reject(new KamailioRpcError('SUSURRO_KAMAILIO_RPC_UNREACHABLE', `${method}: ${err.message}`)));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            // jsonrpcs answers RPC-level errors with HTTP 400/500 AND a JSON error object
            let parsed: { result?: unknown; error?: { code?: number; message?: string } } | undefined;
            try {
              parsed = JSON.parse(text);
            } catch {
              parsed = undefined;
            }
            if (parsed?.error) {
              reject(new KamailioRpcError('SUSURRO_KAMAILIO_RPC_ERROR', `${method}: ${parsed.error.message ?? 'error'}`, parsed.error.code));
              return;
            }
            if (res.statusCode !== 200) {
              reject(new KamailioRpcError('SUSURRO_KAMAILIO_RPC_HTTP', `${method}: HTTP ${res.statusCode}`));
              return;
            }
            if (parsed === undefined) {
              reject(new KamailioRpcError('SUSURRO_KAMAILIO_RPC_BAD_REPLY', `${method}: reply is not JSON`));
              return;
            }
            resolve(parsed.result as T);
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timed out after ${this.#timeoutMs} ms`)));
      req.on('error', (err) => reject(new KamailioRpcError('SUSURRO_KAMAILIO_RPC_UNREACHABLE', `${method}: ${err.message}`)));
      req.end(body);
    });
  }
}
