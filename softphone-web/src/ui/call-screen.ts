import { h, icon, initials, formatDuration } from './dom.ts';
import type { ScreenContext } from './screen-context.ts';
import type { CallView } from '../app/state.ts';
import type { Language, MessageKey, Translate } from '../i18n/index.ts';
import { spellSas } from '../i18n/sas-spelling.ts';

/**
 * The security status is always visible and always distinct: colour + icon + words,
 * so it does not rely on colour alone (WCAG 1.4.1). Unverified never looks verified.
 */
type Status = 'pending' | 'securing' | 'not-secure' | 'unverified' | 'confirmed-waiting' | 'peer-confirmed' | 'verified' | 'verified-before' | 'flagged';

export function securityStatus(call: CallView): Status {
  if (call.phase === 'not-secure') return 'not-secure';
  if (call.phase === 'securing' || call.phase === 'connecting') return 'securing';
  if (call.phase === 'secure' && call.security) {
    const sec = call.security;
    if (sec.auxMismatch) return 'flagged';
    // Half a confirmation is still unverified; the screen says whose is missing.
    if (sec.verification === 'unverified' && sec.localConfirmed) return 'confirmed-waiting';
    if (sec.verification === 'unverified' && sec.peerConfirmed) return 'peer-confirmed';
    return sec.verification;
  }
  return 'pending';
}

const STATUS: Record<Exclude<Status, 'pending'>, { icon: string; title: MessageKey; hint: MessageKey }> = {
  securing: { icon: 'lock', title: 'call.securing', hint: 'call.securingHint' },
  'not-secure': { icon: 'unlock', title: 'call.notSecure', hint: 'call.notSecureHint' },
  unverified: { icon: 'lock', title: 'call.unverified', hint: 'call.unverifiedHint' },
  'confirmed-waiting': { icon: 'lock', title: 'call.confirmedWaiting', hint: 'call.confirmedWaitingHint' },
  'peer-confirmed': { icon: 'lock', title: 'call.peerConfirmed', hint: 'call.peerConfirmedHint' },
  verified: { icon: 'shieldCheck', title: 'call.bothConfirmed', hint: 'call.bothConfirmedHint' },
  'verified-before': { icon: 'shieldCheck', title: 'call.verifiedBefore', hint: 'call.verifiedBeforeHint' },
  flagged: { icon: 'warning', title: 'call.flagged', hint: 'call.auxMismatch' },
};

function phaseText(call: CallView, t: Translate): string {
  switch (call.phase) {
    case 'dialing':
      return t('call.outgoing');
    case 'ringing':
      return t('call.ringing');
    case 'incoming':
      return t('call.incoming');
    default:
      return '';
  }
}

/** The code itself, large and monospaced; under a B32 code each character's spoken form. */
function sasCode(sec: NonNullable<CallView['security']>, t: Translate, lang: Language, spell = true): HTMLElement[] {
  const code = h('p', { class: `sas sas-${sec.sasType.toLowerCase()}`, 'data-testid': 'sas', 'aria-describedby': 'sas-hint', lang: 'en' }, sec.sas);
  if (sec.sasType !== 'B32' || !spell) return [code]; // B256: PGP words, already speakable
  const spelling = h('ul', { class: 'sas-spelling', 'data-testid': 'sas-spelling', 'aria-label': t('call.sasSpelling'), lang },
    ...spellSas(sec.sas, lang).map(([ch, spoken]) =>
      h('li', {}, h('span', { class: 'sas-char', lang: 'en' }, ch), ' — ', h('span', { class: 'sas-spoken' }, spoken))));
  return [code, spelling];
}

