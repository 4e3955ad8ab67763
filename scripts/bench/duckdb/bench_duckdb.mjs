// scripts/bench/duckdb/bench_duckdb.mjs: the DuckDB side of
// scripts/bench/duckdb.sh. The usage, billing and web facts of
// jobs/catalogs/telecom.yaml written as one SQL query, run by DuckDB at a
// fixed thread count over the month exported to Parquet.
//
//   node bench_duckdb.mjs prepare RAW_DIR PARQUET_DIR
//     (untimed) rewrites export_parquet.py's files as one DuckDB Parquet file
//     per table, missing-value sentinels turned into NULL.
//   node bench_duckdb.mjs run PARQUET_DIR OUT_DIR PERIOD HISTORY_MONTHS THREADS MEMORY_LIMIT
//     times the query over the Parquet files on disk, then loading the tables
//     into memory, then the query over the in-memory tables; writes each
//     result to OUT_DIR/<mode>.parquet (untimed) and the times to
//     OUT_DIR/duckdb.json.
//   node bench_duckdb.mjs compare PORTRAIT_TAGS.parquet FACT_IDS RESULT.parquet...
//     the cross-check: every fact of every customer equal on both sides
//     (exits 1 and names the differences otherwise).
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const UTC_OFFSET_HOURS = 8;  // utc_offset_hours of jobs/catalogs/telecom.yaml
const DAY = 86400;
const CHANNELS = ['customers', 'billing', 'usage', 'web'];
const REFERENCE = ['cells', 'stores', 'domains'];
// The share facts of the web channel: domains.category1 == code.
const WEB_SHARES = [['news_share', 1], ['shopping_share', 2], ['games_share', 3], ['video_share', 4], ['social_share', 5]];

function log(message) {
  console.log(`duckdb: ${message}`);
}

