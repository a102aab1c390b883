import { readFileSync, readdirSync } from 'node:fs';

/** Is a process with this PID alive (signal 0 probe)? */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
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
