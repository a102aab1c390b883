/**
 * Live interop of susurro's ZRTP engine with an independent implementation: Debian's libbzrtp
 * 5.1 (Linphone), driven by our own C peer (test/interop/bzrtp-peer.c). Real UDP on 127.0.0.1,
 * real RFC 6189 §5 packets and §6 timers, one process per endpoint (issue #3, "Verification").
 *
 * Every handshake must give both sides the same SAS, the same algorithms, each side's SRTP send
 * key/salt equal to the other's receive key/salt (§4.5.3), and the same key derived from the
 * Exported Key (§4.5.2). bzrtp↔bzrtp runs first: it proves the harness before it judges us.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bzrtpRs1, bzrtpZid } from './bzrtp-cache.ts';
import { ensureBzrtpPeer } from './build-bzrtp-peer.ts';
import { bothSecure, killAllPeers, runPair, type PeerResultLine, type PeerSpec } from './peers.ts';

let dir: string;
beforeAll(() => {
  ensureBzrtpPeer();
  dir = mkdtempSync(join(tmpdir(), 'susurro-interop-'));
});
afterAll(() => {
  killAllPeers();
  rmSync(dir, { recursive: true, force: true });
});

const Z_BASE_32 = /^[ybndrfg8ejkmcpqxot1uwisza345h769]{4}$/;
const PGP_WORDS = /^[A-Za-z]+ [A-Za-z]+$/;
const KEY_HEX_LENGTH = { AES1: 32, AES3: 64 } as const; // §4.5.3: AES-128 / AES-256 master key
const SALT_HEX_LENGTH = 28; // §4.5.3: 112-bit master salt

/**
 * The checks every successful handshake must pass, whatever the implementations, including
 * the same key derived from the Exported Key (§4.5.2) on both sides. The one exception is
 * named by the caller, never inferred: bzrtp withholds its exported-key callback after a
 * cache mismatch until the SAS is verified (test/interop/README.md), so there its probe must
 * be null, it must report the mismatch, and ours must still be present.
 */
function expectAgreement(x: PeerResultLine, y: PeerResultLine, { bzrtpWithholdsExport = false } = {}): void {
  for (const key of ['sas', 'sasType', 'hash', 'cipher', 'authTag', 'keyAgreement'] as const) {
    expect(x[key], key).toBe(y[key]);
  }
  expect(x.sas).toMatch(x.sasType === 'B32' ? Z_BASE_32 : PGP_WORDS);
  expect([x.role, y.role].sort()).toEqual(['initiator', 'responder']);
  expect(x.srtp.send, 'x sends with what y receives with').toEqual(y.srtp.recv);
  expect(x.srtp.recv, 'x receives with what y sends with').toEqual(y.srtp.send);
  expect(x.srtp.send.key).not.toBe(x.srtp.recv.key); // one key per direction
  for (const k of [x.srtp.send, x.srtp.recv]) {
    expect(k.key).toHaveLength(KEY_HEX_LENGTH[x.cipher as 'AES1' | 'AES3']);
    expect(k.salt).toHaveLength(SALT_HEX_LENGTH);
  }
  if (bzrtpWithholdsExport) {
    const [bz, ours] = x.implementation === 'bzrtp' ? [x, y] : [y, x];
    expect([bz.implementation, ours.implementation]).toEqual(['bzrtp', 'susurro']);
    expect(bz.cacheMismatch, 'bzrtp withholds the Exported Key only after a cache mismatch').toBe(true);
    expect(bz.exportProbe).toBeNull();
    expect(ours.exportProbe).toMatch(/^[0-9a-f]{64}$/);
  } else {
    expect(x.exportProbe, 'Exported Key probe').toMatch(/^[0-9a-f]{64}$/);
    expect(y.exportProbe, 'both derived the same Exported Key').toBe(x.exportProbe);
  }
  for (const t of [x.timing.firstHelloToSecureMs, y.timing.firstHelloToSecureMs]) {
    expect(t).toBeGreaterThan(0); // measured from our own first Hello, on each side's clock
    expect(t).toBeLessThan(8000);
  }
}

const peer = (impl: PeerSpec['impl'], ...args: string[]): PeerSpec => ({ impl, args });

