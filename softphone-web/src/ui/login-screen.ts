import { h, icon } from './dom.ts';
import type { ScreenContext } from './screen-context.ts';

export function loginScreen({ state, t, controller, languageSwitch }: ScreenContext): HTMLElement {
  const { login } = state;
  const ext = h('input', {
    id: 'login-extension', name: 'extension', inputmode: 'numeric', autocomplete: 'username',
    required: true, maxlength: 32, 'data-testid': 'login-extension', 'data-focus-key': 'login-extension',
  });
  const pw = h('input', {
    id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password',
    required: true, maxlength: 200, 'data-testid': 'login-password', 'data-focus-key': 'login-password',
  });
  const form = h(
    'form',
    {
      class: 'card login-card', 'aria-labelledby': 'login-title', novalidate: true,
      onsubmit: (e: Event) => {
        e.preventDefault();
        if (!ext.value.trim() || !pw.value) {
          (ext.value.trim() ? pw : ext).focus();
          return;
        }
        const password = pw.value;
        pw.value = '';
        void controller.login(ext.value, password);
      },
    },
    h('h2', { id: 'login-title', class: 'card-title' }, t('login.title')),
    login.notice ? h('div', { class: 'notice notice-danger', role: 'alert', 'data-testid': 'login-notice' }, icon('warning'), h('p', {}, t(login.notice))) : null,
    h('label', { for: 'login-extension', class: 'field-label' }, t('login.extension')),
    ext,
    h('label', { for: 'login-password', class: 'field-label' }, t('login.password')),
    pw,
    login.error
      ? h('p', { class: 'form-error', role: 'alert', 'data-testid': 'login-error' }, t(login.error, login.errorParams))
      : null,
    h(
      'button',
      { type: 'submit', class: 'btn btn-primary btn-block', disabled: login.busy, 'data-testid': 'login-submit' },
      login.busy ? t('login.busy') : t('login.submit'),
    ),
  );
  return h(
    'main',
    { class: 'screen screen-login' },
    h(
      'header',
      { class: 'brand' },
      h('div', { class: 'brand-mark' }, icon('lock', 'icon icon-lg')),
      h('h1', { class: 'brand-name' }, t('app.name')),
      h('p', { class: 'brand-tagline' }, t('app.tagline')),
    ),
    form,
    h('p', { class: 'footnote' }, icon('shieldCheck', 'icon icon-sm'), t('login.footer')),
    languageSwitch,
  );
}
