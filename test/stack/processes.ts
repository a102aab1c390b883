import { readFileSync, readdirSync } from 'node:fs';

/**
 * Is a process with this PID alive? A zombie (exited, not yet reaped by its parent or by a
 * subreaper) does not count: it holds no sockets and runs no code.
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** PIDs of every live (non-zombie) process whose command line mentions `text` (e.g. a stack's temp dir). */
export function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (cmd.includes(text) && !/\) Z /.test(stat)) pids.push(Number(entry));
    } catch {
      // process vanished meanwhile
    }
  }
  return pids;
}
