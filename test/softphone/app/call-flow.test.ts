import { describe, it, expect, vi } from 'vitest';
import { SessionState } from 'sip.js';
import { CallFlow, type CallFlowDeps } from '../../../softphone-web/src/app/call-flow.ts';
import { initialState, Store } from '../../../softphone-web/src/app/state.ts';
import { SecureSessionDescriptionHandler } from '../../../softphone-web/src/sip/secure-session-description-handler.ts';
import { ManualScheduler, settle } from './manual-scheduler.ts';

/**
 * CallFlow with fake sip.js sessions (only the members CallFlow uses) and a fake clock. The
 * real thing — sip.js against Kamailio, Chromium's WebRTC — is in test/softphone/*.e2e.test.ts.
 */
type Listener = (s: SessionState) => void;

function fakeSession<T extends object>(extra: T) {
  const listeners: Listener[] = [];
  const session = {
    state: SessionState.Initial as SessionState,
    delegate: undefined as unknown,
    sessionDescriptionHandler: undefined as unknown,
    stateChange: { addListener: (l: Listener) => listeners.push(l) },
    moveTo(state: SessionState) {
      session.state = state;
      for (const l of listeners) l(state);
    },
    bye: vi.fn(async (_o?: unknown) => session.moveTo(SessionState.Terminated)),
    ...extra,
  };
  return session;
}

function fakeInvitation(setup: () => unknown) {
  const inv = fakeSession({
    remoteIdentity: { uri: { user: '201' }, displayName: 'Alice' },
    request: { body: 'v=0\r\n', getHeader: (name: string) => (name === 'Content-Type' ? 'application/sdp' : undefined) },
    setupSessionDescriptionHandler: setup,
    reject: vi.fn(async (_o?: { statusCode?: number; extraHeaders?: string[] }) => inv.moveTo(SessionState.Terminated)),
    accept: vi.fn(async () => inv.moveTo(SessionState.Established)),
  });
  return inv;
}

/** A SecureSessionDescriptionHandler whose answer preparation fails as the test says. */
function failingSdh(error: Error): SecureSessionDescriptionHandler {
  return Object.assign(Object.create(SecureSessionDescriptionHandler.prototype) as SecureSessionDescriptionHandler, {
    prepareAnswer: () => Promise.reject(error),
  });
}

function setup(over: Partial<CallFlowDeps> = {}) {
  const clock = new ManualScheduler();
  const store = new Store({ ...initialState('en'), screen: 'home', account: { extension: '203', username: 'carol', displayName: 'Carol' }, directory: [{ extension: '202', displayName: 'Bob' }] });
  const inviters: Array<ReturnType<typeof fakeSession>> = [];
  let respond: (r: { statusCode: number; header?: string }) => void = () => undefined;
  const tones = { play: vi.fn(), stop: vi.fn() };
  const onUnexplainedEnd = vi.fn();
  const onMissed = vi.fn();
  const flow = new CallFlow({
    store,
    scheduler: clock,
    tones,
    remoteAudio: { srcObject: null, play: async () => undefined },
    announce: () => undefined,
    getUserMedia: async () => ({ getTracks: () => [] }) as unknown as MediaStream,
    createSecurity: () => ({ close: vi.fn() }) as never,
    random: (n) => new Uint8Array(n),
    agent: () => ({
      start: async () => undefined,
      stop: async () => undefined,
      inviter: () => {
        const inviter = fakeSession({
          cancel: vi.fn(async () => undefined),
          invite: vi.fn(async (o: { requestDelegate: { onReject(r: unknown): void } }) => {
            respond = ({ statusCode, header }) => {
              inviter.moveTo(SessionState.Terminated);
              o.requestDelegate.onReject({ message: { statusCode, getHeader: (n: string) => (n === 'X-Susurro-End-Reason' ? header : undefined) } });
            };
          }),
        });
        inviters.push(inviter);
        return inviter as never;
      },
    }),
    ensureFreshTurn: async () => undefined,
    onUnexplainedEnd,
    onMissed,
    ...over,
  });
  return { clock, store, flow, inviters, respond: (r: { statusCode: number; header?: string }) => respond(r), tones, onUnexplainedEnd, onMissed };
}

