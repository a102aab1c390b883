import type { FastifyRequest } from 'fastify';
import type { AppOptions } from '../types.ts';

/**
 * Per-route @fastify/rate-limit policy for the two login endpoints. The key is the
 * client IP plus the identity tried (admin name or extension): guessing one account's
 * password is limited to `max` attempts per window, while a whole office behind one
 * NAT address can still log its softphones in at 9:00. Counted in preHandler, after
 * body validation, so the identity is known (a malformed body is refused with 400
 * before it counts).
 */
export function loginRateLimit(options: AppOptions, field: 'username' | 'extension') {
  return {
    max: options.loginRateLimit.max,
    timeWindow: options.loginRateLimit.timeWindowMs,
    hook: 'preHandler' as const,
    keyGenerator: (request: FastifyRequest) => {
      const who = (request.body as Record<string, unknown> | undefined)?.[field];
      return `${request.ip}|${field}|${typeof who === 'string' ? who.toLowerCase() : ''}`;
    },
  };
}
