import type { FastifyInstance } from 'fastify';
import type { TurnCliLike, TurnCredentialIssuer } from '../types.ts';

/**
 * Cleans up expired TURN credentials: deletes their rows (coturn already refuses them: its view
 * shows only unexpired rows) and cancels allocations still using them, because coturn keeps an
 * allocation's key in memory and would let Refresh extend it past the credential's expiry.
 * Runs in the admin service, the credential database's only writer. Logs counts, never names.
 */
export function sweepTurnCredentials(app: FastifyInstance, store: TurnCredentialIssuer, cli: TurnCliLike | null): Promise<void> {
  let expired: string[];
  try {
    expired = store.sweepExpired();
  } catch (err) {
    app.log.error({ code: 'SUSURRO_TURN_SWEEP', err: (err as Error).message }, 'TURN credential sweep failed');
    return Promise.resolve();
  }
  if (expired.length === 0 || !cli) return Promise.resolve();
  return cli.cancelUsernames(expired).then(
    (n) => void (n > 0 && app.log.info({ cancelled: n }, 'allocations of expired TURN credentials cancelled')),
    (err: unknown) => void app.log.warn({ code: 'SUSURRO_TURN_SWEEP', err: (err as Error).message }, 'cancelling allocations of expired TURN credentials failed'),
  );
}

/** Sweeps every `intervalMs` while the app runs (first sweep at ready). */
export function scheduleTurnSweep(app: FastifyInstance, store: TurnCredentialIssuer, cli: TurnCliLike | null, intervalMs: number): void {
  let timer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    void sweepTurnCredentials(app, store, cli);
    timer = setInterval(() => void sweepTurnCredentials(app, store, cli), intervalMs);
    timer.unref();
  });
  app.addHook('onClose', async () => clearInterval(timer));
}
