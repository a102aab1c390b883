/**
 * What the softphone e2e tests and the call-setup benchmark learn about a page's WebRTC from
 * the TEST side (the shipped bundle has no diagnostics or test switches): an init script,
 * installed with page.addInitScript before the app loads, wraps
 *  - RTCPeerConnection: every instance is kept (getStats, senders), with a per-connection
 *    timeline of set-up milestones;
 *  - createDataChannel: on the channel labelled "zrtp", send() can be made to drop every
 *    message (`blockZrtp`), the fault the fail-closed test needs, or to flip one bit of the
 *    ZRTP Hello it sends (`tamperHello`), an on-path attacker's edit — the product cannot tell;
 *  - Worker: the SFrame worker (named "sframe") is kept, so its own counters can be asked
 *    for with the worker protocol's 'get-stats' (src/media-crypto/worker-protocol.ts);
 *  - text frames on the "zrtp" channel (the softphone's SAS confirmations): every one sent is
 *    recorded, and can be held back (`holdZrtpText`) so the peer never gets it; the test can
 *    deliver any text as if it had arrived on the channel (`injectZrtpText`);
 *  - WebSocket: the SIP connection is kept, with every text frame in and out, so a test can
 *    deliver a SIP message as if the server had sent it (`injectSip`) — what a malicious
 *    signalling server can do.
 */
import type { Page } from 'playwright-core';
import { asPhone, type PhonePage } from './phone-page.ts';

interface Probe {
  pcs: RTCPeerConnection[];
  workers: Worker[];
  blockZrtp: boolean;
  zrtpSendsDropped: number;
  tamperHello: boolean;
  hellosTampered: number;
  timeline: Record<string, number>;
  zrtpChannels: RTCDataChannel[];
  zrtpTextSent: string[];
  holdZrtpText: boolean;
  sockets: WebSocket[];
  sip: Array<{ dir: 'in' | 'out'; text: string }>;
  /** Media counters sampled in the page by recordMediaCounters (the last ones outlive the call). */
  recorded: { samples: number; maxEncrypted: number; maxRtpSent: number; maxDroppedNoKey: number; maxDecrypted: number };
  /** First time each SIP request/response kind went out or came in on the page's WebSocket. */
  sipMarks: Record<string, number>;
}

