/**
 * The B32 alphabet and the PGP word lists (src/zrtp/pgp-words.ts) equal, word for word and in order, the tables
 * compiled into Debian's libbzrtp (the peer we interoperate with), read from the installed
 * shared object: a B256 SAS mismatch with Linphone would otherwise look like a MitM.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { PGP_WORDS_EVEN, PGP_WORDS_ODD } from '../../../src/zrtp/pgp-words.ts';
import { B32_ALPHABET } from '../../../src/zrtp/sas.ts';

const LIB_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib'];

function libbzrtpPath(): string {
  for (const dir of LIB_DIRS) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    const so = names.filter((n) => n.startsWith('libbzrtp.so')).sort().pop();
    if (so) return `${dir}/${so}`;
  }
  throw new Error('libbzrtp is not installed (Debian package libbzrtp-dev / libbzrtp0): required for interop tests');
}

/** NUL-terminated printable ASCII strings of at least 3 characters, in file order. */
function cStrings(bytes: Uint8Array): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    const printable = c >= 0x20 && c < 0x7f;
    if (printable && start < 0) start = i;
    if (!printable) {
      if (c === 0 && start >= 0 && i - start >= 3) out.push(Buffer.from(bytes.subarray(start, i)).toString('latin1'));
      start = -1;
    }
  }
  return out;
}

describe('SAS rendering tables match libbzrtp', () => {
  const strings = cStrings(new Uint8Array(readFileSync(libbzrtpPath())));

  it('the B32 alphabet is the one compiled into bzrtp_base32', () => {
    expect(strings).toContain(B32_ALPHABET);
  });

  for (const [name, list] of [['even (first byte)', PGP_WORDS_EVEN], ['odd (second byte)', PGP_WORDS_ODD]] as const) {
    it(`${name}: all 256 words, in order`, () => {
      const at = strings.indexOf(list[0]!);
      expect(at, `${list[0]} not found in libbzrtp`).toBeGreaterThanOrEqual(0);
      expect(strings.slice(at, at + 256)).toEqual([...list]);
    });
  }
});