function sasPanel(call: CallView, t: Translate, ctx: ScreenContext): HTMLElement | null {
  const sec = call.security;
  if (call.phase !== 'secure' || !sec) return null;
  const { controller } = ctx;
  const lang = ctx.state.lang;
  const title = h('h2', { id: 'sas-title', class: 'section-title' }, t('call.sasTitle'));
  const card = (extra: string, ...children: (HTMLElement | null)[]) =>
    h('section', { class: `card sas-card${extra}`, 'aria-labelledby': 'sas-title' }, ...children);
  const mismatch = () =>
    h('button', { type: 'button', class: 'btn btn-danger-outline btn-block', 'data-testid': 'sas-mismatch', onclick: () => void controller.confirmSas(false) }, icon('warning'), t('call.sasMismatch'));
  const somethingWrong = () =>
    h('div', { class: 'sas-wrong' },
      h('button', { type: 'button', class: 'btn btn-danger-outline btn-block', 'data-testid': 'sas-wrong', 'aria-describedby': 'sas-wrong-hint', onclick: () => void controller.somethingWrong() }, icon('warning'), t('call.somethingWrong')),
      h('p', { id: 'sas-wrong-hint', class: 'sas-hint' }, t('call.somethingWrongHint')));

  // Verified (both confirmed, or on an earlier call): the code stays visible, and so does a way out.
  if (sec.verification !== 'unverified') return card(' sas-settled', title, ...sasCode(sec, t, lang, false), somethingWrong());
  // DTLS fingerprints differ: never verifiable; only "does not match".
  if (sec.auxMismatch) return card('', title, ...sasCode(sec, t, lang), mismatch());
  // We confirmed: our code stays large, to read it to the colleague who has not yet.
  if (sec.localConfirmed) return card('', title, ...sasCode(sec, t, lang), mismatch());

  if (sec.choices) {
    // The default check: own code hidden, pick the one heard among three.
    return card('',
      h('h2', { id: 'sas-title', class: 'section-title' }, t('call.sasPickHeard')),
      h('p', { class: 'sas-hint' }, t('call.sasPickHint')),
      h('div', { class: 'sas-choices', role: 'group', 'aria-labelledby': 'sas-title' },
        ...sec.choices.map((code, i) =>
          h('button', { type: 'button', class: `btn sas-choice sas-${sec.sasType.toLowerCase()}`, lang: 'en', 'data-testid': 'sas-choice', 'data-focus-key': `sas-choice-${i}`,
            'aria-label': t('call.sasPickChoice', { code: sec.sasType === 'B32' ? code.split('').join(' ') : code }), onclick: () => void controller.pickSas(code) }, code))),
      h('button', { type: 'button', class: 'btn btn-ghost btn-block', 'data-testid': 'sas-show-mine', onclick: () => controller.pickSasMode(false) }, t('call.sasShowMine')),
    );
  }
  if (sec.yesNo) {
    // The accessibility fallback, opened on purpose.
    return card('', title, ...sasCode(sec, t, lang),
      h('p', { id: 'sas-hint', class: 'sas-hint' }, t('call.sasYesNoHint')),
      h('div', { class: 'sas-actions' },
        h('button', { type: 'button', class: 'btn btn-success', 'data-testid': 'sas-match', 'data-focus-key': 'sas-match', onclick: () => void controller.confirmSas(true) }, icon('shieldCheck'), t('call.sasMatches')),
        h('button', { type: 'button', class: 'btn btn-danger-outline', 'data-testid': 'sas-mismatch', onclick: () => void controller.confirmSas(false) }, icon('warning'), t('call.sasMismatch'))),
      h('button', { type: 'button', class: 'btn btn-ghost btn-block sas-secondary', 'data-testid': 'sas-yesno-close', onclick: () => controller.sasYesNo(false) }, t('call.sasYesNoClose')),
    );
  }
  return card('', title, ...sasCode(sec, t, lang),
    h('p', { id: 'sas-hint', class: 'sas-hint' }, t('call.sasReadAloud')),
    h('button', { type: 'button', class: 'btn btn-primary btn-block', 'data-testid': 'sas-pick', 'data-focus-key': 'sas-pick', onclick: () => controller.pickSasMode(true) }, t('call.sasPickHeard')),
    mismatch(),
    h('button', { type: 'button', class: 'btn btn-ghost btn-block sas-secondary', 'data-testid': 'sas-yesno', onclick: () => controller.sasYesNo(true) }, t('call.sasYesNo')),
  );
}