describe('bzrtp ↔ bzrtp over UDP (the harness and the benchmark reference)', () => {
  it('agrees on SAS and SRTP keys with forced roles', async () => {
    const [i, r] = bothSecure(await runPair(peer('bzrtp', '--role', 'initiator'), peer('bzrtp', '--role', 'responder')));
    expectAgreement(i, r);
    expect(i.role).toBe('initiator');
    expect(r.role).toBe('responder');
    expect(i.exportProbe).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('susurro ↔ bzrtp, both roles', () => {
  it('susurro initiator, bzrtp responder (default algorithms)', async () => {
    const [ours, theirs] = bothSecure(await runPair(peer('susurro', '--role', 'initiator'), peer('bzrtp', '--role', 'responder')));
    expectAgreement(ours, theirs);
    expect(ours.role).toBe('initiator');
    expect(ours.exportProbe).toMatch(/^[0-9a-f]{64}$/);
    expect(theirs.exportProbe).toBe(ours.exportProbe);
  });

  it('bzrtp initiator, susurro responder (default algorithms)', async () => {
    const [theirs, ours] = bothSecure(await runPair(peer('bzrtp', '--role', 'initiator'), peer('susurro', '--role', 'responder')));
    expectAgreement(ours, theirs);
    expect(ours.role).toBe('responder');
    expect(theirs.exportProbe).toBe(ours.exportProbe);
  });
});

/** The first Commit a peer sent, from its --capture file (§5 packets, hex per line). */
function sentCommitHvi(captureFile: string): Buffer | null {
  for (const line of readFileSync(captureFile, 'utf8').trim().split('\n')) {
    const { dir: direction, packet } = JSON.parse(line) as { dir: string; packet: string };
    const message = Buffer.from(packet, 'hex').subarray(12, -4); // §5: 12-byte header, CRC
    // Commit (§5.4): type block at 4, then H2 (32), ZID (12), five algorithm words (20), hvi (32)
    if (direction === 'out' && message.subarray(4, 12).toString('latin1') === 'Commit  ') return message.subarray(76, 108);
  }
  return null;
}

describe('commit contention (§4.2) between susurro and bzrtp', () => {
  it('both commit at once; the higher hvi wins, in either start order', async () => {
    for (let n = 0; n < 4; n++) {
      const [capA, capB] = [join(dir, `contention-${n}-a.jsonl`), join(dir, `contention-${n}-b.jsonl`)];
      const [implA, implB] = n % 2 === 0 ? (['susurro', 'bzrtp'] as const) : (['bzrtp', 'susurro'] as const);
      const [a, b] = bothSecure(await runPair(peer(implA, '--role', 'auto', '--capture', capA), peer(implB, '--role', 'auto', '--capture', capB)));
      expectAgreement(a, b);
      const hviA = sentCommitHvi(capA);
      const hviB = sentCommitHvi(capB);
      // Both really sent a Commit (the go-gate starts them together), so contention happened.
      expect(hviA, `${implA} sent no Commit`).not.toBeNull();
      expect(hviB, `${implB} sent no Commit`).not.toBeNull();
      const aWins = Buffer.compare(hviA!, hviB!) > 0;
      expect([a.role, b.role]).toEqual(aWins ? ['initiator', 'responder'] : ['responder', 'initiator']);
    }
  });
});

/**
 * Every value of each algorithm kind appears at least once, in both roles (bzrtp 5.1 has no
 * EC25: see the fallback case below), and each key agreement once with our pure-JS arithmetic
 * (what browsers without WebCrypto X25519 run), once with the OpenSSL backend (the CLI's default),
 * and X255 in both roles with the WebCrypto backend (what Chromium and Firefox run). Both peers are
 * given the same preference list; each implementation appends the mandatory ones (§5.1).
 */
const MATRIX = [
  { ka: 'X255', hash: 'S256', cipher: 'AES1', auth: 'HS32', sas: 'B32', initiator: 'susurro', backend: 'pure-js' },
  { ka: 'DH3k', hash: 'S384', cipher: 'AES3', auth: 'HS80', sas: 'B256', initiator: 'bzrtp', backend: 'openssl' },
  { ka: 'DH2k', hash: 'S256', cipher: 'AES3', auth: 'HS80', sas: 'B32', initiator: 'susurro', backend: 'pure-js' },
  { ka: 'X255', hash: 'S384', cipher: 'AES1', auth: 'HS80', sas: 'B256', initiator: 'bzrtp', backend: 'openssl' },
  { ka: 'DH3k', hash: 'S256', cipher: 'AES1', auth: 'HS32', sas: 'B256', initiator: 'susurro', backend: 'pure-js' },
  { ka: 'DH2k', hash: 'S384', cipher: 'AES3', auth: 'HS32', sas: 'B32', initiator: 'bzrtp', backend: 'openssl' },
  { ka: 'X255', hash: 'S256', cipher: 'AES1', auth: 'HS32', sas: 'B32', initiator: 'susurro', backend: 'webcrypto' },
  { ka: 'X255', hash: 'S384', cipher: 'AES3', auth: 'HS80', sas: 'B256', initiator: 'bzrtp', backend: 'webcrypto' },
] as const;

describe('algorithm matrix susurro ↔ bzrtp', () => {
  for (const row of MATRIX) {
    const name = `${row.ka} ${row.hash} ${row.cipher} ${row.auth} ${row.sas}, ${row.initiator} initiates, our ${row.backend} arithmetic`;
    it(name, async () => {
      const algos = ['--ka', row.ka, '--hash', row.hash, '--cipher', row.cipher, '--auth', row.auth, '--sas', row.sas];
      const backend = ['--backend', row.backend];
      const responder = row.initiator === 'susurro' ? 'bzrtp' : 'susurro';
      const ours = (role: string) => peer('susurro', '--role', role, ...algos, ...backend);
      const [i, r] = bothSecure(
        await runPair(
          row.initiator === 'susurro' ? ours('initiator') : peer('bzrtp', '--role', 'initiator', ...algos),
          responder === 'susurro' ? ours('responder') : peer('bzrtp', '--role', 'responder', ...algos),
        ),
      );
      expectAgreement(i, r);
      expect({ ka: i.keyAgreement, hash: i.hash, cipher: i.cipher, auth: i.authTag, sas: i.sasType }).toEqual({
        ka: row.ka, hash: row.hash, cipher: row.cipher, auth: row.auth, sas: row.sas,
      });
      expect(i.role).toBe('initiator');
      expect(i.exportProbe).not.toBeNull();
      expect(r.exportProbe).toBe(i.exportProbe);
    });
  }

  it('EC25 preferred by us: bzrtp 5.1 does not offer it, so both settle on DH3k (§4.1.2)', async () => {
    const [ours, theirs] = bothSecure(
      await runPair(peer('susurro', '--role', 'initiator', '--ka', 'EC25,DH3k'), peer('bzrtp', '--role', 'responder', '--ka', 'DH3k')),
    );
    expectAgreement(ours, theirs);
    expect(ours.keyAgreement).toBe('DH3k');
  });
});

/** rs1 as we stored it (JSON file); bzrtpRs1 reads bzrtp's sqlite ZID cache. */
function ourRs1(cacheFile: string): string[] {
  const doc = JSON.parse(readFileSync(cacheFile, 'utf8')) as { records: Record<string, { rs1: string | null }> };
  return Object.values(doc.records).flatMap((r) => (r.rs1 ? [r.rs1] : []));
}

describe('retained secrets and the SAS-verified flag (§4.3, §4.6.1, §7.1) against bzrtp', () => {
  it('continuity across calls, previously-verified after both verify, and a mismatch after our cache is wiped', async () => {
    const ourCache = join(dir, 'continuity-ours.json');
    const bzCache = join(dir, 'continuity-bzrtp.sqlite');
    const ours = (...a: string[]) => peer('susurro', '--cache', ourCache, ...a);
    const theirs = (...a: string[]) => peer('bzrtp', '--cache', bzCache, ...a);

    // Call 1: strangers. No mismatch, nothing verified yet; both users confirm the SAS.
    const [o1, b1] = bothSecure(await runPair(ours('--role', 'initiator', '--verify'), theirs('--role', 'responder', '--verify')));
    expectAgreement(o1, b1);
    expect([o1.cacheMismatch, b1.cacheMismatch, o1.previouslyVerified, b1.previouslyVerified]).toEqual([false, false, false, false]);
    // Both derived the same new rs1 = KDF(s0, "retained secret", ...) and stored it.
    expect(ourRs1(ourCache)).toHaveLength(1);
    expect(bzrtpRs1(bzCache)).toEqual(ourRs1(ourCache));

    // Call 2, roles swapped: rs1 matches on both sides, and both had verified → V flag.
    const [b2, o2] = bothSecure(await runPair(theirs('--role', 'initiator'), ours('--role', 'responder')));
    expectAgreement(o2, b2);
    expect([o2.cacheMismatch, b2.cacheMismatch]).toEqual([false, false]);
    expect([o2.previouslyVerified, b2.previouslyVerified]).toEqual([true, true]);
    expect(o2.srtp.send.key).not.toBe(o1.srtp.send.key); // a new call, new keys
    expect(bzrtpRs1(bzCache)).toEqual(ourRs1(ourCache));

    // Call 3: we lost our cache (same ZID). bzrtp still holds rs1 for our ZID and must warn
    // of a possible MitM (§4.3.2); we see a stranger, not a mismatch. Keys still agree.
    const [o3, b3] = bothSecure(await runPair(ours('--role', 'initiator', '--forget-peers'), theirs('--role', 'responder')));
    expectAgreement(o3, b3, { bzrtpWithholdsExport: true }); // bzrtp's mismatch, SAS unverified
    expect(b3.cacheMismatch).toBe(true);
    expect(o3.cacheMismatch).toBe(false);
    expect([o3.previouslyVerified, b3.previouslyVerified]).toEqual([false, false]);
  });

  it('"previously verified" needs both V flags (§7.1), and a V flag persists across calls', async () => {
    const ourCache = join(dir, 'vflag-ours.json');
    const bzCache = join(dir, 'vflag-bzrtp.sqlite');
    const ours = (...a: string[]) => peer('susurro', '--cache', ourCache, ...a);
    const theirs = (...a: string[]) => peer('bzrtp', '--cache', bzCache, ...a);
    // Call 1: only our user confirms the SAS.
    expectAgreement(...bothSecure(await runPair(ours('--role', 'initiator', '--verify'), theirs('--role', 'responder'))));
    // Call 2: our V flag is set, bzrtp's is not: neither side may claim "previously verified".
    // Now bzrtp's user confirms too.
    const [o2, b2] = bothSecure(await runPair(ours('--role', 'initiator'), theirs('--role', 'responder', '--verify')));
    expectAgreement(o2, b2);
    expect([o2.previouslyVerified, b2.previouslyVerified, o2.cacheMismatch, b2.cacheMismatch]).toEqual([false, false, false, false]);
    // Call 3 (roles swapped): both flags set, ours from call 1, bzrtp's from call 2.
    const [b3, o3] = bothSecure(await runPair(theirs('--role', 'initiator'), ours('--role', 'responder')));
    expectAgreement(o3, b3);
    expect([o3.previouslyVerified, b3.previouslyVerified]).toEqual([true, true]);
  });

  it('bzrtp loses its cache: we report the mismatch', async () => {
    const ourCache = join(dir, 'wipe-ours.json');
    const bzCache = join(dir, 'wipe-bzrtp.sqlite');
    const ours = (...a: string[]) => peer('susurro', '--cache', ourCache, ...a);
    const theirs = (...a: string[]) => peer('bzrtp', '--cache', bzCache, ...a);
    expectAgreement(...bothSecure(await runPair(theirs('--role', 'initiator'), ours('--role', 'responder'))));
    const [b2, o2] = bothSecure(await runPair(theirs('--role', 'initiator', '--forget-peers'), ours('--role', 'responder')));
    expectAgreement(o2, b2);
    expect(o2.cacheMismatch).toBe(true);
    expect(b2.cacheMismatch).toBe(false);
    expect(o2.previouslyVerified).toBe(false);
  });
});

describe('a peer presenting our own ZID (§4.9)', () => {
  it('is refused with EqualZid: we fail closed, and bzrtp does not go secure either', async () => {
    const bzCache = join(dir, 'equal-zid-bzrtp.sqlite');
    const ourCache = join(dir, 'equal-zid-ours.json');
    expectAgreement(...bothSecure(await runPair(peer('bzrtp', '--role', 'initiator', '--cache', bzCache), peer('susurro', '--role', 'responder'))));
    const zid = bzrtpZid(bzCache);
    writeFileSync(`${ourCache}.zid`, `${zid}\n`); // we now claim bzrtp's ZID
    const [b, o] = await runPair(peer('bzrtp', '--role', 'initiator', '--cache', bzCache), peer('susurro', '--role', 'responder', '--cache', ourCache), {
      timeoutMs: 2000,
    });
    expect(o.code).toBe(1);
    expect(o.stderr).toMatch(/SUSURRO_ZRTP_ZID_COLLISION/);
    expect(b.result).toBeNull();
  });
});

describe('after a cache mismatch (§4.6.1.1) against bzrtp', () => {
  it('the new rs1 is kept only once the SAS is verified, by both implementations', async () => {
    const ourCache = join(dir, 'resync-ours.json');
    const bzCache = join(dir, 'resync-bzrtp.sqlite');
    const ours = (...a: string[]) => peer('susurro', '--cache', ourCache, ...a);
    const theirs = (...a: string[]) => peer('bzrtp', '--cache', bzCache, ...a);
    expectAgreement(...bothSecure(await runPair(ours('--role', 'initiator'), theirs('--role', 'responder'))));
    // bzrtp forgets us: we see a mismatch and withhold the new rs1 (nobody verified the SAS);
    // bzrtp, to which we are a stranger, stores it.
    const [o2, b2] = bothSecure(await runPair(ours('--role', 'initiator'), theirs('--role', 'responder', '--forget-peers')));
    expect([o2.cacheMismatch, b2.cacheMismatch]).toEqual([true, false]);
    // So the next call still mismatches, now on both sides; this time both users verify.
    const [o3, b3] = bothSecure(await runPair(ours('--role', 'initiator', '--verify'), theirs('--role', 'responder', '--verify')));
    expectAgreement(o3, b3);
    expect([o3.cacheMismatch, b3.cacheMismatch]).toEqual([true, true]);
    expect(bzrtpRs1(bzCache)).toEqual(ourRs1(ourCache)); // both stored call 3's rs1 on verification
    // Continuity is back, and verified on both sides.
    const [b4, o4] = bothSecure(await runPair(theirs('--role', 'initiator'), ours('--role', 'responder')));
    expectAgreement(o4, b4);
    expect([o4.cacheMismatch, b4.cacheMismatch, o4.previouslyVerified, b4.previouslyVerified]).toEqual([false, false, true, true]);
  });
});

describe('aux secret and a=zrtp-hash against bzrtp', () => {
  it('the same aux secret on both sides matches (§4.3)', async () => {
    const aux = ['--aux-secret', '00112233445566778899aabbccddeeff'];
    const [o, b] = bothSecure(await runPair(peer('susurro', '--role', 'initiator', ...aux), peer('bzrtp', '--role', 'responder', ...aux)));
    expectAgreement(o, b);
    expect([o.auxSecretMatched, b.auxSecretMatched]).toEqual([true, true]);
  });

  it('different aux secrets are detected by both sides, and the keys still agree without it', async () => {
    const [b, o] = bothSecure(
      await runPair(
        peer('bzrtp', '--role', 'initiator', '--aux-secret', '0101010101010101'),
        peer('susurro', '--role', 'responder', '--aux-secret', '0202020202020202'),
      ),
    );
    expectAgreement(o, b);
    expect([o.auxSecretMatched, b.auxSecretMatched]).toEqual([false, false]);
  });

  it("each side checks the other's Hello against its a=zrtp-hash (§8.1)", async () => {
    const [b, o] = bothSecure(
      await runPair(peer('bzrtp', '--role', 'initiator'), peer('susurro', '--role', 'responder'), { exchangeHelloHashes: true }),
    );
    expectAgreement(o, b);
    expect(b.sas).toBe(o.sas);
  });

  it('a wrong a=zrtp-hash for bzrtp makes us fail closed instead of going secure', async () => {
    const wrong = `1.10 ${'ab'.repeat(32)}`;
    const [b, o] = await runPair(peer('bzrtp', '--role', 'initiator'), peer('susurro', '--role', 'responder', '--peer-hello-hash', wrong), {
      timeoutMs: 3000,
    });
    expect(o.code).toBe(1);
    expect(o.result).toBeNull();
    expect(o.stderr).toMatch(/SUSURRO_ZRTP_ZRTP_HASH_MISMATCH/);
    expect(b.result).toBeNull();
  });

  it('bzrtp given a wrong a=zrtp-hash for our Hello does not go secure either (its check is real)', async () => {
    const wrong = `1.10 ${'cd'.repeat(32)}`;
    const [b, o] = await runPair(peer('bzrtp', '--role', 'responder'), peer('susurro', '--role', 'initiator'), {
      timeoutMs: 2000,
      goLines: { a: `go ${wrong}\n` },
    });
    expect(b.result).toBeNull();
    expect(b.stderr).toMatch(/timeout/);
    expect(o.result).toBeNull();
  });
});
