import { renderSas } from '../../../src/zrtp/sas.ts';

/**
 * The stronger SAS check of issue #6: instead of a yes/no (which people tend to answer
 * "yes" without listening), the listener hides their own code and picks the one they hear
 * among three — the true SAS and two decoys rendered the same way (RFC 6189 §5.1.6 B32
 * or the PGP word list for B256). A wrong pick counts as "does not match".
 *
 * Decoys come from fresh random SAS hashes, so they are uniformly distributed over the
 * SAS space and carry no information about the real value.
 */
export function sasChoices(sas: string, sasType: 'B32' | 'B256', random: (n: number) => Uint8Array): string[] {
  if (typeof sas !== 'string' || sas.length === 0) throw new TypeError('sas must be a non-empty string');
  const choices = new Set<string>([sas]);
  for (let i = 0; i < 50 && choices.size < 3; i++) choices.add(renderSas(sasType, random(32)));
  if (choices.size < 3) throw new Error('could not draw distinct decoys');
  // Fisher–Yates with rejection sampling (no modulo bias).
  const out = [...choices];
  for (let i = out.length - 1; i > 0; i--) {
    let r: number;
    do r = random(1)[0]!; while (r >= 256 - (256 % (i + 1)));
    const j = r % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
