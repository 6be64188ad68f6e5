// Our side of bench/query.sh: the six queries of queries.mjs against a running
// claribi-server, POST /api/analytics/query/ over HTTPS (node:https, one
// keep-alive connection; the dev certificate is not verified).
//
//   BENCH_TOKEN=JWT node bench/analytics/client.mjs bench BASE DATA_SOURCE_ID
//     Per query: one warm-up request (Cache-Control: no-cache; it also loads
//     the columns), then BENCH_QUERY_RUNS (15) with Cache-Control: no-cache
//     (uncached: a scan every time), one untimed request without it, then
//     BENCH_QUERY_RUNS without it (answered from the result cache). Each
//     run records the client's wall time (request written to last byte read)
//     and the server's elapsed_ms; medians. Every answer must be 200 with
//     row_count = rows.length, a boolean truncated, and the same rows as the
//     warm-up's. One JSON line on stdout:
//       {"engine":"claribi","runs":K,"queries":{"Q1":{"label","server_ms","wall_ms",
//        "cached_server_ms","cached_wall_ms","columns":[{"name","type"}],"rows":[..]}, ...}}
//
//   BENCH_TOKEN=JWT node bench/analytics/client.mjs dashboard BASE DATA_SOURCE_ID
//     Creates a dashboard of 8 widgets (Q1-Q6 and queries.mjs's two
//     dashboardExtras), times each widget's query alone (BENCH_QUERY_RUNS
//     uncached POST /api/analytics/query/, medians of elapsed_ms), then GET
//     /api/dashboards/{id}/data/ BENCH_QUERY_RUNS times with Cache-Control:
//     no-cache (cold: every widget scans) and, after one untimed request,
//     BENCH_QUERY_RUNS times without it (cached). Every answer must carry
//     all 8 widgets without an error. One JSON line:
//       {"widgets":8,"alone_ms":{"Q1":..},"slowest_alone_ms","sum_alone_ms",
//        "cold_wall_ms","cold_slowest_widget_ms","cached_wall_ms"}
//
//   BENCH_TOKEN=JWT node bench/analytics/client.mjs scheduled BASE DATA_SOURCE_ID
//     Creates an every-minute report (Q1) and polls its runs list every 5 ms
//     until the first run is listed (at most 80 s). One JSON line:
//       {"listed_ms": ms after the minute boundary, "started_s": started_at
//        minus the boundary}; listed_ms bounds the start delay from above
//       (it includes the run, its durable write and one poll).
//
//   BENCH_TOKEN=JWT node bench/analytics/client.mjs loop BASE DATA_SOURCE_ID QUERY STOPFILE
//     QUERY (e.g. Q4) uncached, back to back, until STOPFILE exists; then one
//     JSON line {"query","runs","server_ms","wall_ms"} (medians).
//
// Any non-200 answer, transport error or inconsistent answer: a message on
// stderr and exit 1.
import https from 'node:https';
import { existsSync } from 'node:fs';
import { queries, dashboardExtras, queryByName, median, round3, positiveInt } from './queries.mjs';

function die(message) {
  process.stderr.write(`analytics/client.mjs: ${message}\n`);
  process.exit(1);
}

const [mode, base, dsArg, ...rest] = process.argv.slice(2);
if (!['bench', 'dashboard', 'scheduled', 'loop'].includes(mode) || !base || !dsArg || (mode === 'loop' && rest.length !== 2)) {
  process.stderr.write('usage: client.mjs bench|dashboard|scheduled BASE DATA_SOURCE_ID | ' +
    'client.mjs loop BASE DATA_SOURCE_ID QUERY STOPFILE\n');
  process.exit(2);
}
const token = process.env.BENCH_TOKEN;
if (!token) die('BENCH_TOKEN (a JWT access token) is not set');
let ds, runs;
try {
  ds = positiveInt(dsArg, 'DATA_SOURCE_ID');
  runs = positiveInt(process.env.BENCH_QUERY_RUNS, 'BENCH_QUERY_RUNS', 15);
} catch (e) {
  die(e.message);
}
const url = new URL('/api/analytics/query/', base);
const agent = new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });

