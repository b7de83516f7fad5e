/**
 * The console's HTML. The shell is static; one inline script fetches `state`, renders it with DOM
 * calls (values go through textContent, never HTML, since record values and client ids come from
 * devices), and refetches on every `changed` event of the console's stream.
 */

const STYLE = `
body{font:14px system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header{background:#1d2330;color:#fff;padding:10px 20px;display:flex;gap:16px;align-items:baseline}
header h1{font-size:17px;margin:0}#live{font-size:12px;opacity:.8}
main{padding:16px 20px;display:grid;gap:16px}
section{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:12px 14px}
h2{font-size:15px;margin:0 0 8px}table{border-collapse:collapse;width:100%}
td,th{text-align:left;padding:4px 8px;border-bottom:1px solid #eef0f3;vertical-align:top;font-size:13px}
th{color:#5b6475;font-weight:600}code,pre{font:12px ui-monospace,monospace;margin:0;white-space:pre-wrap}
.muted{color:#7a8394;font-size:12px}.bad{color:#b42318}.ok{color:#067647}
button{font:inherit;padding:2px 10px;cursor:pointer}svg{vertical-align:middle}`;

const SCRIPT = `
const root = document.body.dataset.root;
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
};
const json = (v) => el('pre', {}, v === null || v === undefined ? '—' : JSON.stringify(v, null, 1));
const time = (ms) => new Date(ms).toLocaleTimeString();
const table = (head, rows) => el('table', {}, el('tr', {}, ...head.map((h) => el('th', {}, h))), ...rows);
function spark(series) {
  const max = Math.max(1, ...series.perMinute);
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('width', '180'); svg.setAttribute('height', '28');
  series.perMinute.forEach((n, i) => {
    const h = Math.round((n / max) * 26);
    const bar = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
    bar.setAttribute('x', String(i * 3)); bar.setAttribute('y', String(27 - h));
    bar.setAttribute('width', '2'); bar.setAttribute('height', String(Math.max(h, n > 0 ? 1 : 0)));
    bar.setAttribute('fill', '#3b6fd8');
    svg.append(bar);
  });
  const total = series.perMinute.reduce((a, b) => a + b, 0);
  return el('span', {}, svg, ' ', el('span', { class: 'muted' }, total + ' writes in the last hour (since this server started)'));
}
function render(state) {
  const scopes = el('section', { id: 'scopes' }, el('h2', {}, 'Scopes and devices'));
  if (state.scopes.length === 0) scopes.append(el('p', { class: 'muted' }, 'No scope has data yet.'));
  for (const s of state.scopes) {
    scopes.append(el('h3', {}, s.scope, ' ', el('span', { class: 'muted' }, 'version ' + s.version)), spark(s.writeRate));
    scopes.append(table(['device', 'applied through', 'online', 'cursor', 'backlog', 'oldest pending', 'stuck mutation'], s.devices.map((d) => el('tr', { 'data-client': d.clientId },
      el('td', {}, el('code', {}, d.clientId)), el('td', {}, '#' + d.lastMutationId),
      el('td', {}, d.online === undefined ? '—' : d.online ? 'yes' : 'no'),
      el('td', {}, d.cursor ?? '—'), el('td', {}, d.pending ?? '—'),
      el('td', {}, d.oldestPendingMs === undefined ? '—' : Math.round(d.oldestPendingMs / 1000) + ' s'),
      el('td', { class: d.failing ? 'bad' : '' }, d.failing ? '#' + d.failing.mutationId + ' failed ' + d.failing.attempts + '×' : '—')))));
  }
  const conflicts = el('section', { id: 'conflicts' }, el('h2', {}, 'Conflicts (newest first)'));
  conflicts.append(state.conflicts.length === 0 ? el('p', { class: 'muted' }, 'No conflicts.') : table(['when', 'record', 'device', 'strategy → resolution', 'server had', 'client wrote', 'result'],
    state.conflicts.map((c) => el('tr', { class: 'conflict' }, el('td', {}, time(c.resolvedAt)), el('td', {}, el('code', {}, c.scope + ' · ' + c.collection + '/' + c.key)),
      el('td', {}, el('code', {}, c.clientId + ' #' + c.mutationId)), el('td', {}, c.strategy + ' → ' + c.resolution),
      el('td', {}, json(c.serverValue)), el('td', {}, json(c.clientValue)), el('td', {}, json(c.value))))));
  const letters = el('section', { id: 'dead-letters' }, el('h2', {}, 'Dead letters'));
  letters.append(state.deadLetters.length === 0 ? el('p', { class: 'muted' }, 'No dead letters.') : table(['id', 'mutation', 'error', 'status', ''],
    state.deadLetters.map((d) => {
      const action = d.status === 'dead' ? el('button', { 'data-replay': d.id }, 'Replay') : el('span', { class: 'ok' }, 'replayed at v' + d.replayVersion);
      return el('tr', { class: 'dead-letter' }, el('td', {}, el('code', {}, d.id)), el('td', {}, d.name, ' ', json(d.args)),
        el('td', { class: 'bad' }, d.error + ' (' + d.attempts + ' attempts)'), el('td', {}, d.status), el('td', {}, action));
    })));
  document.querySelector('main').replaceChildren(scopes, conflicts, letters);
  document.getElementById('updated').textContent = 'updated ' + time(state.at);
}
async function refresh() {
  const response = await fetch(root + '/state', { cache: 'no-store' });
  if (response.ok) render(await response.json());
}
document.addEventListener('click', async (event) => {
  const id = event.target instanceof HTMLElement ? event.target.dataset.replay : undefined;
  if (id === undefined) return;
  event.target.disabled = true;
  const response = await fetch(root + '/replay', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id }) });
  const result = await response.json();
  document.getElementById('notice').textContent = response.ok ? 'Replay of ' + id + ': ' + result.status : 'Replay failed: ' + result.error.message;
  await refresh();
});
const events = new EventSource(root + '/events');
events.addEventListener('changed', () => void refresh());
events.onopen = () => { document.getElementById('live').textContent = 'live'; };
events.onerror = () => { document.getElementById('live').textContent = 'reconnecting…'; };
`;

export function renderConsolePage(root: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>syncline console</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${STYLE}</style></head>
<body data-root="${escapeAttribute(root)}"><header><h1>syncline console</h1><span id="live">connecting…</span>
<span id="updated" class="muted"></span><span id="notice"></span></header><main><p class="muted">Loading…</p></main>
<script>${SCRIPT}</script></body></html>`;
}

export function renderLoginPage(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>syncline console</title><style>${STYLE}</style></head>
<body><main><section><h2>syncline console</h2><p>Open this page with <code>?token=&lt;admin token&gt;</code> once (the token set with
<code>serve --console-token</code> or <code>console: { token }</code>); the server then keeps a session cookie.</p></section></main></body></html>`;
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
