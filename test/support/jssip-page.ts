/**
 * Browser entry of the JsSIP test page (issue #16 "JsSIP"): a second JavaScript SIP stack, the
 * `jssip` package, as another web client built on it would use it. Bundled for the test only
 * (test/support/bundle.ts), never shipped. It logs in to the phone API like the softphone does
 * (POST /api/v1/phone/login: SIP identity, WSS URL and TURN credentials), registers over WSS
 * with digest, and makes or takes calls with relay-only ICE through the project's TURN. Its
 * WebRTC offers carry a DTLS fingerprint (JsSIP's default) and no a=zrtp-hash.
 *
 * The test drives it through `globalThis.jssipPhone` and reads what happened from `events`.
 */
import * as JsSIP from 'jssip';
type RTCSession = ReturnType<JsSIP.UA['call']>;

interface LoginAnswer {
  sip: { wssUrl: string; domain: string; authorizationUser: string };
  turn: { urls: string[]; username: string; credential: string };
}

/** One line of what the page saw: SIP events with their status codes and causes. */
export interface JssipEvent {
  at: number;
  what: string;
  status?: number;
  reason?: string;
  cause?: string;
  originator?: string;
}

const events: JssipEvent[] = [];
const log = (e: Omit<JssipEvent, 'at'>) => events.push({ at: Date.now(), ...e });

let ua: JsSIP.UA | null = null;
let session: RTCSession | null = null;
let pcConfig: RTCConfiguration = {};
/** The peer's SDP as it arrived in SIP (the browser's remoteDescription drops unknown attributes). */
let remoteSdpOnWire = '';
const remoteAudio = new Audio();
remoteAudio.autoplay = true;

function track(s: RTCSession): void {
  session = s;
  s.on('progress', (e: any) => log({ what: 'progress', status: e.response?.status_code }));
  s.on('accepted', (e: any) => {
    if (e.response?.body) remoteSdpOnWire = e.response.body;
    log({ what: 'accepted', status: e.response?.status_code });
  });
  s.on('confirmed', () => log({ what: 'confirmed' }));
  s.on('hold', (e: any) => log({ what: 'hold', originator: e.originator }));
  s.on('unhold', (e: any) => log({ what: 'unhold', originator: e.originator }));
  s.on('reinvite', () => log({ what: 'reinvite-received' }));
  s.on('ended', (e: any) => log({ what: 'ended', cause: e.cause, originator: e.originator }));
  s.on('failed', (e: any) =>
    log({ what: 'failed', cause: e.cause, originator: e.originator, status: e.message?.status_code, reason: e.message?.reason_phrase }));
  s.on('peerconnection', (e: any) => {
    const pc = e.peerconnection as RTCPeerConnection;
    pc.addEventListener('track', (t) => { remoteAudio.srcObject = t.streams[0] ?? new MediaStream([t.track]); });
  });
}

const api = {
  events,
  /** Log in to the phone API (same origin as the softphone), register over WSS. */
  async start(extension: string, password: string): Promise<{ uri: string }> {
    const res = await fetch('/api/v1/phone/login', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ extension, password }),
    });
    if (!res.ok) throw new Error(`phone login: ${res.status}`);
    const login = (await res.json()) as LoginAnswer;
    pcConfig = {
      iceServers: [{ urls: login.turn.urls, username: login.turn.username, credential: login.turn.credential }],
      // colleagues' addresses stay hidden, as with the softphone (and nothing but loopback TURN)
      iceTransportPolicy: 'relay',
    };
    const uri = `sip:${login.sip.authorizationUser}@${login.sip.domain}`;
    ua = new JsSIP.UA({
      sockets: [new JsSIP.WebSocketInterface(login.sip.wssUrl)],
      uri,
      authorization_user: login.sip.authorizationUser,
      password,
      register: true,
      session_timers: false,
      user_agent: 'JsSIP-test-page',
    });
    ua.on('registered', (e: any) => log({ what: 'registered', status: e.response?.status_code }));
    ua.on('registrationFailed', (e: any) => log({ what: 'registrationFailed', status: e.response?.status_code, cause: e.cause }));
    ua.on('unregistered', () => log({ what: 'unregistered' }));
    ua.on('newRTCSession', (e: any) => {
      if (e.originator !== 'remote') return;
      remoteSdpOnWire = e.request?.body ?? '';
      log({ what: 'incoming' });
      track(e.session as RTCSession);
    });
    ua.start();
    return { uri };
  },
  call(target: string): void {
    if (!ua) throw new Error('not started');
    track(ua.call(target, { mediaConstraints: { audio: true, video: false }, pcConfig }));
  },
  answer(): void {
    if (!session) throw new Error('no incoming call');
    session.answer({ mediaConstraints: { audio: true, video: false }, pcConfig });
  },
  /** re-INVITE with a=sendonly; resolves when it was answered 2xx (JsSIP's done callback). */
  hold(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!session?.hold({}, () => { log({ what: 'hold-answered' }); resolve(); })) reject(new Error('hold refused by JsSIP'));
    });
  },
  unhold(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!session?.unhold({}, () => { log({ what: 'unhold-answered' }); resolve(); })) reject(new Error('unhold refused by JsSIP'));
    });
  },
  /** BYE when confirmed, CANCEL while ringing (JsSIP's terminate()). */
  hangup(): void {
    session?.terminate();
  },
  /** JsSIP's local description (what it sends) and the peer's SDP as received in SIP. */
  descriptions(): { local: string; remote: string } {
    return { local: session?.connection?.localDescription?.sdp ?? '', remote: remoteSdpOnWire };
  },
  /** Audio packets the browser sent and received on the current call (getStats). */
  async audioPackets(): Promise<{ sent: number; received: number }> {
    const pc = session?.connection;
    let sent = 0;
    let received = 0;
    (await pc?.getStats())?.forEach((r: any) => {
      if (r.type === 'outbound-rtp' && r.kind === 'audio') sent += r.packetsSent ?? 0;
      if (r.type === 'inbound-rtp' && r.kind === 'audio') received += r.packetsReceived ?? 0;
    });
    return { sent, received };
  },
  stop(): void {
    ua?.stop();
  },
};

(globalThis as unknown as { jssipPhone: typeof api }).jssipPhone = api;
