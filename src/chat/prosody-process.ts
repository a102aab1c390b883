/**
 * Starts the managed Prosody under the stack's supervisor (src/stack/managed-process.ts), like
 * Kamailio and coturn: config rendered into the runtime directory, its own data directory
 * <dataDir>/chat (0700), restarted on an unexpected exit.
 */
import { existsSync, mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import type { SusurroConfig } from '../config/index.ts';
import { ManagedProcess, type ProcessSpec } from '../stack/managed-process.ts';
import { writeProsodyConfig, type ChatTurnSource, type ProsodyFiles } from './prosody-config.ts';
import { ProsodyControl } from './prosody-control.ts';

export interface ManagedProsody {
  files: ProsodyFiles;
  process: ManagedProcess;
  control: ProsodyControl;
}

export async function startProsody(
  config: SusurroConfig,
  runDir: string,
  tls: { certFile: string; keyFile: string },
  restart: Pick<ProcessSpec, 'maxRestarts' | 'restartWindowMs' | 'initialBackoffMs'>,
  turn: ChatTurnSource | null = null,
): Promise<ManagedProsody> {
  if (!config.chat) throw new Error('config.chat is missing (loadConfig fills it)');
  const files = writeProsodyConfig(config, runDir, tls, turn);
  mkdirSync(files.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(files.dataDir, 0o700);
  const control = new ProsodyControl(files.socketFile, config.chat.domain, files.groupsFile);
  // mod_groups needs its file at load; the admin service fills it (chat-sync.ts)
  if (!existsSync(files.groupsFile)) writeFileSync(files.groupsFile, '', { mode: 0o600 });
  const proc = new ManagedProcess({
    name: 'prosody',
    command: 'prosody',
    // -F: foreground (the supervisor owns the process)
    args: ['--config', files.cfgFile, '-F'],
    logFile: `${files.logFile}.stdout`,
    cwd: runDir,
    ...restart,
  });
  await proc.start();
  return { files, process: proc, control };
}
