// The progress page: polls the install's API every 2 s and renders it. Plain DOM, no framework, nothing
// fetched from elsewhere: the page must work on an air-gapped network. Data is only ever set as text.
'use strict';
(() => {
  const POLL_MS = 2000;
  const TIMEOUT_MS = 5000;
  const KEEP = 50;
  const TOKEN_KEY = 'infometis.token';
  const $ = (id) => document.getElementById(id);

  let cursor = 0; // seq of the newest event received
  let events = []; // newest first, at most KEEP
  let timer = 0;
  let busy = false;

  class Unauthorized extends Error {}

  // The installer prints its token at start; a link ending in #token=… hands it over without a prompt. The
  // fragment never reaches a server, and it is removed from the address bar (and history) at once.
  const handed = /^#token=([A-Za-z0-9_.~-]+)$/.exec(location.hash);
  if (handed) {
    sessionStorage.setItem(TOKEN_KEY, handed[1]);
    history.replaceState(null, '', location.pathname + location.search);
  }

  async function get(path) {
    const headers = { Accept: 'application/json' };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = 'Bearer ' + token;
    // A reboot can leave a connection hanging rather than refused: give up after a while and retry.
    const abort = new AbortController();
    const t = setTimeout(() => abort.abort(), TIMEOUT_MS);
    try {
      const r = await fetch(path, { headers, cache: 'no-store', signal: abort.signal });
      if (r.status === 401) throw new Unauthorized();
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return await r.json();
    } finally {
      clearTimeout(t);
    }
  }

  async function poll() {
    if (busy) return;
    busy = true;
    try {
      const snap = await get('api/v1/progress');
      // A smaller sequence than ours means a new installer process: its stream starts again at 1.
      if (snap.lastEventSeq < cursor) {
        cursor = 0;
        events = [];
      }
      let after = Math.max(cursor, snap.lastEventSeq - KEEP);
      for (let i = 0; i < 5; i++) {
        const page = await get('api/v1/events?after=' + after + '&limit=100');
        for (const e of page.events) events.unshift(e);
        after = page.next;
        if (!page.more) break;
      }
      events.length = Math.min(events.length, KEEP);
      cursor = after;
      render(snap);
      showReachable(true);
    } catch (e) {
      if (e instanceof Unauthorized) askToken();
      else showReachable(false);
    } finally {
      busy = false;
      schedule(POLL_MS);
    }
  }

  function schedule(ms) {
    clearTimeout(timer);
    timer = setTimeout(poll, ms);
  }

  function showReachable(ok) {
    $('unreachable').hidden = ok;
    // After --linger the installer stops serving on purpose: say so rather than suggest a failure.
    $('ended').hidden = ok || !['succeeded', 'failed', 'interrupted'].includes(document.body.dataset.state);
    document.body.classList.toggle('stale', !ok);
    if (ok) {
      $('token-form').hidden = true;
      $('updated').textContent = new Date().toLocaleTimeString([], { hour12: false });
    }
  }

  function askToken() {
    const form = $('token-form');
    $('unreachable').hidden = true;
    if (!form.hidden) return;
    if (sessionStorage.getItem(TOKEN_KEY)) {
      sessionStorage.removeItem(TOKEN_KEY);
      $('token-why').textContent = 'The installer refused that token: enter it again.';
    }
    form.hidden = false;
    $('token').focus();
  }

  $('token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const token = $('token').value.trim();
    if (!token) return;
    sessionStorage.setItem(TOKEN_KEY, token);
    $('token').value = '';
    $('token-form').hidden = true;
    schedule(0);
  });

  function render(s) {
    $('state').textContent = s.state === 'Pending' && !s.startedAt ? 'waiting to start' : s.state;
    $('dry-run').hidden = !s.dryRun;
    $('bar').value = s.percent;
    $('bar').textContent = s.percent + '%';
    $('percent').textContent = s.percent + '%';
    $('elapsed').textContent = duration(s.elapsedSeconds);
    $('elapsed').dateTime = 'PT' + s.elapsedSeconds + 'S';
    $('step').textContent = s.currentStep || (s.finishedAt ? (s.state === 'Succeeded' ? 'finished' : 'stopped') : '–');
    document.title = s.percent + '% ' + s.state + ' · InfoMetis install';
    document.body.dataset.state = s.state.toLowerCase();

    // A bundle accepted without a verified signature (--allow-unsigned, or no trusted key) is said on the page.
    const trust = s.bundleTrust;
    $('trust').hidden = !trust;
    if (trust) {
      $('trust').className = trust.status === 'verified' ? 'trust-ok' : 'trust-warn';
      $('trust-status').textContent = trust.status;
      $('trust-message').textContent = trust.message;
    }

    const err = s.error;
    $('failure').hidden = !err;
    if (err) {
      $('failure-message').textContent = (err.phase ? err.phase + ': ' : '') + err.message;
      $('failure-hint').textContent = err.hint || 'see the events below and the installer log';
    }

    const summary = s.summary || [];
    $('summary').hidden = summary.length === 0;
    $('summary-list').replaceChildren(...summary.map(accessItem));

    const open = new Set([...document.querySelectorAll('#phases details[open]')].map((d) => d.dataset.phase));
    $('phases').replaceChildren(...(s.phases || []).map((p) => phaseItem(p, open.has(p.name))));
    $('events').replaceChildren(...events.map(eventItem));
  }

  function phaseItem(p, open) {
    const li = el('li', 'phase state-' + p.state.toLowerCase());
    const head = el('p', 'phase-head');
    const outcome = el('span', 'outcome');
    outcome.append(el('span', 'state', p.state));
    if (p.startedAt && p.finishedAt) {
      outcome.append(' ', el('span', 'took', duration((Date.parse(p.finishedAt) - Date.parse(p.startedAt)) / 1000)));
    }
    head.append(el('strong', 'title', p.title), ' ', el('code', '', p.name), ' ', outcome);
    li.append(head);
    const u = p.units;
    if (u && u.total > 0) {
      const label = el('label', 'units');
      const bar = el('progress');
      bar.max = u.total;
      bar.value = u.done;
      label.append(el('span', 'count', p.name + ' ' + u.done + '/' + u.total), ' ', bar);
      li.append(label);
      const details = el('details');
      details.dataset.phase = p.name;
      details.open = open;
      const list = el('ul', 'unit-list');
      for (const item of u.items) list.append(el('li', 'state-' + item.state.toLowerCase(), item.name + ' — ' + item.state));
      details.append(el('summary', '', 'units'), list);
      li.append(details);
    }
    if (p.message) li.append(el('p', 'message', p.message));
    return li;
  }

  function eventItem(e) {
    const li = el('li', 'sev-' + e.severity);
    const time = el('time', '', new Date(e.time).toLocaleTimeString([], { hour12: false }));
    time.dateTime = e.time;
    li.append(time, ' ');
    if (e.phase) li.append(el('span', 'phase-name', e.phase), ' ');
    li.append(el('span', 'msg', e.message));
    return li;
  }

  function accessItem(a) {
    const li = el('li');
    li.append(el('strong', '', a.name), ' ');
    // Only web links become links: the summary is data, and a javascript: URL must stay inert text.
    if (/^https?:\/\//i.test(a.url)) {
      const link = el('a', '', a.url);
      link.href = a.url;
      li.append(link);
    } else {
      li.append(el('code', '', a.url));
    }
    return li;
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function duration(seconds) {
    const s = Math.max(0, Math.round(seconds));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const pad = (n) => String(n).padStart(2, '0');
    return (h ? h + ':' + pad(m) : m) + ':' + pad(s % 60);
  }

  poll();
})();