function seconds(start) {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

// The Unix seconds of the first second of a month (UTC) and its YYYYMM.
function monthStart(year, month) {
  return Date.UTC(year, month - 1, 1) / 1000;
}
function yyyymm(year, month) {
  const d = new Date(Date.UTC(year, month - 1, 1));
  return d.getUTCFullYear() * 100 + d.getUTCMonth() + 1;
}

// Every bound the query needs, as portrait derives it: windows from
// catalog::window_range, the kept history from JobSpec::history_start and
// engine/record_checks (billing months in [period - history, period]).
function bounds(period, historyMonths) {
  const [year, month] = period.split('-').map(Number);
  const end = monthStart(year, month + 1);
  return {
    historyStart: monthStart(year, month - historyMonths),
    periodStart: monthStart(year, month),
    periodEnd: end,
    last15Days: end - 15 * DAY,   // {last_days: 15}
    last30Days: end - 30 * DAY,   // far bound of {days_before_end: [15, 30]}
    last3Days: end - 3 * DAY,     // {last_days: 3}
    historyMonth: yyyymm(year, month - historyMonths),
    month: yyyymm(year, month),
    month3: yyyymm(year, month - 2),  // {last_months: 3} on billing
  };
}

// Record checks of src/engine/record_checks.cpp and src/engine/group.cpp:
// a valid customer id (> 0), a time inside the history window, no negative
// money, duration or volume, no exact duplicate (DISTINCT: every column
// equal, NULL equal to NULL, as group.cpp's same_record). Records of
// customers absent from the customers table are dropped by the final join
// to the customers, as portrait quarantines them.
function cleanTables(b) {
  return `
  customers_clean AS (
    SELECT DISTINCT customer_id FROM customers WHERE customer_id > 0),
  billing_clean AS (
    SELECT DISTINCT * FROM billing
    WHERE customer_id > 0 AND month BETWEEN ${b.historyMonth} AND ${b.month}
      AND coalesce(amount >= 0, true) AND coalesce(voice_min_used >= 0, true)
      AND coalesce(data_mb_used >= 0, true)),
  usage_clean AS (
    SELECT DISTINCT * FROM usage
    WHERE customer_id > 0 AND ts >= ${b.historyStart} AND ts < ${b.periodEnd}
      AND coalesce(duration_s >= 0, true) AND coalesce(bytes >= 0, true) AND coalesce(charge >= 0, true)),
  web_clean AS (
    SELECT DISTINCT * FROM web
    WHERE customer_id > 0 AND ts >= ${b.historyStart} AND ts < ${b.periodEnd}
      AND coalesce(bytes >= 0, true))`;
}

// The fact layer. Every window ends at the period's end and the clean
// records end there too, so a window is its start bound alone. hour() and
// weekday() are read at UTC+8 (ts > 0 here, so % is a floor modulo).
// most_frequent breaks ties to the smallest value: arg_max over
// count * 2^32 - value (values are int32, counts far below 2^31).
function factQuery(b) {
  const off = UTC_OFFSET_HOURS * 3600;
  const night21 = 'hour >= 21 OR hour < 7';
  const m1 = `ts >= ${b.periodStart}`;  // {last_months: 1} and the period
  return `
WITH ${cleanTables(b)},
  -- a cell's store: the nearest by great-circle distance, ties to the
  -- smaller store id (src/engine/reference_lookups.cpp, same formula)
  cell_store AS (
    SELECT cell_id, store_id FROM (
      SELECT c.cell_id, s.store_id,
        2 * asin(least(1.0, sqrt(
          sin((s.lat - c.lat) * k / 2) * sin((s.lat - c.lat) * k / 2)
          + cos(c.lat * k) * cos(s.lat * k) * sin((s.lon - c.lon) * k / 2) * sin((s.lon - c.lon) * k / 2)
        ))) AS angle
      FROM cells c, stores s, (SELECT pi() / 180::DOUBLE AS k))
    QUALIFY row_number() OVER (PARTITION BY cell_id ORDER BY angle, store_id) = 1),
  usage_t AS (
    SELECT *, ((ts + ${off}) % ${DAY}) // 3600 AS hour,
      ((ts + ${off}) // ${DAY} + 3) % 7 + 1 AS weekday
    FROM usage_clean),
  usage_facts AS (
    SELECT customer_id,
      sum(charge) FILTER (WHERE ${m1}) AS usage_charge,
      max(ts) FILTER (WHERE ${m1}) AS last_activity,
      count(*) FILTER (WHERE ${m1} AND kind = 0) AS calls,
      sum(duration_s) FILTER (WHERE ${m1} AND kind = 0) AS call_seconds,
      count(*) FILTER (WHERE ${m1} AND kind = 0 AND (hour >= 22 OR hour < 6)) AS night_calls,
      max(duration_s) FILTER (WHERE ${m1} AND kind = 0) AS longest_call,
      count(*) FILTER (WHERE ${m1} AND kind = 1) AS sms,
      count(*) FILTER (WHERE ${m1} AND kind = 2) AS data_sessions,
      sum(bytes) FILTER (WHERE ${m1} AND kind = 2) AS data_bytes,
      count(*) FILTER (WHERE ${m1} AND roaming = 1) AS roaming_records,
      (count(*) FILTER (WHERE ${m1} AND roaming = 1))::DOUBLE
        / (nullif(count(*) FILTER (WHERE ${m1}), 0))::DOUBLE AS roaming_share,
      count(*) FILTER (WHERE ${m1} AND (${night21})) AS night_records,
      count(DISTINCT peer) FILTER (WHERE ts >= ${b.last15Days}) AS contacts_recent,
      count(DISTINCT peer) FILTER (WHERE ts >= ${b.last30Days} AND ts < ${b.last15Days}) AS contacts_before,
      count(*) FILTER (WHERE ts >= ${b.last3Days} AND roaming = 1) AS roaming_now
    FROM usage_t GROUP BY customer_id),
  -- records per customer and cell, for the cell and store facts
  usage_cells AS (
    SELECT customer_id, cell_id,
      count(*) FILTER (WHERE ${m1} AND (${night21})) AS night,
      count(*) FILTER (WHERE ${m1} AND weekday <= 5 AND hour >= 9 AND hour < 18) AS work,
      count(*) FILTER (WHERE ts >= ${b.last15Days}) AS recent,
      count(*) FILTER (WHERE ts >= ${b.last30Days} AND ts < ${b.last15Days}) AS before
    FROM usage_t WHERE cell_id IS NOT NULL GROUP BY customer_id, cell_id),
  cell_facts AS (
    SELECT customer_id,
      arg_max(cell_id, night * 4294967296 - cell_id) FILTER (WHERE night > 0) AS home_cell,
      arg_max(cell_id, work * 4294967296 - cell_id) FILTER (WHERE work > 0) AS work_cell,
      count(*) FILTER (WHERE recent > 0) AS cells_recent,
      count(*) FILTER (WHERE before > 0) AS cells_before
    FROM usage_cells GROUP BY customer_id),
  store_facts AS (
    SELECT customer_id, arg_max(store_id, night * 4294967296 - store_id) AS home_store FROM (
      SELECT u.customer_id, s.store_id, sum(u.night) AS night
      FROM usage_cells u JOIN cell_store s USING (cell_id)
      WHERE u.night > 0 AND s.store_id IS NOT NULL GROUP BY u.customer_id, s.store_id)
    GROUP BY customer_id),
  -- web records of the month per customer and content category (NULL: an
  -- unknown domain, counted in visits, never a category)
  web_categories AS (
    SELECT w.customer_id, d.category1, count(*) AS visits, sum(w.bytes) AS bytes
    FROM web_clean w LEFT JOIN domains d USING (domain_id)
    WHERE w.${m1} GROUP BY w.customer_id, d.category1),
  web_facts AS (
    SELECT customer_id,
      arg_max(category1, visits * 4294967296 - category1) FILTER (WHERE category1 IS NOT NULL) AS top_interest,
      sum(visits) AS web_visits,
      sum(bytes) AS web_bytes,
      count(category1) AS interests,
      ${WEB_SHARES.map(([id, code]) => `(coalesce(sum(visits) FILTER (WHERE category1 = ${code}), 0))::DOUBLE
        / (sum(visits))::DOUBLE AS ${id}`).join(',\n      ')}
    FROM web_categories GROUP BY customer_id),
  billing_facts AS (
    SELECT customer_id,
      (sum(amount) FILTER (WHERE month >= ${b.month3}))::DOUBLE
        / (nullif(count(amount) FILTER (WHERE month >= ${b.month3}), 0))::DOUBLE AS arpu,
      sum(amount) FILTER (WHERE month >= ${b.month}) AS bill_this_month,
      -- portrait's last breaks a tie of months by record key, which the Parquet files do not
      -- carry; the generated month has one bill per customer and month, so there is no tie.
      arg_max(balance, month) FILTER (WHERE month >= ${b.month} AND balance IS NOT NULL) AS balance,
      count(*) FILTER (WHERE month >= ${b.month3} AND paid_on_time = 0) AS late_payments,
      sum(voice_min_used) FILTER (WHERE month >= ${b.month}) AS voice_minutes_billed,
      sum(data_mb_used) FILTER (WHERE month >= ${b.month}) AS data_mb_billed
    FROM billing_clean GROUP BY customer_id)
SELECT c.customer_id,
  -- in the order of jobs/catalogs/telecom.yaml; a customer without records
  -- has 0 for counts, sums and distinct counts, and missing (NULL) otherwise
  b.arpu,
  coalesce(b.bill_this_month, 0)::BIGINT AS bill_this_month,
  coalesce(u.usage_charge, 0)::BIGINT AS usage_charge,
  u.last_activity,
  b.balance,
  coalesce(b.late_payments, 0) AS late_payments,
  coalesce(b.voice_minutes_billed, 0)::BIGINT AS voice_minutes_billed,
  coalesce(u.calls, 0) AS calls,
  coalesce(u.call_seconds, 0)::BIGINT AS call_seconds,
  coalesce(u.night_calls, 0) AS night_calls,
  u.longest_call::BIGINT AS longest_call,
  coalesce(u.sms, 0) AS sms,
  coalesce(b.data_mb_billed, 0)::BIGINT AS data_mb_billed,
  coalesce(u.data_sessions, 0) AS data_sessions,
  coalesce(u.data_bytes, 0)::BIGINT AS data_bytes,
  coalesce(u.roaming_records, 0) AS roaming_records,
  u.roaming_share,
  cf.home_cell::BIGINT AS home_cell,
  coalesce(u.night_records, 0) AS night_records,
  cf.work_cell::BIGINT AS work_cell,
  sf.home_store::BIGINT AS home_store,
  coalesce(cf.cells_recent, 0) AS cells_recent,
  coalesce(cf.cells_before, 0) AS cells_before,
  w.top_interest::BIGINT AS top_interest,
  coalesce(w.web_visits, 0)::BIGINT AS web_visits,
  coalesce(w.web_bytes, 0)::BIGINT AS web_bytes,
  coalesce(w.interests, 0) AS interests,
  w.news_share, w.shopping_share, w.games_share, w.video_share, w.social_share,
  coalesce(u.roaming_now, 0) AS roaming_now,
  coalesce(u.contacts_recent, 0) AS contacts_recent,
  coalesce(u.contacts_before, 0) AS contacts_before
FROM customers_clean c
  LEFT JOIN billing_facts b USING (customer_id)
  LEFT JOIN usage_facts u USING (customer_id)
  LEFT JOIN cell_facts cf USING (customer_id)
  LEFT JOIN store_facts sf USING (customer_id)
  LEFT JOIN web_facts w USING (customer_id)`;
}

// Records each channel keeps after the checks, for the accounting
// cross-check against portrait's manifest (untimed).
function usedQuery(b) {
  return `WITH ${cleanTables(b)}
SELECT ${['billing', 'usage', 'web']
      .map((ch) => `(SELECT count(*) FROM ${ch}_clean WHERE customer_id IN (SELECT customer_id FROM customers_clean)) AS ${ch}`)
      .join(', ')}, (SELECT count(*) FROM customers_clean) AS customers`;
}

async function prepare(rawDir, parquetDir) {
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const con = await db.connect();
  mkdirSync(parquetDir, { recursive: true });
  const sentinel = {
    TINYINT: '-128', INTEGER: '-2147483648', BIGINT: '-9223372036854775808', UBIGINT: '0', DOUBLE: "'NaN'::DOUBLE",
  };
  for (const table of [...CHANNELS, ...REFERENCE]) {
    const source = CHANNELS.includes(table) ? join(rawDir, table, '*.parquet') : join(rawDir, `${table}.parquet`);
    const columns = (await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${source}')`)).getRows();
    const select = columns.map(([name, type]) => {
      if (!(type in sentinel)) throw new Error(`${table}.${name}: unexpected type ${type}`);
      return `nullif("${name}", (${sentinel[type]})::${type}) AS "${name}"`;
    });
    const start = process.hrtime.bigint();
    await con.run(`COPY (SELECT ${select.join(', ')} FROM read_parquet('${source}'))
                   TO '${join(parquetDir, `${table}.parquet`)}' (FORMAT parquet)`);
    log(`prepared ${table}.parquet in ${seconds(start).toFixed(1)} s`);
  }
}

async function run(parquetDir, outDir, period, historyMonths, threads, memoryLimit) {
  const b = bounds(period, Number(historyMonths));
  mkdirSync(outDir, { recursive: true });
  const db = await DuckDBInstance.create(':memory:', {
    threads: String(threads), memory_limit: memoryLimit, preserve_insertion_order: 'false',
    temp_directory: join(outDir, 'spill'),  // where DuckDB spills beyond the memory limit
  });
  const con = await db.connect();
  const settings = (await con.runAndReadAll(
      "SELECT version(), current_setting('threads'), current_setting('memory_limit')")).getRows()[0];
  log(`DuckDB ${settings[0]}, threads ${settings[1]}, memory limit ${settings[2]}`);
  const tables = [...CHANNELS, ...REFERENCE];
  const file = (t) => join(parquetDir, `${t}.parquet`);
  const timings = { duckdb_version: settings[0], threads: Number(settings[1]), memory_limit: settings[2] };

  const query = async (mode) => {
    const start = process.hrtime.bigint();
    await con.run(`CREATE OR REPLACE TEMP TABLE facts_${mode} AS ${factQuery(b)}`);
    const elapsed = seconds(start);
    await con.run(`COPY facts_${mode} TO '${join(outDir, `${mode}.parquet`)}' (FORMAT parquet)`);
    const rows = (await con.runAndReadAll(`SELECT count(*) FROM facts_${mode}`)).getRows()[0][0];
    await con.run(`DROP TABLE facts_${mode}`);
    log(`query over ${mode}: ${elapsed.toFixed(2)} s, ${rows} customers`);
    return elapsed;
  };

  // 1. The query straight over the Parquet files (views: nothing is loaded).
  for (const t of tables) await con.run(`CREATE VIEW ${t} AS SELECT * FROM read_parquet('${file(t)}')`);
  timings.query_parquet_seconds = await query('parquet');
  const used = (await con.runAndReadAll(usedQuery(b))).getRowObjectsJS()[0];
  timings.records_used = Object.fromEntries(Object.entries(used).map(([k, v]) => [k, Number(v)]));
  const read = {};
  for (const t of CHANNELS) {
    read[t] = Number((await con.runAndReadAll(`SELECT count(*) FROM ${t}`)).getRows()[0][0]);
  }
  timings.records_read = read;

  // 2. Loading the tables into memory, then the same query over them.
  for (const t of tables) await con.run(`DROP VIEW ${t}`);
  let start = process.hrtime.bigint();
  for (const t of tables) await con.run(`CREATE TABLE ${t} AS SELECT * FROM read_parquet('${file(t)}')`);
  timings.load_seconds = seconds(start);
  log(`loaded the tables into memory: ${timings.load_seconds.toFixed(2)} s`);
  timings.query_memory_seconds = await query('memory');
  timings.peak_rss_bytes = process.resourceUsage().maxRSS * 1024;  // the whole process, DuckDB's heap included
  writeFileSync(join(outDir, 'duckdb.json'), JSON.stringify(timings, null, 2) + '\n');
}

// portrait's tags (export_parquet.py --tags: missing values as the
// sentinels INT64_MIN and NaN) against each DuckDB result (missing as NULL).
// Integers must be equal; floats equal as doubles (== on non-NaN values:
// the same bits but for the sign of zero), since both sides divide the same
// exact integers once (avg = int sum / count, share = matching / kept).
async function compare(portraitTags, factIdsFile, results) {
  const facts = readFileSync(factIdsFile, 'utf8').split('\n').filter((line) => line.trim() !== '');
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const con = await db.connect();
  const portraitTypes = Object.fromEntries(
      (await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${portraitTags}')`)).getRows());
  let failed = false;
  for (const result of results) {
    const columns = (await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${result}')`))
                        .getRows().map(([name]) => name).filter((name) => name !== 'customer_id');
    const missing = facts.filter((f) => !columns.includes(f) || !(f in portraitTypes));
    const extra = columns.filter((c) => !facts.includes(c));
    if (missing.length || extra.length) {
      console.error(`cross-check: ${result}: facts missing: [${missing}], columns that are no fact: [${extra}]`);
      failed = true;
      continue;
    }
    const portraitValue = (f) => portraitTypes[f] === 'DOUBLE' ? `CASE WHEN isnan(p.${f}) THEN NULL ELSE p.${f} END`
                                                                : `nullif(p.${f}, (-9223372036854775808)::BIGINT)`;
    const differs = (f) => `NOT ((${portraitValue(f)}) IS NOT DISTINCT FROM d.${f})`;
    const counts = (await con.runAndReadAll(`
      SELECT count(*) AS customers,
        count(*) FILTER (WHERE p.customer_id IS NULL OR d.customer_id IS NULL) AS unmatched_customers,
        ${facts.map((f) => `count(*) FILTER (WHERE p.customer_id = d.customer_id AND ${differs(f)}) AS ${f}`)
            .join(',\n        ')}
      FROM read_parquet('${portraitTags}') p FULL OUTER JOIN read_parquet('${result}') d USING (customer_id)`))
                       .getRowObjectsJS()[0];
    const bad = Object.entries(counts).filter(([k, v]) => k !== 'customers' && Number(v) > 0);
    if (bad.length === 0) {
      console.log(`cross-check: ${result}: ${facts.length} facts of ${counts.customers} customers equal to portrait's`);
      continue;
    }
    failed = true;
    console.error(`cross-check: ${result}: differences in ${bad.map(([k, v]) => `${k} (${v})`).join(', ')}`);
    for (const [fact] of bad.filter(([k]) => k !== 'unmatched_customers')) {
      const examples = (await con.runAndReadAll(`
        SELECT customer_id, p.${fact} AS portrait, d.${fact} AS duckdb
        FROM read_parquet('${portraitTags}') p JOIN read_parquet('${result}') d USING (customer_id)
        WHERE ${differs(fact)} ORDER BY customer_id LIMIT 3`)).getRows();
      console.error(`  ${fact}: ${examples.map((r) => `customer ${r[0]}: portrait ${r[1]}, DuckDB ${r[2]}`).join('; ')}`);
    }
  }
  if (failed) process.exit(1);
}

const [command, ...args] = process.argv.slice(2);
if (command === 'prepare' && args.length === 2) {
  await prepare(...args);
} else if (command === 'run' && args.length === 6) {
  await run(...args);
} else if (command === 'compare' && args.length >= 3) {
  await compare(args[0], args[1], args.slice(2));
} else {
  console.error('usage: bench_duckdb.mjs prepare RAW_DIR PARQUET_DIR\n' +
      '       bench_duckdb.mjs run PARQUET_DIR OUT_DIR PERIOD HISTORY_MONTHS THREADS MEMORY_LIMIT\n' +
      '       bench_duckdb.mjs compare PORTRAIT_TAGS.parquet FACT_IDS RESULT.parquet...');
  process.exit(2);
}
