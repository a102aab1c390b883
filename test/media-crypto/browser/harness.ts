/**
 * In-page harness for sframe-browser.test.ts (bundled by Vite, runs in headless Chromium).
 * Two RTCPeerConnections in one page, ICE restricted to 127.0.0.1 candidates, sendrecv Opus
 * from the fake microphone (a sox 1 kHz tone), SFrame transforms from src/media-crypto, and a
 * spectral check of what B actually plays.
 */
import { attachSframe, SframeWorker } from '../../../src/media-crypto/page.ts';
import { sframeKeysFromZrtp, type SframeKeyBundle, type ZrtpKeySource } from '../../../src/media-crypto/zrtp-keys.ts';
import type { SframeStats } from '../../../src/media-crypto/worker-protocol.ts';
import { zrtpKeySources } from './zrtp-keying.ts';

export interface Scenario {
  /** A (caller) protects what it sends and receives. */
  sframeA: boolean;
  /** B (callee) protects what it sends and receives. */
  sframeB: boolean;
  /** 'zrtp': keys from two in-page ZRTP engines over a data channel; 'fixed': a fixed test exported key. */
  keying: 'zrtp' | 'fixed';
  /** B derives its keys from a different exported key (so its receive key is wrong). */
  wrongKeyAtB?: boolean;
  /** Use the createEncodedStreams fallback instead of RTCRtpScriptTransform. */
  forceFallback?: boolean;
  /** Seconds of audio to let through after keys are installed. */
  listenSeconds: number;
  /**
   * After the first listen: rekey to epoch 1 in two phases (both add the receive key, then both
   * switch sending), listen again, then clear A's keys and listen once more.
   */
  rekeyThenClear?: boolean;
  /** B (without SFrame) records the first 20 frames it receives, as they came off the wire. */
  recordAtB?: boolean;
}

/** What the test needs to check recorded frames independently (hex). */
export interface WireRecord {
  frames: string[];
  /** A's key source (A sends to B): role, hash, cipher, exportedKey, ZIDs. */
  senderSource: { role: string; hash: string; cipher: string; exportedKey: string; localZid: string; peerZid: string };
}

export interface RekeyReport {
  toneAtBAfterRekey: ToneReport;
  statsAAfterRekey: SframeStats;
  statsBAfterRekey: SframeStats;
  toneAtBAfterClear: ToneReport;
  statsAAfterClear: SframeStats;
  statsBAfterClear: SframeStats;
}

export interface ToneReport {
  peakHz: number;
  peakDb: number;
  medianDb: number;
  detected: boolean;
}

export interface ScenarioResult {
  toneAtB: ToneReport;
  toneAtA: ToneReport;
  statsA: SframeStats | null;
  statsB: SframeStats | null;
  inboundB: { packetsReceived: number; totalAudioEnergy: number; concealedSamples: number; totalSamplesReceived: number };
  /** inboundB as it was 1 s after the keys were installed. */
  inboundBSteadyStart: ScenarioResult['inboundB'];
  keying: string;
  sas: string | null;
  transformApi: string;
  /** Local address of each side's selected ICE candidate pair (must be loopback). */
  selectedLocal: { a: string | null; b: string | null };
  rekey: RekeyReport | null;
  wire: WireRecord | null;
}

const hexOf = (b: Uint8Array | ArrayBuffer) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function isLoopback(c: RTCIceCandidate): boolean {
  // Keep all media on 127.0.0.1 (DESIGN.md): drop every other candidate before "signalling".
  return / 127\.0\.0\.1 /.test(c.candidate);
}

function wireIce(from: RTCPeerConnection, to: RTCPeerConnection): void {
  from.addEventListener('icecandidate', (e) => {
    if (e.candidate && isLoopback(e.candidate)) void to.addIceCandidate(e.candidate);
  });
}

