import { CONSOLE_SCRIPT } from './console-script.js';

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
button{font:inherit;padding:2px 10px;cursor:pointer}svg{vertical-align:middle}
.charts{display:flex;gap:24px;flex-wrap:wrap;margin-bottom:6px}.chart{display:flex;flex-direction:column;gap:2px}
.dot{display:inline-block;width:8px;height:8px;border-radius:4px;margin-right:4px;background:#98a2b3}.dot.on{background:#12b76a}h3{font-size:14px;margin:12px 0 4px}`;

export function renderConsolePage(root: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>syncline console</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${STYLE}</style></head>
<body data-root="${escapeAttribute(root)}"><header><h1>syncline console</h1><span id="live">connecting…</span>
<span id="updated" class="muted"></span><span id="notice"></span></header><main><p class="muted">Loading…</p></main>
<script>${CONSOLE_SCRIPT}</script></body></html>`;
}

export function renderLoginPage(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>syncline console</title><style>${STYLE}</style></head>
<body><main><section><h2>syncline console</h2><p>Open this page with <code>?token=&lt;admin token&gt;</code> once (the token set with
<code>serve --console-token</code> or <code>console: { token }</code>); the server then keeps a session cookie.</p></section></main></body></html>`;
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
