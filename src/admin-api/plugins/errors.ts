import { STATUS_CODES } from 'node:http';
import fp from 'fastify-plugin';
import type { FastifyError, FastifyInstance } from 'fastify';
import { isUniqueViolation } from '../../db/index.ts';
import { ApiErrors, BODY_LIMIT, errorResponseSchema } from '../errors.ts';

/**
 * One error handler for the whole service: every error leaves as
 * { statusCode, code: SUSURRO_API_*, error, message }. Validation errors get a
 * plain-language message naming the field; unexpected errors are logged and
 * answered with a bare 500 (no stack, no SQL, no secrets).
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

export const errorsPlugin = fp(
  async (app: FastifyInstance) => {
    app.addSchema(errorResponseSchema);
    app.setErrorHandler((error: FastifyError, request, reply) => {
      let e: FastifyError = error;
      if (error.validation) {
        e = new ApiErrors.SUSURRO_API_VALIDATION(validationMessage(error));
      } else if (DB_UNAVAILABLE.has(String(error.code))) {
        request.log.error({ err: { code: error.code, message: error.message } }, 'database unavailable');
        e = new ApiErrors.SUSURRO_API_UNAVAILABLE('database unavailable; retry shortly');
      } else if (isUniqueViolation(error)) {
        e = new ApiErrors.SUSURRO_API_CONFLICT('already exists');
      } else if (error.statusCode === 429) {
        e = error.code === 'SUSURRO_API_RATE_LIMITED' ? error : new ApiErrors.SUSURRO_API_RATE_LIMITED('a minute');
      } else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        e = new ApiErrors.SUSURRO_API_PAYLOAD_TOO_LARGE(String(BODY_LIMIT));
      } else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) {
        e = new ApiErrors.SUSURRO_API_VALIDATION(`request body: ${error.message}`);
      } else if (!error.code?.startsWith('SUSURRO_API_')) {
        const status = error.statusCode ?? 500;
        if (status >= 500) {
          request.log.error({ err: { code: error.code, message: error.message } }, 'unexpected error');
          e = new ApiErrors.SUSURRO_API_INTERNAL();
        } else if (status === 404) {
          e = new ApiErrors.SUSURRO_API_NOT_FOUND('resource');
        } else {
          e = new ApiErrors.SUSURRO_API_VALIDATION(error.message);
        }
      }
      const statusCode = e.statusCode ?? 500;
      void reply.code(statusCode).send({
        statusCode,
        code: e.code,
        error: STATUS_CODES[statusCode] ?? 'Error',
        message: e.message,
      });
    });
    app.setNotFoundHandler((request, reply) => {
      void reply.code(404).send({
        statusCode: 404,
        code: 'SUSURRO_API_NOT_FOUND',
        error: 'Not Found',
        message: `route ${request.method} ${request.url.split('?')[0]} not found`,
      });
    });
  },
  { fastify: '5.x', name: 'susurro-errors' },
);