describe('CallFlow: an incoming call this phone cannot take is answered, with the reason', () => {
  it('no peer connection possible → 488 with X-Susurro-End-Reason: media-failed, at once', () => {
    const t = setup();
    const inv = fakeInvitation(() => {
      throw new Error('RTCPeerConnection is not available');
    });
    t.flow.incoming(inv as never);
    expect(inv.reject).toHaveBeenCalledWith({ statusCode: 488, extraHeaders: ['X-Susurro-End-Reason: media-failed'] });
    expect(t.store.state.call).toMatchObject({ phase: 'ended', ended: { message: 'end.mediaFailed' } });
  });

  it('the answer cannot be prepared because the microphone is refused → 500 with microphone-unavailable', async () => {
    const t = setup({ getUserMedia: () => Promise.reject(new DOMException('denied', 'NotAllowedError')) });
    const inv = fakeInvitation(() => failingSdh(new Error('getUserMedia failed')));
    t.flow.incoming(inv as never);
    expect(t.store.state.call?.phase).toBe('incoming');
    await settle();
    expect(inv.reject).toHaveBeenCalledWith({ statusCode: 500, extraHeaders: ['X-Susurro-End-Reason: microphone-unavailable'] });
    expect(t.store.state.call?.ended?.message).toBe('end.microphone');
  });

  it('a failed preparation after the caller cancelled is a missed call, not an answer', async () => {
    const t = setup();
    const inv = fakeInvitation(() => failingSdh(new Error('closed')));
    t.flow.incoming(inv as never);
    inv.moveTo(SessionState.Terminated); // CANCEL
    await settle();
    t.clock.advance(0);
    expect(inv.reject).not.toHaveBeenCalled();
    expect(t.store.state.call?.ended?.message).toBe('end.missed');
    expect(t.onMissed).toHaveBeenCalledWith({ kind: 'missed', extension: '201', displayName: 'Alice', at: t.clock.now() });
  });

  it('a second call while busy gets 486', () => {
    const t = setup();
    t.flow.incoming(fakeInvitation(() => undefined) as never);
    const second = fakeInvitation(() => undefined);
    t.flow.incoming(second as never);
    expect(second.reject).toHaveBeenCalledWith({ statusCode: 486 });
    expect(t.store.state.call?.phase).toBe('incoming');
    // …and the busy person learns that a colleague tried
    expect(t.onMissed).toHaveBeenCalledWith({ kind: 'busy', extension: '201', displayName: 'Alice', at: t.clock.now() });
  });

  it('a CANCEL with Reason: SIP;cause=200 (answered on another device, RFC 3326) is not a missed call', () => {
    const t = setup();
    const inv = fakeInvitation(() => undefined);
    t.flow.incoming(inv as never);
    (inv.delegate as { onCancel(c: unknown): void }).onCancel({ request: { getHeaders: (n: string) => (n === 'Reason' ? ['SIP;cause=200;text="Call completed elsewhere"'] : []) } });
    inv.moveTo(SessionState.Terminated);
    t.clock.advance(0);
    expect(t.store.state.call?.ended?.message).toBe('end.answeredElsewhere');
    expect(t.onMissed).not.toHaveBeenCalled();
  });

  it('a CANCEL with another Reason (or none) is a missed call, kept as a notice', () => {
    const t = setup();
    const inv = fakeInvitation(() => undefined);
    t.flow.incoming(inv as never);
    (inv.delegate as { onCancel(c: unknown): void }).onCancel({ request: { getHeaders: () => ['Q.850;cause=16', 'SIP;cause=487'] } });
    inv.moveTo(SessionState.Terminated);
    t.clock.advance(0);
    expect(t.store.state.call?.ended?.message).toBe('end.missed');
    expect(t.onMissed).toHaveBeenCalledOnce();
  });

  it('a page closed while a call rings answers it 480 with page-closed, so the caller reads why', () => {
    const t = setup();
    const inv = fakeInvitation(() => undefined);
    t.flow.incoming(inv as never);
    t.flow.hangup({ kind: 'page-closed' });
    expect(inv.reject).toHaveBeenCalledWith({ statusCode: 480, extraHeaders: ['X-Susurro-End-Reason: page-closed'] });
    expect(t.onMissed).not.toHaveBeenCalled();
  });

  it('declining sends 603 once', () => {
    const t = setup();
    const inv = fakeInvitation(() => undefined);
    t.flow.incoming(inv as never);
    t.flow.reject();
    expect(inv.reject).toHaveBeenCalledTimes(1);
    expect(inv.reject).toHaveBeenCalledWith({ statusCode: 603 });
  });
});