/** Spectrum of what a remote track plays, averaged over several snapshots. */
async function listen(track: MediaStreamTrack, ctx: AudioContext): Promise<ToneReport> {
  const stream = new MediaStream([track]);
  const source = ctx.createMediaStreamSource(stream);
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 8192;
  analyser.smoothingTimeConstant = 0;
  source.connect(analyser);
  const bins = new Float32Array(analyser.frequencyBinCount);
  const sum = new Float32Array(analyser.frequencyBinCount);
  const snapshots = 10;
  for (let i = 0; i < snapshots; i++) {
    await sleep(100);
    analyser.getFloatFrequencyData(bins);
    for (let b = 0; b < bins.length; b++) sum[b]! += Math.max(bins[b]!, -200) / snapshots;
  }
  source.disconnect();
  const hzPerBin = ctx.sampleRate / analyser.fftSize;
  const lo = Math.floor(200 / hzPerBin);
  const hi = Math.ceil(4000 / hzPerBin);
  let peak = lo;
  for (let b = lo; b <= hi; b++) if (sum[b]! > sum[peak]!) peak = b;
  const band = Array.from(sum.slice(lo, hi + 1)).sort((a, b) => a - b);
  const medianDb = band[Math.floor(band.length / 2)]!;
  const peakHz = peak * hzPerBin;
  const peakDb = sum[peak]!;
  return { peakHz, peakDb, medianDb, detected: Math.abs(peakHz - 1000) < 30 && peakDb > -80 && peakDb - medianDb > 30 };
}

/** Local address of the selected candidate pair (remote addresses of prflx candidates are redacted). */
async function selectedLocal(pc: RTCPeerConnection): Promise<string | null> {
  const report = await pc.getStats();
  for (const s of report.values()) {
    if (s.type === 'transport' && s.selectedCandidatePairId) {
      const pair = report.get(s.selectedCandidatePairId);
      const local = pair && report.get(pair.localCandidateId);
      if (local) return String(local.address ?? local.ip);
    }
  }
  return null;
}

async function inboundAudio(pc: RTCPeerConnection): Promise<ScenarioResult['inboundB']> {
  const report = await pc.getStats();
  for (const s of report.values()) {
    if (s.type === 'inbound-rtp' && s.kind === 'audio') {
      return {
        packetsReceived: s.packetsReceived ?? 0,
        totalAudioEnergy: s.totalAudioEnergy ?? 0,
        concealedSamples: s.concealedSamples ?? 0,
        totalSamplesReceived: s.totalSamplesReceived ?? 0,
      };
    }
  }
  return { packetsReceived: 0, totalAudioEnergy: 0, concealedSamples: 0, totalSamplesReceived: 0 };
}

const FIXED_ZID_A = new Uint8Array(12).fill(0xa1);
const FIXED_ZID_B = new Uint8Array(12).fill(0xb2);

function fixedSources(wrongAtB: boolean): { a: ZrtpKeySource; b: ZrtpKeySource } {
  const exportedKey = new Uint8Array(32).map((_, i) => i + 1);
  const other = new Uint8Array(32).map((_, i) => 255 - i);
  return {
    a: { role: 'initiator', hash: 'S256', cipher: 'AES1', exportedKey, localZid: FIXED_ZID_A, peerZid: FIXED_ZID_B },
    b: { role: 'responder', hash: 'S256', cipher: 'AES1', exportedKey: wrongAtB ? other : exportedKey, localZid: FIXED_ZID_B, peerZid: FIXED_ZID_A },
  };
}

