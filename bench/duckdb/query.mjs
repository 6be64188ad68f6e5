// DuckDB side of bench/query.sh: the six queries of bench/analytics/queries.mjs
// over the same orders CSV (bench/seed/gen_orders) with the same thread count.
//
//   node bench/duckdb/query.mjs FILE [THREADS]   (THREADS: else $BENCH_THREADS, else nproc)
//   BENCH_QUERY_RUNS (default 15) timed runs per query and table
//
// 1. In-memory database, `SET threads=N`; the CSV is loaded as ingest.mjs
//    does (CREATE TABLE orders AS SELECT * FROM read_csv(FILE, header=true),
//    types auto-detected); `SET TimeZone='UTC'` when ts came out as
//    TIMESTAMPTZ, so day buckets are UTC days as ours are.
// 2. (a) that in-memory table; (b) the same rows copied into a database file
//    (ATTACH, CREATE TABLE disk.orders AS SELECT * FROM orders, CHECKPOINT:
//    the compressed, checkpointed table). Unless DUCKDB_DISK=0.
// 3. Per table and query: one warm-up run, then BENCH_QUERY_RUNS timed runs
//    (conn.runAndReadAll: planning, execution and the rows into JS); median.
//    The better of (a) and (b) per query is the baseline (`best_ms`).
//    The result rows of (a) and (b) must agree (to 1e-9 for floats).
//
// Progress goes to stderr; stdout gets one JSON line:
//   {"engine":"duckdb","version":..,"threads":N,"rows":R,"runs":K,"schema":{..},
//    "queries":{"Q1":{"label","sql","memory_ms","disk_ms","best_ms","best",
//                     "columns":[{"name","kind"}],"rows":[[..]]}, ...}}
// with `kind` int | float | timestamp | string; ints as decimal strings (exact),
// floats as numbers, timestamps as ISO 8601 UTC strings ("...T00:00:00Z").
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, version as duckdbVersion } from '@duckdb/node-api';
import { queries, median, round3, positiveInt } from '../analytics/queries.mjs';
import { compareResult } from '../analytics/compare.mjs';

function die(message) {
  process.stderr.write(`duckdb/query.mjs: ${message}\n`);
  process.exit(1);
}

const [file, threadsArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/duckdb/query.mjs FILE [THREADS]\n');
  process.exit(2);
}
let threads, runs;
try {
  threads = positiveInt(threadsArg || process.env.BENCH_THREADS, 'THREADS', availableParallelism());
  runs = positiveInt(process.env.BENCH_QUERY_RUNS, 'BENCH_QUERY_RUNS', 15);
  statSync(file);
} catch (e) {
  die(e.message);
}

const sqlString = (s) => `'${s.replaceAll("'", "''")}'`;
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

async function scalar(conn, sql) {
  return (await conn.runAndReadAll(sql)).getRows()[0][0];
}

function isoFromMicros(micros) {
  const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);   // floor
  const rest = Number(micros - ms * 1000n);
  const base = new Date(Number(ms)).toISOString();                // ...SS.mmmZ
  const frac = base.slice(20, 23) + String(rest).padStart(3, '0');
  return base.slice(0, 19) + (frac === '000000' ? '' : '.' + frac.replace(/0+$/, '')) + 'Z';
}

function kindOf(typeName) {
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/.test(typeName)) return 'int';
  if (/^(FLOAT|DOUBLE|DECIMAL.*)$/.test(typeName)) return 'float';
  if (/^TIMESTAMP( WITH TIME ZONE)?$/.test(typeName)) return 'timestamp';
  if (typeName === 'VARCHAR') return 'string';
  die(`no comparison rule for the DuckDB type ${typeName}`);
}

function convert(kind, v) {
  if (v === null || v === undefined) return null;
  switch (kind) {
    case 'int': return BigInt(v).toString();
    case 'float': return Number(v);
    case 'timestamp': return isoFromMicros(v.micros);
    default: return String(v);
  }
}

