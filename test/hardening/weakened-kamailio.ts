/**
 * Positive controls for the attack tests: restart the stack's Kamailio with a weakened copy of
 * the config it really runs (the rendered kamailio.cfg, text-mutated here in the test; the
 * product has no switch for this), so a test can show that the very same attack reaches the
 * victim once one guard is gone, i.e. that its probe would see the attack.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { TestStack } from '../support/stack.ts';

const originals = new Map<string, string>();

/** `cfg` with every occurrence of `guard` replaced; fails unless it occurs exactly `count` times. */
export function weaken(cfg: string, guard: string, replacement = '', count = 1): string {
  const found = cfg.split(guard).length - 1;
  if (found !== count) throw new Error(`weaken: "${guard}" occurs ${found} times in kamailio.cfg, expected ${count}`);
  return cfg.replaceAll(guard, replacement);
}

/** Restarts Kamailio with mutate(rendered config) (or the original when mutate is undefined). */
export async function restartKamailio(t: TestStack, mutate?: (cfg: string) => string): Promise<void> {
  const file = t.stack.kamailioFiles.cfgFile;
  const original = originals.get(file) ?? readFileSync(file, 'utf8');
  originals.set(file, original);
  await t.stack.kamailio.stop();
  writeFileSync(file, mutate ? mutate(original) : original);
  await t.stack.kamailio.start();
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await t.stack.rpc.call('core.version');
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`kamailio did not come back with the weakened config: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
