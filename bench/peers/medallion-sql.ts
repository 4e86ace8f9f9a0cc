/**
 * The medallion job as plain DuckDB SQL, Parquet to Parquet, no Delta log and no orchestration:
 * the baseline of bench/medallion.ts. The same transforms as FinanceLake's transactions path
 * (docs/benchmarks.md lists them): all fields read as text, the same standardisation and casts,
 * dedup on transaction_id (first by business date, then delivery order; only rows that cast),
 * the drop rules of the transactions suite, enrichment from the FX and customer snapshots of the
 * date, silver partitioned by (date, region), quarantine with the failed rule names, and
 * gold.daily_transaction_summary with the declaration's own aggregates.
 */
import { ZSTD_LEVEL } from '../../lakehouse/engine/write';
import { CURRENCIES, REGIONS, TRANSACTION_TYPES } from '../../pipeline/datasets/reference-values';

/** The codec and level FinanceLake writes with, so the baseline writes the same files (like for like). */
const ZSTD = `COMPRESSION zstd, COMPRESSION_LEVEL ${ZSTD_LEVEL}`;
const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
const set = (vs: readonly string[]) => `(${vs.map(q).join(', ')})`;
const FIELDS = ['transaction_id', 'account_id', 'customer_id', 'ts', 'amount', 'currency', 'type', 'region', 'counterparty', 'status'];
const COLS = `{${FIELDS.map((f) => `'${f}': 'VARCHAR'`).join(', ')}}`;

export interface Stage {
  stage: 'bronze' | 'silver' | 'gold';
  sql: string;
}