describe('CallFlow: the caller side', () => {
  it.each([
    [{ statusCode: 488, header: 'media-failed' }, 'end.peerMediaFailed'],
    [{ statusCode: 500, header: 'microphone-unavailable' }, 'end.peerMicrophone'],
    [{ statusCode: 488 }, 'end.488'],
    [{ statusCode: 603 }, 'end.rejected'],
    [{ statusCode: 404 }, 'end.404'],
  ])('a final response %j shows %s and stops the ringback', async (response, message) => {
    const t = setup();
    await t.flow.dial('202');
    expect(t.store.state.call).toMatchObject({ phase: 'dialing', peer: { displayName: 'Bob' } });
    expect(t.tones.play).toHaveBeenCalledWith('ringback');
    t.respond(response);
    t.clock.advance(0);
    expect(t.store.state.call?.ended).toMatchObject({ message, params: { name: 'Bob' } });
    expect(t.flow.active).toBe(false);
  });

  it.each([
    ['20 2; drop', 'dial.error.digits'],
    ['abc', 'dial.error.digits'],
    ['2', 'dial.error.length'],
    ['123456789', 'dial.error.length'],
    ['   ', 'dial.error.empty'],
    ['203', 'dial.error.self'], // one's own extension: refused before dialling, not a 482
  ])('refuses to dial %j, saying why (%s), and sends nothing', async (input, error) => {
    const t = setup();
    await t.flow.dial(input);
    expect(t.inviters).toHaveLength(0);
    expect(t.store.state.call).toBeNull();
    expect(t.store.state.dialError).toBe(error);
    await t.flow.dial('202'); // a valid extension clears the refusal
    expect(t.store.state.dialError).toBeNull();
    expect(t.inviters).toHaveLength(1);
  });

  it('a 488 with Kamailio’s "verified calls only" phrase says so', async () => {
    const t = setup();
    await t.flow.dial('202');
    const inviter = t.inviters[0]!;
    const invite = (inviter as unknown as { invite: unknown }).invite as { mock: { calls: Array<[{ requestDelegate: { onReject(r: unknown): void } }]> } };
    inviter.moveTo(SessionState.Terminated);
    invite.mock.calls[0]![0].requestDelegate.onReject({ message: { statusCode: 488, reasonPhrase: 'Not Acceptable Here: verified calls only: DTLS-SRTP media without ZRTP cannot show a security code', getHeader: () => undefined } });
    t.clock.advance(0);
    expect(t.store.state.call?.ended?.message).toBe('end.verifiedOnly');
  });
});