/** Runs in the page before any of its scripts (serialised by playwright: self-contained). */
function probeInitScript(): void {
  const g = globalThis as unknown as Record<string, unknown>;
  if (g.__susurroProbe) return;
  const probe: Probe = {
    pcs: [], workers: [], blockZrtp: false, zrtpSendsDropped: 0, tamperHello: false, hellosTampered: 0, timeline: {},
    zrtpChannels: [], zrtpTextSent: [], holdZrtpText: false, sockets: [], sip: [],
    sipMarks: {},
    recorded: { samples: 0, maxEncrypted: 0, maxRtpSent: 0, maxDroppedNoKey: 0, maxDecrypted: 0 },
  };
  Object.defineProperty(g, '__susurroProbe', { value: probe });
  const at = () => performance.timeOrigin + performance.now();
  const mark = (name: string) => (probe.timeline[name] ??= at());
  const NativePc = RTCPeerConnection;
  class ProbedPeerConnection extends NativePc {
    constructor(config?: RTCConfiguration) {
      super(config);
      probe.pcs.push(this);
      probe.timeline = { pcCreated: at() };
      this.addEventListener('connectionstatechange', () => mark(`pc-${this.connectionState}`));
      this.addEventListener('icegatheringstatechange', () => mark(`gathering-${this.iceGatheringState}`));
      this.addEventListener('iceconnectionstatechange', () => mark(`ice-${this.iceConnectionState}`));
    }
  }
  g.RTCPeerConnection = ProbedPeerConnection;
  const proto = NativePc.prototype;
  for (const name of ['setLocalDescription', 'setRemoteDescription'] as const) {
    const native = proto[name] as (...args: unknown[]) => Promise<void>;
    (proto as unknown as Record<string, unknown>)[name] = function (this: RTCPeerConnection, ...args: unknown[]) {
      mark(name === 'setLocalDescription' ? 'localDescription' : 'remoteDescription');
      return native.apply(this, args);
    };
  }
  const nativeCreateDataChannel = proto.createDataChannel;
  proto.createDataChannel = function (this: RTCPeerConnection, label: string, init?: RTCDataChannelInit) {
    const channel = nativeCreateDataChannel.call(this, label, init);
    if (label === 'zrtp') {
      probe.zrtpChannels.push(channel);
      channel.addEventListener('open', () => mark('channelOpen'));
      // ZRTP message type: bytes 4-11 after preamble and length (RFC 6189 §5), e.g. "Conf2ACK".
      const typeOf = (data: unknown) =>
        ArrayBuffer.isView(data) || data instanceof ArrayBuffer
          ? String.fromCharCode(...new Uint8Array(ArrayBuffer.isView(data) ? data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) : data).subarray(4, 12)).trim()
          : '?';
      channel.addEventListener('message', (e: MessageEvent) => mark(`zrtp-recv-${typeOf(e.data)}`));
      const nativeSend = channel.send.bind(channel) as (data: unknown) => void;
      channel.send = ((data: unknown) => {
        if (typeof data === 'string') {
          probe.zrtpTextSent.push(data);
          if (!probe.holdZrtpText) nativeSend(data);
          return;
        }
        if (probe.blockZrtp) {
          probe.zrtpSendsDropped++;
          return;
        }
        mark('zrtpFirstSend');
        mark(`zrtp-sent-${typeOf(data)}`);
        // An on-path attacker's edit: one bit of the Hello's client id (RFC 6189 §5.2, bytes
        // 16-31 after preamble, length and the "Hello   " type block) — the message still parses.
        if (probe.tamperHello && ArrayBuffer.isView(data)) {
          const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
          if (String.fromCharCode(...bytes.subarray(4, 12)) === 'Hello   ') {
            bytes[20]! ^= 0x01;
            probe.hellosTampered++;
            nativeSend(bytes);
            return;
          }
        }
        nativeSend(data);
      }) as RTCDataChannel['send'];
    }
    return channel;
  };
  // SIP over WebSocket (RFC 7118): one SIP message per frame; the start line names it.
  const sipKind = (data: unknown) => {
    if (typeof data !== 'string') return null;
    const first = data.slice(0, data.indexOf('\r\n'));
    const cseq = /\r\nCSeq:\s*\d+\s+(\w+)/i.exec(data)?.[1] ?? '';
    return first.startsWith('SIP/2.0 ') ? `${first.split(' ')[1]}-${cseq}` : first.split(' ')[0];
  };
  const sipMark = (dir: string, data: unknown) => {
    const kind = sipKind(data);
    if (kind) probe.sipMarks[`sip-${dir}-${kind}`] ??= at();
  };
  const NativeWorker = Worker;
  class ProbedWorker extends NativeWorker {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options);
      if (options?.name !== 'sframe') return;
      probe.workers.push(this);
      const nativePost = this.postMessage.bind(this) as (m: unknown, t?: Transferable[]) => void;
      this.postMessage = ((message: { type?: string }, transfer?: Transferable[]) => {
        if (message?.type === 'set-keys') mark('keysPosted');
        nativePost(message, transfer ?? []);
      }) as Worker['postMessage'];
      this.addEventListener('message', (e: MessageEvent<{ type?: string; stats?: { encrypted: number; decrypted: number; droppedNoKey: number } }>) => {
        if (e.data?.type === 'ack' && probe.timeline.keysPosted) mark('keysAcked');
        if (e.data?.type === 'stats' && e.data.stats) {
          const r = probe.recorded;
          r.samples++;
          r.maxEncrypted = Math.max(r.maxEncrypted, e.data.stats.encrypted);
          r.maxDecrypted = Math.max(r.maxDecrypted, e.data.stats.decrypted);
          r.maxDroppedNoKey = Math.max(r.maxDroppedNoKey, e.data.stats.droppedNoKey);
        }
      });
    }
  }
  g.Worker = ProbedWorker;
  const NativeWebSocket = WebSocket;
  class ProbedWebSocket extends NativeWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      probe.sockets.push(this);
      this.addEventListener('message', (e: MessageEvent) => {
        sipMark('recv', e.data);
        if (typeof e.data === 'string') probe.sip.push({ dir: 'in', text: e.data });
      });
    }
    override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
      sipMark('sent', data);
      if (typeof data === 'string') probe.sip.push({ dir: 'out', text: data });
      super.send(data);
    }
  }
  g.WebSocket = ProbedWebSocket;
}

/** Install the probe on a page (before its first navigation, or reload after). */
export async function installWebRtcProbe(page: Page): Promise<void> {
  // Under tsx (the benchmarks) esbuild's keepNames wraps named classes and functions in
  // __name(…), a helper the page does not have: give the script a local one.
  await page.addInitScript({ content: webRtcProbeSource() });
}

