// Kestrel demo shop: plain JS, no build step. Talks to the local API gateway on the same origin, so the
// partnero_referral cookie set by the sandbox's PartneroJS-compatible script reaches POST /referrals/signup.

const SESSION_KEY = 'kestrel.session';
const REFRESH_MS = 5000;
const MAX_EVENTS = 80;

const $ = (testId) => document.querySelector(`[data-testid="${testId}"]`);
const money = (amount, currency = 'usd') =>
  new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() }).format(amount ?? 0);

/** Who referred the customer, as the API names them: a first name, else the public key of their link. */
const referrerName = (by) => by.name ?? by.key ?? 'a friend';

/** Money as money, anything else (points) as a count with its unit. */
const amountOf = (amount, units, isCurrency) =>
  isCurrency === false ? `${amount ?? 0} ${units ?? 'points'}` : money(amount, units ?? 'usd');

const state = {
  config: { demoUsers: [], orderSource: 'shop.orders', webhookSource: 'partnero' },
  session: readSession(),
  dashboard: null,
  orders: [],
  refreshTimer: null,
  refreshSoon: null,
};

function readSession() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null');
  } catch {
    return null;
  }
}

function saveSession(session) {
  state.session = session;
  if (session) sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(SESSION_KEY);
}

function referralCookie() {
  const match = document.cookie.split(';').find((c) => c.trim().startsWith('partnero_referral='));
  return match ? decodeURIComponent(match.split('=')[1] ?? '') : null;
}

function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'testid') node.dataset.testid = value;
    else if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('data-')) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) node.append(child);
  return node;
}

function showStatus(message, kind = 'ok') {
  const box = $('app-status');
  box.textContent = message;
  box.className = `status${kind === 'ok' ? '' : ` status--${kind}`}`;
  box.hidden = false;
  clearTimeout(showStatus.timer);
  showStatus.timer = setTimeout(() => {
    box.hidden = true;
  }, 6000);
}

class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/** Calls the API on this origin; `credentials: 'include'` sends the referral cookie along. */
async function request(path, { method = 'GET', body, auth = true } = {}) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (auth && state.session) headers.authorization = `Bearer ${state.session.token}`;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'include',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  if (res.status === 401 && auth && state.session) {
    signOut('Your session expired — sign in again.');
  }
  if (!res.ok) throw new ApiError(res.status, json);
  return { status: res.status, body: json };
}

const api = async (path, options) => (await request(path, options)).body;

// ---- sign-up / sign-in ------------------------------------------------------------------------

async function signUp(user) {
  const login = await api('/local/login', { method: 'POST', body: user, auth: false });
  saveSession({ token: login.token, user: login.user });
  // The email comes from the (verified) token, never the body; only the display name is sent.
  const profile = {};
  if (user.name) profile.name = user.name;
  const { status, body: result } = await request('/referrals/signup', { method: 'POST', body: profile });
  const customer = result.customer;
  const who = user.name || user.user_id;
  const dropped = {
    self_referral: 'your own referral link does not count',
    already_enrolled: 'you already had an account, so the invite could not be applied',
    unknown_referrer: 'the invite link was not valid',
    invalid_referral: 'the invite link was garbled',
    disposable_email: 'invites do not count for throwaway email addresses',
  }[result.referral_dropped];
  if (status === 200) {
    showStatus(
      `Welcome back, ${who}.${dropped ? ` Referral ignored: ${dropped}.` : ''}`,
      dropped ? 'info' : 'ok',
    );
  } else if (dropped) {
    showStatus(`Welcome to Kestrel, ${who}. Referral ignored: ${dropped}.`, 'info');
  } else if (customer.referred_by) {
    showStatus(
      `Welcome to Kestrel, ${who} — you joined through ${referrerName(customer.referred_by)}'s link.`,
    );
  } else {
    showStatus(`Welcome to Kestrel, ${who}. Your referral link is ready.`);
  }
  await render();
}

function signOut(message) {
  saveSession(null);
  state.dashboard = null;
  state.orders = [];
  clearInterval(state.refreshTimer);
  state.refreshTimer = null;
  render();
  if (message) showStatus(message, 'info');
}

