/**
 * The mutable context of one exchange and the actions every state handler uses (send, change
 * state, fail). Handlers (one file per state in this folder) receive it together with the
 * decoded message; they throw ZrtpError for protocol failures and the session turns that into
 * an Error message and onError (see ./failure.ts).
 */
import type { AlgorithmPreferences, NegotiatedAlgorithms } from '../algorithms.ts';
import type { RetainedSecretCache, RetainedSecretRecord } from '../cache/retained-secret-cache.ts';
import type { AsyncKeyAgreementPrimitives, KeyAgreementPrimitives, KeyPair } from '../crypto/key-agreement.ts';
import type { HashChain } from '../hash-chain.ts';
import type { ConfirmKeys } from '../key-derivation.ts';
import type { CommitDhMessage } from '../messages/commit.ts';
import type { DhPartMessage } from '../messages/dh-part.ts';
import type { HelloMessage } from '../messages/hello.ts';
import type { Role, S1Selection } from '../retained-secrets.ts';
import { TRANSITIONS, type ZrtpState } from './state.ts';
import type { ZrtpSecureResult, ZrtpSessionDelegate } from './types.ts';

/** A received message: its exact bytes (for MACs, hashes, repetition checks) and its fields. */
export interface Received<T> {
  bytes: Uint8Array;
  message: T;
}

export interface MachineConfig {
  zid: Uint8Array;
  clientId: string;
  preferences: AlgorithmPreferences;
  cache: RetainedSecretCache;
  random: (n: number) => Uint8Array;
  now: () => number;
  auxSecret: Uint8Array | null;
  peerHelloHash: string | null;
  commitMode: 'eager' | 'wait';
  cacheExpirySeconds: number;
  keyAgreementPrimitives: KeyAgreementPrimitives | null;
  asyncKeyAgreementPrimitives: AsyncKeyAgreementPrimitives | null;
  delegate: ZrtpSessionDelegate;
}

export class MachineContext {
  readonly config: MachineConfig;
  readonly chain: HashChain;
  readonly selfHello: Received<HelloMessage>;

  state: ZrtpState = 'discovery';
  started = false;
  helloAcked = false;
  peerHello: Received<HelloMessage> | null = null;
  /** undefined = not loaded yet; null = no record for this peer. */
  cacheRecord: RetainedSecretRecord | null | undefined = undefined;

  algorithms: NegotiatedAlgorithms | null = null;
  role: Role | null = null;
  keyPair: KeyPair | null = null;
  /** DH exponent size the key pair was made for (§5.1.5: it depends on the cipher). */
  keyPairSecretBits = 0;

  selfCommit: Received<CommitDhMessage> | null = null;
  selfDhPart: Received<DhPartMessage> | null = null;
  selfConfirm: Uint8Array | null = null;
  peerCommit: Received<CommitDhMessage> | null = null;
  peerDhPart: Received<DhPartMessage> | null = null;
  peerConfirm: Uint8Array | null = null;

  s1: S1Selection | null = null;
  auxSecretMatched: boolean | null = null;
  s0: Uint8Array | null = null;
  kdfContext: Uint8Array | null = null;
  confirmKeys: ConfirmKeys | null = null;
  /** Result kept from Confirm processing until the exchange is complete. */
  pendingResult: ZrtpSecureResult | null = null;
  /** New rs1 (§4.6.1), computed before s0 is wiped. */
  newRs1: Uint8Array | null = null;
  /** Cache expiration interval agreed for the new rs1, seconds (min of both, §4.9). */
  cacheExpirySeconds = 0xffffffff;
  /** New rs1 withheld after a cache mismatch until the SAS is verified (§4.6.1.1). */
  withheldRs1: Uint8Array | null = null;
  result: ZrtpSecureResult | null = null;
  /** Error code we sent, retransmitted until ErrorACK. */
  sentErrorCode: number | null = null;

  constructor(config: MachineConfig, chain: HashChain, selfHello: Received<HelloMessage>) {
    this.config = config;
    this.chain = chain;
    this.selfHello = selfHello;
  }

  send(bytes: Uint8Array, retransmit: 'T1' | 'T2' | null): void {
    this.config.delegate.onSend(bytes, retransmit);
  }

  stopRetransmit(): void {
    this.config.delegate.onStopRetransmit?.();
  }

  /** Moves to `next`, refusing transitions the table does not list (a bug, reported as such). */
  transition(next: ZrtpState): void {
    if (next === this.state) return;
    if (next !== 'failed' && next !== 'closed' && !TRANSITIONS[this.state].includes(next)) {
      throw new Error(`illegal ZRTP transition ${this.state} -> ${next}`);
    }
    this.state = next;
    this.config.delegate.onStateChange?.(next);
  }

  /** Best-effort zeroisation of every secret the context holds (§4.4.1.4 "destroy s0"...). */
  wipeSecrets(): void {
    this.keyPair?.destroy();
    this.keyPair = null;
    this.s0?.fill(0);
    this.s0 = null;
    if (this.confirmKeys) {
      for (const k of Object.values(this.confirmKeys)) k.fill(0);
      this.confirmKeys = null;
    }
    this.newRs1?.fill(0);
    this.newRs1 = null;
    if (this.cacheRecord) {
      this.cacheRecord.rs1?.fill(0);
      this.cacheRecord.rs2?.fill(0);
    }
  }
}