/** Statements in order; `landing` holds transactions/<date>/part-*.{csv,jsonl,parquet}, customers/, fx_rates/. */
export function medallionSql(landing: string, out: string): Stage[] {
  const tx = `${landing}/transactions`;
  const text = FIELDS.map((f) => `CAST(${f} AS VARCHAR) AS ${f}`).join(', ');
  return [
    // bronze: every record as text with where it came from; unreadable lines are the readers' rejects
    {
      stage: 'bronze',
      sql: `COPY (
        SELECT ${text}, filename AS _source, CAST(regexp_extract(filename, '(\\d{4}-\\d{2}-\\d{2})', 1) AS DATE) AS _date, now() AS _ingested_at FROM (
          SELECT * FROM read_csv('${tx}/*/*.csv', columns = ${COLS}, header = true, filename = true, ignore_errors = true, store_rejects = true, quote = '"', escape = '"')
          UNION ALL BY NAME
          SELECT * FROM read_json('${tx}/*/*.jsonl', format = 'newline_delimited', columns = ${COLS}, filename = true, ignore_errors = true)
          UNION ALL BY NAME
          SELECT * FROM read_parquet('${tx}/*/*.parquet', filename = true)
        )
      ) TO '${out}/bronze/transactions' (FORMAT parquet, ${ZSTD}, PARTITION_BY (_date), OVERWRITE_OR_IGNORE)`,
    },
    {
      stage: 'silver',
      sql: `CREATE OR REPLACE TEMP TABLE customers AS
        SELECT upper(trim(customer_id)) AS customer_id, lower(trim(segment)) AS segment, lower(trim(risk_rating)) AS risk_rating,
               CAST(regexp_extract(filename, '(\\d{4}-\\d{2}-\\d{2})', 1) AS DATE) AS date
        FROM read_csv('${landing}/customers/*/*.csv', all_varchar = true, header = true, filename = true, ignore_errors = true)
        WHERE customer_id IS NOT NULL AND trim(customer_id) <> ''
        QUALIFY row_number() OVER (PARTITION BY upper(trim(customer_id)), date ORDER BY customer_id) = 1`,
    },
    {
      stage: 'silver',
      sql: `CREATE OR REPLACE TEMP TABLE fx AS
        SELECT upper(trim(currency)) AS currency, CAST(rate_to_usd AS DOUBLE) AS rate_to_usd, CAST(date AS DATE) AS date
        FROM read_csv('${landing}/fx_rates/*/*.csv', all_varchar = true, header = true)`,
    },
    {
      stage: 'silver',
      sql: `CREATE OR REPLACE TEMP TABLE typed AS
        SELECT row_number() OVER () AS _row_id, _source, _date,
          trim(transaction_id) AS transaction_id, account_id, upper(trim(customer_id)) AS customer_id,
          TRY_CAST(trim(ts) AS TIMESTAMPTZ) AS ts, TRY_CAST(trim(amount) AS DECIMAL(18,2)) AS amount,
          upper(trim(currency)) AS currency, lower(trim(type)) AS type, upper(trim(region)) AS region, counterparty, lower(trim(status)) AS status,
          (nullif(trim(ts), '') IS NOT NULL AND TRY_CAST(trim(ts) AS TIMESTAMPTZ) IS NULL)
            OR (nullif(trim(amount), '') IS NOT NULL AND TRY_CAST(trim(amount) AS DECIMAL(18,2)) IS NULL) AS _cast_error
        FROM read_parquet('${out}/bronze/transactions/*/*.parquet', hive_partitioning = true)`,
    },
    {
      stage: 'silver',
      sql: `CREATE OR REPLACE TEMP TABLE judged AS
        WITH d AS (
          SELECT *, coalesce(CAST(ts AS DATE), _date) AS date,
            CASE WHEN NOT _cast_error AND nullif(transaction_id, '') IS NOT NULL
                 THEN row_number() OVER (PARTITION BY (NOT _cast_error AND nullif(transaction_id, '') IS NOT NULL), transaction_id ORDER BY coalesce(CAST(ts AS DATE), _date), _date, _row_id) END AS _rn
          FROM typed
        )
        SELECT d.*, fx.rate_to_usd, c.segment, c.risk_rating, c.customer_id IS NOT NULL AS _customer_known,
          list_filter([
            CASE WHEN _cast_error THEN 'type_cast' END,
            CASE WHEN nullif(d.transaction_id, '') IS NULL THEN 'transaction_id_present' END,
            CASE WHEN nullif(d.customer_id, '') IS NULL THEN 'customer_id_present' END,
            CASE WHEN d.ts IS NULL THEN 'ts_present' END,
            CASE WHEN d.amount IS NULL THEN 'amount_present' END,
            CASE WHEN d.amount < 0.01 OR d.amount > 50000000 THEN 'amount_in_range' END,
            CASE WHEN d.currency NOT IN ${set(CURRENCIES)} THEN 'currency_known' END,
            CASE WHEN d.type NOT IN ${set(TRANSACTION_TYPES)} THEN 'type_known' END,
            CASE WHEN d.region NOT IN ${set(REGIONS)} THEN 'region_known' END,
            CASE WHEN nullif(d.customer_id, '') IS NOT NULL AND c.customer_id IS NULL THEN 'customer_exists' END
          ], x -> x IS NOT NULL) AS _rules
        FROM d
        LEFT JOIN fx ON fx.currency = d.currency AND fx.date = d.date
        LEFT JOIN customers c ON c.customer_id = d.customer_id AND c.date = d.date`,
    },
    {
      stage: 'silver',
      sql: `COPY (
        SELECT transaction_id, account_id, customer_id, ts, amount, currency, type, counterparty, status,
               CAST(amount AS DOUBLE) * rate_to_usd AS amount_usd, segment AS customer_segment, risk_rating AS customer_risk_rating, date, region
        FROM judged WHERE coalesce(_rn, 1) = 1 AND len(_rules) = 0
      ) TO '${out}/silver/transactions' (FORMAT parquet, ${ZSTD}, PARTITION_BY (date, region), OVERWRITE_OR_IGNORE)`,
    },
    {
      stage: 'silver',
      sql: `COPY (
        SELECT 'transactions' AS dataset, date, _source, _rules AS rules,
               to_json({'transaction_id': transaction_id, 'customer_id': customer_id, 'ts': ts, 'amount': amount, 'currency': currency})::VARCHAR AS _raw
        FROM judged WHERE coalesce(_rn, 1) = 1 AND len(_rules) > 0
      ) TO '${out}/silver/quarantine' (FORMAT parquet, ${ZSTD}, PARTITION_BY (date), OVERWRITE_OR_IGNORE)`,
    },
    {
      stage: 'gold',
      sql: `COPY (
        SELECT date, region, type, currency,
               CAST(count(*) AS BIGINT) AS txn_count,
               CAST(sum(amount) AS DECIMAL(38,2)) AS amount_sum,
               CAST(avg(amount) AS DOUBLE) AS amount_mean,
               quantile_cont(CAST(amount AS DOUBLE), 0.5) AS amount_p50,
               quantile_cont(CAST(amount AS DOUBLE), 0.95) AS amount_p95,
               CAST(sum(CAST(amount_usd AS DECIMAL(38,10))) AS DOUBLE) AS amount_usd_sum
        FROM read_parquet('${out}/silver/transactions/*/*/*.parquet', hive_partitioning = true, hive_types = {'date': DATE, 'region': VARCHAR})
        GROUP BY date, region, type, currency
      ) TO '${out}/gold/daily_transaction_summary' (FORMAT parquet, ${ZSTD}, PARTITION_BY (date), OVERWRITE_OR_IGNORE)`,
    },
  ];
}

/** Counts the baseline reports: rows into bronze, silver, quarantined, duplicates, gold rows. */
export function countsSql(out: string): string {
  return `SELECT
    (SELECT count(*) FROM read_parquet('${out}/bronze/transactions/*/*.parquet')) AS bronze,
    (SELECT count(*) FROM read_parquet('${out}/silver/transactions/*/*/*.parquet')) AS silver,
    (SELECT count(*) FROM read_parquet('${out}/silver/quarantine/*/*.parquet')) AS quarantined,
    (SELECT count(*) FROM judged WHERE _rn > 1) AS duplicates,
    (SELECT count(*) FROM read_parquet('${out}/gold/daily_transaction_summary/*/*.parquet')) AS gold`;
}
