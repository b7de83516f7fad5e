/** The web till's HTML shell and stylesheet (the page itself is the bundled React app, /till.js). */
const STYLE = `
:root { font: 14px/1.4 system-ui, sans-serif; color: #1d232b; background: #f3f5f8; }
main { max-width: 1180px; margin: 0 auto; padding: 12px 16px; }
header { display: flex; align-items: center; gap: 14px; flex-wrap: wrap; margin-bottom: 12px; }
h1 { font-size: 22px; margin: 0; } h2 { font-size: 15px; margin: 0 0 8px; }
.columns { display: grid; grid-template-columns: 1.35fr 1fr; gap: 12px; align-items: start; }
.panel { background: #fff; border: 1px solid #dde2e8; border-radius: 8px; padding: 12px; margin-bottom: 12px; }
.muted { color: #6a7481; font-weight: normal; } .mono { font-family: ui-monospace, monospace; font-size: 12px; }
.ok { color: #18794e; } .warn { color: #b4540a; }
button { font: inherit; border: 1px solid #c5ccd5; background: #fff; border-radius: 6px; padding: 6px 10px; cursor: pointer; }
button:disabled { opacity: .45; cursor: default; }
#sell, #sell-card { background: #1f6feb; color: #fff; border-color: #1f6feb; margin-right: 6px; }
.toggle { display: inline-flex; align-items: center; gap: 8px; font-weight: 600; min-width: 112px; }
.toggle .knob { width: 30px; height: 16px; border-radius: 8px; background: #b4540a; position: relative; }
.toggle .knob::after { content: ''; position: absolute; top: 2px; left: 2px; width: 12px; height: 12px; border-radius: 50%; background: #fff; transition: left .15s; }
.toggle.on .knob { background: #18794e; } .toggle.on .knob::after { left: 16px; }
.catalogue { display: grid; grid-template-columns: repeat(3, 1fr); gap: 8px; margin-bottom: 10px; }
.product { display: flex; gap: 4px; } .product > button:first-child { flex: 1; display: grid; text-align: left; }
.reprice { font-size: 12px; padding: 4px 6px; }
.cart .total { font-weight: 600; font-size: 16px; }
table { width: 100%; border-collapse: collapse; } th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid #eef1f4; }
tr.pending td { color: #b4540a; } tr.voided td { text-decoration: line-through; } tr.void td { color: #6a3fb5; }
td button { padding: 2px 8px; font-size: 12px; }
.kv { display: flex; justify-content: space-between; padding: 2px 0; }
.phases { display: flex; gap: 4px; list-style: none; padding: 0; margin: 0 0 8px; }
.phases li { flex: 1; text-align: center; padding: 3px 0; border-radius: 4px; background: #eef1f4; color: #6a7481; font-size: 12px; }
.phases li.done { background: #d3f0e0; color: #18794e; } .phases li.active { background: #1f6feb; color: #fff; }
progress { width: 100%; height: 10px; }
.cycles { list-style: none; padding: 0; margin: 6px 0 0; font-size: 12px; max-height: 180px; overflow: auto; }
.cycles li { padding: 3px 0; border-bottom: 1px solid #eef1f4; } .cycles li.failed { color: #b4540a; }
.quality { padding: 1px 8px; border-radius: 10px; background: #eef1f4; font-size: 12px; }
.quality.excellent, .quality.good { background: #d3f0e0; color: #18794e; } .quality.offline, .quality.poor { background: #fde7d3; color: #b4540a; }
.conflicts { list-style: none; padding: 0; margin: 0; } .conflict { padding: 4px 0; border-bottom: 1px solid #eef1f4; }
output { display: block; min-height: 1.4em; color: #6a7481; font-size: 12px; }
`;

export const PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>syncline till</title><style>${STYLE}</style></head>
<body><div id="root"></div><script type="module" src="/till.js"></script></body></html>`;
