/**
 * JSON schemas shared by the resource plugins. Response schemas are whitelists:
 * fast-json-stringify emits only the listed properties, so ha1/ha1b, password
 * hashes and token hashes cannot leak even if a row object carries them.
 */
export const EXTENSION = { type: 'string', pattern: '^[0-9]{2,8}$', description: 'extension number, 2–8 digits' } as const;
export const USERNAME = {
  type: 'string',
  pattern: '^[a-z][a-z0-9._-]{1,31}$',
  description: 'lower-case login name, 2–32 characters',
} as const;
export const DISPLAY_NAME = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[^\\u0000-\\u001f\\u007f]+$' } as const;
export const PASSWORD_IN = { type: 'string', minLength: 1, maxLength: 128 } as const;
export const ISO_TIME = { type: 'string', format: 'date-time' } as const;

export const accountSchema = {
  type: 'object',
  required: ['extension', 'username', 'displayName', 'status', 'createdAt', 'updatedAt'],
  properties: {
    extension: { type: 'string' },
    username: { type: 'string' },
    displayName: { type: 'string' },
    status: { type: 'string', enum: ['active', 'disabled'] },
    createdAt: ISO_TIME,
    updatedAt: ISO_TIME,
    disabledAt: { type: ['string', 'null'] },
  },
} as const;

export const adminSchema = {
  type: 'object',
  required: ['username', 'status', 'createdAt'],
  properties: {
    username: { type: 'string' },
    status: { type: 'string', enum: ['active', 'disabled'] },
    createdAt: ISO_TIME,
    createdBy: { type: ['string', 'null'] },
    passwordChangedAt: { type: ['string', 'null'] },
  },
} as const;

const liveOutcome = { type: 'string', description: '"ok" or "failed: <reason>"' } as const;
/** The chat fan-out's outcome (services/chat-sync.ts): a failure is retried until Prosody is in step. */
export const chatOutcome = {
  type: 'string',
  description: '"ok"; "failed: <reason>; retrying" while Prosody (XMPP chat) is not yet in step; "off" without a chat server',
} as const;

export const liveSchema = {
  type: 'object',
  description: 'Outcome of the live revocation actions run after the database commit',
  required: ['registrations', 'websockets', 'calls', 'turn', 'counts'],
  properties: {
    registrations: liveOutcome,
    websockets: liveOutcome,
    calls: liveOutcome,
    turn: liveOutcome,
    counts: {
      type: 'object',
      properties: {
        registrations: { type: 'integer' },
        websockets: { type: 'integer' },
        calls: { type: 'integer' },
        turn: { type: 'integer' },
        sipTlsLeftOpen: { type: 'integer', description: 'registrations over plain SIP/TLS whose idle connection Kamailio cannot close' },
      },
    },
  },
} as const;

export const pagingQuery = {
  limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  offset: { type: 'integer', minimum: 0, maximum: 1_000_000, default: 0 },
} as const;

/** Querystring of a paged list: limit/offset (pagingQuery) plus the list's own filters, nothing else. */
export function pagedQuerystring<Filters extends Record<string, object>>(filters: Filters) {
  return { type: 'object', additionalProperties: false, properties: { ...pagingQuery, ...filters } } as const;
}

/** 200 response of a paged list: one page of `items`, the total count and the paging echoed back. */
export function pagedResponse<Item extends object>(items: Item) {
  return {
    type: 'object',
    required: ['total', 'limit', 'offset', 'items'],
    properties: { total: { type: 'integer' }, limit: { type: 'integer' }, offset: { type: 'integer' }, items: { type: 'array', items } },
  } as const;
}

export const turnSchema = {
  type: 'object',
  required: ['urls', 'username', 'credential', 'ttl'],
  properties: {
    urls: { type: 'array', items: { type: 'string' } },
    username: { type: 'string' },
    credential: { type: 'string' },
    ttl: { type: 'integer' },
  },
} as const;

export const errorResponses = {
  400: { $ref: 'ApiError#' },
  401: { $ref: 'ApiError#' },
  403: { $ref: 'ApiError#' },
  404: { $ref: 'ApiError#' },
  409: { $ref: 'ApiError#' },
  429: { $ref: 'ApiError#' },
  500: { $ref: 'ApiError#' },
} as const;

/** The public row shape; drops anything else a row may carry. */
export function publicAccount(a: {
  extension: string;
  username: string;
  displayName: string;
  status: string;
  createdAt: string;
  updatedAt: string;
  disabledAt: string | null;
}) {
  return {
    extension: a.extension,
    username: a.username,
    displayName: a.displayName,
    status: a.status,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
    disabledAt: a.disabledAt,
  };
}
