// The six queries of bench/query.sh, each as the body of our
// POST /api/analytics/query/ (without data_source_id, which the client adds)
// and as the equivalent DuckDB SQL over the table `orders` loaded from the
// same CSV (bench/seed/gen_orders). `columns` are the output names our
// contract gives (time bucket, dimensions, metrics; a metric is named `as`,
// or `op` for a bare count, or `op_field`); the SQL aliases its columns the
// same way so both sides can be compared cell by cell, in order.
//
// `sql(t)` takes the table name (`orders`, `disk.orders`) and the SQL type of
// ts as DuckDB inferred it (TIMESTAMP or TIMESTAMP WITH TIME ZONE).
const FROM = '2025-03-01T00:00:00Z';
const TO = '2025-04-01T00:00:00Z';

// A literal of ts's type for an ISO instant ending in Z.
function instant(iso, tsType) {
  const body = iso.replace('T', ' ').replace(/Z$/, '');
  return tsType === 'TIMESTAMP' ? `TIMESTAMP '${body}'` : `TIMESTAMPTZ '${body}+00'`;
}

export const queries = [
  {
    name: 'Q1',
    label: 'count',
    body: { metrics: [{ op: 'count' }] },
    columns: ['count'],
    sql: (t) => `SELECT count(*) AS "count" FROM ${t}`,
  },
  {
    name: 'Q2',
    label: 'sum(revenue) by region',
    body: { metrics: [{ op: 'sum', field: 'revenue' }], dimensions: ['region'] },
    columns: ['region', 'sum_revenue'],
    sql: (t) => `SELECT region, sum(revenue) AS sum_revenue FROM ${t} GROUP BY region ORDER BY region`,
  },
  {
    name: 'Q3',
    label: 'day buckets of sum(revenue), March, country in (DE, FR)',
    body: {
      metrics: [{ op: 'sum', field: 'revenue' }],
      time: { field: 'ts', granularity: 'day', from: FROM, to: TO },
      filters: [{ field: 'country', op: 'in', value: ['DE', 'FR'] }],
    },
    columns: ['ts', 'sum_revenue'],
    sql: (t, tsType) =>
      `SELECT date_trunc('day', ts) AS ts, sum(revenue) AS sum_revenue FROM ${t} ` +
      `WHERE country IN ('DE', 'FR') AND ts >= ${instant(FROM, tsType)} AND ts < ${instant(TO, tsType)} ` +
      `GROUP BY 1 ORDER BY 1`,
  },
  {
    name: 'Q4',
    label: 'count_distinct(customer_id) by region',
    body: { metrics: [{ op: 'count_distinct', field: 'customer_id' }], dimensions: ['region'] },
    columns: ['region', 'count_distinct_customer_id'],
    sql: (t) =>
      `SELECT region, count(DISTINCT customer_id) AS count_distinct_customer_id FROM ${t} ` +
      `GROUP BY region ORDER BY region`,
  },
  {
    name: 'Q5',
    label: 'top 100 product by sum(revenue) desc',
    body: {
      metrics: [{ op: 'sum', field: 'revenue' }],
      dimensions: ['product'],
      order_by: [{ field: 'sum_revenue', dir: 'desc' }],
      limit: 100,
    },
    columns: ['product', 'sum_revenue'],
    sql: (t) =>
      `SELECT product, sum(revenue) AS sum_revenue FROM ${t} GROUP BY product ` +
      `ORDER BY sum_revenue DESC, product LIMIT 100`,
  },
  {
    name: 'Q6',
    label: 'avg/min/max(quantity) by region, country where revenue > 100',
    body: {
      metrics: [
        { op: 'avg', field: 'quantity' },
        { op: 'min', field: 'quantity' },
        { op: 'max', field: 'quantity' },
      ],
      dimensions: ['region', 'country'],
      filters: [{ field: 'revenue', op: 'gt', value: 100 }],
    },
    columns: ['region', 'country', 'avg_quantity', 'min_quantity', 'max_quantity'],
    sql: (t) =>
      `SELECT region, country, avg(quantity) AS avg_quantity, min(quantity) AS min_quantity, ` +
      `max(quantity) AS max_quantity FROM ${t} WHERE revenue > 100 ` +
      `GROUP BY region, country ORDER BY region, country`,
  },
];

// Two more widgets for the 8-widget dashboard of bench/query.sh (they are
// not compared with DuckDB; the dashboard's other six are the queries above).
export const dashboardExtras = [
  {
    name: 'Q7',
    label: 'count by country',
    body: { metrics: [{ op: 'count' }], dimensions: ['country'] },
  },
  {
    name: 'Q8',
    label: 'week buckets of sum(revenue)',
    body: { metrics: [{ op: 'sum', field: 'revenue' }], time: { field: 'ts', granularity: 'week' } },
  },
];

export function queryByName(name) {
  const q = queries.find((x) => x.name === name);
  if (!q) throw new Error(`no query ${name} (have ${queries.map((x) => x.name).join(', ')})`);
  return q;
}

// Median of a list of numbers (mean of the two middle ones for an even count).
export function median(xs) {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export const round3 = (x) => (x === null ? null : Math.round(x * 1000) / 1000);

export function positiveInt(text, what, fallback) {
  const n = Number(text ?? fallback);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a positive integer, not "${text}"`);
  return n;
}
