import { h, formatDuration } from './dom.ts';
import { LANGUAGES, translator, type Language } from '../i18n/index.ts';
import type { AppState, Store } from '../app/state.ts';
import type { PhoneController } from '../app/phone-controller.ts';
import { loginScreen } from './login-screen.ts';
import { homeScreen } from './home-screen.ts';
import { callScreen, securityStatus } from './call-screen.ts';
import type { ScreenContext } from './screen-context.ts';

/**
 * Renders the current screen from the Store. A screen is rebuilt only when something it
 * shows changes (its "signature"); focus is put back on the element with the same
 * data-focus-key, so keyboard and screen-reader users keep their place. The call timer
 * ticks in place without a rebuild.
 */
export function mountApp(root: HTMLElement, store: Store, controller: PhoneController, announce: (s: string) => void, onLanguage: (l: Language) => void): void {
  let lastSignature = '';
  const render = (state: AppState) => {
    const signature = JSON.stringify([state.lang, state.screen, state.login, state.account, state.connection, state.directory, state.call && { ...state.call }, state.dialError, state.missedCalls]);
    if (signature === lastSignature) return;
    lastSignature = signature;
    const t = translator(state.lang);
    document.documentElement.lang = state.lang;
    document.title = state.call && state.call.phase !== 'ended' ? `${state.call.peer.displayName} · ${t('app.name')}` : t('app.name');
    const focusKey = (document.activeElement as HTMLElement | null)?.dataset?.focusKey ?? null;
    const languageSwitch = h(
      'div',
      { class: 'lang' },
      h('label', { for: 'lang', class: 'visually-hidden' }, t('lang.label')),
      h('select', { id: 'lang', 'data-testid': 'language', 'data-focus-key': 'lang', onchange: (e: Event) => onLanguage((e.target as HTMLSelectElement).value as Language) },
        ...Object.entries(LANGUAGES).map(([code, { label }]) => h('option', { value: code, selected: code === state.lang }, label))),
    );
    const ctx: ScreenContext = { state, t, controller, languageSwitch };
    const screen = state.screen === 'call' && state.call ? callScreen(ctx) : state.screen === 'home' && state.account ? homeScreen(ctx) : loginScreen(ctx);
    root.replaceChildren(screen);
    const target = focusKey ? root.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(focusKey)}"]`) : null;
    if (target) target.focus();
    else if (state.screen === 'login') root.querySelector<HTMLElement>(state.login.error ? '#login-password' : '#login-extension')?.focus();
    else if (state.screen === 'home' && state.dialError) root.querySelector<HTMLElement>('#dial')?.focus();
    else if (state.screen === 'call') root.querySelector<HTMLElement>('[data-testid="answer"],[data-testid="sas-pick"],[data-testid="sas-match"],[data-testid="back"],[data-testid="hangup"]')?.focus();
  };
  // Screen-reader announcements for the moments that matter (aria-live="assertive").
  store.subscribe((s, prev) => {
    const t = translator(s.lang);
    const c = s.call;
    const p = prev.call;
    if (c && c.phase !== p?.phase) {
      if (c.phase === 'incoming') announce(`${t('call.incoming')}: ${c.peer.displayName}`);
      else if (c.phase === 'ended' && c.ended) announce(t(c.ended.message, c.ended.params));
      else if (c.phase === 'not-secure') announce(t('call.notSecure'));
      else if (c.phase === 'secure' && c.security) announce(`${t('call.sasTitle')}: ${c.security.sas.split('').join(' ')}`);
    }
    if (c && p && c.security && p.security && securityStatus(c) !== securityStatus(p)) {
      // The colleague's confirmation arrives without any action here: say it.
      const now = securityStatus(c);
      if (now === 'verified') announce(t('call.bothConfirmed'));
      else if (now === 'peer-confirmed') announce(t('call.peerConfirmed', { name: c.peer.displayName }));
    }
  });
  store.subscribe((s) => render(s));
  render(store.state);
  setInterval(() => {
    const el = root.querySelector<HTMLElement>('[data-timer]');
    if (el) el.textContent = formatDuration(Date.now() - Number(el.dataset.timer));
  }, 1000);
}