function onSubmit(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const data = new FormData(form);
  const user = { user_id: String(data.get('user_id') ?? '').trim() };
  const email = String(data.get('email') ?? '').trim();
  const name = String(data.get('name') ?? '').trim();
  if (email) user.email = email;
  if (name) user.name = name;
  const button = $('signup-submit');
  button.disabled = true;
  signUp(user)
    .catch((e) => showStatus(`Sign-up failed: ${e.message}`, 'error'))
    .finally(() => {
      button.disabled = false;
    });
}

function fillDemoUser(id) {
  const user = state.config.demoUsers.find((u) => u.user_id === id) ?? { user_id: id };
  $('signup-user-id').value = user.user_id;
  $('signup-email').value = user.email ?? '';
  $('signup-name').value = user.name ?? '';
  $('signup-user-id').focus();
}

// ---- dashboard + orders -------------------------------------------------------------------------

async function loadDashboard() {
  if (!state.session) return;
  try {
    const [dashboard, orders] = await Promise.all([api('/referrals/me'), api('/local/orders')]);
    const previousBalance = state.dashboard ? moneyUnit(state.dashboard).amount : undefined;
    state.dashboard = dashboard;
    state.orders = orders.orders;
    renderDashboard(previousBalance);
    renderOrders();
  } catch (e) {
    if (e.status === 404) showStatus('You are not enrolled yet — create your account first.', 'info');
    else if (e.status !== 401) showStatus(`Could not load your dashboard: ${e.message}`, 'error');
  }
}

function scheduleRefresh(delay = 400) {
  clearTimeout(state.refreshSoon);
  state.refreshSoon = setTimeout(loadDashboard, delay);
}

/** The dashboard's first money unit (the demo shop sells in one currency); $0.00 when it holds none. */
function moneyUnit(d) {
  const unit = d.balances.find((u) => u.is_currency !== false);
  return { amount: unit?.amount ?? 0, currency: unit?.unit ?? 'usd' };
}

/** A count Partnero's answer did not carry is unknown: shown as a dash, never as 0. */
function showCount(id, value) {
  const node = $(id);
  node.textContent = value === null || value === undefined ? '—' : String(value);
  node.title = value === null || value === undefined ? 'Partnero did not report this count' : '';
}

function renderDashboard(previousBalance) {
  const d = state.dashboard;
  if (!d) return;
  $('referral-link').value = d.customer.referral_link ?? '';
  showCount('stat-clicks', d.stats.clicks);
  showCount('stat-signups', d.stats.signups);
  showCount('stat-paid-referrals', d.stats.paid_referrals);
  showCount('stat-referrals', d.stats.referrals);
  const current = moneyUnit(d);
  const balance = $('balance-amount');
  balance.textContent = money(current.amount, current.currency);
  balance.dataset.amount = String(current.amount);
  // Every other unit Partnero holds for the customer: points, other currencies.
  const others = d.balances.filter((u) => u !== d.balances.find((m) => m.is_currency !== false));
  const points = $('balance-points');
  points.hidden = others.length === 0;
  points.textContent = others.map((u) => amountOf(u.amount, u.unit, u.is_currency)).join(' · ');
  if (previousBalance !== undefined && previousBalance !== current.amount) {
    const tile = balance.closest('.stat');
    tile.classList.remove('stat--flash');
    void tile.offsetWidth;
    tile.classList.add('stat--flash');
  }
  const referredBy = $('referred-by');
  referredBy.hidden = !d.customer.referred_by;
  referredBy.textContent = d.customer.referred_by ? `Invited by ${referrerName(d.customer.referred_by)}` : '';

  const list = $('friends-list');
  list.replaceChildren(
    ...d.referrals.data.map((f) =>
      el('li', { class: 'friend', testid: 'friend-item' }, [
        el('span', { class: 'avatar', text: (f.name ?? '?').slice(0, 1).toUpperCase() }),
        el('span', {}, [
          el('strong', { text: f.name ?? 'A friend' }),
          ' ',
          el('span', { class: 'friend__email', text: f.email ?? '' }),
        ]),
      ]),
    ),
  );
  $('friends-empty').hidden = d.referrals.data.length > 0;
  $('dashboard-updated').textContent = `Updated ${new Date().toLocaleTimeString()}`;
}

