/**
 * The steps of the DH exchange shared by several state handlers: preparing our DHPart and
 * Commit, accepting the peer's Commit (becoming responder), and turning a DH result into s0
 * and the Confirm keys (RFC 6189 §4.3, §4.4.1, §4.5.3).
 */
import { equalBytes } from '@noble/ciphers/utils.js';
import {
  isAuthTagAlgorithm,
  isCipherAlgorithm,
  isDhKeyAgreement,
  isHashAlgorithm,
  isSasAlgorithm,
  type NegotiatedAlgorithms,
} from '../algorithms.ts';
import { dhSecretBits, generateKeyPair, generateKeyPairAsync, publicValueLength } from '../crypto/key-agreement.ts';

import { ProtocolErrorCode, ZrtpError } from '../errors.ts';
import { hashImage } from '../hash-chain.ts';
import {
  computeS0,
  computeTotalHash,
  deriveConfirmKeys,
  kdfContext,
} from '../key-derivation.ts';
import type { CommitDhMessage, CommitMessage } from '../messages/commit.ts';
import type { DhPartMessage } from '../messages/dh-part.ts';
import {
  auxSecretId,
  auxSecretMatches,
  retainedSecretId,
  selectS1,
  type LocalRetainedSecrets,
  type Role,
} from '../retained-secrets.ts';
import type { MachineContext, Received } from './context.ts';
import { verifyChain, verifyChainMac } from './message-auth.ts';
import { buildCommit, buildDhPart } from './outbound.ts';

/** Our retained secrets for the peer, ignoring expired ones (§4.9). */
export function liveSecrets(ctx: MachineContext): LocalRetainedSecrets {
  const r = ctx.cacheRecord;
  if (!r) return { rs1: null, rs2: null };
  const now = ctx.config.now();
  const live = (s: Uint8Array | null, expiresAt: number | null) => (s && (expiresAt === null || expiresAt > now) ? s : null);
  return { rs1: live(r.rs1, r.rs1ExpiresAt), rs2: live(r.rs2, r.rs2ExpiresAt) };
}

function ensureKeyPair(ctx: MachineContext, algorithms: NegotiatedAlgorithms): void {
  // §5.1.5: DH exponent twice the AES key size (256 bits for AES1, 512 for AES3), as bzrtp.
  const secretBits = dhSecretBits(algorithms.cipher);
  // A pair made ahead (prepareKeyPair) is kept only if the Commit chose the same key agreement
  // and, for DH, a cipher asking for the same exponent size.
  if (ctx.keyPair && ctx.keyPair.algorithm === algorithms.keyAgreement && ctx.keyPairSecretBits === secretBits) return;
  ctx.keyPair?.destroy();
  const primitives = ctx.config.keyAgreementPrimitives;
  ctx.keyPair = generateKeyPair(algorithms.keyAgreement, ctx.config.random, {
    dhSecretBits: secretBits,
    ...(primitives ? { primitives } : {}),
  });
  ctx.keyPairSecretBits = secretBits;
}

/**
 * Generates our ephemeral key pair for the negotiated algorithms once the peer's Hello is in,
 * while we wait for its HelloACK / Commit and for the cache read: the key generation (a scalar
 * multiplication or modexp) then no longer delays our Commit or DHPart1. The secret is drawn
 * from `random` in the same order as before (nothing else draws in between), so seeded
 * transcripts are unchanged; a Commit choosing other algorithms gets a fresh pair.
 *
 * With an asynchronous backend (WebCrypto) the pair is made through it and the promise is
 * returned: the session keeps its input queue blocked until both the cache read and this are
 * done, so no handler ever sees a half-made pair. Null when nothing is pending.
 */
export function prepareKeyPair(ctx: MachineContext): Promise<void> | null {
  if (!ctx.algorithms || ctx.keyPair || (ctx.state !== 'discovery' && ctx.state !== 'waiting-commit')) return null;
  const algorithms = ctx.algorithms;
  const asyncPrimitives = ctx.config.asyncKeyAgreementPrimitives;
  if (!asyncPrimitives || !isDhKeyAgreement(algorithms.keyAgreement) || !asyncPrimitives.supports(algorithms.keyAgreement)) {
    ensureKeyPair(ctx, algorithms);
    return null;
  }
  const secretBits = dhSecretBits(algorithms.cipher);
  const primitives = ctx.config.keyAgreementPrimitives;
  return generateKeyPairAsync(algorithms.keyAgreement, ctx.config.random, asyncPrimitives, {
    dhSecretBits: secretBits,
    ...(primitives ? { primitives } : {}),
  }).then((pair) => {
    if (ctx.keyPair || ctx.state === 'closed' || ctx.state === 'failed') {
      pair.destroy();
      return;
    }
    ctx.keyPair = pair;
    ctx.keyPairSecretBits = secretBits;
  });
}

