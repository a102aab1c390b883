/**
 * ZrtpSession: one RFC 6189 DH-mode exchange between this endpoint and one peer. Bytes in
 * (`receive`), bytes and events out (the delegate). Pure: no I/O, no timers; randomness,
 * clock, cache and transport are injected. Retransmission timers are the transport's job; the
 * session only says which §6 timer applies to each message it sends.
 *
 * Transition table (one handler per state in ./states/, table checked in ./states/state.ts):
 *
 *   state                     | input                          | action                              | next
 *   --------------------------+--------------------------------+-------------------------------------+-------------------------
 *   (start)                   | start()                        | send Hello (T1)                     | discovery
 *   discovery                 | peer Hello (first)             | check version/§8.1 hash/ZID, negotiate, send HelloACK | discovery
 *   discovery                 | HelloACK                       | stop Hello retransmission           | discovery
 *   discovery                 | both Hellos done, cache loaded | commit 'eager': send Commit (T2)    | initiator-sent-commit
 *                             |                                | commit 'wait'                       | waiting-commit
 *   discovery/waiting-commit  | Commit                         | auth peer Hello (H2), send DHPart1  | responder-sent-dhpart1
 *   initiator-sent-commit     | Commit, our hvi lower (§4.2)   | drop ours, send DHPart1             | responder-sent-dhpart1
 *   initiator-sent-commit     | Commit, our hvi higher         | ignore it                           | initiator-sent-commit
 *   initiator-sent-commit     | DHPart1                        | auth Hello (H1), DH, send DHPart2 (T2), s0 | initiator-sent-dhpart2
 *   responder-sent-dhpart1    | same Commit again              | resend DHPart1                      | responder-sent-dhpart1
 *   responder-sent-dhpart1    | DHPart2                        | auth Commit (H1), hvi, DH, s0, send Confirm1 | responder-sent-confirm1
 *   initiator-sent-dhpart2    | Confirm1                       | confirm_mac, H0, DHPart1 MAC; send Confirm2 (T2); keys | initiator-sent-confirm2
 *   responder-sent-confirm1   | same DHPart2 again             | resend Confirm1                     | responder-sent-confirm1
 *   responder-sent-confirm1   | Confirm2                       | as Confirm1; send Conf2ACK; keys; cache | secure
 *   initiator-sent-confirm2   | Conf2ACK                       | stop retransmission; cache          | secure
 *   secure (responder)        | same Confirm2 again            | resend Conf2ACK                     | secure
 *   any but secure            | Error                          | send ErrorACK, onError(PEER_ERROR)  | failed
 *   any                       | check fails                    | send Error(code) (T2), onError      | failed
 *   any                       | timeout()                      | onError(TIMEOUT)                    | failed
 *   any                       | close()                        | wipe secrets                        | closed
 *
 * Dropped, never fatal (counted in `inputStats`, reported through onDropped; ./states/inbound.ts
 * decides before dispatch, as bzrtp's checks run before its state functions): undecodable
 * messages; messages not expected in the state (on UDP indistinguishable from late
 * retransmissions); a Hello/Commit/DHPart/Confirm that differs from the one stored from the
 * peer (bzrtp: "unmatching packet repetition"); messages failing their hash-chain or chain-MAC
 * check (§9), which are unauthenticated, so the genuine retransmission still completes the
 * exchange; and an Error once secure (§5.9: Error ends an exchange in progress). Every other
 * check failure on a FIRST message is fatal: Error with the RFC code (0x61 bad pv, 0x62 hvi,
 * 0x70 Confirm MAC, 0x90 equal ZID, 0x30 version, 0x5x algorithms).
 *
 * The only asynchronous step is the cache: the peer's record is read when its Hello arrives
 * (messages received meanwhile are queued, in order) and written when the exchange is
 * complete; onSecure fires after that write, so a second session sees the new rs1.
 */
import { assertRecord, nextRetainedRecord } from './cache/retained-secret-cache.ts';
import { asZrtpError, ZrtpError } from './errors.ts';
import { makeHashChain } from './hash-chain.ts';
import { decodeMessage, encodeMessage, type ZrtpMessage } from './messages/index.ts';
import { zrtpHashAttribute } from './zrtp-hash.ts';
import { MachineContext } from './states/context.ts';
import { validateOptions } from './states/options.ts';
import { advanceDiscovery, HELLO_ACK } from './states/discovery.ts';
import { routeInbound } from './states/inbound.ts';
import { isUnauthenticatedMessage } from './states/message-auth.ts';
import { dhPartToPrepare, prepareKeyPair } from './states/key-agreement.ts';
import { STATE_HANDLERS } from './states/index.ts';
import { buildHello } from './states/outbound.ts';
import type { ZrtpState } from './states/state.ts';
import { ZRTP_DROP_REASONS, type ZrtpDropReason, type ZrtpInputStats, type ZrtpSessionDelegate, type ZrtpSessionOptions } from './states/types.ts';