function renderOrders() {
  const list = $('orders-list');
  list.replaceChildren(
    ...state.orders.map((o) => {
      const refund = el('button', {
        type: 'button',
        class: 'btn btn--danger btn--small',
        testid: 'refund-button',
        text: 'Refund',
        disabled: o.status !== 'placed',
      });
      refund.addEventListener('click', () => refundOrder(o.orderId, refund));
      return el(
        'li',
        { class: 'order', testid: 'order-item', 'data-order-id': o.orderId, 'data-status': o.status },
        [
          el('div', { class: 'order__main' }, [
            el('div', {}, [el('strong', { text: `Kestrel Pro · ${money(o.amount, o.currency)}` })]),
            el('div', {
              class: 'order__id',
              text: `${o.orderId} · ${new Date(o.placedAt).toLocaleString()}`,
            }),
          ]),
          el('span', { class: `badge badge--${o.status}`, testid: 'order-status', text: o.status }),
          refund,
        ],
      );
    }),
  );
  $('orders-empty').hidden = state.orders.length > 0;
}

async function buy() {
  const button = $('buy-button');
  button.disabled = true;
  try {
    const { order } = await api('/local/orders', {
      method: 'POST',
      body: { amount: 100, currency: 'USD', productId: 'pro-annual' },
    });
    showStatus(`Order ${order.orderId} placed — "Order Placed" is on the bus.`);
    await loadDashboard();
  } catch (e) {
    showStatus(`Purchase failed: ${e.message}`, 'error');
  } finally {
    button.disabled = false;
  }
}

async function refundOrder(orderId, button) {
  button.disabled = true;
  try {
    await api(`/local/orders/${encodeURIComponent(orderId)}/refund`, { method: 'POST' });
    showStatus(`Order ${orderId} refunded — "Order Refunded" is on the bus.`);
    await loadDashboard();
  } catch (e) {
    button.disabled = false;
    showStatus(`Refund failed: ${e.message}`, 'error');
  }
}

async function copyLink() {
  const link = $('referral-link').value;
  const status = $('copy-status');
  try {
    await navigator.clipboard.writeText(link);
  } catch {
    const input = $('referral-link');
    input.select();
    document.execCommand('copy');
  }
  status.textContent = 'Link copied — send it to a friend.';
  setTimeout(() => {
    status.textContent = '';
  }, 3000);
}

// ---- live events -------------------------------------------------------------------------------

function describe(record) {
  const { orderSource, webhookSource } = state.config;
  if (record.kind === 'delivery') {
    const failed = record.failedIds.length;
    const size = record.messageIds.length;
    return {
      tag: failed ? ['failed', 'consumer'] : ['consumer', 'consumer'],
      type: failed ? 'Batch retried' : 'Batch consumed',
      summary: `${size} message${size === 1 ? '' : 's'} → order consumer · ${failed} failed · ${record.durationMs} ms${record.error ? ` · ${record.error}` : ''}`,
      rule: 'SQS → Lambda',
    };
  }
  if (record.kind === 'dead-letter') {
    return {
      tag: ['dlq', 'dead letter'],
      type: record.failureCode ?? 'Dead letter',
      summary: record.failureReason ?? `moved after ${record.receiveCount} receives`,
      rule: record.queue,
    };
  }
  const e = record.event;
  const d = e.detail ?? {};
  let summary = '';
  if (e.source === orderSource) {
    summary = [d.orderId, d.customerId, d.amount !== undefined ? money(d.amount, d.currency ?? 'usd') : null]
      .filter(Boolean)
      .join(' · ');
  } else if (e['detail-type'] === 'customer.rewarded') {
    const reward = d.reward ?? {};
    summary = `${amountOf(reward.amount, reward.amount_units, reward.is_currency)} for ${d.id}${d.transaction_key ? ` (transaction ${d.transaction_key})` : ''}`;
  } else if (e['detail-type'] === 'customer.credited') {
    const credit = d.credit ?? {};
    summary = `${amountOf(credit.amount, credit.amount_units, credit.is_currency)} credited to ${d.id}`;
  } else if (e['detail-type'].startsWith('customer.')) {
    const by = d.referring_customer;
    summary = `${d.id}${by ? ` (referred by ${typeof by === 'string' ? by : (by.key ?? by.id ?? by.name)})` : ''}`;
  } else if (e['detail-type'].startsWith('transaction.')) {
    summary = `${d.key} · ${amountOf(d.amount, d.amount_units, d.is_currency)} · bought by ${d.referred_customer}`;
  } else {
    summary = JSON.stringify(d).slice(0, 120);
  }
  const kind = e.source === orderSource ? 'order' : e.source === webhookSource ? 'partnero' : 'other';
  const label = { order: 'order in', partnero: 'partnero out', other: e.source }[kind];
  const rule = record.rules.length
    ? `→ ${record.rules.join(', ')}`
    : record.bus === 'default'
      ? 'default bus'
      : 'no rule';
  return { tag: [kind, label], type: e['detail-type'], summary, rule };
}

