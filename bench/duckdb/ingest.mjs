// DuckDB side of bench/ingest.sh: how fast DuckDB reads the same orders CSV
// (bench/seed/gen_orders) with the same thread count, and what it occupies.
//
//   node bench/duckdb/ingest.mjs FILE [THREADS]     (THREADS: else $BENCH_THREADS, else nproc)
//
// 1. In-memory database, `SET threads=N`, timed:
//      CREATE TABLE orders AS SELECT * FROM read_csv(FILE, header=true)
//    (types auto-detected, as our server infers them; fails unless ts came
//    out as TIMESTAMP / TIMESTAMPTZ and revenue as DOUBLE).
// 2. Unless DUCKDB_DISK=0: the same into a database file in a temporary
//    directory, then CHECKPOINT (timed together: rows on disk, durable like
//    our 201), and the file's size after the checkpoint = bytes/row on disk.
//
// The inferred schema and a summary go to stderr; stdout gets one JSON line:
//   {"engine":"duckdb","rows":N,"seconds":S,"rows_per_s":R,"mb_per_s":M,...}
// MB = 10^6 bytes of CSV. Extra keys: threads, csv_bytes, schema,
// memory_bytes (duckdb_memory() after the load) and rss_delta_bytes (this
// process's RSS growth over the load), disk_seconds, disk_rows_per_s,
// disk_bytes, disk_bytes_per_row.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, version as duckdbVersion } from '@duckdb/node-api';

function die(message) {
  process.stderr.write(`duckdb/ingest.mjs: ${message}\n`);
  process.exit(1);
}

const [file, threadsArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/duckdb/ingest.mjs FILE [THREADS]\n');
  process.exit(2);
}
const threads = Number(threadsArg || process.env.BENCH_THREADS || availableParallelism());
if (!Number.isInteger(threads) || threads < 1) die(`THREADS must be a positive integer, not "${threadsArg}"`);
let csvBytes;
try {
  csvBytes = statSync(file).size;
} catch (e) {
  die(`${file}: ${e.message}`);
}

const sqlString = (s) => `'${s.replaceAll("'", "''")}'`;
const readCsv = `read_csv(${sqlString(file)}, header = true)`;
const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;

async function scalar(conn, sql) {
  const reader = await conn.runAndReadAll(sql);
  return reader.getRows()[0][0];
}

const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
await conn.run(`SET threads = ${threads}`);
const effectiveThreads = Number(await scalar(conn, "SELECT current_setting('threads')"));
if (effectiveThreads !== threads) die(`asked for ${threads} threads, DuckDB runs ${effectiveThreads}`);

// 1. In memory.
const rssBefore = process.memoryUsage().rss;
let t0 = process.hrtime.bigint();
await conn.run(`CREATE TABLE orders AS SELECT * FROM ${readCsv}`);
const memSeconds = seconds(t0);
const rssDelta = process.memoryUsage().rss - rssBefore;
const rows = Number(await scalar(conn, 'SELECT count(*) FROM orders'));
const memoryBytes = Number(await scalar(conn, 'SELECT sum(memory_usage_bytes) FROM duckdb_memory()'));

const schema = Object.fromEntries(
  (await conn.runAndReadAll('DESCRIBE orders')).getRowObjectsJS().map((c) => [c.column_name, c.column_type]));
process.stderr.write(`DuckDB ${duckdbVersion()} inferred schema of ${file}:\n`);
for (const [name, type] of Object.entries(schema)) process.stderr.write(`  ${name.padEnd(12)} ${type}\n`);
if (!['TIMESTAMP', 'TIMESTAMP WITH TIME ZONE'].includes(schema.ts)) die(`ts was read as ${schema.ts}, not a timestamp`);
if (schema.revenue !== 'DOUBLE') die(`revenue was read as ${schema.revenue}, not DOUBLE`);
if (rows === 0) die(`${file}: no rows read`);

// 2. On disk, durable after CHECKPOINT.
let disk = {};
if (process.env.DUCKDB_DISK !== '0') {
  const dir = mkdtempSync(join(process.env.DUCKDB_DISK_DIR || tmpdir(), 'claribi-duckdb-'));
  try {
    const dbFile = join(dir, 'orders.duckdb');
    await conn.run(`ATTACH ${sqlString(dbFile)} AS disk`);
    t0 = process.hrtime.bigint();
    await conn.run(`CREATE TABLE disk.orders AS SELECT * FROM ${readCsv}`);
    await conn.run('CHECKPOINT disk');
    const diskSeconds = seconds(t0);
    const diskRows = Number(await scalar(conn, 'SELECT count(*) FROM disk.orders'));
    if (diskRows !== rows) die(`the file database holds ${diskRows} rows, the in-memory one ${rows}`);
    await conn.run('DETACH disk');
    const diskBytes = statSync(dbFile).size;
    disk = {
      disk_seconds: +diskSeconds.toFixed(3),
      disk_rows_per_s: Math.round(rows / diskSeconds),
      disk_bytes: diskBytes,
      disk_bytes_per_row: +(diskBytes / rows).toFixed(2),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
conn.closeSync();
instance.closeSync();

const result = {
  engine: 'duckdb',
  version: duckdbVersion(),
  threads,
  rows,
  csv_bytes: csvBytes,
  seconds: +memSeconds.toFixed(3),
  rows_per_s: Math.round(rows / memSeconds),
  mb_per_s: +(csvBytes / 1e6 / memSeconds).toFixed(1),
  memory_bytes: memoryBytes,
  memory_bytes_per_row: +(memoryBytes / rows).toFixed(2),
  rss_delta_bytes: rssDelta,
  schema,
  ...disk,
};
process.stderr.write(
  `DuckDB: ${rows} rows in ${result.seconds} s in memory (${result.rows_per_s} rows/s, ${result.mb_per_s} MB/s)` +
    (disk.disk_seconds ? `; to a file + CHECKPOINT ${disk.disk_seconds} s, ${disk.disk_bytes_per_row} bytes/row` : '') +
    '\n');
process.stdout.write(JSON.stringify(result) + '\n');
