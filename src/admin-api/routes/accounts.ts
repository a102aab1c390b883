import type { FastifyInstance } from 'fastify';
import {
  createAccountRow,
  deleteAccountRow,
  disableAccountRow,
  enableAccountRow,
  findAccount,
  isUniqueViolation,
  listAccounts,
  setAccountPassword,
  type AccountStatus,
} from '../../db/index.ts';
import { ApiErrors } from '../errors.ts';
import { BEARER } from '../plugins/auth.ts';
import { generatePassword, passwordWeakness } from '../services/passwords.ts';
import { liveAllOk, revokeLive, type LiveRevocation } from '../services/revocation.ts';
import { chatInStep } from '../services/chat-sync.ts';
import { audit } from './audit-helper.ts';
import {
  DISPLAY_NAME,
  EXTENSION,
  PASSWORD_IN,
  USERNAME,
  accountSchema,
  chatOutcome,
  errorResponses,
  liveSchema,
  pagedQuerystring,
  pagedResponse,
  publicAccount,
} from './schemas.ts';

/**
 * /api/v1/accounts — the staff accounts (one encapsulated plugin). Every write
 * changes Kamailio's `subscriber` and `susurro_account` in one transaction
 * (src/db/accounts-repo.ts); disable, reset and delete then cut live sessions
 * and report each live action's outcome.
 */
const extParam = { type: 'object', required: ['extension'], properties: { extension: EXTENSION } } as const;
const oneTimePassword = {
  type: 'string',
  description: 'Present only when the server generated the password: shown this once, never stored in clear text',
} as const;