function addEventRecord(record) {
  const info = describe(record);
  const source = record.kind === 'event' ? record.event.source : record.kind;
  const item = el(
    'li',
    {
      class: 'event',
      testid: 'event-item',
      'data-kind': record.kind,
      'data-source': source,
      'data-detail-type': info.type,
    },
    [
      el('details', {}, [
        el('summary', {}, [
          el('span', { class: 'event__time', text: new Date(record.at).toLocaleTimeString() }),
          el('span', {}, [el('span', { class: `tag tag--${info.tag[0]}`, text: info.tag[1] })]),
          el('span', {}, [
            el('span', { class: 'event__type', text: info.type }),
            ' ',
            el('span', { class: 'event__summary', text: info.summary }),
          ]),
          el('span', { class: 'event__rule', text: info.rule }),
        ]),
        el('pre', { text: JSON.stringify(record.kind === 'event' ? record.event : record, null, 2) }),
      ]),
    ],
  );
  const list = $('events-list');
  list.prepend(item);
  while (list.children.length > MAX_EVENTS) list.lastElementChild.remove();
  $('events-empty').hidden = true;
  // Partnero's webhooks tell us the reward changed: refresh the dashboard right away.
  if (record.kind === 'event' && record.event.source === state.config.webhookSource && state.session) {
    scheduleRefresh();
  }
}

function connectEvents() {
  const indicator = $('events-connection');
  const source = new EventSource('/local/events?after=0');
  source.onopen = () => {
    indicator.classList.add('live--on');
    indicator.querySelector('.live__text').textContent = 'live';
  };
  source.onerror = () => {
    indicator.classList.remove('live--on');
    indicator.querySelector('.live__text').textContent = 'reconnecting';
  };
  source.onmessage = (message) => addEventRecord(JSON.parse(message.data));
}

// ---- rendering ---------------------------------------------------------------------------------

async function render() {
  const session = state.session;
  $('signed-out').hidden = Boolean(session);
  $('signed-in').hidden = !session;
  $('session').hidden = !session;
  // The cookie's key is only a claim until sign-up attributes it (`referred_by`): no name before that,
  // so a made-up or stale link cannot show a name it does not belong to.
  $('invite-banner').hidden = Boolean(session) || !referralCookie();
  if (!session) return;
  const name = session.user.name || session.user.user_id;
  $('session-user').textContent = name;
  $('session-avatar').textContent = name.slice(0, 1).toUpperCase();
  await loadDashboard();
  clearInterval(state.refreshTimer);
  state.refreshTimer = setInterval(loadDashboard, REFRESH_MS);
}

async function main() {
  try {
    state.config = await api('/local/config', { auth: false });
  } catch {
    // The page still works with the defaults.
  }
  $('signup-form').addEventListener('submit', onSubmit);
  for (const button of document.querySelectorAll('[data-user]')) {
    button.addEventListener('click', () => fillDemoUser(button.dataset.user));
  }
  $('sign-out').addEventListener('click', () => signOut());
  $('buy-button').addEventListener('click', buy);
  $('copy-link').addEventListener('click', copyLink);
  connectEvents();
  await render();
  document.body.dataset.ready = 'true';
}

main();