export async function runScenario(s: Scenario): Promise<ScenarioResult> {
  const savedTransform = (globalThis as Record<string, unknown>)['RTCRtpScriptTransform'];
  if (s.forceFallback) (globalThis as Record<string, unknown>)['RTCRtpScriptTransform'] = undefined;
  const config = (s.forceFallback ? { encodedInsertableStreams: true } : {}) as RTCConfiguration;
  const pcA = new RTCPeerConnection(config);
  const pcB = new RTCPeerConnection(config);
  const workerA = s.sframeA ? new SframeWorker(new Worker('/worker.js', { type: 'module' })) : null;
  const workerB = s.sframeB ? new SframeWorker(new Worker('/worker.js', { type: 'module' })) : null;
  const ctx = new AudioContext({ sampleRate: 48000 });
  const mic = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
  const elements: HTMLAudioElement[] = [];
  try {
    await ctx.resume();
    wireIce(pcA, pcB);
    wireIce(pcB, pcA);
    const zrtpChannelA = pcA.createDataChannel('zrtp', { negotiated: true, id: 0, ordered: true });
    const zrtpChannelB = pcB.createDataChannel('zrtp', { negotiated: true, id: 0, ordered: true });

    // A: the transceiver exists now, so the transforms go on now.
    const micTrack = mic.getAudioTracks()[0]!;
    pcA.addTransceiver(micTrack, { direction: 'sendrecv', streams: [mic] });
    if (workerA) attachSframe(pcA, workerA);
    const remoteAtB = new Promise<MediaStreamTrack>((resolve) => pcB.addEventListener('track', (e) => resolve(e.track)));
    const remoteAtA = new Promise<MediaStreamTrack>((resolve) => pcA.addEventListener('track', (e) => resolve(e.track)));
    // B: transceivers come from A's offer; attachSframe(pc) hooks 'track', which fires inside
    // setRemoteDescription, before any frame can flow.
    if (workerB) attachSframe(pcB, workerB);
    const recorded: string[] = [];
    let recorder: Worker | null = null;
    if (s.recordAtB && !workerB) {
      recorder = new Worker('/record-worker.js', { type: 'module' });
      recorder.onmessage = (e: MessageEvent<{ frame: ArrayBuffer }>) => void recorded.push(hexOf(e.data.frame));
      const rec = recorder;
      pcB.addEventListener('track', (e) => {
        e.receiver.transform = new RTCRtpScriptTransform(rec, { limit: 20 });
      });
    }

    await pcA.setLocalDescription(await pcA.createOffer());
    await pcB.setRemoteDescription(pcA.localDescription!);
    const tB = pcB.getTransceivers()[0]!;
    tB.direction = 'sendrecv';
    await tB.sender.replaceTrack(micTrack.clone());
    await pcB.setLocalDescription(await pcB.createAnswer());
    await pcA.setRemoteDescription(pcB.localDescription!);

    const [trackAtB, trackAtA] = await Promise.all([remoteAtB, remoteAtA]);
    for (const t of [trackAtB, trackAtA]) {
      // Chromium only pulls remote audio into WebAudio while a media element plays it.
      const el = new Audio();
      el.muted = true;
      el.srcObject = new MediaStream([t]);
      void el.play();
      elements.push(el);
    }
    await Promise.all(
      [zrtpChannelA, zrtpChannelB].map(
        (ch) => new Promise<void>((resolve, reject) => {
          if (ch.readyState === 'open') return resolve();
          ch.onopen = () => resolve();
          setTimeout(() => reject(new Error('data channel did not open in 10 s')), 10_000);
        }),
      ),
    );

    let sas: string | null = null;
    let sources: { a: ZrtpKeySource; b: ZrtpKeySource };
    if (s.keying === 'zrtp') {
      const z = await zrtpKeySources(zrtpChannelA, zrtpChannelB, s.wrongKeyAtB ?? false);
      sources = { a: z.a, b: z.b };
      sas = z.sas;
    } else {
      sources = fixedSources(s.wrongKeyAtB ?? false);
    }
    const keysA: SframeKeyBundle = await sframeKeysFromZrtp(sources.a, 0);
    const keysB: SframeKeyBundle = await sframeKeysFromZrtp(sources.b, 0);
    await Promise.all([workerA?.installEpoch(keysA), workerB?.installEpoch(keysB)]);

    // Steady state starts 1 s after the keys (jitter buffer settled); the bench reports deltas.
    const settle = Math.min(1000, (s.listenSeconds * 1000) / 2);
    await sleep(settle);
    const inboundBSteadyStart = await inboundAudio(pcB);
    await sleep(s.listenSeconds * 1000 - settle);
    const [toneAtB, toneAtA] = await Promise.all([listen(trackAtB, ctx), listen(trackAtA, ctx)]);
    let rekey: RekeyReport | null = null;
    if (s.rekeyThenClear && workerA && workerB) {
      const nextA = await sframeKeysFromZrtp(sources.a, 1);
      const nextB = await sframeKeysFromZrtp(sources.b, 1);
      // Phase 1: both hold KIDs 0 and 1 for receiving; phase 2: both send with KID 1 (SPEC.md §4).
      await Promise.all([
        workerA.setKeys({ suite: nextA.suite, receive: [{ kid: nextA.kid, baseKey: nextA.receive }] }),
        workerB.setKeys({ suite: nextB.suite, receive: [{ kid: nextB.kid, baseKey: nextB.receive }] }),
      ]);
      await Promise.all([
        workerA.setKeys({ suite: nextA.suite, send: { kid: nextA.kid, baseKey: nextA.send } }),
        workerB.setKeys({ suite: nextB.suite, send: { kid: nextB.kid, baseKey: nextB.send } }),
      ]);
      await sleep(1000);
      const toneAtBAfterRekey = await listen(trackAtB, ctx);
      const statsAAfterRekey = await workerA.getStats();
      const statsBAfterRekey = await workerB.getStats();
      await workerA.clearKeys();
      await sleep(1000);
      const toneAtBAfterClear = await listen(trackAtB, ctx);
      rekey = {
        toneAtBAfterRekey,
        statsAAfterRekey,
        statsBAfterRekey,
        toneAtBAfterClear,
        statsAAfterClear: await workerA.getStats(),
        statsBAfterClear: await workerB.getStats(),
      };
    }
    const src = sources.a;
    const wire: WireRecord | null = recorder
      ? {
          frames: recorded,
          senderSource: {
            role: src.role, hash: src.hash, cipher: src.cipher, exportedKey: hexOf(src.exportedKey),
            localZid: hexOf(src.localZid), peerZid: hexOf(src.peerZid),
          },
        }
      : null;
    recorder?.terminate();
    return {
      wire,
      rekey,
      toneAtB,
      toneAtA,
      statsA: workerA ? await workerA.getStats() : null,
      statsB: workerB ? await workerB.getStats() : null,
      inboundB: await inboundAudio(pcB),
      inboundBSteadyStart,
      selectedLocal: { a: await selectedLocal(pcA), b: await selectedLocal(pcB) },
      keying: s.keying,
      sas,
      transformApi: s.forceFallback ? 'createEncodedStreams' : 'RTCRtpScriptTransform',
    };
  } finally {
    for (const el of elements) el.srcObject = null;
    mic.getTracks().forEach((t) => t.stop());
    pcA.close();
    pcB.close();
    workerA?.terminate();
    workerB?.terminate();
    await ctx.close();
    (globalThis as Record<string, unknown>)['RTCRtpScriptTransform'] = savedTransform;
  }
}