// One POST of a query; resolves {status, body (parsed), text, wallMs}.
function post(payload, noCache) {
  return request('POST', url, payload, noCache);
}

// One request (payload null: none); resolves as post does.
function request(method, target, payload, noCache) {
  const headers = { Authorization: `Bearer ${token}` };
  if (payload !== null) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = Buffer.byteLength(payload);
  }
  if (noCache) headers['Cache-Control'] = 'no-cache';
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = https.request(target, { method, agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
        const text = Buffer.concat(chunks).toString('utf8');
        let body = null;
        try {
          body = JSON.parse(text);
        } catch {
          // reported below with the text
        }
        resolve({ status: res.statusCode, body, text, wallMs });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload ?? undefined);
  });
}

async function run(q, noCache) {
  const payload = JSON.stringify({ data_source_id: ds, ...q.body });
  let a;
  try {
    a = await post(payload, noCache);
  } catch (e) {
    die(`${q.name}: ${e.message}`);
  }
  if (a.status !== 200 || !a.body) die(`${q.name}: HTTP ${a.status}: ${a.text.slice(0, 500)}\n  body sent: ${payload}`);
  const b = a.body;
  if (!Array.isArray(b.columns) || !Array.isArray(b.rows) || typeof b.elapsed_ms !== 'number') {
    die(`${q.name}: not a query result: ${a.text.slice(0, 500)}`);
  }
  if (b.row_count !== b.rows.length) die(`${q.name}: row_count ${b.row_count} but ${b.rows.length} rows`);
  // (true when `limit` cut the groups, as for Q5's top 100 of 1,000 products)
  if (typeof b.truncated !== 'boolean') die(`${q.name}: truncated is ${b.truncated}`);
  return { body: b, wallMs: a.wallMs, serverMs: b.elapsed_ms, rowsText: JSON.stringify(b.rows) };
}

async function series(q, noCache, count, expectRows) {
  const wall = [], server = [];
  for (let i = 0; i < count; i++) {
    const r = await run(q, noCache);
    if (r.rowsText !== expectRows) {
      die(`${q.name}: a ${noCache ? 'no-cache' : 'cached'} answer's rows differ from the first answer's:\n` +
        `  first: ${expectRows.slice(0, 400)}\n  this:  ${r.rowsText.slice(0, 400)}`);
    }
    wall.push(r.wallMs);
    server.push(r.serverMs);
  }
  return { wallMs: round3(median(wall)), serverMs: round3(median(server)) };
}

