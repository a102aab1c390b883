import fp from 'fastify-plugin';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isUniqueViolation } from '../../db/index.ts';
import { ApiErrors, BODY_LIMIT, apiErrorBody, errorResponseSchema } from '../errors.ts';

/**
 * One error handler for the whole service: every error leaves as
 * { statusCode, code: SUSURRO_API_*, error, message } — route errors, validation, Fastify's own
 * errors (bad JSON, wrong content type, too large, unknown route) and the errors Fastify raises
 * before routing (malformed URL: `frameworkErrors`, wired in app.ts). Validation errors get a
 * plain-language message naming the field; unexpected errors are logged and answered with a
 * bare 500 (no stack, no SQL, no secrets).
 */
const FIELD_HINTS: Record<string, string> = {
  extension: 'extension must be 2 to 8 digits, e.g. "201"',
  username: 'username must be 2 to 32 characters: lower-case letters, digits, ".", "_" or "-", starting with a letter',
  displayName: 'displayName must be 1 to 64 characters',
  password: 'password must be a string of 12 to 128 characters',
  limit: 'limit must be an integer from 1 to 500',
  offset: 'offset must be an integer ≥ 0',
};

function validationMessage(err: FastifyError): string {
  const parts = (err.validation ?? []).map((v) => {
    const missing = (v.params as { missingProperty?: string }).missingProperty;
    const additional = (v.params as { additionalProperty?: string }).additionalProperty;
    const field = missing ?? v.instancePath.split('/').filter(Boolean).pop() ?? '';
    if (missing) return `${err.validationContext ?? 'body'}: "${missing}" is required`;
    if (additional) return `${err.validationContext ?? 'body'}: unknown field "${additional}"`;
    return FIELD_HINTS[field] ?? `${err.validationContext ?? 'body'}${v.instancePath ? v.instancePath.replace(/\//g, '.') : ''} ${v.message ?? 'is invalid'}`;
  });
  return parts.length ? parts.join('; ') : err.message;
}

/**
 * Driver codes meaning "the database cannot be reached right now" (503, retry) rather
 * than a bug (500): closed pool, refused/reset connection, PostgreSQL admin shutdown
 * or connection failure (SQLSTATE class 08, 57P01..03), SQLite busy past busy_timeout.
 */
const DB_UNAVAILABLE = new Set([
  'SUSURRO_DB_CLOSED', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P02', '57P03',
  '08000', '08001', '08003', '08006', 'SQLITE_BUSY',
  // read-only database (read-only file system or mount, query_only): refused write, retry later
  'SQLITE_READONLY', '25006' /* PostgreSQL read_only_sql_transaction (hot standby) */,
]);

/** Fastify's own pre-routing and body-parsing errors, in the project's codes. */
function fastifyError(error: FastifyError, request: FastifyRequest): FastifyError | null {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return new ApiErrors.SUSURRO_API_BAD_REQUEST('the URL is not valid (bad percent-encoding)');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new ApiErrors.SUSURRO_API_BAD_REQUEST('a URL parameter is too long');
    case 'FST_ERR_ASYNC_CONSTRAINT':
      return new ApiErrors.SUSURRO_API_INTERNAL();
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiErrors.SUSURRO_API_PAYLOAD_TOO_LARGE(String(BODY_LIMIT));
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      // The type is echoed only as a bounded token; it is the client's own header.
      return new ApiErrors.SUSURRO_API_UNSUPPORTED_MEDIA_TYPE(JSON.stringify(String(request.headers['content-type'] ?? 'none').slice(0, 64)));
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiErrors.SUSURRO_API_VALIDATION('request body: empty, but the content type is JSON');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiErrors.SUSURRO_API_VALIDATION(`request body: ${error.message}`);
    default:
      return error instanceof SyntaxError ? new ApiErrors.SUSURRO_API_VALIDATION(`request body: ${error.message}`) : null;
  }
}

/** Any error → the SUSURRO_API_* error the client sees. */
export function toApiError(error: FastifyError, request: FastifyRequest): FastifyError {
  if (error.validation) return new ApiErrors.SUSURRO_API_VALIDATION(validationMessage(error));
  if (DB_UNAVAILABLE.has(String(error.code))) {
    request.log.error({ err: { code: error.code, message: error.message } }, 'database unavailable');
    return new ApiErrors.SUSURRO_API_UNAVAILABLE('database unavailable; retry shortly');
  }
  if (isUniqueViolation(error)) return new ApiErrors.SUSURRO_API_CONFLICT('already exists');
  if (error.statusCode === 429) {
    return error.code === 'SUSURRO_API_RATE_LIMITED' ? error : new ApiErrors.SUSURRO_API_RATE_LIMITED('a minute');
  }
  if (error.code?.startsWith('SUSURRO_API_')) return error;
  const known = fastifyError(error, request);
  if (known) return known;
  const status = error.statusCode ?? 500;
  if (status >= 500) {
    request.log.error({ err: { code: error.code, message: error.message } }, 'unexpected error');
    return new ApiErrors.SUSURRO_API_INTERNAL();
  }
  if (status === 404) return new ApiErrors.SUSURRO_API_NOT_FOUND('resource');
  return new ApiErrors.SUSURRO_API_BAD_REQUEST(error.message);
}

export function sendApiError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const body = apiErrorBody(toApiError(error, request));
  void reply.code(body.statusCode).header('cache-control', 'no-store').send(body);
}

export const errorsPlugin = fp(
  async (app: FastifyInstance) => {
    app.addSchema(errorResponseSchema);
    app.setErrorHandler(sendApiError);
    app.setNotFoundHandler((request, reply) => {
      void reply.code(404).header('cache-control', 'no-store').send(
        apiErrorBody(new ApiErrors.SUSURRO_API_NOT_FOUND(`route ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}`)),
      );
    });
  },
  { fastify: '5.x', name: 'susurro-errors' },
);