export interface ApiCheckResult {
  bundleExtractable: boolean[];
  reuseError: string | null;
  badSuiteError: string | null;
  statsAfterKeys: SframeStats;
  attachTwiceSame: boolean;
  attachBadTarget: string | null;
  /** Name of the error attachSframe throws when no transform API can be used, or 'attached'. */
  noTransformApi: string;
  /** Error code the worker reports for a transform created with foreign options. */
  foreignOptionsError: string | null;
  /** The first stats the worker pushed on its own after keys were installed (null if none in 3 s). */
  pushedStats: SframeStats | null;
}

/** Page-API edge cases of SframeWorker / attachSframe, without media. */
export async function apiChecks(): Promise<ApiCheckResult> {
  const worker = new SframeWorker(new Worker('/worker.js', { type: 'module' }));
  try {
    const { a } = fixedSources(false);
    const bundle = await sframeKeysFromZrtp(a, 0);
    await worker.setStatsInterval(50);
    const pushed = new Promise<SframeStats | null>((resolve) => {
      worker.onStats = (st) => {
        if (st.sendKid === 0n) resolve(st);
      };
      setTimeout(() => resolve(null), 3000);
    });
    await worker.installEpoch(bundle);
    const pushedStats = await pushed;
    worker.onStats = null;
    let reuseError: string | null = null;
    await worker.installEpoch(bundle).catch((e: { code?: string }) => (reuseError = e.code ?? 'no code'));
    let badSuiteError: string | null = null;
    await worker
      .setKeys({ suite: 0x7777, receive: [{ kid: 5n, baseKey: bundle.receive }] })
      .catch((e: { code?: string }) => (badSuiteError = e.code ?? 'no code'));
    const pc = new RTCPeerConnection();
    const t = pc.addTransceiver('audio');
    attachSframe(pc, worker);
    const first = t.sender.transform;
    attachSframe(t, worker);
    const attachTwiceSame = t.sender.transform === first && first !== null;
    let attachBadTarget: string | null = null;
    try {
      attachSframe({} as RTCRtpSender, worker);
    } catch (e) {
      attachBadTarget = (e as Error).name;
    }
    pc.close();
    // Neither RTCRtpScriptTransform nor createEncodedStreams (Chromium 156 offers the latter even
    // without encodedInsertableStreams): attach must refuse rather than leave media in clear.
    const g = globalThis as Record<string, unknown>;
    const saved = g['RTCRtpScriptTransform'];
    const senderProto = RTCRtpSender.prototype as unknown as Record<string, unknown>;
    const receiverProto = RTCRtpReceiver.prototype as unknown as Record<string, unknown>;
    const savedSender = Object.getOwnPropertyDescriptor(senderProto, 'createEncodedStreams');
    const savedReceiver = Object.getOwnPropertyDescriptor(receiverProto, 'createEncodedStreams');
    g['RTCRtpScriptTransform'] = undefined;
    delete senderProto['createEncodedStreams'];
    delete receiverProto['createEncodedStreams'];
    const bare = new RTCPeerConnection();
    let noTransformApi = 'attached';
    try {
      attachSframe(bare.addTransceiver('audio'), worker);
    } catch (e) {
      noTransformApi = (e as Error).name;
    } finally {
      g['RTCRtpScriptTransform'] = saved;
      if (savedSender) Object.defineProperty(senderProto, 'createEncodedStreams', savedSender);
      if (savedReceiver) Object.defineProperty(receiverProto, 'createEncodedStreams', savedReceiver);
      bare.close();
    }
    // A transform whose options are not ours must not pass frames: the worker refuses it.
    const foreign = new RTCPeerConnection();
    const foreignError = new Promise<string | null>((resolve) => {
      worker.onError = (e) => resolve(e.code);
      setTimeout(() => resolve(null), 3000);
    });
    foreign.addTransceiver('audio').sender.transform = new RTCRtpScriptTransform(worker.worker, { side: 'send' });
    const foreignOptionsError = await foreignError;
    foreign.close();
    return {
      pushedStats,
      foreignOptionsError,
      noTransformApi,
      bundleExtractable: [bundle.send.extractable, bundle.receive.extractable],
      reuseError,
      badSuiteError,
      statsAfterKeys: await worker.getStats(),
      attachTwiceSame,
      attachBadTarget,
    };
  } finally {
    worker.terminate();
  }
}

(globalThis as Record<string, unknown>)['sframeHarness'] = { runScenario, apiChecks };
