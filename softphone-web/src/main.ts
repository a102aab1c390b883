import './ui/styles.css';
import { PhoneApi } from './api/phone-api.ts';
import { PhoneController } from './app/phone-controller.ts';
import { initialState, Store } from './app/state.ts';
import { pickLanguage, type Language } from './i18n/index.ts';
import { DeviceStore } from './security/device-store.ts';
import { loadDeviceIdentity } from './security/device-identity.ts';
import { IndexedDbRetainedSecretCache } from './security/indexeddb-secret-cache.ts';
import { sframeProtectionFactory } from './security/sframe-protection.ts';
import { mountApp } from './ui/app-view.ts';

/**
 * Entry point: the only place where defaults are wired (STYLE.md §4) — the real fetch,
 * IndexedDB, the SFrame worker, the page's audio element and live region.
 */
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
  setTimeout(() => (announcer.textContent = text), 50);
};

const controller = new PhoneController({
  store,
  api: new PhoneApi(location.origin, (input, init) => fetch(input, init)),
  device: async () => {
    const deviceStore = await DeviceStore.open();
    const identity = await loadDeviceIdentity(deviceStore);
    return { zid: identity.zid, cache: new IndexedDbRetainedSecretCache(deviceStore, identity.wrappingKey) };
  },
  protection: sframeProtectionFactory(),
  remoteAudio,
  announce,
  // Test seam for the fail-closed end-to-end test only; has no effect unless set by hand.
  blockZrtpChannel: () => sessionStorage.getItem('susurro.test.blockZrtpChannel') === '1',
});

const onLanguage = (lang: Language) => {
  localStorage.setItem(LANG_KEY, lang);
  store.update((s) => ({ ...s, lang }));
};

mountApp(document.getElementById('app')!, store, controller, announce, onLanguage);

// Diagnostics for the end-to-end tests and support: the UI state, the live call's peer
// connection and SFrame counters, the remote audio element. No keys, no password, and no
// way to drive the phone (the controller itself is not exposed).
(globalThis as { susurro?: unknown }).susurro = Object.freeze({
  state: () => store.state,
  debugCall: () => controller.debugCall(),
  remoteAudio,
});