export async function accountsRoutes(app: FastifyInstance) {
  app.addHook('onRequest', app.requireAdmin);
  const { db, config, options } = app.susurro;
  const tags = ['accounts'];

  async function live(extension: string): Promise<LiveRevocation> {
    return revokeLive(
      { extension, domain: config.domain },
      { rpc: app.susurro.rpc, turnCli: app.susurro.turnCli, turnCredentials: app.susurro.turnCredentials, timeoutMs: options.liveActionTimeoutMs },
    );
  }
  const liveDetail = (l: LiveRevocation) => ({
    registrations: l.registrations,
    websockets: l.websockets,
    calls: l.calls,
    turn: l.turn,
  });
  /** Fan-out to the chat server (issue 17), after the database committed; see chat-sync.ts. */
  const chat = (extension: string, endSessions: boolean) => app.susurro.chat.apply(extension, { endSessions });

  /** A chosen password, checked against what an attacker knows of the account (and the SIP domain). */
  function checkPassword(password: string, userInputs: string[]) {
    const weak = passwordWeakness(password, [...userInputs, config.domain]);
    if (weak) throw new ApiErrors.SUSURRO_API_WEAK_PASSWORD(weak);
  }

  app.get<{ Querystring: { limit: number; offset: number; q?: string; status?: AccountStatus } }>(
    '/accounts',
    {
      schema: {
        tags,
        summary: 'List accounts (paged, optional case-insensitive search)',
        security: BEARER,
        querystring: pagedQuerystring({
          q: { type: 'string', maxLength: 64, description: 'substring of extension, username or display name' },
          status: { type: 'string', enum: ['active', 'disabled'] },
        }),
        response: {
          200: pagedResponse(accountSchema),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { limit, offset, q, status } = request.query;
      const r = await listAccounts(db, { limit, offset, ...(q ? { search: q } : {}), ...(status ? { status } : {}) });
      return { total: r.total, limit, offset, items: r.items.map(publicAccount) };
    },
  );

  app.post<{ Body: { extension: string; username: string; displayName: string; password?: string } }>(
    '/accounts',
    {
      schema: {
        tags,
        summary: 'Create an account; without "password" one is generated (100 bits) and returned once',
        security: BEARER,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['extension', 'username', 'displayName'],
          properties: { extension: EXTENSION, username: USERNAME, displayName: DISPLAY_NAME, password: PASSWORD_IN },
        },
        response: {
          201: { type: 'object', required: ['account', 'chat'], properties: { account: accountSchema, password: oneTimePassword, chat: chatOutcome } },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { extension, username, displayName } = request.body;
      const generated = request.body.password === undefined;
      const password = request.body.password ?? generatePassword();
      if (!generated) checkPassword(password, [username, extension, displayName]);
      await assertFree(extension, username);
      let account;
      try {
        account = await createAccountRow(db, { extension, username, displayName, password, domain: config.domain }, options.now());
      } catch (err) {
        if (isUniqueViolation(err)) throw new ApiErrors.SUSURRO_API_CONFLICT('extension or username already exists');
        throw err;
      }
      const c = await chat(extension, false);
      await audit(app, request, {
        action: 'account.create',
        target: extension,
        outcome: chatInStep(c) ? 'ok' : 'partial',
        detail: { username, displayName, passwordGenerated: generated, chat: c },
      });
      void reply.code(201);
      return generated ? { account: publicAccount(account), password, chat: c } : { account: publicAccount(account), chat: c };
    },
  );

  async function assertFree(extension: string, username: string) {
    const taken = await db.get<{ extension: string; username: string }>(
      'SELECT extension, username FROM susurro_account WHERE extension = ? OR username = ?',
      [extension, username],
    );
    if (taken?.extension === extension) throw new ApiErrors.SUSURRO_API_CONFLICT(`extension ${extension} is already taken`);
    if (taken) throw new ApiErrors.SUSURRO_API_CONFLICT(`username ${username} is already taken`);
    const orphan = await db.get('SELECT id FROM subscriber WHERE username = ? AND domain = ?', [extension, config.domain]);
    if (orphan) throw new ApiErrors.SUSURRO_API_CONFLICT(`extension ${extension} exists in Kamailio's subscriber table (created outside susurro)`);
  }

  app.get<{ Params: { extension: string } }>(
    '/accounts/:extension',
    {
      schema: {
        tags,
        summary: 'Show one account',
        security: BEARER,
        params: extParam,
        response: { 200: accountSchema, ...errorResponses },
      },
    },
    async (request) => {
      const a = await findAccount(db, request.params.extension);
      if (!a) throw new ApiErrors.SUSURRO_API_NOT_FOUND(`account ${request.params.extension}`);
      return publicAccount(a);
    },
  );

  app.post<{ Params: { extension: string }; Body: { password?: string } | undefined }>(
    '/accounts/:extension/reset-password',
    {
      schema: {
        tags,
        summary: 'Set a new password (generated unless given); ends the account’s phone sessions, registrations and calls',
        security: BEARER,
        params: extParam,
        body: { type: ['object', 'null'], additionalProperties: false, properties: { password: PASSWORD_IN } },
        response: {
          200: { type: 'object', required: ['account', 'live', 'chat'], properties: { account: accountSchema, password: oneTimePassword, live: liveSchema, chat: chatOutcome } },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const ext = request.params.extension;
      const existing = await findAccount(db, ext);
      if (!existing) throw new ApiErrors.SUSURRO_API_NOT_FOUND(`account ${ext}`);
      const supplied = request.body?.password;
      if (supplied !== undefined) checkPassword(supplied, [existing.username, ext, existing.displayName]);
      const password = supplied ?? generatePassword();
      const account = await setAccountPassword(db, ext, password, options.now());
      if (!account) throw new ApiErrors.SUSURRO_API_NOT_FOUND(`account ${ext}`);
      // Sessions that authenticated with the old password must not outlive it.
      const [l, c] = await Promise.all([live(ext), chat(ext, true)]);
      await audit(app, request, {
        action: 'account.reset-password',
        target: ext,
        outcome: liveAllOk(l) && chatInStep(c) ? 'ok' : 'partial',
        detail: { passwordGenerated: supplied === undefined, ...liveDetail(l), chat: c },
      });
      return supplied === undefined ? { account: publicAccount(account), password, live: l, chat: c } : { account: publicAccount(account), live: l, chat: c };
    },
  );

  app.post<{ Params: { extension: string } }>(
    '/accounts/:extension/disable',
    {
      schema: {
        tags,
        summary: 'Revoke: disable in the database, then cut registrations, WebSockets, calls and TURN sessions',
        security: BEARER,
        params: extParam,
        response: {
          200: {
            type: 'object',
            required: ['account', 'disabled', 'live', 'chat'],
            properties: { account: accountSchema, disabled: { type: 'boolean' }, live: liveSchema, chat: chatOutcome },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const ext = request.params.extension;
      const r = await disableAccountRow(db, ext, options.now());
      if (!r) throw new ApiErrors.SUSURRO_API_NOT_FOUND(`account ${ext}`);
      // Live actions run even when already disabled: a retry repairs an earlier partial revocation.
      const [l, c] = await Promise.all([live(ext), chat(ext, true)]);
      await audit(app, request, {
        action: 'account.disable',
        target: ext,
        outcome: liveAllOk(l) && chatInStep(c) ? 'ok' : 'partial',
        detail: { alreadyDisabled: !r.changed, ...liveDetail(l), chat: c },
      });
      return { account: publicAccount(r.account), disabled: true, live: l, chat: c };
    },
  );

  app.post<{ Params: { extension: string } }>(
    '/accounts/:extension/enable',
    {
      schema: {
        tags,
        summary: 'Re-enable a disabled account (its previous password works again)',
        security: BEARER,
        params: extParam,
        response: { 200: { type: 'object', required: ['account', 'chat'], properties: { account: accountSchema, chat: chatOutcome } }, ...errorResponses },
      },
    },
    async (request) => {
      const ext = request.params.extension;
      const r = await enableAccountRow(db, ext, options.now());
      if (!r) throw new ApiErrors.SUSURRO_API_NOT_FOUND(`account ${ext}`);
      const c = await chat(ext, false);
      await audit(app, request, { action: 'account.enable', target: ext, outcome: chatInStep(c) ? 'ok' : 'partial', detail: { alreadyActive: !r.changed, chat: c } });
      return { account: publicAccount(r.account), chat: c };
    },
  );

  app.delete<{ Params: { extension: string } }>(
    '/accounts/:extension',
    {
      schema: {
        tags,
        summary: 'Delete an account (both tables), then cut its live sessions',
        security: BEARER,
        params: extParam,
        response: {
          200: {
            type: 'object',
            required: ['deleted', 'extension', 'live', 'chat'],
            properties: { deleted: { type: 'boolean' }, extension: { type: 'string' }, live: liveSchema, chat: chatOutcome },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const ext = request.params.extension;
      const a = await deleteAccountRow(db, ext);
      if (!a) throw new ApiErrors.SUSURRO_API_NOT_FOUND(`account ${ext}`);
      const [l, c] = await Promise.all([live(ext), chat(ext, true)]);
      await audit(app, request, {
        action: 'account.delete',
        target: ext,
        outcome: liveAllOk(l) && chatInStep(c) ? 'ok' : 'partial',
        detail: { username: a.username, ...liveDetail(l), chat: c },
      });
      return { deleted: true, extension: ext, live: l, chat: c };
    },
  );
}