// Runs once untimed, then `runs` times; returns {ms: median, result}.
async function measure(conn, sql) {
  const reader = await conn.runAndReadAll(sql);
  const columns = reader.columnNames().map((name, i) => ({ name, kind: kindOf(String(reader.columnTypes()[i])) }));
  const rows = reader.getRows().map((r) => r.map((v, i) => convert(columns[i].kind, v)));
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await conn.runAndReadAll(sql);
    times.push(ms(t0));
  }
  return { ms: median(times), result: { columns, rows } };
}

const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
await conn.run(`SET threads = ${threads}`);
const effectiveThreads = Number(await scalar(conn, "SELECT current_setting('threads')"));
if (effectiveThreads !== threads) die(`asked for ${threads} threads, DuckDB runs ${effectiveThreads}`);

let t0 = process.hrtime.bigint();
await conn.run(`CREATE TABLE orders AS SELECT * FROM read_csv(${sqlString(file)}, header = true)`);
const loadMs = ms(t0);
const rows = Number(await scalar(conn, 'SELECT count(*) FROM orders'));
const schema = Object.fromEntries(
  (await conn.runAndReadAll('DESCRIBE orders')).getRowObjectsJS().map((c) => [c.column_name, c.column_type]));
if (!['TIMESTAMP', 'TIMESTAMP WITH TIME ZONE'].includes(schema.ts)) die(`ts was read as ${schema.ts}, not a timestamp`);
if (schema.ts === 'TIMESTAMP WITH TIME ZONE') await conn.run("SET TimeZone = 'UTC'");
process.stderr.write(`DuckDB ${duckdbVersion()}: ${rows} rows of ${file} in memory in ${(loadMs / 1000).toFixed(2)} s; ` +
  `schema ${JSON.stringify(schema)}; ${threads} thread(s), ${runs} run(s) per query\n`);

const tables = [['memory', 'orders']];
let dir = null;
if (process.env.DUCKDB_DISK !== '0') {
  dir = mkdtempSync(join(process.env.DUCKDB_DISK_DIR || tmpdir(), 'claribi-duckdb-query-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));   // also after die()
  await conn.run(`ATTACH ${sqlString(join(dir, 'orders.duckdb'))} AS disk`);
  t0 = process.hrtime.bigint();
  await conn.run('CREATE TABLE disk.orders AS SELECT * FROM orders');
  await conn.run('CHECKPOINT disk');
  const diskRows = Number(await scalar(conn, 'SELECT count(*) FROM disk.orders'));
  if (diskRows !== rows) die(`the file database holds ${diskRows} rows, the in-memory one ${rows}`);
  process.stderr.write(`DuckDB: copied into a database file + CHECKPOINT in ${(ms(t0) / 1000).toFixed(2)} s\n`);
  tables.push(['disk', 'disk.orders']);
}

const out = {};
for (const q of queries) {
  const entry = { label: q.label, sql: q.sql('orders', schema.ts) };
  let first = null;
  for (const [store, table] of tables) {
    const { ms: m, result } = await measure(conn, q.sql(table, schema.ts));
    entry[`${store}_ms`] = round3(m);
    if (!first) {
      first = result;
    } else {
      const problems = compareResult(first, result, { sameKinds: true });
      if (problems.length) die(`${q.name}: the in-memory and the checkpointed table disagree:\n  ${problems.join('\n  ')}`);
    }
  }
  const names = first.columns.map((c) => c.name);
  if (JSON.stringify(names) !== JSON.stringify(q.columns)) die(`${q.name}: columns ${JSON.stringify(names)}, expected ${JSON.stringify(q.columns)}`);
  const best = entry.disk_ms !== undefined && entry.disk_ms < entry.memory_ms ? 'disk' : 'memory';
  Object.assign(entry, { best_ms: entry[`${best}_ms`], best, columns: first.columns, rows: first.rows });
  out[q.name] = entry;
  process.stderr.write(`DuckDB ${q.name} ${q.label}: in memory ${entry.memory_ms} ms` +
    (entry.disk_ms !== undefined ? `, checkpointed ${entry.disk_ms} ms` : '') + ` (${first.rows.length} rows)\n`);
}
if (dir) await conn.run('DETACH disk');
conn.closeSync();
instance.closeSync();

process.stdout.write(JSON.stringify({
  engine: 'duckdb', version: duckdbVersion(), threads, rows, runs, schema, queries: out,
}) + '\n');
