/**
 * End-to-end checks of what the relay and the network see, and of failing closed:
 *  - a loopback capture on coturn's relay ports during a call holds only STUN, DTLS and
 *    SRTP (RFC 7983 demultiplexing), with ciphertext-like payloads, in both directions;
 *  - with the ZRTP channel blocked there are no keys: the sender transform drops every
 *    frame (encrypted counter 0), the listener hears nothing, and at the securing deadline
 *    (8 s after the answer) both sides end the call, saying why.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { ARTIFACTS, hangUp, heardTone, reloadSignedIn, mediaCounters, remoteTone, startLoggedInPair, type LoggedInPair, type Person, type World } from './harness.ts';
import { blockZrtp, recordedMediaCounters, recordMediaCounters, zrtpSendsDropped } from './webrtc-probe.ts';

const run = promisify(execFile);
const dave: Person = { extension: '211', username: 'dave', displayName: 'Dave Ortega', password: 'Lantern-Oyster-Canyon-58', toneHz: 440 };
const erin: Person = { extension: '212', username: 'erin', displayName: 'Erin Salas', password: 'Meadow-Pylon-Zephyr-93', toneHz: 1000 };

let pair: LoggedInPair | undefined;
let world: World;
let dir: string;
let a: Page;
let b: Page;

beforeAll(async () => {
  pair = await startLoggedInPair(dave, erin, 'susurro-softphone-media-');
  ({ world, dir, a, b } = pair);
}, 180_000);

afterAll(async () => {
  await pair?.stop();
});

/** Shannon entropy in bits per byte of the concatenated payloads. */
function entropy(chunks: Buffer[]): number {
  const counts = new Array<number>(256).fill(0);
  let n = 0;
  for (const c of chunks) for (const byte of c) (counts[byte]!++, n++);
  let h = 0;
  for (const k of counts) if (k) h -= (k / n) * Math.log2(k / n);
  return h;
}

