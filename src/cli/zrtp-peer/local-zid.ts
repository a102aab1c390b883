/**
 * The endpoint's ZID (RFC 6189 §4.9: 96 random bits, generated once per installation and kept,
 * because peers file their retained secrets under it). The zrtp-peer command keeps it in
 * `<cache>.zid` beside the retained-secret cache file (hex, mode 0600), so that wiping the
 * cache (--forget-peers deletes the cache file) forgets the peers' secrets but keeps our
 * identity: exactly the situation in which the peer must report a cache mismatch (§4.3.2).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

export const ZID_LENGTH = 12;

/** Our persisted ZID, created on first use; a fresh random one when there is no cache. */
export function loadOrCreateZid(cachePath: string | null): Uint8Array {
  if (cachePath === null) return new Uint8Array(randomBytes(ZID_LENGTH));
  const path = `${cachePath}.zid`;
  let text: string | null = null;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text !== null) {
    // Fail closed: a damaged ZID file would silently make us a new, unknown endpoint.
    if (!/^[0-9a-f]{24}$/.test(text)) throw new Error(`${path} does not hold a 96-bit hex ZID`);
    return new Uint8Array(Buffer.from(text, 'hex'));
  }
  const zid = new Uint8Array(randomBytes(ZID_LENGTH));
  writeFileSync(path, `${Buffer.from(zid).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  return zid;
}
