// susurro admin page: plain ES module, no build step, no third-party code.
// Talks to the same-origin admin API; the session token lives in sessionStorage
// (gone when the tab closes). All text goes through textContent (no innerHTML), so
// names typed by an administrator can never inject markup.
const $ = (id) => document.getElementById(id);
const PAGE = 20;
let token = sessionStorage.getItem('susurro.admin.token');
let offset = 0;
let query = '';

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (res.status === 401 && path !== '/api/v1/admin/login') {
    showLogin('Your session ended. Please log in again.');
  }
  if (!res.ok) throw new Error(data?.message ?? `HTTP ${res.status}`);
  return data;
}

function say(text) {
  $('error').hidden = true;
  $('status').textContent = text;
}
function fail(err) {
  $('status').textContent = '';
  $('error').textContent = err instanceof Error ? err.message : String(err);
  $('error').hidden = false;
}

function showLogin(message) {
  token = null;
  sessionStorage.removeItem('susurro.admin.token');
  $('app-view').hidden = true;
  $('who').hidden = true;
  $('login-view').hidden = false;
  if (message) say(message);
  $('login-password').focus();
}

async function showApp() {
  const me = await api('GET', '/api/v1/admin/me');
  $('who-name').textContent = `Logged in as ${me.username}`;
  showGivenPasswordBanner(me);
  $('who').hidden = false;
  $('login-view').hidden = true;
  $('app-view').hidden = false;
  await Promise.all([loadAccounts(), loadAudit()]);
}

/** Shown until this administrator has chosen a password of its own (passwordChangedAt set). */
function showGivenPasswordBanner(me) {
  $('given-password-banner').hidden = me.passwordChangedAt !== null;
  $('given-password-first').hidden = me.createdBy !== null;
}

function showSecret(who, password) {
  $('secret-for').textContent = who;
  $('secret-value').textContent = password;
  $('secret-panel').hidden = false;
  $('secret-panel').focus();
}

function liveText(live) {
  const failed = ['registrations', 'websockets', 'calls', 'turn'].filter((k) => live[k] !== 'ok');
  return failed.length === 0
    ? 'registrations removed, connections closed, calls ended, relay sessions cancelled'
    : `WARNING, not completed: ${failed.map((k) => `${k} (${live[k]})`).join('; ')}. The account is refused from now on; retry to cut existing sessions.`;
}

function button(label, cls, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  if (cls) b.className = cls;
  b.addEventListener('click', onClick);
  return b;
}

async function loadAccounts() {
  const params = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  if (query) params.set('q', query);
  const r = await api('GET', `/api/v1/accounts?${params}`);
  const tbody = $('accounts').querySelector('tbody');
  tbody.replaceChildren();
  for (const a of r.items) {
    const tr = document.createElement('tr');
    for (const v of [a.extension, a.username, a.displayName]) {
      const td = document.createElement('td');
      td.textContent = v;
      tr.append(td);
    }
    const st = document.createElement('td');
    st.textContent = a.status === 'active' ? 'active' : 'revoked';
    st.className = `status-${a.status}`;
    tr.append(st);
    const actions = document.createElement('td');
    const who = `${a.displayName} (${a.extension})`;
    actions.append(
      button('Reset password', 'secondary', () => run(async () => {
        if (!confirm(`Set a new password for ${who}? Their phone is logged out.`)) return;
        const r2 = await api('POST', `/api/v1/accounts/${a.extension}/reset-password`, {});
        showSecret(who, r2.password);
        say(`New password for ${who}. ${liveText(r2.live)}`);
      })),
    );
    if (a.status === 'active') {
      const phone = button('Add a phone', 'secondary', () => run(async () => openPhones(a)));
      phone.setAttribute('aria-label', `Add a phone for ${who}`);
      actions.append(phone);
      const b = button('Revoke', 'danger', () => run(async () => {
        if (!confirm(`Revoke ${who}? Their calls end and the phone is cut off now.`)) return;
        const r2 = await api('POST', `/api/v1/accounts/${a.extension}/disable`);
        say(`Revoked ${who}: ${liveText(r2.live)}`);
      }));
      b.setAttribute('aria-label', `Revoke ${who}`);
      actions.append(b);
    } else {
      actions.append(button('Re-enable', 'secondary', () => run(async () => {
        await api('POST', `/api/v1/accounts/${a.extension}/enable`);
        say(`Re-enabled ${who}`);
      })));
    }
    actions.append(button('Delete', 'danger', () => run(async () => {
      if (!confirm(`Delete ${who} permanently?`)) return;
      const r2 = await api('DELETE', `/api/v1/accounts/${a.extension}`);
      say(`Deleted ${who}: ${liveText(r2.live)}`);
    })));
    tr.append(actions);
    tbody.append(tr);
  }
  $('accounts-caption').textContent = `Accounts${query ? ` matching “${query}”` : ''}: ${r.total}`;
  const page = Math.floor(offset / PAGE) + 1;
  const pages = Math.max(1, Math.ceil(r.total / PAGE));
  $('page-info').textContent = `Page ${page} of ${pages}`;
  $('prev').disabled = offset === 0;
  $('next').disabled = offset + PAGE >= r.total;
}

// "Add a phone" (issue 16): provisioning links for Linphone, one per device.
let phoneAccount = null;

