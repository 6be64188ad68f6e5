// Result check of bench/query.sh: our rows must be DuckDB's.
//
//   node bench/analytics/compare.mjs OURS.json DUCKDB.json
//
// Both files are the JSON lines of bench/analytics/client.mjs and
// bench/duckdb/query.mjs: {"queries": {"Q1": {"columns": [...], "rows": [...]}, ...}}.
// DuckDB's side says what each column is (`kind`: int, float, timestamp,
// string); its integers come as decimal strings (exact), ours as JSON
// numbers. Per query: the same column names in the same order, the same
// number of rows, and cell by cell in order — integers exactly (and our
// column typed integer), floats to 1e-9 relative (our column typed float),
// timestamps as the same instant (microseconds), strings byte for byte,
// nulls as nulls. Prints one line per query (ok / MISMATCH), and for a
// mismatch the first differing rows side by side; exit 1 on any mismatch.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FLOAT_REL_TOL = 1e-9;

// Microseconds since the epoch (BigInt) of an ISO 8601 instant with Z or an
// offset and up to 9 fraction digits; null if it is not one.
export function instantMicros(text) {
  if (typeof text !== 'string') return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}(?::?\d{2})?)$/.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac = '', zone] = m;
  let micros = BigInt(Date.UTC(+y, +mo - 1, +d, +h, +mi, +s)) * 1000n;
  micros += BigInt((frac + '000000').slice(0, 6));
  if (zone !== 'Z') {
    const sign = zone[0] === '-' ? -1n : 1n;
    const digits = zone.slice(1).replace(':', '');
    const offMin = BigInt(+digits.slice(0, 2) * 60 + +(digits.slice(2, 4) || 0));
    micros -= sign * offMin * 60_000_000n;
  }
  return micros;
}

const TYPE_OF_KIND = { int: 'integer', float: 'float', timestamp: 'timestamp', string: 'string' };

// null when the two cells agree, else a reason. `theirs` is DuckDB's cell of
// `kind`; `ours` a cell of our column (a decimal string for an int when both
// sides are DuckDB's).
function cellDiff(kind, ours, theirs) {
  if (theirs === null || ours === null) return theirs === ours ? null : 'null on one side';
  switch (kind) {
    case 'int':
      if (typeof ours === 'string' && /^-?\d+$/.test(ours)) return BigInt(ours) === BigInt(theirs) ? null : 'integers differ';
      if (typeof ours !== 'number' || !Number.isInteger(ours)) return 'ours is not an integer';
      if (!Number.isSafeInteger(ours)) return 'ours is beyond 2^53: not exactly comparable after JSON.parse';
      return BigInt(ours) === BigInt(theirs) ? null : 'integers differ';
    case 'float': {
      if (typeof ours !== 'number') return 'ours is not a number';
      if (ours === theirs) return null;
      const rel = Math.abs(ours - theirs) / Math.max(Math.abs(ours), Math.abs(theirs));
      return rel <= FLOAT_REL_TOL ? null : `floats differ by ${rel.toExponential(2)} relative`;
    }
    case 'timestamp': {
      const a = instantMicros(ours), b = instantMicros(theirs);
      if (a === null) return 'ours is not an ISO 8601 instant';
      return a === b ? null : 'different instants';
    }
    case 'string':
      return ours === theirs ? null : 'strings differ';
    default:
      return `DuckDB column of unknown kind ${kind}`;
  }
}

// A row as text, DuckDB's exact integers without quotes.
function show(row, kinds) {
  if (row === undefined) return '(none)';
  return '[' + row.map((v, j) => (kinds[j] === 'int' && typeof v === 'string' ? v : JSON.stringify(v))).join(',') + ']';
}

// Compares one query's results; returns a list of problems (empty: equal).
// `ours`: {columns: [{name, type}], rows}; `theirs`: {columns: [{name, kind}], rows}.
// With `sameKinds` both sides are DuckDB results (memory vs checkpointed).
export function compareResult(ours, theirs, { sameKinds = false } = {}) {
  const problems = [];
  const ourNames = ours.columns.map((c) => c.name);
  const theirNames = theirs.columns.map((c) => c.name);
  if (JSON.stringify(ourNames) !== JSON.stringify(theirNames)) {
    return [`columns ${JSON.stringify(ourNames)} vs DuckDB ${JSON.stringify(theirNames)}`];
  }
  const kinds = theirs.columns.map((c) => c.kind);
  ours.columns.forEach((c, j) => {
    const ourType = sameKinds ? TYPE_OF_KIND[c.kind] : c.type;
    if (ourType !== TYPE_OF_KIND[kinds[j]]) {
      problems.push(`column ${c.name}: ours is typed ${ourType}, DuckDB's is ${kinds[j]} (${TYPE_OF_KIND[kinds[j]]})`);
    }
  });
  const rowDiff = (i) => {
    const a = ours.rows[i], b = theirs.rows[i];
    if (a === undefined || b === undefined) return 'missing on one side';
    if (a.length !== b.length) return `${a.length} cells vs DuckDB ${b.length}`;
    for (let j = 0; j < b.length; j++) {
      const why = cellDiff(kinds[j], a[j], b[j]);
      if (why) return `column ${theirNames[j]}: ${why}`;
    }
    return null;
  };
  const pair = (i) => `\n      ours:   ${show(ours.rows[i], [])}\n      DuckDB: ${show(theirs.rows[i], kinds)}`;
  const n = Math.max(ours.rows.length, theirs.rows.length);
  if (ours.rows.length !== theirs.rows.length) {
    problems.push(`${ours.rows.length} rows vs DuckDB ${theirs.rows.length}`);
    // Side by side, the first rows from where the two lists part ways.
    let k = 0;
    while (k < n && rowDiff(k) === null) k++;
    for (let i = k; i < n && i < k + 3; i++) problems.push(`row ${i}${pair(i)}`);
    return problems;
  }
  let shown = 0, differing = 0;
  for (let i = 0; i < n; i++) {
    const why = rowDiff(i);
    if (!why) continue;
    differing++;
    if (shown++ < 5) problems.push(`row ${i}, ${why}${pair(i)}`);
  }
  if (differing > shown) problems.push(`... ${differing - shown} more differing row(s), ${differing} of ${n} in all`);
  return problems;
}

function main() {
  const [oursFile, duckFile] = process.argv.slice(2);
  if (!oursFile || !duckFile) {
    process.stderr.write('usage: node bench/analytics/compare.mjs OURS.json DUCKDB.json\n');
    process.exit(2);
  }
  const ours = JSON.parse(readFileSync(oursFile, 'utf8')).queries;
  const duck = JSON.parse(readFileSync(duckFile, 'utf8')).queries;
  let bad = 0;
  for (const name of Object.keys(duck)) {
    if (!ours[name]) {
      console.log(`${name}: MISMATCH — no result of ours`);
      bad++;
      continue;
    }
    const problems = compareResult(ours[name], duck[name]);
    if (problems.length === 0) {
      console.log(`${name}: ok, ${duck[name].rows.length} row(s) equal to DuckDB's`);
    } else {
      bad++;
      console.log(`${name}: MISMATCH with DuckDB (${duck[name].sql})`);
      for (const p of problems) console.log(`    ${p}`);
    }
  }
  if (bad) {
    process.stderr.write(`query: ${bad} quer${bad === 1 ? 'y does' : 'ies do'} not return what DuckDB returns\n`);
    process.exit(1);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
