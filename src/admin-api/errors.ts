import { STATUS_CODES } from 'node:http';
import createError from '@fastify/error';

/**
 * Every error the admin API returns, with a stable code (the `code` field of the
 * JSON error body). One registry, documented in docs/api-errors.md; a test fails
 * when the two disagree. Messages never contain secrets.
 */
export const ApiErrors = {
  SUSURRO_API_VALIDATION: createError('SUSURRO_API_VALIDATION', '%s', 400),
  SUSURRO_API_PAYLOAD_TOO_LARGE: createError('SUSURRO_API_PAYLOAD_TOO_LARGE', 'request body larger than %s bytes', 413),
  SUSURRO_API_UNSUPPORTED_MEDIA_TYPE: createError('SUSURRO_API_UNSUPPORTED_MEDIA_TYPE', 'request body must be application/json (got %s)', 415),
  SUSURRO_API_BAD_REQUEST: createError('SUSURRO_API_BAD_REQUEST', 'malformed request: %s', 400),
  SUSURRO_API_WEAK_PASSWORD: createError('SUSURRO_API_WEAK_PASSWORD', 'password too weak: %s', 400),
  SUSURRO_API_UNAUTHENTICATED: createError('SUSURRO_API_UNAUTHENTICATED', 'authentication required: send "Authorization: Bearer <token>"', 401),
  SUSURRO_API_TOKEN_INVALID: createError('SUSURRO_API_TOKEN_INVALID', 'token unknown, expired or revoked; log in again', 401),
  SUSURRO_API_BAD_CREDENTIALS: createError('SUSURRO_API_BAD_CREDENTIALS', 'wrong user name or password', 401),
  SUSURRO_API_ADMIN_DISABLED: createError('SUSURRO_API_ADMIN_DISABLED', 'this administrator is disabled', 403),
  SUSURRO_API_ACCOUNT_DISABLED: createError('SUSURRO_API_ACCOUNT_DISABLED', 'this account is disabled', 403),
  SUSURRO_API_PROVISIONING_DENIED: createError('SUSURRO_API_PROVISIONING_DENIED', 'provisioning link unknown, expired or revoked; ask your administrator for a new one', 403),
  SUSURRO_API_NOT_FOUND: createError('SUSURRO_API_NOT_FOUND', '%s not found', 404),
  SUSURRO_API_CONFLICT: createError('SUSURRO_API_CONFLICT', '%s', 409),
  SUSURRO_API_LAST_ADMIN: createError('SUSURRO_API_LAST_ADMIN', 'refused: %s', 409),
  SUSURRO_API_RATE_LIMITED: createError('SUSURRO_API_RATE_LIMITED', 'too many attempts; retry in %s', 429),
  SUSURRO_API_UNAVAILABLE: createError('SUSURRO_API_UNAVAILABLE', '%s', 503),
  SUSURRO_API_INTERNAL: createError('SUSURRO_API_INTERNAL', 'internal error', 500),
} as const;

/** Largest accepted request body: every API body is a few small fields. */
export const BODY_LIMIT = 64 * 1024;

export type ApiErrorCode = keyof typeof ApiErrors;
export const API_ERROR_CODES = Object.keys(ApiErrors) as ApiErrorCode[];

/** The JSON body of an error response: the one shape every error leaves in. */
export function apiErrorBody(e: { statusCode?: number; code: string; message: string }): ApiErrorBody {
  const statusCode = e.statusCode ?? 500;
  return { statusCode, code: e.code, error: STATUS_CODES[statusCode] ?? 'Error', message: e.message };
}

export interface ApiErrorBody {
  statusCode: number;
  code: string;
  error: string;
  message: string;
}

/** JSON body of every error response (also the OpenAPI schema of 4xx/5xx). */
export const errorResponseSchema = {
  $id: 'ApiError',
  type: 'object',
  required: ['statusCode', 'code', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string', description: 'stable SUSURRO_API_* code, see docs/api-errors.md' },
    error: { type: 'string' },
    message: { type: 'string' },
  },
} as const;