/** The probe as a script source, for drivers other than playwright (PhonePage.addInitScript). */
export function webRtcProbeSource(): string {
  return `{ const __name = (target) => target; (${probeInitScript.toString()})(); }`;
}

/** From now on, drop (or stop dropping) everything the page sends on its ZRTP data channel. */
export async function blockZrtp(page: Page, on: boolean): Promise<void> {
  await page.evaluate((v) => ((globalThis as any).__susurroProbe.blockZrtp = v), on);
}

/** From now on, flip one bit of every ZRTP Hello the page sends (or stop doing so). */
export async function tamperHello(page: Page, on: boolean): Promise<void> {
  await page.evaluate((v) => ((globalThis as any).__susurroProbe.tamperHello = v), on);
}

/** From now on, record but do not send the text frames (SAS confirmations) on the ZRTP channel. */
export async function holdZrtpText(page: Page, on: boolean): Promise<void> {
  await page.evaluate((v) => ((globalThis as any).__susurroProbe.holdZrtpText = v), on);
}

/** Every text frame the page sent (or tried to send, when held) on its ZRTP channels. */
export function zrtpTextSent(page: Page): Promise<string[]> {
  return page.evaluate(() => [...(globalThis as any).__susurroProbe.zrtpTextSent]);
}

/** Deliver `text` to the page as if it had arrived on its newest ZRTP channel. */
export async function injectZrtpText(page: Page, text: string): Promise<void> {
  await page.evaluate((data) => {
    const channel = ((globalThis as any).__susurroProbe.zrtpChannels as RTCDataChannel[]).at(-1);
    if (!channel) throw new Error('no ZRTP channel');
    channel.dispatchEvent(new MessageEvent('message', { data }));
  }, text);
}

/** The SIP text frames the page sent and received on its WebSocket(s), in order. */
export function sipLog(page: Page): Promise<Array<{ dir: 'in' | 'out'; text: string }>> {
  return page.evaluate(() => [...(globalThis as any).__susurroProbe.sip]);
}

/** Deliver a SIP message to the page as if the server had sent it on its newest WebSocket. */
export async function injectSip(page: Page, message: string): Promise<void> {
  await page.evaluate((data) => {
    const ws = ((globalThis as any).__susurroProbe.sockets as WebSocket[]).at(-1);
    if (!ws || ws.readyState !== WebSocket.OPEN) throw new Error('no open SIP WebSocket');
    ws.dispatchEvent(new MessageEvent('message', { data }));
  }, message);
}

/** How many Hellos were altered (proves the attack happened). */
export function hellosTampered(page: Page): Promise<number> {
  return page.evaluate(() => (globalThis as any).__susurroProbe.hellosTampered as number);
}

/** How many ZRTP messages the block swallowed (proves the block was in effect). */
export function zrtpSendsDropped(page: Page): Promise<number> {
  return page.evaluate(() => (globalThis as any).__susurroProbe.zrtpSendsDropped as number);
}

/**
 * Set-up milestones of the page's newest peer connection (performance.timeOrigin-based ms):
 * pcCreated, gathering-*, ice-*, pc-* (connectionState; 'connected' = DTLS done), local/
 * remoteDescription, channelOpen, zrtp-sent-<Type>/zrtp-recv-<Type> (first of each ZRTP
 * message), keysPosted/keysAcked; plus the SIP marks since the last resetCallTimeline:
 * sip-sent-INVITE, sip-recv-INVITE, sip-sent-200-INVITE, sip-recv-200-INVITE, ...
 */
export function callTimeline(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => ({ ...(globalThis as any).__susurroProbe.sipMarks, ...(globalThis as any).__susurroProbe.timeline }));
}

/** Forget the SIP marks (call before each call; peer-connection marks reset with each connection). */
export async function resetCallTimeline(page: Page): Promise<void> {
  await page.evaluate(() => {
    (globalThis as any).__susurroProbe.sipMarks = {};
  });
}

/** Whether each sender track of the newest peer connection is enabled (microphone on). */
export function senderTracksEnabled(page: Page): Promise<Array<boolean | undefined>> {
  return page.evaluate(() => {
    const pc = (globalThis as any).__susurroProbe.pcs.at(-1) as RTCPeerConnection | undefined;
    return pc ? pc.getSenders().map((s) => s.track?.enabled) : [];
  });
}