describe('CallFlow: an answered call', () => {
  it('stamps the answer time from the clock; without ZRTP 8 s later the call is ended, the BYE saying why', async () => {
    const t = setup();
    const inv = fakeInvitation(() => undefined);
    t.flow.incoming(inv as never);
    await t.flow.answer();
    expect(t.store.state.call).toMatchObject({ phase: 'connecting', answeredAt: t.clock.now() });
    t.clock.advance(7999);
    expect(t.store.state.call?.phase).toBe('connecting');
    // fail closed all the way: not secure → the call is ended, and the peer is told why
    t.clock.advance(1);
    expect(inv.bye).toHaveBeenCalledWith({ requestOptions: { extraHeaders: ['X-Susurro-End-Reason: zrtp-failed'] } });
    expect(t.store.state.call?.ended).toMatchObject({ message: 'end.zrtpFailed', detail: 'end.why.timeout' });
    expect(t.flow.active).toBe(false);
  });

  it('the securing deadline is configurable', async () => {
    const t = setup({ securingTimeoutMs: 3000 });
    t.flow.incoming(fakeInvitation(() => undefined) as never);
    await t.flow.answer();
    t.clock.advance(3000);
    t.clock.advance(0);
    expect(t.store.state.call?.ended?.message).toBe('end.zrtpFailed');
  });

  it('a ZRTP failure ends the call at once, with the failure in words', async () => {
    const t = setup({ createSecurity: (() => ({ close: vi.fn() })) as never });
    const inv = fakeInvitation(() => undefined);
    t.flow.incoming(inv as never);
    await t.flow.answer();
    t.flow.watch!.onFailure({ kind: 'zrtp', code: 'SUSURRO_ZRTP_BAD_MAC' } as never);
    expect(t.store.state.call?.phase).toBe('not-secure');
    t.clock.advance(0);
    expect(t.store.state.call?.ended).toMatchObject({ message: 'end.zrtpFailed', detail: 'end.why.tampered' });
    expect(inv.bye).toHaveBeenCalledWith({ requestOptions: { extraHeaders: ['X-Susurro-End-Reason: zrtp-failed'] } });
  });

  it('the watchdog ends the call with media-failed for the peer', async () => {
    const t = setup();
    const inv = fakeInvitation(() => undefined);
    t.flow.incoming(inv as never);
    await t.flow.answer();
    t.flow.hangup({ kind: 'watchdog' });
    expect(inv.bye).toHaveBeenCalledWith({ requestOptions: { extraHeaders: ['X-Susurro-End-Reason: media-failed'] } });
    expect(t.store.state.call?.ended?.message).toBe('end.watchdog');
  });

  it('a peer gone without a BYE (secure channel closed, grace over) ends the call saying so', async () => {
    let delegate: { onPeerGone?(): void } | undefined;
    const t = setup({
      createSecurity: (d) => {
        delegate = d;
        return { close: vi.fn() } as never;
      },
    });
    const inv = fakeInvitation(() => undefined);
    t.flow.incoming(inv as never);
    await t.flow.answer();
    t.flow.securityFor(inv as never);
    delegate!.onPeerGone!();
    t.clock.advance(299);
    expect(t.flow.active).toBe(true); // the peer's BYE (with its reason) may still come
    t.clock.advance(1);
    expect(t.store.state.call?.ended?.message).toBe('end.peerGone');
  });

  it('a page closed mid-call BYEs with page-closed; the peer reads that its colleague left', async () => {
    const t = setup();
    const inv = fakeInvitation(() => undefined);
    t.flow.incoming(inv as never);
    await t.flow.answer();
    t.flow.hangup({ kind: 'page-closed' });
    expect(inv.bye).toHaveBeenCalledWith({ requestOptions: { extraHeaders: ['X-Susurro-End-Reason: page-closed'] } });
    await t.flow.dial('202');
    const inviter = t.inviters[0]!;
    inviter.moveTo(SessionState.Established);
    (inviter.delegate as { onBye(b: unknown): void }).onBye({ request: { getHeader: () => 'page-closed' } });
    inviter.moveTo(SessionState.Terminated);
    t.clock.advance(0);
    expect(t.store.state.call?.ended?.message).toBe('end.peerLeft');
    expect(t.onUnexplainedEnd).not.toHaveBeenCalled();
  });

  it('a peer BYE carrying sas-mismatch is explained as such; a plain end asks whether the account was revoked', async () => {
    const t = setup();
    await t.flow.dial('202');
    const inviter = t.inviters[0]!;
    inviter.moveTo(SessionState.Established);
    (inviter.delegate as { onBye(b: unknown): void }).onBye({ request: { getHeader: () => 'sas-mismatch' } });
    inviter.moveTo(SessionState.Terminated);
    t.clock.advance(0);
    expect(t.store.state.call?.ended?.message).toBe('end.peerSasMismatch');
    expect(t.onUnexplainedEnd).not.toHaveBeenCalled();
    await t.flow.dial('202');
    t.inviters[1]!.moveTo(SessionState.Established);
    t.inviters[1]!.moveTo(SessionState.Terminated);
    t.clock.advance(0);
    expect(t.store.state.call?.ended?.message).toBe('end.normal');
    expect(t.onUnexplainedEnd).toHaveBeenCalledOnce();
  });
});
