/**
 * An active man in the middle between bzrtp and susurro (RFC 6189 §4.3, §7): the attacker runs
 * two complete ZRTP endpoints (our engine, in this process), one facing each victim, and even
 * copies each victim's ZID so that neither side sees an unknown peer. ZRTP cannot prevent this
 * on a first call, but it must make it visible:
 *   - the two victims get different SAS values (the humans reading them aloud notice), and
 *     different SRTP keys (nothing the MitM does not re-encrypt gets through);
 *   - when the victims have called each other before, both report a cache mismatch, because
 *     the MitM does not know their shared retained secret (§4.3.2), and neither shows
 *     "previously verified".
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runZrtpEndpoint } from '../../src/cli/zrtp-peer/endpoint.ts';
import { parseZrtpPeerOptions } from '../../src/cli/zrtp-peer/options.ts';
import { freePorts } from '../support/ports.ts';
import { bzrtpZid } from './bzrtp-cache.ts';
import { ensureBzrtpPeer } from './build-bzrtp-peer.ts';
import { bothSecure, killAllPeers, runPair, startPeer, type PeerResultLine } from './peers.ts';

let dir: string;
beforeAll(() => {
  ensureBzrtpPeer();
  dir = mkdtempSync(join(tmpdir(), 'susurro-mitm-'));
});
afterAll(() => {
  killAllPeers();
  rmSync(dir, { recursive: true, force: true });
});

interface MitmCall {
  alice: PeerResultLine; // bzrtp, initiator
  bob: PeerResultLine; // susurro process, responder
  mitmFacingAlice: PeerResultLine;
  mitmFacingBob: PeerResultLine;
}

/** Alice (bzrtp) → [MitM leg A | MitM leg B] → Bob (npm run zrtp-peer), all over UDP on loopback. */
async function callThroughMitm(aliceCache: string, bobCache: string, mitmCacheA: string, mitmCacheB: string): Promise<MitmCall> {
  const [pAlice, pBob, pMitmA, pMitmB] = (await freePorts(4)) as [number, number, number, number];
  const timeout = 8000;
  const alice = startPeer({ impl: 'bzrtp', args: ['--role', 'initiator', '--cache', aliceCache] }, pAlice, pMitmA, timeout, []);
  const bob = startPeer({ impl: 'susurro', args: ['--role', 'responder', '--cache', bobCache, '--linger-ms', '500'] }, pBob, pMitmB, timeout, []);
  try {
    await Promise.all([alice.ready, bob.ready]);
    const leg = (args: string[], go: () => void) =>
      runZrtpEndpoint(parseZrtpPeerOptions([...args, '--timeout-ms', String(timeout), '--linger-ms', '300']), {
        ready: async () => go(),
      });
    const [mitmFacingAlice, mitmFacingBob] = await Promise.all([
      leg(['--local', String(pMitmA), '--remote', String(pAlice), '--role', 'responder', '--cache', mitmCacheA], () => alice.child.stdin!.end('go\n')),
      leg(['--local', String(pMitmB), '--remote', String(pBob), '--role', 'initiator', '--cache', mitmCacheB], () => bob.child.stdin!.end('go\n')),
    ]);
    const [a, b] = bothSecure([await alice.done, await bob.done]);
    return { alice: a, bob: b, mitmFacingAlice, mitmFacingBob };
  } finally {
    alice.child.kill('SIGKILL');
    bob.child.kill('SIGKILL');
  }
}

describe('an active MitM between bzrtp and susurro is exposed', () => {
  it('victims who met before get different SAS and keys, and both report a cache mismatch', async () => {
    const aliceCache = join(dir, 'alice.sqlite');
    const bobCache = join(dir, 'bob.json');

    // The victims' first, direct call: they verify the SAS and keep a retained secret.
    const [a1, b1] = bothSecure(
      await runPair(
        { impl: 'bzrtp', args: ['--role', 'initiator', '--cache', aliceCache, '--verify'] },
        { impl: 'susurro', args: ['--role', 'responder', '--cache', bobCache, '--verify'] },
      ),
    );
    expect(a1.sas).toBe(b1.sas);

    // The attacker learned both ZIDs from the Hellos and presents each victim with the other's.
    const mitmCacheA = join(dir, 'mitm-facing-alice.json');
    const mitmCacheB = join(dir, 'mitm-facing-bob.json');
    writeFileSync(`${mitmCacheA}.zid`, readFileSync(`${bobCache}.zid`, 'utf8'));
    writeFileSync(`${mitmCacheB}.zid`, `${bzrtpZid(aliceCache)}\n`);

    const call = await callThroughMitm(aliceCache, bobCache, mitmCacheA, mitmCacheB);
    // Each leg is a valid ZRTP exchange of its own...
    expect(call.alice.sas).toBe(call.mitmFacingAlice.sas);
    expect(call.alice.srtp.send).toEqual(call.mitmFacingAlice.srtp.recv);
    expect(call.bob.sas).toBe(call.mitmFacingBob.sas);
    expect(call.bob.srtp.recv).toEqual(call.mitmFacingBob.srtp.send);
    // ...but the victims do not share keys, and their SAS differ (a 20-bit B32 SAS collides
    // with probability 2^-20; the 128-bit keys never do).
    expect(call.alice.srtp.send.key).not.toBe(call.bob.srtp.recv.key);
    expect(call.alice.sas).not.toBe(call.bob.sas);
    // Continuity exposes it without comparing SAS: the MitM lacks their retained secret.
    expect(call.alice.cacheMismatch).toBe(true);
    expect(call.bob.cacheMismatch).toBe(true);
    expect(call.alice.previouslyVerified).toBe(false);
    expect(call.bob.previouslyVerified).toBe(false);
  });
});
