"""The medallion job with Spark + delta-spark, into Delta tables: a peer of bench/medallion.ts.

    python bench/peers/spark_delta.py <landing> <out> [driver-memory, default 2g]

local[2] (the machine has 2 cores); Delta's jars come from Maven Central through Spark's ivy
(configure_spark_with_delta_pip) on the first run and are cached in ~/.ivy2. The same transforms
as bench/peers/medallion-sql.ts, in Spark SQL (percentile() is exact with linear interpolation,
like DuckDB's quantile_cont). Prints one JSON line with per-stage milliseconds (session start
excluded, reported apart).
"""
import glob
import json
import re
import shutil
import sys
import time

FIELDS = ["transaction_id", "account_id", "customer_id", "ts", "amount", "currency", "type", "region", "counterparty", "status"]
CURRENCIES = ["USD", "EUR", "GBP", "CHF", "JPY", "SGD", "HKD", "AUD"]
TYPES = ["debit", "credit", "transfer", "fee"]
REGIONS = ["US", "EU", "APAC"]


def sql_set(vs):
    return "(" + ", ".join(f"'{v}'" for v in vs) + ")"


def main():
    landing, out = sys.argv[1], sys.argv[2]
    memory = sys.argv[3] if len(sys.argv) > 3 else "2g"
    memory = re.sub(r"\s*(GB|GiB)$", "g", memory, flags=re.I)
    shutil.rmtree(out, ignore_errors=True)
    t_start = time.perf_counter()
    from delta import configure_spark_with_delta_pip
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    builder = (
        SparkSession.builder.master("local[2]").appName("financelake-bench")
        .config("spark.driver.memory", memory)
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.ansi.enabled", "false")
    )
    spark = configure_spark_with_delta_pip(builder).getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    session_ms = (time.perf_counter() - t_start) * 1000
    stages = {"bronze": 0.0, "silver": 0.0, "gold": 0.0}
    t0 = time.perf_counter()

    # bronze: text fields, malformed records kept in _corrupt (quarantined later as 'parse')
    t = time.perf_counter()
    schema = StructType([StructField(f, StringType()) for f in FIELDS] + [StructField("_corrupt", StringType())])
    tx = f"{landing}/transactions"
    csv = spark.read.schema(schema).option("header", True).option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", "_corrupt").csv(f"{tx}/*/*.csv")
    jsn = spark.read.schema(schema).option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", "_corrupt").json(f"{tx}/*/*.jsonl")
    pq = spark.read.parquet(f"{tx}/*/*.parquet")
    pq = pq.select(*[(F.date_format(F.col(f), "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'") if f == "ts" else F.col(f).cast("string")).alias(f) for f in FIELDS], F.lit(None).cast("string").alias("_corrupt"))
    bronze = csv.unionByName(jsn).unionByName(pq).withColumn("_source", F.input_file_name())
    bronze = bronze.withColumn("_date", F.to_date(F.regexp_extract("_source", r"(\d{4}-\d{2}-\d{2})", 1))).withColumn("_ingested_at", F.current_timestamp())
    bronze.write.format("delta").mode("overwrite").partitionBy("_date").save(f"{out}/bronze_transactions")
    stages["bronze"] += (time.perf_counter() - t) * 1000

    # silver
    t = time.perf_counter()
    spark.read.option("header", True).csv(f"{landing}/customers/*/*.csv").withColumn("_source", F.input_file_name()).createOrReplaceTempView("customers_raw")
    spark.sql(r"""
      SELECT upper(trim(customer_id)) AS customer_id, lower(trim(segment)) AS segment, lower(trim(risk_rating)) AS risk_rating,
             to_date(regexp_extract(_source, '(\\d{4}-\\d{2}-\\d{2})', 1)) AS date
      FROM customers_raw WHERE customer_id IS NOT NULL AND trim(customer_id) <> ''
    """).dropDuplicates(["customer_id", "date"]).createOrReplaceTempView("customers")
    spark.read.option("header", True).csv(f"{landing}/fx_rates/*/*.csv").selectExpr(
        "upper(trim(currency)) AS currency", "CAST(rate_to_usd AS DOUBLE) AS rate_to_usd", "CAST(date AS DATE) AS date"
    ).createOrReplaceTempView("fx")
    spark.read.format("delta").load(f"{out}/bronze_transactions").withColumn("_row_id", F.monotonically_increasing_id()).createOrReplaceTempView("b")
    spark.sql("""
      SELECT _row_id, _source, _date, _corrupt IS NOT NULL AS _parse_error,
        trim(transaction_id) AS transaction_id, account_id, upper(trim(customer_id)) AS customer_id,
        CAST(trim(ts) AS TIMESTAMP) AS ts, CAST(trim(amount) AS DECIMAL(18,2)) AS amount,
        upper(trim(currency)) AS currency, lower(trim(type)) AS type, upper(trim(region)) AS region, counterparty, lower(trim(status)) AS status,
        _corrupt IS NOT NULL
          OR (nullif(trim(ts), '') IS NOT NULL AND CAST(trim(ts) AS TIMESTAMP) IS NULL)
          OR (nullif(trim(amount), '') IS NOT NULL AND CAST(trim(amount) AS DECIMAL(18,2)) IS NULL) AS _cast_error
      FROM b
    """).createOrReplaceTempView("typed")
    judged = spark.sql(f"""
      WITH d AS (
        SELECT *, coalesce(to_date(ts), _date) AS date,
          CASE WHEN NOT _cast_error AND nullif(transaction_id, '') IS NOT NULL
               THEN row_number() OVER (PARTITION BY (NOT _cast_error AND nullif(transaction_id, '') IS NOT NULL), transaction_id ORDER BY coalesce(to_date(ts), _date), _date, _row_id) END AS _rn
        FROM typed
      )
      SELECT d.*, fx.rate_to_usd, c.segment, c.risk_rating,
        filter(array(
          CASE WHEN _cast_error THEN 'type_cast' END,
          CASE WHEN nullif(d.transaction_id, '') IS NULL THEN 'transaction_id_present' END,
          CASE WHEN nullif(d.customer_id, '') IS NULL THEN 'customer_id_present' END,
          CASE WHEN d.ts IS NULL THEN 'ts_present' END,
          CASE WHEN d.amount IS NULL THEN 'amount_present' END,
          CASE WHEN d.amount < 0.01 OR d.amount > 50000000 THEN 'amount_in_range' END,
          CASE WHEN d.currency NOT IN {sql_set(CURRENCIES)} THEN 'currency_known' END,
          CASE WHEN d.type NOT IN {sql_set(TYPES)} THEN 'type_known' END,
          CASE WHEN d.region NOT IN {sql_set(REGIONS)} THEN 'region_known' END,
          CASE WHEN nullif(d.customer_id, '') IS NOT NULL AND c.customer_id IS NULL THEN 'customer_exists' END
        ), x -> x IS NOT NULL) AS rules
      FROM d
      LEFT JOIN fx ON fx.currency = d.currency AND fx.date = d.date
      LEFT JOIN customers c ON c.customer_id = d.customer_id AND c.date = d.date
    """)
    judged.persist()
    judged.createOrReplaceTempView("judged")
    spark.sql("""
      SELECT transaction_id, account_id, customer_id, ts, amount, currency, type, counterparty, status,
             CAST(amount AS DOUBLE) * rate_to_usd AS amount_usd, segment AS customer_segment, risk_rating AS customer_risk_rating, date, region
      FROM judged WHERE coalesce(_rn, 1) = 1 AND size(rules) = 0
    """).write.format("delta").mode("overwrite").partitionBy("date", "region").save(f"{out}/silver_transactions")
    spark.sql("""
      SELECT 'transactions' AS dataset, date, _source, rules,
             to_json(named_struct('transaction_id', transaction_id, 'customer_id', customer_id, 'currency', currency)) AS _raw
      FROM judged WHERE coalesce(_rn, 1) = 1 AND size(rules) > 0
    """).write.format("delta").mode("overwrite").partitionBy("date").save(f"{out}/silver_quarantine")
    stages["silver"] += (time.perf_counter() - t) * 1000

    # gold
    t = time.perf_counter()
    spark.read.format("delta").load(f"{out}/silver_transactions").createOrReplaceTempView("silver")
    spark.sql("""
      SELECT date, region, type, currency, CAST(count(*) AS BIGINT) AS txn_count, CAST(sum(amount) AS DECIMAL(38,2)) AS amount_sum,
             CAST(avg(amount) AS DOUBLE) AS amount_mean, percentile(CAST(amount AS DOUBLE), 0.5) AS amount_p50,
             percentile(CAST(amount AS DOUBLE), 0.95) AS amount_p95, CAST(sum(CAST(amount_usd AS DECIMAL(38,10))) AS DOUBLE) AS amount_usd_sum
      FROM silver GROUP BY date, region, type, currency
    """).write.format("delta").mode("overwrite").partitionBy("date").save(f"{out}/gold_daily_transaction_summary")
    stages["gold"] += (time.perf_counter() - t) * 1000
    wall = (time.perf_counter() - t0) * 1000

    c = spark.sql("""SELECT count(*) AS bronze, sum(CASE WHEN coalesce(_rn, 1) = 1 AND size(rules) = 0 THEN 1 ELSE 0 END) AS silver,
      sum(CASE WHEN coalesce(_rn, 1) = 1 AND size(rules) > 0 THEN 1 ELSE 0 END) AS quarantined, sum(CASE WHEN _rn > 1 THEN 1 ELSE 0 END) AS duplicates FROM judged""").first()
    gold = spark.read.format("delta").load(f"{out}/gold_daily_transaction_summary").count()
    print(json.dumps({
        "wallMs": wall, "sessionStartMs": session_ms, "stages": stages,
        "counts": {"bronze": c["bronze"], "silver": c["silver"], "quarantined": c["quarantined"], "duplicates": c["duplicates"], "gold": gold},
        "versions": {"spark": spark.version},
    }))
    spark.stop()


if __name__ == "__main__":
    main()
