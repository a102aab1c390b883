import type { FastifyRequest, FastifyServerOptions } from 'fastify';
import type { LogLevel } from '../config/index.ts';

/**
 * The admin API's log: Fastify's own logger (pino), one JSON line per event, at the configured
 * `logLevel`. Secrets never reach it:
 *  - requests are logged as method, path (query string dropped), remote address — no headers, no body;
 *  - should any object with headers or credential fields be logged anyway (an error carrying a
 *    request, a debug line), pino's redaction replaces these paths with "[redacted]".
 * test/admin-api/logging.test.ts greps a whole run's log for every password and token it used.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["proxy-authorization"]',
  'headers.authorization', 'headers.cookie', 'res.headers["set-cookie"]',
  'body', 'req.body', 'request.body',
  '*.password', '*.newPassword', '*.currentPassword', '*.token', '*.credential', '*.turnSecret', '*.secret',
  'password', 'newPassword', 'currentPassword', 'token', 'credential',
];

export interface AdminLogOptions {
  level: LogLevel;
  /** Where the JSON lines go; default stdout (under `npm start`, the start log). */
  stream?: { write(line: string): void };
}

/** Fastify's `logger` option (pino options). */
export type FastifyLoggerOption = Exclude<FastifyServerOptions['logger'], boolean | undefined>;

export function adminLoggerOptions(opts: AdminLogOptions): FastifyLoggerOption {
  return {
    level: opts.level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      req: (req: FastifyRequest) => ({
        method: req.method,
        path: String(req.url).split('?')[0]!.slice(0, 200),
        remoteAddress: req.ip,
      }),
    },
    ...(opts.stream ? { stream: opts.stream } : {}),
  };
}
