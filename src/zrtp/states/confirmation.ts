/**
 * Confirm1/Confirm2 (RFC 6189 §4.6, §5.7): checking the peer's Confirm and deriving everything
 * the application gets (§4.5.2 SAS, Exported key, ZRTP Session Key; §4.5.3 SRTP keys; §4.6.1
 * the next retained secret).
 */
import { equalBytes } from '@noble/ciphers/utils.js';
import { cfbDecrypt } from '../crypto/confirm-cipher.ts';
import { hmac } from '../crypto/hash.ts';
import { ProtocolErrorCode, ZrtpError } from '../errors.ts';
import { deriveSessionSecrets, deriveSrtpKeys } from '../key-derivation.ts';
import { decodeConfirmBody, type ConfirmBody, type ConfirmMessage } from '../messages/index.ts';
import { renderSas } from '../sas.ts';
import type { MachineContext } from './context.ts';
import { verifyChain, verifyChainMac } from './message-auth.ts';
import { buildConfirm } from './outbound.ts';

/** The V flag we send: we verified the SAS before AND continuity held this time (§4.6.1.1, §7.1). */
export function ourVerifiedFlag(ctx: MachineContext): boolean {
  return Boolean(ctx.cacheRecord?.sasVerified) && ctx.s1?.matched != null;
}

/** Our Confirm (1 as responder, 2 as initiator), keyed with our role's mackey/zrtpkey. */
export function buildOurConfirm(ctx: MachineContext): Uint8Array {
  const keys = ctx.confirmKeys!;
  const initiator = ctx.role === 'initiator';
  return buildConfirm(
    initiator ? 'Confirm2' : 'Confirm1',
    ctx.algorithms!,
    ctx.chain,
    initiator
      ? { mac: keys.macKeyInitiator, cipher: keys.zrtpKeyInitiator }
      : { mac: keys.macKeyResponder, cipher: keys.zrtpKeyResponder },
    { verified: ourVerifiedFlag(ctx) },
    ctx.config.cacheExpirySeconds,
    ctx.config.random,
  );
}

/**
 * Authenticates the peer's Confirm: confirm_mac first (Error 0x70 BadConfirmMac), then
 * decryption, then H0 against the peer's DHPart H1 and the DHPart MAC keyed by H0 (§9).
 */
export function openPeerConfirm(ctx: MachineContext, confirm: ConfirmMessage): ConfirmBody {
  const algorithms = ctx.algorithms!;
  const keys = ctx.confirmKeys!;
  const fromInitiator = ctx.role === 'responder';
  const macKey = fromInitiator ? keys.macKeyInitiator : keys.macKeyResponder;
  const cipherKey = fromInitiator ? keys.zrtpKeyInitiator : keys.zrtpKeyResponder;
  const expected = hmac(algorithms.hash, macKey, confirm.encrypted).slice(0, 8);
  if (!equalBytes(expected, confirm.confirmMac)) {
    throw new ZrtpError('SUSURRO_ZRTP_BAD_MAC', `${confirm.type} confirm_mac does not verify (RFC 6189 §5.7)`, {
      protocolCode: ProtocolErrorCode.BadConfirmMac,
    });
  }
  const plaintext = cfbDecrypt(algorithms.cipher, cipherKey, confirm.cfbIv, confirm.encrypted);
  let body: ConfirmBody;
  try {
    body = decodeConfirmBody(plaintext);
  } finally {
    plaintext.fill(0);
  }
  const peerDhPart = ctx.peerDhPart!;
  verifyChain(body.h0, peerDhPart.message.h1, 1, `${confirm.type} H0`);
  verifyChainMac(body.h0, peerDhPart.bytes, peerDhPart.message.type);
  return body;
}

/** Derives the application's keys from s0, then wipes s0 (§4.5, §4.6.1). */
export function deriveResult(ctx: MachineContext, peerBody: ConfirmBody): void {
  const algorithms = ctx.algorithms!;
  const s0 = ctx.s0!;
  const context = ctx.kdfContext!;
  const srtp = deriveSrtpKeys(algorithms.hash, algorithms.cipher, s0, context);
  const secrets = deriveSessionSecrets(algorithms.hash, s0, context);
  ctx.newRs1 = secrets.newRetainedSecret;
  // §4.9: the shorter of the two announced cache expiration intervals applies.
  ctx.cacheExpirySeconds = Math.min(ctx.config.cacheExpirySeconds, peerBody.cacheExpiry >>> 0);
  const cacheMismatch = ctx.s1!.cacheMismatch;
  const hello = ctx.peerHello!.message;
  ctx.pendingResult = {
    role: ctx.role!,
    peerZid: hello.zid.slice(),
    peerClientId: hello.clientId.replace(/[\s\0]+$/, ''),
    hash: algorithms.hash,
    cipher: algorithms.cipher,
    authTag: algorithms.authTag,
    keyAgreement: algorithms.keyAgreement,
    sasType: algorithms.sas,
    sas: renderSas(algorithms.sas, secrets.sasHash),
    sasHash: secrets.sasHash,
    srtp,
    exportedKey: secrets.exportedKey,
    zrtpSessionKey: secrets.zrtpSessionKey,
    cacheMismatch,
    previouslyVerified: ourVerifiedFlag(ctx) && peerBody.flags.V && !cacheMismatch,
    auxSecretMatched: ctx.auxSecretMatched,
  };
  s0.fill(0);
  ctx.s0 = null;
}