async function openPhones(a) {
  phoneAccount = a;
  $('phone-for').textContent = `${a.displayName} (${a.extension})`;
  $('phone-result').hidden = true;
  $('phone-qr').removeAttribute('src');
  $('phone-url').textContent = '';
  $('phone-label').value = '';
  $('phone-panel').hidden = false;
  await loadDevices();
  $('phone-panel').focus();
}

const STATUS_TEXT = { active: 'active', expired: 'expired', revoked: 'revoked' };

async function loadDevices() {
  const r = await api('GET', `/api/v1/accounts/${phoneAccount.extension}/devices`);
  const tbody = $('devices').querySelector('tbody');
  tbody.replaceChildren();
  for (const d of r.items) {
    const tr = document.createElement('tr');
    for (const v of [d.label, STATUS_TEXT[d.status], d.expiresAt.slice(0, 10), d.lastFetchedAt ? d.lastFetchedAt.replace('T', ' ').slice(0, 16) : 'never']) {
      const td = document.createElement('td');
      td.textContent = v;
      tr.append(td);
    }
    const actions = document.createElement('td');
    if (d.status !== 'revoked') {
      const b = button('Revoke', 'danger', () => run(async () => {
        if (!confirm(`Revoke the phone “${d.label}”? Its link stops working and its relay access ends.`)) return;
        const r2 = await api('DELETE', `/api/v1/devices/${d.id}`);
        say(r2.turn === 'ok'
          ? `Revoked the phone “${d.label}”.`
          : `Revoked the phone “${d.label}”, but its relay sessions could not be cancelled (${r2.turn}); new ones are refused.`);
        await loadDevices();
      }));
      b.setAttribute('aria-label', `Revoke the phone ${d.label}`);
      actions.append(b);
    }
    tr.append(actions);
    tbody.append(tr);
  }
  $('devices').querySelector('caption').textContent = `Phones of this account: ${r.items.length}`;
}

async function loadAudit() {
  const r = await api('GET', '/api/v1/audit?limit=20');
  const tbody = $('audit').querySelector('tbody');
  tbody.replaceChildren();
  for (const e of r.items) {
    const tr = document.createElement('tr');
    for (const v of [e.at.replace('T', ' ').slice(0, 19), e.actor, e.action, e.target ?? '', e.outcome, e.sourceIp ?? '']) {
      const td = document.createElement('td');
      td.textContent = v;
      tr.append(td);
    }
    tbody.append(tr);
  }
}

async function run(action) {
  try {
    await action();
    await Promise.all([loadAccounts(), loadAudit()]);
  } catch (err) {
    fail(err);
  }
}

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    (async () => {
      try {
        const r = await api('POST', '/api/v1/admin/login', { username: $('login-user').value, password: $('login-password').value });
        token = r.token;
        sessionStorage.setItem('susurro.admin.token', token);
        $('login-password').value = '';
        say('');
        await showApp();
      } catch (err) {
        fail(err);
      }
    })();
  });
  $('logout').addEventListener('click', () => run(async () => {
    await api('POST', '/api/v1/admin/logout').catch(() => {});
    showLogin('Logged out.');
  }));
  $('create-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const form = ev.target;
    run(async () => {
      const body = { extension: $('new-ext').value, username: $('new-user').value, displayName: $('new-name').value };
      const r = await api('POST', '/api/v1/accounts', body);
      showSecret(`${r.account.displayName} (${r.account.extension})`, r.password);
      say(`Created ${r.account.displayName} (${r.account.extension}).`);
      form.reset();
    });
  });
  $('passwd-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const form = ev.target;
    run(async () => {
      await api('POST', '/api/v1/admin/password', { currentPassword: $('passwd-current').value, newPassword: $('passwd-new').value });
      form.reset();
      showGivenPasswordBanner(await api('GET', '/api/v1/admin/me'));
      say('Your password was changed; your other sessions were logged out.');
    });
  });
  $('search-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    query = $('search').value.trim();
    offset = 0;
    run(async () => {});
  });
  $('prev').addEventListener('click', () => { offset = Math.max(0, offset - PAGE); run(async () => {}); });
  $('next').addEventListener('click', () => { offset += PAGE; run(async () => {}); });
  $('audit-refresh').addEventListener('click', () => run(async () => {}));
  $('phone-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    run(async () => {
      const r = await api('POST', `/api/v1/accounts/${phoneAccount.extension}/devices`, {
        label: $('phone-label').value,
        ttlDays: Number($('phone-days').value),
      });
      $('phone-qr').src = r.qrPng;
      $('phone-url').textContent = r.url;
      $('phone-result').hidden = false;
      say(`Link for the phone “${r.device.label}” created; valid until ${r.device.expiresAt.slice(0, 10)}.`);
      await loadDevices();
    });
  });
  $('phone-copy').addEventListener('click', () => {
    navigator.clipboard?.writeText($('phone-url').textContent).then(() => say('Link copied.'), () => say('Select the link and copy it.'));
  });
  $('phone-close').addEventListener('click', () => {
    $('phone-panel').hidden = true;
    $('phone-qr').removeAttribute('src');
    $('phone-url').textContent = '';
    phoneAccount = null;
  });
  $('secret-copy').addEventListener('click', () => {
    navigator.clipboard?.writeText($('secret-value').textContent ?? '').then(() => say('Copied.'), () => say('Copy not available: select the text.'));
  });
  $('secret-close').addEventListener('click', () => {
    $('secret-value').textContent = '';
    $('secret-panel').hidden = true;
    $('create-title').scrollIntoView();
  });
  if (token) showApp().catch(() => showLogin());
  else showLogin();
});
