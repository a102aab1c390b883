/**
 * Log retention (docs/privacy.md): the files the stack's engines append to under <dataDir>/run
 * (kamailio.log, turnserver*.log, prosody.log) hold source addresses and extensions, so they must
 * not grow forever. Once a day (and at start) each *.log is copied to <name>.<YYYY-MM-DD> and
 * truncated in place — copytruncate, because Kamailio, coturn and Prosody keep their descriptors
 * open in append mode — and copies older than `retentionDays` are deleted.
 * The clock is injected so the policy is tested without waiting days.
 */
import { copyFileSync, readdirSync, statSync, truncateSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

const DAY_MS = 86_400_000;
const ROTATED = /^(.+\.log)\.(\d{4}-\d{2}-\d{2})$/;

export interface RotationResult { rotated: string[]; deleted: string[] }

/** Rotates every non-empty *.log in `runDir` to a dated copy and deletes copies older than `retentionDays`. */
export function rotateLogs(runDir: string, retentionDays: number, now: Date): RotationResult {
  const day = now.toISOString().slice(0, 10);
  const rotated: string[] = [];
  const deleted: string[] = [];
  for (const name of readdirSync(runDir)) {
    const path = join(runDir, name);
    if (name.endsWith('.log') && statSync(path).size > 0) {
      // A second rotation on the same day appends a counter rather than overwriting the copy.
      let target = `${path}.${day}`;
      for (let i = 1; readdirSync(runDir).includes(target.slice(runDir.length + 1)); i++) target = `${path}.${day}.${i}`;
      copyFileSync(path, target);
      truncateSync(path, 0);
      rotated.push(target.slice(runDir.length + 1));
    }
  }
  const cutoff = Date.parse(`${day}T00:00:00Z`) - retentionDays * DAY_MS;
  for (const name of readdirSync(runDir)) {
    const m = ROTATED.exec(name.replace(/\.\d+$/, ''));
    if (m && Date.parse(`${m[2]}T00:00:00Z`) < cutoff) {
      unlinkSync(join(runDir, name));
      deleted.push(name);
    }
  }
  return { rotated, deleted };
}

/** Rotates now and then every day; returns the function that stops the timer. */
export function scheduleLogRotation(runDir: string, retentionDays: number, clock: () => Date = () => new Date()): () => void {
  rotateLogs(runDir, retentionDays, clock());
  const timer = setInterval(() => { rotateLogs(runDir, retentionDays, clock()); }, DAY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
