/**
 * The console page's one inline script (plain browser JavaScript in a string: no build step, no
 * dependency). It fetches `state`, renders it with DOM calls — values go through textContent, never
 * HTML, since record values and client ids come from devices — draws the two charts as small SVGs,
 * and refetches on every `changed` event of the console's stream. No backticks inside: this is a
 * template literal.
 */
export const CONSOLE_SCRIPT = `
const root = document.body.dataset.root;
const SVG = 'http://www.w3.org/2000/svg';
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
};
const json = (v) => el('pre', {}, v === null || v === undefined ? '—' : JSON.stringify(v, null, 1));
const time = (ms) => new Date(ms).toLocaleTimeString();
const age = (ms) => ms < 1000 ? Math.round(ms) + ' ms' : ms < 120000 ? (ms / 1000).toFixed(1) + ' s' : Math.round(ms / 60000) + ' min';
const table = (head, rows) => el('table', {}, el('tr', {}, ...head.map((h) => el('th', {}, h))), ...rows);
const empty = (text) => el('p', { class: 'muted' }, text);
/** Bars, one per minute; null = no data that minute (a gap, not a zero). */
function bars(values, color, id) {
  const max = Math.max(1, ...values.map((v) => v ?? 0));
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('width', '240'); svg.setAttribute('height', '40'); svg.setAttribute('class', id);
  const base = document.createElementNS(SVG, 'line');
  base.setAttribute('x1', '0'); base.setAttribute('x2', '240'); base.setAttribute('y1', '39.5'); base.setAttribute('y2', '39.5'); base.setAttribute('stroke', '#dde1e7');
  svg.append(base);
  values.forEach((v, i) => {
    if (v === null) return;
    const h = Math.max(v > 0 ? 1 : 0, Math.round((v / max) * 38));
    const bar = document.createElementNS(SVG, 'rect');
    bar.setAttribute('x', String(i * 4)); bar.setAttribute('y', String(39 - h));
    bar.setAttribute('width', '3'); bar.setAttribute('height', String(h)); bar.setAttribute('fill', color);
    svg.append(bar);
  });
  return svg;
}
function charts(s) {
  const writes = s.writeRate.perMinute.reduce((a, b) => a + b, 0);
  const lags = s.syncLag.perMinute.filter((v) => v !== null);
  const lagNow = s.syncLag.perMinute[s.syncLag.perMinute.length - 1];
  const lagText = lags.length === 0 ? 'no device reported in the last hour'
    : 'this minute ' + (lagNow === null || lagNow === undefined ? '—' : age(lagNow)) + ', peak ' + age(Math.max(...lags));
  return el('div', { class: 'charts' },
    el('div', { class: 'chart write-rate' }, el('span', { class: 'muted' }, 'Writes per minute, last hour'), bars(s.writeRate.perMinute, '#3b6fd8', 'write-rate-chart'),
      el('span', { class: 'muted' }, writes + ' writes (since this server started)')),
    el('div', { class: 'chart sync-lag' }, el('span', { class: 'muted', title: 'Per minute, the largest age of the oldest write still waiting in a connected device\\'s outbox, as the devices report it. Offline devices report nothing.' }, 'Sync lag: oldest pending write on connected devices'),
      bars(s.syncLag.perMinute, '#d97706', 'sync-lag-chart'), el('span', { class: 'muted lag-summary' }, lagText)));
}
function device(d) {
  const online = d.online ? el('span', {}, el('span', { class: 'dot on' }), 'online')
    : el('span', {}, el('span', { class: 'dot' }), d.lastSeenAt === undefined ? 'offline' : 'last seen ' + time(d.lastSeenAt));
  return el('tr', { 'data-client': d.clientId, class: d.online ? 'online' : 'offline' },
    el('td', {}, el('code', {}, d.clientId)), el('td', { class: 'presence' }, online), el('td', {}, '#' + d.lastMutationId),
    el('td', { class: 'cursor' }, d.cursor ?? '—'), el('td', { class: 'backlog' }, d.pending ?? '—'),
    el('td', { class: 'oldest' }, d.oldestPendingMs === undefined ? '—' : d.oldestPendingMs === null ? 'none' : age(d.oldestPendingMs)),
    el('td', { class: d.failing ? 'bad' : '' }, d.failing ? '#' + d.failing.mutationId + ' failed ' + d.failing.attempts + '×' : '—'));
}
function deliveryList(title, cls, list) {
  const c = list.counts;
  const box = el('div', { class: cls }, el('h3', {}, title, ' ', el('span', { class: 'muted' }, c.pending + ' pending · ' + c.delivered + ' delivered · ' + c.dead + ' dead-lettered')));
  const rows = [
    ...list.deadLetters.map((e) => el('tr', { class: 'effect-dead' }, el('td', {}, el('code', {}, e.id)), el('td', {}, e.name + ' · ' + e.key),
      el('td', { class: e.status === 'dead' ? 'bad' : 'ok' }, e.status === 'dead' ? 'dead-lettered' : 'replayed'),
      el('td', { class: 'bad' }, e.error + ' (' + e.attempts + ' attempts)'),
      el('td', {}, e.status === 'dead' ? el('button', { 'data-replay-effect': e.id }, 'Replay') : el('span', { class: 'ok' }, 'back in the outbox')))),
    ...list.pending.map((e) => el('tr', { class: 'effect-pending' }, el('td', {}, el('code', {}, e.id)), el('td', {}, e.name + ' · ' + e.key), el('td', {}, 'pending'),
      el('td', { class: e.lastError ? 'bad' : 'muted' }, e.attempts + ' attempts' + (e.lastError ? ', last: ' + e.lastError : '') + ', next ' + time(e.nextAttemptAt)), el('td', {}, ''))),
    ...list.delivered.map((e) => el('tr', { class: 'effect-delivered' }, el('td', {}, el('code', {}, e.id)), el('td', {}, e.name + ' · ' + e.key), el('td', { class: 'ok' }, 'delivered'),
      el('td', { class: 'muted' }, e.deliveredAt ? time(e.deliveredAt) : ''), el('td', {}, ''))),
  ];
  box.append(rows.length === 0 ? empty('Nothing yet.') : table(['id', 'name · key', 'status', 'detail', ''], rows));
  return box;
}
function render(state) {
  const scopes = el('section', { id: 'scopes' }, el('h2', {}, 'Scopes and devices'));
  if (state.scopes.length === 0) scopes.append(empty('No scope has data yet.'));
  for (const s of state.scopes) {
    scopes.append(el('h3', {}, s.scope, ' ', el('span', { class: 'muted' }, 'version ' + s.version)), charts(s));
    scopes.append(table(['device', 'online', 'applied through', 'cursor', 'backlog', 'oldest pending', 'stuck mutation'], s.devices.map(device)));
  }
  const conflicts = el('section', { id: 'conflicts' }, el('h2', {}, 'Conflicts (newest first)'));
  conflicts.append(state.conflicts.length === 0 ? empty('No conflicts.') : table(['when', 'record', 'device', 'strategy → resolution', 'server had', 'client wrote', 'result'],
    state.conflicts.map((c) => el('tr', { class: 'conflict' }, el('td', {}, time(c.resolvedAt)), el('td', {}, el('code', {}, c.scope + ' · ' + c.collection + '/' + c.key)),
      el('td', {}, el('code', {}, c.clientId + ' #' + c.mutationId)), el('td', {}, c.strategy + ' → ' + c.resolution),
      el('td', {}, json(c.serverValue)), el('td', {}, json(c.clientValue)), el('td', {}, json(c.value))))));
  const letters = el('section', { id: 'dead-letters' }, el('h2', {}, 'Dead letters (mutations)'));
  letters.append(state.deadLetters.length === 0 ? empty('No dead letters.') : table(['id', 'mutation', 'error', 'status', ''],
    state.deadLetters.map((d) => {
      const action = d.status === 'dead' ? el('button', { 'data-replay': d.id }, 'Replay') : el('span', { class: 'ok' }, 'replayed at v' + d.replayVersion);
      return el('tr', { class: 'dead-letter' }, el('td', {}, el('code', {}, d.id)), el('td', {}, d.name, ' ', json(d.args)),
        el('td', { class: 'bad' }, d.error + ' (' + d.attempts + ' attempts)'), el('td', {}, d.status), el('td', {}, action));
    })));
  const deliveries = el('section', { id: 'deliveries' }, el('h2', {}, 'Effects and webhook deliveries'));
  if (state.deliveries.error) deliveries.append(el('p', { class: 'bad' }, 'Could not read effects: ' + state.deliveries.error));
  deliveries.append(deliveryList('Effects', 'effects', state.deliveries.effects), deliveryList('Webhook deliveries', 'webhooks', state.deliveries.webhooks));
  document.querySelector('main').replaceChildren(scopes, conflicts, letters, deliveries);
  document.getElementById('updated').textContent = 'updated ' + time(state.at);
}
async function refresh() {
  const response = await fetch(root + '/state', { cache: 'no-store' });
  if (response.ok) render(await response.json());
}
async function act(path, id, button) {
  button.disabled = true;
  const response = await fetch(root + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id }) });
  const result = await response.json();
  document.getElementById('notice').textContent = response.ok ? 'Replay of ' + id + ': ' + result.status : 'Replay failed: ' + result.error.message;
  await refresh();
}
document.addEventListener('click', (event) => {
  const target = event.target;
  if (!(target instanceof HTMLElement)) return;
  if (target.dataset.replay !== undefined) void act('/replay', target.dataset.replay, target);
  else if (target.dataset.replayEffect !== undefined) void act('/replay-effect', target.dataset.replayEffect, target);
});
const events = new EventSource(root + '/events');
events.addEventListener('changed', () => void refresh());
events.onopen = () => { document.getElementById('live').textContent = 'live'; };
events.onerror = () => { document.getElementById('live').textContent = 'reconnecting…'; };
// Presence and lag change without a commit: refresh once in a while too.
setInterval(() => void refresh(), 15000);
`;