export type { ZrtpState } from './states/state.ts';
export type { ZrtpDropReason, ZrtpInputStats, ZrtpSecureResult, ZrtpSessionDelegate, ZrtpSessionOptions } from './states/types.ts';
export { ZRTP_DROP_REASONS } from './states/types.ts';

export { DEFAULT_CLIENT_ID } from './states/options.ts';
const ERROR_ACK = encodeMessage({ type: 'ErrorACK' });
/** Bound on messages queued while the cache is read (a flood is dropped, not buffered). */
const MAX_QUEUED = 64;

export class ZrtpSession {
  /** This endpoint's a=zrtp-hash attribute value (§8.1), e.g. "1.10 3f5c…". */
  readonly helloHash: string;
  readonly #ctx: MachineContext;
  readonly #delegate: ZrtpSessionDelegate;
  readonly #queue: Uint8Array[] = [];
  #blocked = false;
  /** The queued message whose DH result was computed ahead (async backend): dispatch it now. */
  #dhPrepared: Uint8Array | null = null;
  #running = false;
  #secureReported = false;
  #idle: Promise<void> = Promise.resolve();
  readonly #stats: ZrtpInputStats = {
    received: 0,
    repeated: 0,
    dropped: Object.fromEntries(ZRTP_DROP_REASONS.map((r) => [r, 0])) as Record<ZrtpDropReason, number>,
  };

  constructor(opts: ZrtpSessionOptions) {
    const config = validateOptions(opts);
    const chain = makeHashChain('S256', config.random(32));
    const hello = buildHello(config.clientId, config.zid, chain, config.preferences);
    this.#ctx = new MachineContext(config, chain, hello);
    this.#delegate = config.delegate;
    this.helloHash = zrtpHashAttribute(hello.bytes);
  }

  get state(): ZrtpState {
    return this.#ctx.state;
  }

  /** A snapshot of what happened to the input so far (repeats answered, messages dropped and why). */
  get inputStats(): ZrtpInputStats {
    return { ...this.#stats, dropped: { ...this.#stats.dropped } };
  }

  /** Resolves once pending cache work (read or write) is done; for tests and orderly shutdown. */
  idle(): Promise<void> {
    return this.#idle;
  }

  /** Sends our Hello (retransmitted with T1, §6). Idempotent. */
  start(): void {
    const ctx = this.#ctx;
    if (ctx.started || ctx.state !== 'discovery') return;
    ctx.started = true;
    this.#exclusive(() => this.#guard(() => ctx.send(ctx.selfHello.bytes, 'T1')));
  }

  /**
   * Signalling binding given after construction but before start() (added for the softphone):
   * an SDP offerer must publish `helloHash` in its offer before it knows the answerer's DTLS
   * fingerprint (input of the aux secret) and the answerer's a=zrtp-hash (§8.1).
   */
  bindSignalling(binding: { auxSecret?: Uint8Array; peerHelloHash?: string }): void {
    const ctx = this.#ctx;
    if (ctx.started) throw new ZrtpError('SUSURRO_ZRTP_INVALID_ARGUMENT', 'bindSignalling must precede start()');
    if (binding.auxSecret !== undefined) {
      if (!(binding.auxSecret instanceof Uint8Array)) throw new TypeError('binding.auxSecret must be a Uint8Array');
      if (binding.auxSecret.length === 0) throw new RangeError('binding.auxSecret must not be empty');
      ctx.config.auxSecret = binding.auxSecret.slice();
    }
    if (binding.peerHelloHash !== undefined) {
      if (typeof binding.peerHelloHash !== 'string') throw new TypeError('binding.peerHelloHash must be a string');
      ctx.config.peerHelloHash = binding.peerHelloHash;
    }
  }

  /** One received ZRTP message (no packet header). Never throws; failures go to onError. */
  receive(message: Uint8Array): void {
    if (!(message instanceof Uint8Array)) return;
    const ctx = this.#ctx;
    if (ctx.state === 'closed') return;
    if (!ctx.started) this.start();
    this.#stats.received++;
    if (this.#queue.length >= MAX_QUEUED) {
      this.#drop('queue-full', null);
      return;
    }
    this.#queue.push(message.slice());
    this.#pump();
  }

  /** The transport ran out of retransmissions (§6): the session fails with TIMEOUT. */
  timeout(): void {
    const s = this.#ctx.state;
    if (s === 'secure' || s === 'failed' || s === 'closed') {
      if (s === 'failed') this.#ctx.stopRetransmit();
      return;
    }
    this.#fail(new ZrtpError('SUSURRO_ZRTP_TIMEOUT', `no answer from the peer in state ${s} (RFC 6189 §6)`), false);
  }

  /**
   * Records the users' SAS comparison (§7.1). `true` sets the cache's V flag and, after a
   * cache mismatch, stores the withheld new rs1 (§4.6.1.1); `false` clears the V flag.
   */
  async setSasVerified(verified: boolean): Promise<void> {
    if (typeof verified !== 'boolean') throw new TypeError('verified must be a boolean');
    const ctx = this.#ctx;
    const result = ctx.result;
    if (!result) throw new ZrtpError('SUSURRO_ZRTP_INVALID_ARGUMENT', 'setSasVerified before the session is secure');
    await this.#idle;
    const { cache, zid, now } = ctx.config;
    if (verified && ctx.withheldRs1) {
      // Re-read: our copy of the record was wiped once the exchange completed.
      const previous = await cache.get(zid, result.peerZid);
      await cache.put(zid, nextRetainedRecord(previous, ctx.peerHello!.message.zid, ctx.withheldRs1, true, now(), ctx.cacheExpirySeconds));
      ctx.withheldRs1.fill(0);
      ctx.withheldRs1 = null;
      return;
    }
    await cache.setVerified(zid, result.peerZid, verified);
  }

  /** Ends the session and zeroises the secrets it still holds (the result is the caller's). */
  close(): void {
    const ctx = this.#ctx;
    if (ctx.state === 'closed') return;
    ctx.stopRetransmit();
    ctx.wipeSecrets();
    ctx.withheldRs1?.fill(0);
    ctx.withheldRs1 = null;
    this.#queue.length = 0;
    ctx.transition('closed');
  }

  #pump(): void {
    this.#exclusive(() => undefined);
  }

  /**
   * Runs `step`, then drains the input queue, never re-entrantly: a delegate whose onSend makes
   * the peer answer synchronously (in-process wiring) only queues that answer, which is handled
   * once the current handler has finished its state transition.
   */
  #exclusive(step: () => void): void {
    if (this.#running) {
      step(); // e.g. start() from inside a delegate callback: no draining here, the outer loop does it
      return;
    }
    this.#running = true;
    try {
      step();
      while (!this.#blocked && this.#queue.length > 0) {
        if (this.#prepareDh(this.#queue[0]!)) break;
        const bytes = this.#queue.shift()!;
        this.#handle(bytes);
        this.#afterHandle();
      }
    } finally {
      this.#running = false;
    }
  }

  /**
   * Async key agreement backend (WebCrypto): before a DHPart reaches the handler that needs its
   * DH result, the result is computed through the backend while the queue waits, exactly as
   * for the cache read; then the same message is dispatched and the synchronous handler finds
   * the result ready. Nothing is sent meanwhile, so the wire is unchanged. True = blocked.
   */
  #prepareDh(bytes: Uint8Array): boolean {
    const ctx = this.#ctx;
    if (this.#dhPrepared === bytes || ctx.state === 'failed' || ctx.state === 'closed') return false;
    let message: ZrtpMessage;
    try {
      message = decodeMessage(bytes);
    } catch {
      return false; // #handle drops it
    }
    const pv = dhPartToPrepare(ctx, message as { type: string; pv?: Uint8Array });
    if (!pv) return false;
    this.#blocked = true;
    this.#dhPrepared = bytes;
    this.#idle = ctx.keyPair!.prepareShared!(pv).then(() => {
      if (ctx.state === 'closed') return;
      this.#blocked = false;
      this.#pump();
    });
    return true;
  }

  #handle(bytes: Uint8Array): void {
    const ctx = this.#ctx;
    let message: ZrtpMessage;
    try {
      message = decodeMessage(bytes);
    } catch {
      this.#drop('undecodable', null);
      return;
    }
    if (ctx.state === 'closed') return;
    if (ctx.state === 'failed') {
      // §5.9/§5.10: keep answering Error with ErrorACK; ErrorACK ends our Error retransmission.
      if (message.type === 'ErrorACK') ctx.stopRetransmit();
      else if (message.type === 'Error') ctx.send(ERROR_ACK, null);
      else this.#drop('unexpected', message.type);
      return;
    }
    const route = routeInbound(ctx, bytes, message);
    switch (route.kind) {
      case 'drop':
        this.#drop(route.reason, message.type);
        return;
      case 'peer-error':
        ctx.send(ERROR_ACK, null);
        this.#fail(
          new ZrtpError('SUSURRO_ZRTP_PEER_ERROR', `peer sent Error 0x${route.code.toString(16)}`, { protocolCode: route.code }),
          false,
        );
        return;
      case 'ack-hello':
        this.#stats.repeated++;
        ctx.send(HELLO_ACK, null); // §4.1: our HelloACK was lost
        return;
      case 'dispatch':
        if (route.input.repeat) this.#stats.repeated++;
        this.#guard(() => {
          if (STATE_HANDLERS[ctx.state](ctx, route.input) === 'unexpected' && !route.input.repeat) this.#drop('unexpected', message.type);
        }, message.type);
    }
  }

  #drop(reason: ZrtpDropReason, messageType: string | null): void {
    this.#stats.dropped[reason]++;
    this.#delegate.onDropped?.(reason, messageType);
  }

  /** Starts the cache read after the peer's Hello, and the cache write once secure. */
  #afterHandle(): void {
    const ctx = this.#ctx;
    if (ctx.peerHello && ctx.cacheRecord === undefined && !this.#blocked && ctx.state !== 'failed' && ctx.state !== 'closed') {
      this.#blocked = true;
      const peerZid = ctx.peerHello.message.zid;
      const record = ctx.config.cache.get(ctx.config.zid, peerZid).then(
        (r) => (r && assertRecord(r), r),
        (e: unknown) => (this.#delegate.onCacheError?.(e), null),
      );
      // While the cache read is under way: the key pair, off the Commit/DHPart1 critical path
      // (an async backend's pair is awaited with the cache read, the queue blocked until both).
      let keyPair: Promise<unknown> | null = null;
      this.#guard(() => void (keyPair = prepareKeyPair(ctx)?.then(() => null, (e: unknown) => ({ error: e })) ?? null));
      this.#idle = Promise.all([record, keyPair as Promise<{ error: unknown } | null> | null]).then(([r, failure]) => {
        if (ctx.state === 'closed') return;
        ctx.cacheRecord = r;
        this.#blocked = false;
        this.#exclusive(() => {
          this.#guard(() => {
            if (failure) throw failure.error;
            advanceDiscovery(ctx);
          });
          this.#afterHandle();
        });
      });
      return;
    }
    if (ctx.state === 'secure' && !this.#secureReported) {
      this.#secureReported = true;
      this.#idle = this.#completeSecure();
    }
  }

  /** §4.6.1: rs2 := rs1, rs1 := new; withheld after a cache mismatch (§4.6.1.1). */
  async #completeSecure(): Promise<void> {
    const ctx = this.#ctx;
    const result = ctx.pendingResult!;
    ctx.pendingResult = null;
    ctx.result = result;
    const { cache, zid, now } = ctx.config;
    const previous = ctx.cacheRecord ?? null;
    const newRs1 = ctx.newRs1!;
    ctx.newRs1 = null;
    try {
      if (ctx.s1!.cacheMismatch) {
        // §4.6.1.1: keep the old secrets, clear V, and hold the new rs1 until the SAS is verified.
        ctx.withheldRs1 = newRs1;
        if (previous) await cache.put(zid, { ...previous, sasVerified: false, updatedAt: now() });
      } else if (ctx.cacheExpirySeconds !== 0) {
        const keepVerified = Boolean(previous?.sasVerified) && ctx.s1!.matched !== null;
        await cache.put(zid, nextRetainedRecord(previous, ctx.peerHello!.message.zid, newRs1, keepVerified, now(), ctx.cacheExpirySeconds));
        newRs1.fill(0);
      } else {
        newRs1.fill(0); // §4.9: an interval of 0 means "do not cache"
      }
    } catch (e) {
      this.#delegate.onCacheError?.(e);
    }
    ctx.wipeSecrets();
    if (ctx.state === 'secure') this.#delegate.onSecure?.(result);
  }

  /** Runs `step`; a thrown error fails the session (with an Error message if it has a code). */
  #guard(step: () => void, messageType: string | null = null): void {
    try {
      step();
    } catch (e) {
      if (isUnauthenticatedMessage(e)) {
        this.#drop('unauthenticated', messageType); // §9 check failed: the peer's retransmission may be genuine
        return;
      }
      this.#fail(asZrtpError(e), true);
    }
  }

  #fail(error: ZrtpError, sendError: boolean): void {
    const ctx = this.#ctx;
    if (ctx.state === 'failed' || ctx.state === 'closed') return;
    ctx.stopRetransmit();
    if (sendError && error.protocolCode !== undefined) {
      ctx.sentErrorCode = error.protocolCode;
      // §5.9/§6: Error is retransmitted with T2 until ErrorACK.
      try {
        ctx.send(encodeMessage({ type: 'Error', code: error.protocolCode }), 'T2');
      } catch {
        /* the transport failed; the session is over anyway */
      }
    }
    ctx.wipeSecrets();
    ctx.withheldRs1?.fill(0);
    ctx.withheldRs1 = null;
    this.#queue.length = 0;
    ctx.transition('failed');
    this.#delegate.onError?.(error);
  }
}