if (mode === 'bench') {
  const out = {};
  for (const q of queries) {
    const first = await run(q, true);   // warm-up: loads the columns
    const uncached = await series(q, true, runs, first.rowsText);
    await run(q, false);                 // the cached series starts from a filled cache
    const cached = await series(q, false, runs, first.rowsText);
    out[q.name] = {
      label: q.label,
      body: q.body,
      server_ms: uncached.serverMs,
      wall_ms: uncached.wallMs,
      cached_server_ms: cached.serverMs,
      cached_wall_ms: cached.wallMs,
      truncated: first.body.truncated,
      columns: first.body.columns,
      rows: first.body.rows,
    };
    process.stderr.write(`claribi ${q.name} ${q.label}: ${uncached.serverMs} ms server, ${uncached.wallMs} ms wall; ` +
      `cached ${cached.wallMs} ms wall (${first.body.rows.length} rows)\n`);
  }
  process.stdout.write(JSON.stringify({ engine: 'claribi', runs, queries: out }) + '\n');
} else if (mode === 'dashboard') {
  const all = [...queries, ...dashboardExtras];
  const widgets = all.map((q) => ({
    id: q.name, type: 'table', title: q.label, query: { data_source_id: ds, ...q.body },
  }));
  const created = await request('POST', new URL('/api/dashboards/', base),
    JSON.stringify({ name: 'bench: 8 widgets', widgets }), false);
  if (created.status !== 201 || !created.body) die(`create dashboard: HTTP ${created.status}: ${created.text.slice(0, 500)}`);
  const dataUrl = new URL(`/api/dashboards/${created.body.id}/data/`, base);
  const alone = {};
  for (const q of all) {
    await run(q, true);  // loads its columns
    const server = [];
    for (let i = 0; i < runs; i++) server.push((await run(q, true)).serverMs);
    alone[q.name] = round3(median(server));
  }
  async function data(noCache) {
    let a;
    try {
      a = await request('GET', dataUrl, null, noCache);
    } catch (e) {
      die(`dashboard data: ${e.message}`);
    }
    if (a.status !== 200 || !a.body || !a.body.widgets) die(`dashboard data: HTTP ${a.status}: ${a.text.slice(0, 500)}`);
    const got = Object.entries(a.body.widgets);
    if (got.length !== all.length) die(`dashboard data: ${got.length} widgets, expected ${all.length}`);
    for (const [id, w] of got) {
      if (w.error || !Array.isArray(w.rows)) die(`dashboard data: widget ${id}: ${JSON.stringify(w).slice(0, 300)}`);
    }
    return { wallMs: a.wallMs, slowestMs: Math.max(...got.map(([, w]) => w.elapsed_ms)) };
  }
  const cold = [];
  for (let i = 0; i < runs; i++) cold.push(await data(true));
  await data(false);  // fills the cache
  const cached = [];
  for (let i = 0; i < runs; i++) cached.push(await data(false));
  const values = Object.values(alone);
  const result = {
    widgets: all.length,
    alone_ms: alone,
    slowest_alone_ms: round3(Math.max(...values)),
    sum_alone_ms: round3(values.reduce((a, b) => a + b, 0)),
    cold_wall_ms: round3(median(cold.map((x) => x.wallMs))),
    cold_slowest_widget_ms: round3(median(cold.map((x) => x.slowestMs))),
    cached_wall_ms: round3(median(cached.map((x) => x.wallMs))),
  };
  process.stderr.write(`claribi dashboard of ${all.length} widgets: cold ${result.cold_wall_ms} ms wall ` +
    `(slowest widget alone ${result.slowest_alone_ms} ms, all alone ${result.sum_alone_ms} ms), ` +
    `cached ${result.cached_wall_ms} ms wall\n`);
  process.stdout.write(JSON.stringify(result) + '\n');
} else if (mode === 'scheduled') {
  const body = { name: 'bench: every minute', schedule: '* * * * *', query: { data_source_id: ds, ...queries[0].body } };
  const created = await request('POST', new URL('/api/reports/', base), JSON.stringify(body), false);
  if (created.status !== 201 || !created.body) die(`create report: HTTP ${created.status}: ${created.text.slice(0, 500)}`);
  const runsUrl = new URL(`/api/reports/${created.body.id}/runs/`, base);
  const deadline = Date.now() + 80_000;
  let result = null;
  while (result === null) {
    if (Date.now() > deadline) die('the every-minute report did not run within 80 s');
    const a = await request('GET', runsUrl, null, false);
    const seen = Date.now();
    if (a.status !== 200 || !a.body) die(`runs: HTTP ${a.status}: ${a.text.slice(0, 300)}`);
    if (a.body.count > 0) {
      const started = Date.parse(a.body.results[0].started_at);
      const boundary = Math.floor(started / 60_000) * 60_000;
      result = { listed_ms: seen - boundary, started_s: (started - boundary) / 1000 };
    } else {
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  process.stderr.write(`claribi scheduled run: listed ${result.listed_ms} ms after its minute\n`);
  process.stdout.write(JSON.stringify(result) + '\n');
} else {
  const [name, stopFile] = rest;
  let q;
  try {
    q = queryByName(name);
  } catch (e) {
    die(e.message);
  }
  const first = await run(q, true);
  const wall = [], server = [];
  while (!existsSync(stopFile)) {
    const r = await run(q, true);
    if (r.rowsText !== first.rowsText) die(`${q.name}: an answer in the loop differs from the first one`);
    wall.push(r.wallMs);
    server.push(r.serverMs);
  }
  process.stdout.write(JSON.stringify({
    query: q.name, runs: wall.length, server_ms: round3(median(wall.length ? server : [first.serverMs])),
    wall_ms: round3(median(wall.length ? wall : [first.wallMs])),
  }) + '\n');
}
agent.destroy();
