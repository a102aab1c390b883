/**
 * Launch Debian's Firefox ESR (/usr/bin/firefox-esr) through puppeteer-core over WebDriver BiDi
 * (playwright-core cannot drive Debian's Firefox; puppeteer-core downloads no browser).
 * The counterpart of browser.ts (Chromium).
 *
 *   launchFirefox({ caPem, toneHz?, headless? }) -> { browser, profileDir, close() }
 *
 * Each launch gets a fresh profile directory, removed by close() (idempotent, safe in afterAll
 * after a half-failed launch). The profile trusts the stack's development CA the way a user
 * importing it would: certutil adds it to the profile's own NSS database (cert9.db) as a
 * trusted TLS CA — no acceptInsecureCerts, so a wrong certificate still fails.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import puppeteer, { type Browser } from 'puppeteer-core';
import { startNullAudio, type NullAudio } from './null-audio.ts';

const run = promisify(execFile);

export const FIREFOX_PATH = '/usr/bin/firefox-esr';

/** Where stray background requests go if a pref below is ever missed: nowhere (discard port). */
const DEAD_PROXY = { host: '127.0.0.1', port: 9 };

/**
 * Preferences on top of puppeteer's test profile (which already disables updates, safebrowsing,
 * normandy, health reports and remote settings):
 *  - media: Firefox's fake media source instead of a microphone (a sine tone; its frequency is
 *    `media.navigator.audio.fake_frequency`, default 1000 Hz, set per person by launchFirefox), no
 *    permission prompt, autoplay allowed for the remote <audio> and WebAudio;
 *  - WebRTC on loopback: Firefox gathers no loopback candidates unless
 *    `media.peerconnection.ice.loopback` is on — the stack's local-trial coturn listens and relays
 *    on 127.0.0.1 (without the pref the call ends with "The audio connection failed."); ICE stays
 *    relay-only (the softphone's iceTransportPolicy);
 *  - no traffic anywhere but loopback: telemetry, pings, captive portal and connectivity checks,
 *    push, DNS prefetch/DoH, experiments and add-on/system updates off; and every HTTP(S)/WebSocket
 *    request to anything but 127.0.0.1/localhost goes through a proxy on the discard port, so a pref
 *    missed here fails locally instead of leaving the machine.
 */
export const FIREFOX_PREFS: Readonly<Record<string, string | number | boolean>> = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'media.autoplay.default': 0,
  'media.autoplay.block-webaudio': false,
  'media.peerconnection.ice.loopback': true,
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.unified': false,
  'toolkit.telemetry.server': '',
  'toolkit.telemetry.archive.enabled': false,
  'browser.ping-centre.telemetry': false,
  'datareporting.usage.uploadEnabled': false,
  'app.update.enabled': false,
  'app.update.auto': false,
  'app.normandy.enabled': false,
  'app.shield.optoutstudies.enabled': false,
  'messaging-system.rsexperimentloader.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'network.dns.disablePrefetch': true,
  'network.prefetch-next': false,
  'network.predictor.enabled': false,
  'network.trr.mode': 5,
  // Remote settings ignore puppeteer's dummy server outside automation builds and look up
  // firefox.settings.services.mozilla.com (measured: ~40 DNS queries in 25 s): every name
  // Firefox resolves is answered 127.0.0.1, nothing is asked of the machine's resolver.
  'network.dns.forceResolve': '127.0.0.1',
  'dom.push.enabled': false,
  'dom.push.connection.enabled': false,
  'dom.push.serverURL': '',
  'browser.safebrowsing.provider.google4.updateURL': '',
  'browser.safebrowsing.provider.mozilla.updateURL': '',
  'extensions.systemAddon.update.enabled': false,
  'extensions.blocklist.enabled': false,
  'browser.region.update.enabled': false,
  'browser.region.network.url': '',
  'identity.fxaccounts.enabled': false,
  'network.proxy.type': 1,
  'network.proxy.http': DEAD_PROXY.host,
  'network.proxy.http_port': DEAD_PROXY.port,
  'network.proxy.ssl': DEAD_PROXY.host,
  'network.proxy.ssl_port': DEAD_PROXY.port,
  'network.proxy.no_proxies_on': '127.0.0.1, localhost, ::1',
  'network.proxy.allow_hijacking_localhost': false,
};

export interface LaunchedFirefox {
  browser: Browser;
  profileDir: string;
  close(): Promise<void>;
}

export interface FirefoxLaunchOptions {
  /** PEM of the CA the profile trusts for TLS (the stack's development CA). */
  caPem: string;
  /** Frequency of the fake microphone's tone in Hz (default Firefox's 1000). */
  toneHz?: number;
  /** Default true. */
  headless?: boolean;
}

export async function launchFirefox(options: FirefoxLaunchOptions): Promise<LaunchedFirefox> {
  const profileDir = await mkdtemp(join(tmpdir(), 'susurro-firefox-'));
  let browser: Browser | null = null;
  let audio: NullAudio | null = null;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    try {
      if (browser) await browser.close();
    } finally {
      await audio?.stop();
      await rm(profileDir, { recursive: true, force: true });
    }
  };
  try {
    const caFile = join(profileDir, 'dev-ca.pem');
    await writeFile(caFile, options.caPem);
    await run('certutil', ['-d', `sql:${profileDir}`, '-N', '--empty-password'], { timeout: 30_000 });
    await run('certutil', ['-d', `sql:${profileDir}`, '-A', '-t', 'C,,', '-n', 'susurro development CA', '-i', caFile], { timeout: 30_000 });
    audio = await startNullAudio();
    browser = await puppeteer.launch({
      browser: 'firefox',
      protocol: 'webDriverBiDi',
      executablePath: FIREFOX_PATH,
      headless: options.headless ?? true,
      userDataDir: profileDir,
      env: { ...process.env, PULSE_SERVER: audio.pulseServer },
      extraPrefsFirefox: { ...FIREFOX_PREFS, ...(options.toneHz !== undefined ? { 'media.navigator.audio.fake_frequency': options.toneHz } : {}) },
      timeout: 60_000,
    });
  } catch (err) {
    await close();
    throw err;
  }
  return { browser, profileDir, close };
}