export function callScreen(ctx: ScreenContext): HTMLElement {
  const { state, t, controller } = ctx;
  const call = state.call!;
  if (call.phase === 'ended' && call.ended) {
    const severe = /sasMismatch|watchdog|zrtpFailed|ZrtpFailed|revoked/.test(call.ended.message);
    return h(
      'main',
      { class: 'screen screen-call screen-ended' },
      h('div', { class: 'peer' }, h('span', { class: 'avatar avatar-xl', 'aria-hidden': 'true' }, initials(call.peer.displayName)),
        h('h1', { class: 'peer-name' }, call.peer.displayName), h('p', { class: 'peer-ext' }, call.peer.extension)),
      h('section', { class: `card end-card${severe ? ' end-severe' : ''}`, role: 'alert', 'data-testid': 'call-ended', 'data-reason': call.ended.message },
        severe ? icon('warning', 'icon icon-lg') : icon('hangup', 'icon icon-lg'),
        h('h2', { class: 'card-title' }, t('end.title')),
        h('p', { 'data-testid': 'call-ended-message' }, t(call.ended.message, call.ended.params)),
        call.ended.detail ? h('p', { 'data-testid': 'call-ended-detail' }, t(call.ended.detail)) : null),
      h('button', { type: 'button', class: 'btn btn-primary btn-block', 'data-testid': 'back', 'data-focus-key': 'back', onclick: () => controller.backHome() }, t('call.back')),
    );
  }

  const status = securityStatus(call);
  const banner =
    status === 'pending'
      ? null
      : h(
          'div',
          { class: `status status-${status}`, role: 'status', 'aria-live': 'polite', 'data-testid': 'security-status', 'data-status': status },
          status === 'securing' ? h('span', { class: 'spinner', 'aria-hidden': 'true' }) : icon(STATUS[status].icon, 'icon icon-md'),
          h('div', {}, h('p', { class: 'status-title', 'data-testid': 'security-title' }, t(STATUS[status].title, { name: call.peer.displayName })), h('p', { class: 'status-hint', 'data-testid': 'security-hint' }, t(status === 'not-secure' ? (call.securityFailure ?? STATUS[status].hint) : STATUS[status].hint, { name: call.peer.displayName }))),
        );
  const warning =
    call.phase === 'secure' && call.security?.cacheMismatch
      ? h('div', { class: 'notice notice-danger', role: 'alert', 'data-testid': 'cache-mismatch' }, icon('warning', 'icon icon-md'),
          h('div', {}, h('p', { class: 'status-title' }, t('call.mismatchWarningTitle')), h('p', {}, t('call.mismatchWarning'))))
      : null;

  const control = (testid: string, cls: string, label: string, iconName: string, onclick: () => void, extra: Record<string, string> = {}) =>
    h('button', { type: 'button', class: `ctl ${cls}`, 'data-testid': testid, 'data-focus-key': testid, onclick, ...extra },
      h('span', { class: 'ctl-circle' }, icon(iconName)), h('span', { class: 'ctl-label' }, label));
  const controls =
    call.phase === 'incoming'
      ? h('div', { class: 'controls' },
          control('reject', 'ctl-danger', t('call.reject'), 'hangup', () => controller.reject()),
          control('answer', 'ctl-success', t('call.answer'), 'phone', () => void controller.answer()))
      : h('div', { class: 'controls' },
          status === 'flagged' ? null : control('mute', `ctl-secondary${call.muted ? ' is-on' : ''}`, call.muted ? t('call.unmute') : t('call.mute'), call.muted ? 'micOff' : 'mic',
            () => controller.toggleMute(), { 'aria-pressed': call.muted ? 'true' : 'false' }),
          control('hangup', 'ctl-danger', t('call.hangup'), 'hangup', () => controller.hangup()));

  const timer = call.answeredAt
    ? h('p', { class: 'timer', 'data-timer': String(call.answeredAt), 'aria-label': t('call.timer'), role: 'timer', 'data-testid': 'timer' }, formatDuration(Date.now() - call.answeredAt))
    : h('p', { class: 'phase', 'data-testid': 'phase', 'data-phase': call.phase }, phaseText(call, t));

  return h(
    'main',
    { class: `screen screen-call call-${status}`, 'aria-label': t('call.with', { name: call.peer.displayName }), 'data-testid': 'call-screen', 'data-phase': call.phase },
    h('div', { class: 'peer' },
      h('span', { class: `avatar avatar-xl${call.phase === 'incoming' || call.phase === 'ringing' ? ' pulse' : ''}`, 'aria-hidden': 'true' }, initials(call.peer.displayName)),
      h('h1', { class: 'peer-name', 'data-testid': 'peer-name' }, call.peer.displayName),
      h('p', { class: 'peer-ext' }, call.peer.extension),
      timer),
    banner,
    warning,
    sasPanel(call, t, ctx),
    controls,
  );
}
