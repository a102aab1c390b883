import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { SusurroConfig } from '../../config/index.ts';
import type { Db } from '../../db/index.ts';
import type { ChatSync } from '../services/chat-sync.ts';
import type { AppOptions, KamailioRpcLike, TurnCliLike, TurnCredentialIssuer } from '../types.ts';

/**
 * Shared infrastructure, lifted to the root context on purpose (fastify-plugin):
 * the database, configuration, live-control clients and options every resource
 * plugin uses. Decorated once, up front, so the instance shape is fixed.
 */
export interface SusurroContext {
  config: SusurroConfig;
  db: Db;
  rpc: KamailioRpcLike | null;
  turnCli: TurnCliLike | null;
  turnCredentials: TurnCredentialIssuer;
  options: AppOptions;
  /** The chat fan-out (services/chat-sync.ts). */
  chat: ChatSync;
}

declare module 'fastify' {
  interface FastifyInstance {
    susurro: SusurroContext;
  }
}

export const contextPlugin = fp(
  async (app: FastifyInstance, ctx: SusurroContext) => {
    app.decorate('susurro', ctx);
  },
  { fastify: '5.x', name: 'susurro-context' },
);
