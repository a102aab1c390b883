/**
 * A man in the middle on the signalling path, for the MitM end-to-end test. It is what a
 * malicious server operator could do: a WSS proxy between Alice's browser and Kamailio that
 * replaces the SDP of INVITE / 200 OK with SDP of its own RTCPeerConnections (running in a
 * third Chromium, "Mallory"), so both DTLS connections terminate at Mallory. To get past the
 * a=zrtp-hash check it keeps each side's a=zrtp-hash line and relays the ZRTP data-channel
 * messages byte for byte between its two connections.
 *
 * ZRTP itself is then end to end (Mallory cannot change the DH values without changing the
 * SAS), but each phone sees a different pair of DTLS fingerprints, so the aux secret — the hash
 * of both fingerprints — differs and ZRTP reports it (auxSecretMatched === false).
 */
import { createServer, type Server } from 'node:https';
import { readFileSync } from 'node:fs';
import { WebSocketServer, WebSocket } from 'ws';
import type { Page } from 'playwright-core';

export interface MitmProxy {
  url: string;
  rewrites: { offers: number; answers: number };
  close(): Promise<void>;
}

const ZRTP_HASH = /^a=zrtp-hash:.*$/m;

function splitSip(msg: string): { head: string; body: string } {
  const i = msg.indexOf('\r\n\r\n');
  return i < 0 ? { head: msg, body: '' } : { head: msg.slice(0, i), body: msg.slice(i + 4) };
}

function header(head: string, name: string): string | null {
  const m = new RegExp(`^(?:${name}):\\s*(.*)$`, 'im').exec(head);
  return m ? m[1]!.trim() : null;
}

/** `replacement` with the original's a=zrtp-hash placed in its audio m-section. */
function withOriginalZrtpHash(original: string, replacement: string): string {
  const hash = ZRTP_HASH.exec(original)?.[0];
  const lines = replacement.split('\r\n').filter((l) => l !== '');
  const out: string[] = [];
  for (const l of lines) {
    out.push(l);
    if (hash && l.startsWith('m=audio ')) out.push(hash);
  }
  return out.join('\r\n') + '\r\n';
}

function rebuild(head: string, body: string): string {
  const h = head.replace(/^(Content-Length|l):\s*\d+/im, `Content-Length: ${Buffer.byteLength(body)}`);
  return `${h}\r\n\r\n${body}`;
}

/** Installs Mallory's two-connection relay in `page` (any secure-context page). */
export async function installMallory(page: Page, rtcConfig: RTCConfiguration): Promise<void> {
  await page.evaluate((cfg) => {
    const w = globalThis as any;
    w.mallory = {
      cfg,
      async onOffer(offerSdp: string) {
        const gathered = (pc: RTCPeerConnection) =>
          new Promise<void>((resolve) => {
            if (pc.iceGatheringState === 'complete') return resolve();
            pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
            setTimeout(resolve, 3000);
          });
        const pcA = new RTCPeerConnection(cfg);
        const pcB = new RTCPeerConnection(cfg);
        const dcA = pcA.createDataChannel('zrtp', { negotiated: true, id: 0, ordered: true });
        const dcB = pcB.createDataChannel('zrtp', { negotiated: true, id: 0, ordered: true });
        dcA.binaryType = 'arraybuffer';
        dcB.binaryType = 'arraybuffer';
        const pending: { toA: ArrayBuffer[]; toB: ArrayBuffer[] } = { toA: [], toB: [] };
        w.mallory.relayed = 0;
        const pipe = (from: RTCDataChannel, to: RTCDataChannel, queue: ArrayBuffer[]) => {
          from.addEventListener('message', (e: MessageEvent) => {
            w.mallory.relayed++;
            if (to.readyState === 'open') to.send(e.data);
            else queue.push(e.data);
          });
          to.addEventListener('open', () => {
            for (const m of queue.splice(0)) to.send(m);
          });
        };
        pipe(dcA, dcB, pending.toB);
        pipe(dcB, dcA, pending.toA);
        await pcA.setRemoteDescription({ type: 'offer', sdp: offerSdp });
        await pcA.setLocalDescription(await pcA.createAnswer());
        pcB.addTransceiver('audio', { direction: 'sendrecv' });
        await pcB.setLocalDescription(await pcB.createOffer());
        await Promise.all([gathered(pcA), gathered(pcB)]);
        w.mallory.pcA = pcA;
        w.mallory.pcB = pcB;
        return { answerForAlice: pcA.localDescription!.sdp, offerForBob: pcB.localDescription!.sdp };
      },
      async onAnswer(answerSdp: string) {
        await w.mallory.pcB.setRemoteDescription({ type: 'answer', sdp: answerSdp });
      },
    };
  }, rtcConfig);
}

export async function startMitmProxy(opts: { certFile: string; keyFile: string; upstream: string; mallory: Page }): Promise<MitmProxy> {
  const server: Server = createServer({ cert: readFileSync(opts.certFile), key: readFileSync(opts.keyFile) });
  const wss = new WebSocketServer({ server, handleProtocols: () => 'sip' });
  const rewrites = { offers: 0, answers: 0 };
  const calls = new Map<string, Promise<{ answerForAlice: string; offerForBob: string; answered?: Promise<void> }>>();

  wss.on('connection', (client, req) => {
    const upstream = new WebSocket(opts.upstream, 'sip', { rejectUnauthorized: false, headers: { origin: req.headers.origin ?? '' } });
    let toServer: Promise<void> = new Promise((resolve) => upstream.once('open', () => resolve()));
    let toClient: Promise<void> = Promise.resolve();
    client.on('message', (data) => {
      const text = data.toString();
      toServer = toServer.then(async () => upstream.send(await fromAlice(text))).catch(() => client.close());
    });
    upstream.on('message', (data) => {
      const text = data.toString();
      toClient = toClient.then(async () => client.send(await toAlice(text))).catch(() => client.close());
    });
    client.on('close', () => upstream.close());
    upstream.on('close', () => client.close());
    upstream.on('error', () => client.close());
  });

  async function fromAlice(msg: string): Promise<string> {
    if (!msg.startsWith('INVITE ')) return msg;
    const { head, body } = splitSip(msg);
    if (!body.includes('m=audio')) return msg;
    const callId = header(head, 'Call-ID|i')!;
    if (!calls.has(callId)) {
      calls.set(callId, opts.mallory.evaluate((sdp) => (globalThis as any).mallory.onOffer(sdp), body));
      rewrites.offers++;
    }
    const mine = await calls.get(callId)!;
    return rebuild(head, withOriginalZrtpHash(body, mine.offerForBob));
  }

  async function toAlice(msg: string): Promise<string> {
    if (!msg.startsWith('SIP/2.0 200')) return msg;
    const { head, body } = splitSip(msg);
    const callId = header(head, 'Call-ID|i');
    if (!callId || !calls.has(callId) || !/INVITE/i.test(header(head, 'CSeq') ?? '') || !body.includes('m=audio')) return msg;
    const mine = await calls.get(callId)!;
    if (!mine.answered) {
      mine.answered = opts.mallory.evaluate((sdp) => (globalThis as any).mallory.onAnswer(sdp), body);
      rewrites.answers++;
    }
    await mine.answered;
    return rebuild(head, withOriginalZrtpHash(body, mine.answerForAlice));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `wss://127.0.0.1:${port}/ws`,
    rewrites,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
