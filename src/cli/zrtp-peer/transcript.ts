/**
 * What the zrtp-peer command records about the messages it exchanges: when the first Hello
 * left (for timing), and the first copy of each message that enters total_hash, so it can
 * rebuild KDF_Context (RFC 6189 §4.4.1.4) and derive one key from the Exported Key (§4.5.2)
 * for comparison with bzrtp's bzrtp_exportKey() — without ever printing a secret.
 */
import { hashLength, type HashAlgorithm } from '../../zrtp/algorithms.ts';
import { hash } from '../../zrtp/crypto/hash.ts';
import { kdf } from '../../zrtp/kdf.ts';

/** Label shared with test/interop/bzrtp-peer.c (EXPORT_PROBE_LABEL). */
export const EXPORT_PROBE_LABEL = 'susurro interop probe';

/** §5: the 8-byte type block at offset 4 of every message ("Hello   ", "DHPart1 ", ...). */
export function messageType(message: Uint8Array): string {
  return message.length >= 12 ? Buffer.from(message.subarray(4, 12)).toString('latin1').trimEnd() : '';
}

/** §5.2: the ZID of a Hello (after preamble, length, type, version, client id and H3). */
function helloZid(hello: Uint8Array): Uint8Array {
  return hello.subarray(64, 76);
}

type Direction = 'out' | 'in';

export class Transcript {
  firstHelloSentAt: number | null = null;
  readonly #first = new Map<string, Uint8Array>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  record(direction: Direction, message: Uint8Array): void {
    const type = messageType(message);
    if (direction === 'out' && type === 'Hello' && this.firstHelloSentAt === null) this.firstHelloSentAt = this.#now();
    const key = `${direction}:${type}`;
    if (!this.#first.has(key)) this.#first.set(key, message.slice());
  }

  /** Whether we sent a message of this type (e.g. DHPart2: we were the initiator). */
  sent(type: string): boolean {
    return this.#first.has(`out:${type}`);
  }

  /**
   * KDF(ExportedKey, EXPORT_PROBE_LABEL, KDF_Context, 256) with KDF_Context = ZIDi || ZIDr ||
   * hash(Hello of responder || Commit || DHPart1 || DHPart2), or null if a message is missing.
   */
  exportProbe(alg: HashAlgorithm, role: 'initiator' | 'responder', exportedKey: Uint8Array): Uint8Array | null {
    const mine = role === 'initiator' ? 'out' : 'in';
    const theirs = role === 'initiator' ? 'in' : 'out';
    const initiatorHello = this.#first.get(`${mine}:Hello`);
    const responderHello = this.#first.get(`${theirs}:Hello`);
    const commit = this.#first.get(`${mine}:Commit`);
    const dhPart1 = this.#first.get(`${theirs}:DHPart1`);
    const dhPart2 = this.#first.get(`${mine}:DHPart2`);
    if (!initiatorHello || !responderHello || !commit || !dhPart1 || !dhPart2) return null;
    const totalHash = hash(alg, responderHello, commit, dhPart1, dhPart2);
    const context = new Uint8Array(24 + totalHash.length);
    context.set(helloZid(initiatorHello), 0);
    context.set(helloZid(responderHello), 12);
    context.set(totalHash, 24);
    return kdf(alg, exportedKey, EXPORT_PROBE_LABEL, context, Math.min(256, hashLength(alg) * 8));
  }
}
