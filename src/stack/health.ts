/** Health of each component, as reported by GET /health (contract: stack-api.md). */
import type { Db } from '../db/index.ts';
import type { KamailioRpc } from '../signaling/kamailio-rpc.ts';
import { stunBinding } from '../media-relay/stun-probe.ts';
import type { ManagedProcess } from './managed-process.ts';
import type { ComponentHealth } from '../admin-api/types.ts';

export type { ComponentHealth };

function processDetail(p: ManagedProcess): string | null {
  if (p.state === 'running') return null;
  return p.state === 'failed' ? 'process failed and is no longer restarted' : `process ${p.state}`;
}

/** kamailio is up when its process runs AND it answers JSON-RPC core.version. */
export async function kamailioHealth(proc: ManagedProcess, rpc: KamailioRpc): Promise<ComponentHealth> {
  const down = processDetail(proc);
  if (down) return { name: 'kamailio', up: false, detail: down };
  try {
    const version = await rpc.call<string>('core.version');
    return { name: 'kamailio', up: true, detail: String(version).trim() };
  } catch (err) {
    return { name: 'kamailio', up: false, detail: `JSON-RPC: ${(err as Error).message}` };
  }
}

/** turn is up when turnserver runs AND answers a STUN Binding request on its UDP port. */
export async function turnHealth(proc: ManagedProcess, host: string, port: number): Promise<ComponentHealth> {
  const down = processDetail(proc);
  if (down) return { name: 'turn', up: false, detail: down };
  const ok = await stunBinding(host, port, 1_000);
  return ok ? { name: 'turn', up: true } : { name: 'turn', up: false, detail: 'no STUN Binding response' };
}

export async function databaseHealth(db: Db): Promise<ComponentHealth> {
  try {
    await db.get('SELECT 1 AS one');
    return { name: 'database', up: true, detail: db.kind };
  } catch (err) {
    return { name: 'database', up: false, detail: (err as Error).message };
  }
}

/** chat is up when prosody runs AND answers on its admin socket (server:version()). */
export async function chatHealth(proc: ManagedProcess, control: { version(): Promise<string> }): Promise<ComponentHealth> {
  const down = processDetail(proc);
  if (down) return { name: 'chat', up: false, detail: down };
  try {
    return { name: 'chat', up: true, detail: `prosody ${await control.version()}` };
  } catch (err) {
    return { name: 'chat', up: false, detail: `admin socket: ${(err as Error).message}` };
  }
}