/**
 * The peer's public value of a DHPart that the current state would hand to dhResult, when the
 * key pair can compute the result ahead through an async backend (session: await, then
 * dispatch). Null otherwise. Only the state and the type are looked at: the handler still runs
 * every check (chain, MAC, hvi, pv) before it uses the result, as on the synchronous path.
 */
export function dhPartToPrepare(ctx: MachineContext, message: { type: string; pv?: Uint8Array }): Uint8Array | null {
  if (!ctx.keyPair?.prepareShared || !message.pv) return null;
  const expected = ctx.state === 'initiator-sent-commit' ? 'DHPart1' : ctx.state === 'responder-sent-dhpart1' ? 'DHPart2' : null;
  if (message.type !== expected || message.pv.length !== publicValueLength(ctx.keyPair.algorithm)) return null;
  return message.pv;
}

function buildOwnDhPart(ctx: MachineContext, role: Role, algorithms: NegotiatedAlgorithms): Received<DhPartMessage> {
  ensureKeyPair(ctx, algorithms);
  const { random, auxSecret } = ctx.config;
  const secrets = liveSecrets(ctx);
  return buildDhPart(
    role === 'initiator' ? 'DHPart2' : 'DHPart1',
    ctx.chain,
    {
      rs1Id: retainedSecretId(algorithms.hash, secrets.rs1, role, random),
      rs2Id: retainedSecretId(algorithms.hash, secrets.rs2, role, random),
      auxSecretId: auxSecretId(algorithms.hash, auxSecret, ctx.chain.h3, random),
      // We hold no PBX secret (§7.3): a random ID reveals nothing.
      pbxSecretId: random(8),
    },
    ctx.keyPair!.publicValue,
  );
}

/**
 * Initiator side, before sending Commit: DHPart2 must exist first because the Commit carries
 * hvi = hash(DHPart2 || responder's Hello) (§4.4.1.1).
 */
export function sendCommit(ctx: MachineContext): void {
  const algorithms = ctx.algorithms!;
  ctx.selfDhPart = buildOwnDhPart(ctx, 'initiator', algorithms);
  ctx.selfCommit = buildCommit(ctx.chain, ctx.config.zid, algorithms, ctx.selfDhPart.bytes, ctx.peerHello!.bytes);
  ctx.send(ctx.selfCommit.bytes, 'T2');
  ctx.transition('initiator-sent-commit');
}

/** §4.2: in a DH-vs-DH contention, the Commit with the lower hvi (big-endian) is discarded. */
export function weLoseContention(ours: CommitDhMessage, theirs: CommitMessage): boolean {
  if (theirs.mode !== 'dh') return false; // a non-DH Commit loses against our DH one (§4.2)
  for (let i = 0; i < 32; i++) {
    const a = ours.hvi[i]!;
    const b = theirs.hvi[i]!;
    if (a !== b) return a < b;
  }
  return false;
}

/** The algorithm named in the peer's Commit, which must be one our Hello offered (§4.1.2). */
function committedAlgorithms(ctx: MachineContext, commit: CommitMessage): NegotiatedAlgorithms {
  const offered = ctx.selfHello.message;
  const unsupported = (code: number, what: string) =>
    new ZrtpError('SUSURRO_ZRTP_UNSUPPORTED_ALGORITHM', `Commit chose ${what}, which we did not offer`, { protocolCode: code });
  if (!isHashAlgorithm(commit.hash) || !offered.hash.includes(commit.hash)) throw unsupported(ProtocolErrorCode.UnsupportedHash, 'a hash');
  if (!isCipherAlgorithm(commit.cipher) || !offered.cipher.includes(commit.cipher)) throw unsupported(ProtocolErrorCode.UnsupportedCipher, 'a cipher');
  if (!isAuthTagAlgorithm(commit.authTag) || !offered.authTag.includes(commit.authTag)) throw unsupported(ProtocolErrorCode.UnsupportedAuthTag, 'an auth tag');
  if (!isSasAlgorithm(commit.sas) || !offered.sas.includes(commit.sas)) throw unsupported(ProtocolErrorCode.UnsupportedSas, 'a SAS type');
  if (commit.mode !== 'dh' || !isDhKeyAgreement(commit.keyAgreement) || !offered.keyAgreement.includes(commit.keyAgreement)) {
    throw unsupported(ProtocolErrorCode.UnsupportedKeyExchange, 'a key agreement');
  }
  return { hash: commit.hash, cipher: commit.cipher, authTag: commit.authTag, keyAgreement: commit.keyAgreement, sas: commit.sas };
}

/**
 * Responder side: accept the initiator's Commit (§4.4.1.2). Commit reveals H2, so the peer's
 * Hello can now be authenticated (H3 = hash(H2), Hello MAC keyed by H2, §9).
 */
