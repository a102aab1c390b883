import { h, icon, initials } from './dom.ts';
import type { ScreenContext } from './screen-context.ts';
import type { Colleague } from '../api/phone-api.ts';
import type { Language, MessageKey, Translate } from '../i18n/index.ts';
import type { MissedCall } from '../app/missed-calls.ts';

/** What is typed in the dial box, kept across re-renders (a refusal re-renders the screen). */
let dialDraft = '';

/** "14:05" today, else with the date: when the colleague tried. */
export function missedCallTime(at: number, lang: Language, now = Date.now()): string {
  const sameDay = new Date(at).toDateString() === new Date(now).toDateString();
  return new Intl.DateTimeFormat(lang, sameDay ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' }).format(at);
}

function missedCallsCard(calls: MissedCall[], lang: Language, t: Translate, dismiss: (id: string) => void): HTMLElement | null {
  if (calls.length === 0) return null;
  return h(
    'section',
    { class: 'card missed-card', 'aria-labelledby': 'missed-title', 'data-testid': 'missed-calls' },
    h('h2', { id: 'missed-title', class: 'section-title' }, t('missed.title')),
    h('ul', { class: 'missed-list' },
      ...calls.map((c) =>
        h('li', { class: 'missed', 'data-testid': 'missed-call', 'data-kind': c.kind, 'data-at': String(c.at) },
          icon(c.kind === 'busy' ? 'phone' : 'warning', 'icon icon-sm'),
          h('p', { class: 'missed-text', 'data-testid': 'missed-text' }, t(c.kind === 'busy' ? 'missed.busy' : 'missed.missed', { name: c.displayName, ext: c.extension, when: missedCallTime(c.at, lang) })),
          h('button', { type: 'button', class: 'btn btn-ghost', 'data-testid': 'missed-dismiss', 'data-focus-key': `missed-dismiss-${c.id}`, 'aria-label': t('missed.dismissOne', { name: c.displayName }), onclick: () => dismiss(c.id) },
            t('missed.dismiss'))))),
  );
}

const CONNECTION_TEXT: Record<string, MessageKey> = {
  connecting: 'conn.connecting',
  registered: 'conn.registered',
  reconnecting: 'conn.reconnecting',
  offline: 'conn.offline',
  refused: 'conn.refused',
};

/** Case- and accent-insensitive match on name or extension ("jose" finds "José"). */
export function matchesQuery(c: Colleague, query: string): boolean {
  const norm = (s: string) => s.normalize('NFD').replace(/\p{Diacritic}/gu, '').toLowerCase();
  const q = norm(query.trim());
  return q === '' || norm(c.displayName).includes(q) || c.extension.includes(q);
}

export function homeScreen({ state, t, controller, languageSwitch }: ScreenContext): HTMLElement {
  const account = state.account!;
  const online = state.connection === 'registered';
  const list = h('ul', { id: 'directory', class: 'directory', 'aria-labelledby': 'directory-title', 'data-testid': 'directory' });
  const empty = h('p', { class: 'empty', role: 'status' });
  const search = h('input', {
    id: 'search', type: 'search', placeholder: t('home.searchPlaceholder'), autocomplete: 'off',
    'data-testid': 'search', 'data-focus-key': 'search', 'aria-controls': 'directory',
  });
  const renderList = () => {
    list.replaceChildren();
    const matches = state.directory.filter((c) => matchesQuery(c, search.value));
    for (const c of matches) {
      list.append(
        h(
          'li',
          { class: 'contact' },
          h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(c.displayName)),
          h('span', { class: 'contact-text' }, h('span', { class: 'contact-name' }, c.displayName), h('span', { class: 'contact-ext' }, c.extension)),
          h(
            'button',
            {
              class: 'btn btn-call', type: 'button', disabled: !online,
              'aria-label': t('home.callName', { name: c.displayName }),
              'data-testid': `call-${c.extension}`, 'data-focus-key': `call-${c.extension}`,
              onclick: () => void controller.dial(c.extension),
            },
            icon('phone'),
          ),
        ),
      );
    }
    empty.textContent =
      state.directory.length === 0 ? t('home.emptyDirectory') : matches.length === 0 ? t('home.noMatches', { q: search.value }) : '';
    empty.hidden = empty.textContent === '';
  };
  search.addEventListener('input', renderList);
  renderList();

  // Only digits are valid (dial-target.ts); other input is not filtered away silently but
  // refused on "Call" with the reason under the box.
  const dialInput = h('input', {
    id: 'dial', inputmode: 'numeric', placeholder: t('home.dialPlaceholder'), maxlength: 32, autocomplete: 'off',
    'data-testid': 'dial-input', 'data-focus-key': 'dial-input',
    'aria-invalid': state.dialError ? 'true' : null, 'aria-describedby': state.dialError ? 'dial-error' : null,
    oninput: () => {
      dialDraft = dialInput.value;
      controller.clearDialError();
    },
  });
  dialInput.value = dialDraft;
  const dialForm = h(
    'form',
    {
      class: 'dial', 'aria-labelledby': 'dial-title',
      onsubmit: (e: Event) => {
        e.preventDefault();
        void controller.dial(dialInput.value);
      },
    },
    h('label', { for: 'dial', id: 'dial-title', class: 'section-title' }, t('home.dial')),
    h('div', { class: 'dial-row' }, dialInput,
      h('button', { type: 'submit', class: 'btn btn-primary', disabled: !online, 'data-testid': 'dial-submit' }, icon('phone'), t('home.call'))),
    state.dialError ? h('p', { id: 'dial-error', class: 'form-error', role: 'alert', 'data-testid': 'dial-error' }, t(state.dialError)) : null,
  );

  return h(
    'main',
    { class: 'screen screen-home' },
    h(
      'header',
      { class: 'topbar' },
      h('span', { class: 'avatar avatar-me', 'aria-hidden': 'true' }, initials(account.displayName)),
      h('div', { class: 'me' },
        h('h1', { class: 'me-name' }, t('home.greeting', { name: account.displayName })),
        h('p', { class: 'me-ext' }, t('home.extension', { ext: account.extension }))),
      h('button', { class: 'btn btn-ghost', type: 'button', onclick: () => void controller.logout(), 'data-testid': 'logout' }, icon('logout'), h('span', { class: 'hide-narrow' }, t('home.logout'))),
    ),
    h('p', { class: `conn conn-${state.connection}`, role: 'status', 'aria-live': 'polite', 'data-testid': 'connection', 'data-state': state.connection },
      h('span', { class: 'dot', 'aria-hidden': 'true' }), t(CONNECTION_TEXT[state.connection] ?? 'conn.offline')),
    missedCallsCard(state.missedCalls, state.lang, t, (id) => controller.dismissMissed(id)),
    h('section', { class: 'card', 'aria-labelledby': 'directory-title' },
      h('h2', { id: 'directory-title', class: 'section-title' }, t('home.directory')),
      h('div', { class: 'search' }, icon('search'), h('label', { for: 'search', class: 'visually-hidden' }, t('home.search')), search),
      list, empty),
    h('section', { class: 'card' }, dialForm),
    languageSwitch,
  );
}