describe('what leaves the phones', () => {
  it('the relay carries only STUN, DTLS and SRTP with ciphertext payloads', async () => {
    const { relayMin, relayMax } = world.stack.config.ports;
    const pcap = join(dir, 'relay.pcapng');
    const capture: ChildProcess = spawn('dumpcap', ['-i', 'lo', '-f', `udp portrange ${relayMin}-${relayMax}`, '-w', pcap, '-a', 'duration:30'], { stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      // Start the call only once dumpcap says it is capturing (it prints "Capturing on 'Loopback…'").
      await new Promise<void>((resolve, reject) => {
        let err = '';
        const timer = setTimeout(() => reject(new Error(`dumpcap did not start: ${err}`)), 15_000);
        capture.stderr!.on('data', (d: Buffer) => {
          err += d.toString();
          if (err.includes('Capturing on')) {
            clearTimeout(timer);
            resolve();
          }
        });
        capture.once('exit', (code) => reject(new Error(`dumpcap exited (${code}): ${err}`)));
      });
      await a.getByTestId('call-212').click();
      await b.getByTestId('answer').click();
      await Promise.all([a, b].map((p) => p.getByTestId('sas').waitFor({ timeout: 15_000 })));
      await a.waitForTimeout(2500);
      expect(Math.abs((await heardTone(b, dave.toneHz)).peakHz - dave.toneHz)).toBeLessThan(30); // media really flowed
      // Positive control for the fail-closed test below: the same probe sees encrypted frames
      // and ZRTP going out when nothing is blocked.
      expect((await mediaCounters(a))!.framesEncrypted).toBeGreaterThan(20);
      expect(await zrtpSendsDropped(a)).toBe(0);
      await hangUp(a, b);
    } finally {
      capture.kill('SIGINT');
      await new Promise((r) => capture.once('exit', r));
    }
    expect(existsSync(pcap)).toBe(true);
    const { stdout } = await run('tshark', ['-r', pcap, '-T', 'fields', '-e', 'udp.srcport', '-e', 'udp.dstport', '-e', 'udp.payload'], { maxBuffer: 64 << 20 });
    const packets = stdout.trim().split('\n').filter(Boolean).map((line) => {
      const [src, dst, hex] = line.split('\t');
      return { src: Number(src), dst: Number(dst), payload: Buffer.from((hex ?? '').replace(/:/g, ''), 'hex') };
    });
    // RFC 7983 §7: first byte 0-3 STUN, 20-63 DTLS, 128-191 RTP/RTCP. Anything else would be
    // a protocol the relay could read.
    const kinds = { stun: 0, dtls: 0, srtp: 0, other: 0 };
    const rtpPayloads: Buffer[] = [];
    for (const p of packets) {
      const b0 = p.payload[0] ?? -1;
      if (b0 >= 0 && b0 <= 3) kinds.stun++;
      else if (b0 >= 20 && b0 <= 63) kinds.dtls++;
      else if (b0 >= 128 && b0 <= 191) {
        kinds.srtp++;
        const pt = p.payload[1]! & 0x7f;
        if (pt < 64 || pt > 95) rtpPayloads.push(p.payload.subarray(12)); // RTP, not RTCP (RFC 5761 §4)
      } else kinds.other++;
    }
    process.stdout.write(`[softphone] relay capture: ${JSON.stringify(kinds)}, RTP payload entropy ${entropy(rtpPayloads).toFixed(2)} bits/byte\n`);
    expect(kinds.other).toBe(0);
    expect(kinds.dtls).toBeGreaterThan(0);
    expect(kinds.srtp).toBeGreaterThan(100);
    const directions = new Set(packets.filter((p) => (p.payload[0] ?? 0) >= 128).map((p) => `${p.src}>${p.dst}`));
    expect(directions.size).toBeGreaterThanOrEqual(2);
    // A pure tone encoded by Opus compresses to highly repetitive frames; after SRTP (and
    // SFrame inside it) the bytes are indistinguishable from random.
    expect(entropy(rtpPayloads)).toBeGreaterThan(7.5);
  });

  it('fails closed when the ZRTP channel is blocked: nothing is sent, nothing heard, then both sides end the call saying why', async () => {
    // The fault comes from the test side (webrtc-probe.ts): Dave's ZRTP data channel drops
    // every message it is asked to send. The product has no switch for this.
    await blockZrtp(a, true);
    try {
      await a.getByTestId('call-212').click();
      await b.getByTestId('answer').click();
      const answered = Date.now();
      // The securing deadline is 8 s after the answer; until then there are no keys.
      for (const p of [a, b]) await p.locator('[data-testid="security-status"][data-status="securing"]').waitFor({ timeout: 5000 });
      await a.screenshot({ path: join(ARTIFACTS, '11-securing-blocked.png'), fullPage: true });
      for (const p of [a, b]) await recordMediaCounters(p, 20_000);
      const heard = await remoteTone(b, 1500);
      const counters = await mediaCounters(a);
      const receiver = await mediaCounters(b);
      expect(await a.getByTestId('sas').count()).toBe(0);
      // Then the call is ended on both sides, in words, with X-Susurro-End-Reason for the peer.
      for (const p of [a, b]) await p.getByTestId('call-ended').waitFor({ timeout: 15_000 });
      const endedAfterMs = Date.now() - answered;
      await a.screenshot({ path: join(ARTIFACTS, '11-not-secure-ended.png'), fullPage: true });
      await b.screenshot({ path: join(ARTIFACTS, '11b-not-secure-ended-callee.png'), fullPage: true });
      const dropped = await zrtpSendsDropped(a);
      const recorded = await Promise.all([a, b].map((p) => recordedMediaCounters(p)));
      const screens = await Promise.all([a, b].map(async (p) => ({
        reason: await p.getByTestId('call-ended').getAttribute('data-reason'),
        text: [await p.getByTestId('call-ended-message').innerText(), ...(await p.getByTestId('call-ended-detail').allInnerTexts())].join(' | '),
      })));
      process.stdout.write(`[softphone] blocked ZRTP: ended ${endedAfterMs} ms after the answer; ${dropped} ZRTP sends dropped; sender ${JSON.stringify(counters)}, receiver ${JSON.stringify(receiver)}, recorded ${JSON.stringify(recorded)}, heard ${JSON.stringify(heard)}, screens ${JSON.stringify(screens)}\n`);
      expect(dropped).toBeGreaterThan(0); // the block was in effect: the phone did try to run ZRTP
      expect(endedAfterMs).toBeGreaterThan(7000); // the deadline, not something else, ended it
      // Each side ended it itself (timeout) or was told by the other's BYE, and says so exactly.
      const ownEnd = 'The call was ended because the encryption could not be set up. No audio was sent. | The key agreement did not finish in time.';
      expect([ownEnd, 'Erin Salas’s phone ended the call because the encryption could not be set up. No audio was sent.']).toContain(screens[0]!.text);
      expect([ownEnd, 'Dave Ortega’s phone ended the call because the encryption could not be set up. No audio was sent.']).toContain(screens[1]!.text);
      expect(screens.some((sc) => sc.text === ownEnd)).toBe(true);
      expect(counters!.framesEncrypted).toBe(0);
      expect(counters!.rtpPacketsSent).toBe(0); // no audio RTP left the phone at all
      expect(counters!.droppedNoKey).toBeGreaterThan(50); // frames reached the transform and were dropped
      expect(receiver!.framesDecrypted).toBe(0);
      // …and over the whole call, to its end
      for (const r of recorded) {
        expect(r.samples).toBeGreaterThan(10);
        expect(r.maxEncrypted).toBe(0);
        expect(r.maxDecrypted).toBe(0);
        expect(r.maxRtpSent).toBe(0);
      }
      // Silence: no peak near the caller's tone standing out of the noise floor.
      expect(Math.abs(heard.peakHz - dave.toneHz) < 30 && heard.peakDb - heard.medianDb > 20).toBe(false);
      for (const p of [a, b]) await p.getByTestId('back').click();
    } finally {
      await blockZrtp(a, false);
    }
  });

  it('re-registers by itself after the connection to Kamailio is lost, and calls work again', async () => {
    const kamailio = world.stack.stack.kamailio;
    const pid = kamailio.pid;
    expect(pid).toBeGreaterThan(0);
    process.kill(pid!, 'SIGKILL'); // a process this test's stack started; the supervisor restarts it
    for (const p of [a, b]) await p.locator('[data-testid="connection"][data-state="reconnecting"]').waitFor({ timeout: 10_000 });
    const t0 = Date.now();
    for (const p of [a, b]) await p.locator('[data-testid="connection"][data-state="registered"]').waitFor({ timeout: 30_000 });
    process.stdout.write(`[softphone] re-registered ${Date.now() - t0} ms after the connection loss was noticed\n`);
    await a.getByTestId('call-212').click();
    await b.getByTestId('answer').click();
    await Promise.all([a, b].map((p) => p.getByTestId('sas').waitFor({ timeout: 15_000 })));
    await hangUp(a, b);
  });

  it('also encrypts on browsers that only have the older createEncodedStreams API', async () => {
    for (const p of [a, b]) {
      await p.addInitScript(() => {
        delete (globalThis as { RTCRtpScriptTransform?: unknown }).RTCRtpScriptTransform;
      });
      await reloadSignedIn(p);
    }
    expect(await a.evaluate(() => typeof (globalThis as { RTCRtpScriptTransform?: unknown }).RTCRtpScriptTransform)).toBe('undefined');
    await a.getByTestId('call-212').click();
    await b.getByTestId('answer').click();
    await Promise.all([a, b].map((p) => p.getByTestId('sas').waitFor({ timeout: 15_000 })));
    expect(await a.getByTestId('sas').innerText()).toBe(await b.getByTestId('sas').innerText());
    const heard = await heardTone(b, dave.toneHz);
    expect(Math.abs(heard.peakHz - dave.toneHz)).toBeLessThan(30);
    const counters = await mediaCounters(a);
    const receiver = await mediaCounters(b);
    expect(counters!.framesEncrypted).toBeGreaterThan(20);
    expect(receiver!.framesDecrypted).toBeGreaterThan(20);
    expect(receiver!.droppedAuth).toBe(0);
    await hangUp(a, b);
  });
});