export function acceptCommit(ctx: MachineContext, commit: Received<CommitMessage>): void {
  const hello = ctx.peerHello!;
  const m = commit.message;
  // Authenticate first: a Commit failing these is dropped (anyone could have sent it).
  verifyChain(m.h2, hello.message.h3, 1, 'Commit H2');
  verifyChainMac(m.h2, hello.bytes, 'Hello');
  if (!equalBytes(m.zid, hello.message.zid)) {
    throw new ZrtpError('SUSURRO_ZRTP_MALFORMED', 'Commit ZID differs from the Hello ZID', {
      protocolCode: ProtocolErrorCode.MalformedPacket,
    });
  }
  const algorithms = committedAlgorithms(ctx, m);
  ctx.algorithms = algorithms;
  ctx.role = 'responder';
  ctx.selfCommit = null;
  ctx.peerCommit = commit as Received<CommitDhMessage>;
  ctx.selfDhPart = buildOwnDhPart(ctx, 'responder', algorithms);
  // Commit acknowledges our Hello (§4.1) and ends our own Commit's retransmission (§4.2).
  ctx.stopRetransmit();
  ctx.send(ctx.selfDhPart.bytes, null);
  ctx.transition('responder-sent-dhpart1');
}

/** DH result from the peer's public value; a bad value is Error 0x61 DH_BAD_PV (§4.4.1.1). */
export function dhResult(ctx: MachineContext, pv: Uint8Array): Uint8Array {
  const pair = ctx.keyPair!;
  const bad = (cause?: unknown) =>
    new ZrtpError('SUSURRO_ZRTP_BAD_DH_VALUE', 'peer DH public value rejected (RFC 6189 §4.4.1.1)', {
      protocolCode: ProtocolErrorCode.DhBadPv,
      cause,
    });
  if (pv.length !== publicValueLength(pair.algorithm)) throw bad();
  try {
    return pair.shared(pv);
  } catch (e) {
    throw bad(e);
  }
}

/**
 * Shared secrets, total_hash, s0 and the Confirm keys (§4.3, §4.4.1.4, §4.5.3). Called by the
 * initiator on DHPart1 and by the responder on DHPart2, once all four messages are known.
 */
export function deriveS0(ctx: MachineContext, peerDhPart: DhPartMessage, dh: Uint8Array): void {
  const algorithms = ctx.algorithms!;
  const role = ctx.role!;
  const peerRole: Role = role === 'initiator' ? 'responder' : 'initiator';
  ctx.s1 = selectS1(algorithms.hash, liveSecrets(ctx), peerDhPart.rs1Id, peerDhPart.rs2Id, peerRole);
  const aux = ctx.config.auxSecret;
  ctx.auxSecretMatched = aux ? auxSecretMatches(algorithms.hash, aux, ctx.peerHello!.message.h3, peerDhPart.auxSecretId) : null;

  const initiator = role === 'initiator';
  const responderHello = initiator ? ctx.peerHello!.bytes : ctx.selfHello.bytes;
  const commit = initiator ? ctx.selfCommit!.bytes : ctx.peerCommit!.bytes;
  const dhPart1 = initiator ? ctx.peerDhPart!.bytes : ctx.selfDhPart!.bytes;
  const dhPart2 = initiator ? ctx.selfDhPart!.bytes : ctx.peerDhPart!.bytes;
  const zidI = initiator ? ctx.config.zid : ctx.peerHello!.message.zid;
  const zidR = initiator ? ctx.peerHello!.message.zid : ctx.config.zid;

  const totalHash = computeTotalHash(algorithms.hash, responderHello, commit, dhPart1, dhPart2);
  ctx.kdfContext = kdfContext(zidI, zidR, totalHash);
  ctx.s0 = computeS0(algorithms.hash, dh, ctx.kdfContext, ctx.s1.s1, ctx.auxSecretMatched ? aux : null, null);
  dh.fill(0);
  // The DH private value is no longer needed (§4.4.1.4: "destroy" after use).
  ctx.keyPair?.destroy();
  ctx.confirmKeys = deriveConfirmKeys(algorithms.hash, algorithms.cipher, ctx.s0, ctx.kdfContext);
}

/** Initiator: the responder's H1 (DHPart1) authenticates its Hello: H3 = hash(hash(H1)). */
export function authenticateResponderHello(ctx: MachineContext, dhPart1: DhPartMessage): void {
  verifyChain(dhPart1.h1, ctx.peerHello!.message.h3, 2, 'DHPart1 H1');
  verifyChainMac(hashImage(dhPart1.h1), ctx.peerHello!.bytes, 'Hello');
}

/** Responder: DHPart2's H1 authenticates the Commit (H2 = hash(H1)), and hvi is checked (§4.4.1.1). */
export function authenticateCommit(ctx: MachineContext, dhPart2: Received<DhPartMessage>): void {
  const commit = ctx.peerCommit!;
  verifyChain(dhPart2.message.h1, commit.message.h2, 1, 'DHPart2 H1');
  verifyChainMac(dhPart2.message.h1, commit.bytes, 'Commit');
}
