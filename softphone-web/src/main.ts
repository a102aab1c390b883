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

const controller = new PhoneController({
  store,
  api: new PhoneApi(location.origin, (input, init) => fetch(input, init)),
  scheduler,
  agentFactory: (options) => new PhoneAgent(options),
  device: async () => {
    const deviceStore = await DeviceStore.open();
    const identity = await loadDeviceIdentity(deviceStore);
    return { zid: identity.zid, cache: new IndexedDbRetainedSecretCache(deviceStore, identity.wrappingKey) };
  },
  protection: sframeProtectionFactory(scheduler),
  tones: new TonePlayer(),
  remoteAudio,
  announce,
  getUserMedia: (constraints) => navigator.mediaDevices.getUserMedia(constraints),
  random: (n) => crypto.getRandomValues(new Uint8Array(n)),
  sframeConfiguration: sframePeerConnectionConfig,
});

const onLanguage = (lang: Language) => {
  localStorage.setItem(LANG_KEY, lang);
  store.update((s) => ({ ...s, lang }));
};

mountApp(document.getElementById('app')!, store, controller, announce, onLanguage);
