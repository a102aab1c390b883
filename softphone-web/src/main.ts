import './ui/styles.css';
import { PhoneApi } from './api/phone-api.ts';
import { PhoneController } from './app/phone-controller.ts';
import type { Scheduler } from './app/scheduler.ts';
import { TonePlayer } from './media/tones.ts';
import { PhoneAgent } from './sip/phone-agent.ts';
import { initialState, Store } from './app/state.ts';
import { pickLanguage, type Language } from './i18n/index.ts';
import { DeviceStore } from './security/device-store.ts';
import { loadDeviceIdentity } from './security/device-identity.ts';
import { IndexedDbRetainedSecretCache } from './security/indexeddb-secret-cache.ts';
import { sframeProtectionFactory } from './security/sframe-protection.ts';
import { sframePeerConnectionConfig } from '../../src/media-crypto/page.ts';
import { mountApp } from './ui/app-view.ts';
import { SealedSessionStorage } from './app/saved-session.ts';
import { SECURING_TIMEOUT_MS } from './app/security-watch.ts';

/**
 * Entry point: the only place where defaults are wired (STYLE.md §4) — the real fetch,
 * clock and timers, IndexedDB, the SFrame worker, the microphone, the page's audio element
 * and live region.
 */
const scheduler: Scheduler = {
  now: () => Date.now(),
  after: (ms, fn) => {
    const id = setTimeout(fn, ms);
    return () => clearTimeout(id);
  },
  every: (ms, fn) => {
    const id = setInterval(fn, ms);
    return () => clearInterval(id);
  },
};

const LANG_KEY = 'susurro.lang';
const store = new Store(initialState(pickLanguage(localStorage.getItem(LANG_KEY), navigator.languages ?? [navigator.language])));

const remoteAudio = document.createElement('audio');
remoteAudio.autoplay = true;
remoteAudio.dataset.testid = 'remote-audio';
document.body.append(remoteAudio);

const announcer = document.getElementById('announcer')!;
const announce = (text: string) => {
  announcer.textContent = '';
  // A fresh text node after a tick makes screen readers announce repeats too.
  scheduler.after(50, () => (announcer.textContent = text));
};

// This device's identity (ZID, wrapping key), opened once and shared by the call security and
// the sealed sign-in that survives a reload.
let deviceIdentity: ReturnType<typeof openDevice> | null = null;
function openDevice() {
  return (async () => {
    const deviceStore = await DeviceStore.open();
    return { deviceStore, identity: await loadDeviceIdentity(deviceStore) };
  })();
}
const device = () => (deviceIdentity ??= openDevice());

const controller = new PhoneController({
  store,
  api: new PhoneApi(location.origin, (input, init) => fetch(input, init)),
  scheduler,
  agentFactory: (options) => new PhoneAgent(options),
  device: async () => {
    const { deviceStore, identity } = await device();
    return { zid: identity.zid, cache: new IndexedDbRetainedSecretCache(deviceStore, identity.wrappingKey) };
  },
  protection: sframeProtectionFactory(scheduler),
  tones: new TonePlayer(),
  remoteAudio,
  announce,
  getUserMedia: (constraints) => navigator.mediaDevices.getUserMedia(constraints),
  random: (n) => crypto.getRandomValues(new Uint8Array(n)),
  sframeConfiguration: sframePeerConnectionConfig,
  localStorage,
  savedSession: new SealedSessionStorage({
    storage: sessionStorage,
    key: async () => (await device()).identity.wrappingKey,
    now: () => Date.now(),
    random: (n) => crypto.getRandomValues(new Uint8Array(n)),
  }),
  // A call ZRTP has not secured this long after the answer is ended (README "Fail closed").
  securingTimeoutMs: SECURING_TIMEOUT_MS,
});

// Reload or close mid-call: the peer is told why (BYE with X-Susurro-End-Reason: page-closed).
addEventListener('pagehide', () => controller.pageClosing());
// A page restored from the back/forward cache has no live connection any more: load it afresh.
addEventListener('pageshow', (e: PageTransitionEvent) => {
  if (e.persisted) location.reload();
});

const onLanguage = (lang: Language) => {
  localStorage.setItem(LANG_KEY, lang);
  store.update((s) => ({ ...s, lang }));
};

mountApp(document.getElementById('app')!, store, controller, announce, onLanguage);
void controller.restore();