/** The selected ICE candidate pair of the newest peer connection (getStats). */
export async function selectedPair(page: Page | PhonePage): Promise<{ local: string; remote: string; localPort: number; remotePort: number; remoteAddress: string; localRelayProtocol: string } | null> {
  return asPhone(page).evaluate(async () => {
    const pc = (globalThis as any).__susurroProbe.pcs.at(-1) as RTCPeerConnection | undefined;
    if (!pc) return null;
    const stats = await pc.getStats();
    let pairId: string | undefined;
    stats.forEach((r: any) => {
      if (r.type === 'transport' && r.selectedCandidatePairId) pairId = r.selectedCandidatePairId;
    });
    const pair = pairId ? (stats.get(pairId) as any) : undefined;
    if (!pair) return null;
    const l = stats.get(pair.localCandidateId) as any;
    const r = stats.get(pair.remoteCandidateId) as any;
    return { local: l?.candidateType, remote: r?.candidateType, localPort: l?.port, remotePort: r?.port, remoteAddress: r?.address, localRelayProtocol: l?.relayProtocol };
  });
}

/**
 * The SFrame counters of the page's newest SFrame worker, asked of the worker itself with a
 * 'get-stats' request (an id the app never uses), plus the audio RTP packets the newest peer
 * connection sent. null when the page has no SFrame worker.
 */
export async function mediaCounters(page: Page | PhonePage): Promise<{ framesEncrypted: number; framesDecrypted: number; droppedNoKey: number; droppedAuth: number; rtpPacketsSent: number } | null> {
  return asPhone(page).evaluate(async () => {
    const probe = (globalThis as any).__susurroProbe;
    const worker = probe.workers.at(-1) as Worker | undefined;
    if (!worker) return null;
    const id = 2 ** 31 + Math.floor(Math.random() * 2 ** 20);
    // (no named helpers in here: tsx's keepNames would reference __name inside the page)
    const stats = await new Promise<any>((resolve, reject) => {
      const done = new AbortController();
      const timer = setTimeout(() => (done.abort(), reject(new Error('SFrame worker did not answer get-stats'))), 3000);
      worker.addEventListener(
        'message',
        (e: MessageEvent) => {
          if (e.data?.type !== 'stats' || e.data.id !== id) return;
          clearTimeout(timer);
          done.abort();
          resolve(e.data.stats);
        },
        { signal: done.signal },
      );
      worker.postMessage({ type: 'get-stats', id });
    });
    let rtpPacketsSent = 0;
    const pc = probe.pcs.at(-1) as RTCPeerConnection | undefined;
    (await pc?.getStats())?.forEach((r: any) => {
      if (r.type === 'outbound-rtp' && r.kind === 'audio') rtpPacketsSent += r.packetsSent ?? 0;
    });
    return { framesEncrypted: stats.encrypted, framesDecrypted: stats.decrypted, droppedNoKey: stats.droppedNoKey, droppedAuth: stats.droppedAuth, rtpPacketsSent };
  });
}

/**
 * For a call that ends by itself too quickly to be measured afterwards (the SFrame worker and
 * the peer connection go with it): from now on, for at most `ms`, the page samples its newest
 * SFrame worker's counters and its audio RTP packets sent every 100 ms and keeps the maxima.
 */
export async function recordMediaCounters(page: Page, ms: number): Promise<void> {
  await page.evaluate((duration) => {
    const probe = (globalThis as any).__susurroProbe;
    probe.recorded = { samples: 0, maxEncrypted: 0, maxRtpSent: 0, maxDroppedNoKey: 0, maxDecrypted: 0 };
    const until = Date.now() + duration;
    const timer = setInterval(() => {
      if (Date.now() > until) return clearInterval(timer);
      (probe.workers.at(-1) as Worker | undefined)?.postMessage({ type: 'get-stats', id: 2 ** 31 + Math.floor(Math.random() * 2 ** 20) });
      const pc = probe.pcs.at(-1) as RTCPeerConnection | undefined;
      if (pc && pc.signalingState !== 'closed') {
        void pc.getStats().then((report) => {
          let sent = 0;
          report.forEach((r: any) => {
            if (r.type === 'outbound-rtp' && r.kind === 'audio') sent += r.packetsSent ?? 0;
          });
          probe.recorded.maxRtpSent = Math.max(probe.recorded.maxRtpSent, sent);
        }, () => undefined);
      }
    }, 100);
  }, ms);
}

/** What recordMediaCounters saw: how many worker answers, and the highest counters. */
export function recordedMediaCounters(page: Page): Promise<Probe['recorded']> {
  return page.evaluate(() => ({ ...(globalThis as any).__susurroProbe.recorded }));
}
