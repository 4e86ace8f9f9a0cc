"""The medallion job with polars + delta-rs (deltalake), into Delta tables: a peer of bench/medallion.ts.

    python bench/peers/polars_deltars.py <landing> <out> [memory-limit, unused]

The same transforms as bench/peers/medallion-sql.ts: every field read as text, the same
standardisation and casts, dedup on transaction_id (first by business date, then delivery
order, among rows that cast), the transactions drop rules, enrichment from the FX and customer
snapshots of the date, silver partitioned by (date, region), quarantine with the failed rule
names, gold daily_transaction_summary. Prints one JSON line with per-stage milliseconds.
"""
import glob
import json
import os
import re
import shutil
import sys
import time

import polars as pl
from deltalake import write_deltalake

FIELDS = ["transaction_id", "account_id", "customer_id", "ts", "amount", "currency", "type", "region", "counterparty", "status"]
CURRENCIES = ["USD", "EUR", "GBP", "CHF", "JPY", "SGD", "HKD", "AUD"]
TYPES = ["debit", "credit", "transfer", "fee"]
REGIONS = ["US", "EU", "APAC"]
DATE_RE = re.compile(r"(\d{4}-\d{2}-\d{2})")


def file_date(path):
    return DATE_RE.search(path).group(1)


def parse_failures(n):
    """n unreadable records: no fields, marked for the 'parse' rule."""
    cols = {f: pl.Series(f, [None] * n, dtype=pl.String) for f in FIELDS}
    cols["transaction_id"] = pl.Series("transaction_id", ["#parse"] * n, dtype=pl.String)
    return pl.DataFrame(cols)


def read_csv(path):
    # The transactions CSV carries no quoted fields, so a line with other than 10 fields is a
    # malformed record: kept for the quarantine ('parse'), as FinanceLake and DuckDB's rejects do.
    lines = pl.read_csv(path, has_header=True, separator="\x01", quote_char=None, new_columns=["line"], infer_schema=False)
    ok = pl.col("line").str.count_matches(",") == len(FIELDS) - 1
    good = lines.filter(ok).select(pl.col("line").str.split_exact(",", len(FIELDS) - 1).struct.rename_fields(FIELDS).alias("r")).unnest("r")
    good = good.with_columns([pl.when(pl.col(f) == "").then(None).otherwise(pl.col(f)).alias(f) for f in FIELDS])
    return pl.concat([good, parse_failures(lines.filter(~ok).height)])


def read_jsonl(path):
    # lines that are not whole JSON objects are kept as text for the quarantine ('parse')
    lines = pl.read_csv(path, has_header=False, separator="\x01", quote_char=None, new_columns=["line"], infer_schema=False)
    ok = pl.col("line").str.starts_with("{") & pl.col("line").str.ends_with("}")
    struct = pl.Struct({f: pl.String for f in FIELDS})
    good = lines.filter(ok).select(pl.col("line").str.json_decode(struct).alias("r")).unnest("r")
    return pl.concat([good, parse_failures(lines.filter(~ok).height)])


def read_parquet(path):
    df = pl.read_parquet(path)
    return df.select(
        [
            (pl.col(f).dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S%.3fZ") if f == "ts" and df.schema[f] != pl.String else pl.col(f).cast(pl.String)).alias(f)
            if f in df.columns
            else pl.lit(None, pl.String).alias(f)
            for f in FIELDS
        ]
    )


def main():
    landing, out = sys.argv[1], sys.argv[2]
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    stages = {"bronze": 0.0, "silver": 0.0, "gold": 0.0}
    t0 = time.perf_counter()
    cpu0 = time.process_time()  # every thread of this process: polars' and delta-rs' pools included

    # bronze
    t = time.perf_counter()
    parts = []
    for path in sorted(glob.glob(f"{landing}/transactions/*/*")):
        reader = read_csv if path.endswith(".csv") else read_jsonl if path.endswith(".jsonl") else read_parquet
        df = reader(path)
        parts.append(df.with_columns(pl.lit(path).alias("_source"), pl.lit(file_date(path)).str.to_date().alias("_date")))
    bronze = pl.concat(parts).with_columns(pl.lit(time.time()).alias("_ingested_at"))
    write_deltalake(f"{out}/bronze_transactions", bronze.to_arrow(), partition_by=["_date"], mode="overwrite")
    stages["bronze"] += (time.perf_counter() - t) * 1000

    # silver
    t = time.perf_counter()
    customers = pl.concat(
        [
            pl.read_csv(p, infer_schema=False).with_columns(pl.lit(file_date(p)).str.to_date().alias("date"))
            for p in sorted(glob.glob(f"{landing}/customers/*/*.csv"))
        ]
    )
    customers = (
        customers.filter(pl.col("customer_id").is_not_null() & (pl.col("customer_id").str.strip_chars() != ""))
        .select(
            pl.col("customer_id").str.strip_chars().str.to_uppercase(),
            pl.col("segment").str.strip_chars().str.to_lowercase(),
            pl.col("risk_rating").str.strip_chars().str.to_lowercase(),
            "date",
        )
        .unique(subset=["customer_id", "date"], keep="first")
        .with_columns(pl.lit(True).alias("_customer_known"))
    )
    fx = pl.concat([pl.read_csv(p, infer_schema=False) for p in sorted(glob.glob(f"{landing}/fx_rates/*/*.csv"))]).select(
        pl.col("currency").str.strip_chars().str.to_uppercase(), pl.col("rate_to_usd").cast(pl.Float64), pl.col("date").str.to_date()
    )
    b = pl.read_delta(f"{out}/bronze_transactions").with_row_index("_row_id")
    ts_txt = pl.col("ts").str.strip_chars()
    amt_txt = pl.col("amount").str.strip_chars()
    ts = ts_txt.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%#z", strict=False, time_zone="UTC")
    amount = amt_txt.cast(pl.Decimal(18, 2), strict=False)
    typed = b.select(
        "_row_id",
        "_source",
        "_date",
        pl.col("transaction_id").str.strip_chars(),
        "account_id",
        pl.col("customer_id").str.strip_chars().str.to_uppercase(),
        ts.alias("ts"),
        amount.alias("amount"),
        pl.col("currency").str.strip_chars().str.to_uppercase(),
        pl.col("type").str.strip_chars().str.to_lowercase(),
        pl.col("region").str.strip_chars().str.to_uppercase(),
        "counterparty",
        pl.col("status").str.strip_chars().str.to_lowercase(),
        (
            ((ts_txt.is_not_null() & (ts_txt != "")) & ts.is_null())
            | ((amt_txt.is_not_null() & (amt_txt != "")) & amount.is_null())
            | (pl.col("transaction_id") == "#parse")
        ).alias("_cast_error"),
    ).with_columns(pl.coalesce(pl.col("ts").dt.date(), pl.col("_date")).alias("date"))
    candidate = ~pl.col("_cast_error") & pl.col("transaction_id").is_not_null() & (pl.col("transaction_id") != "")
    typed = typed.sort(["date", "_date", "_row_id"]).with_columns(
        (candidate & ~pl.struct(["transaction_id"]).is_first_distinct().over(candidate)).alias("_dup")
    )
    j = typed.join(fx, on=["currency", "date"], how="left").join(customers, on=["customer_id", "date"], how="left")
    empty = lambda c: pl.col(c).is_null() | (pl.col(c) == "")  # noqa: E731
    rules = pl.concat_list(
        [
            pl.when(pl.col("_cast_error")).then(pl.lit("type_cast")),
            pl.when(empty("transaction_id")).then(pl.lit("transaction_id_present")),
            pl.when(empty("customer_id")).then(pl.lit("customer_id_present")),
            pl.when(pl.col("ts").is_null()).then(pl.lit("ts_present")),
            pl.when(pl.col("amount").is_null()).then(pl.lit("amount_present")),
            pl.when((pl.col("amount") < 0.01) | (pl.col("amount") > 50_000_000)).then(pl.lit("amount_in_range")),
            pl.when(~pl.col("currency").is_in(CURRENCIES)).then(pl.lit("currency_known")),
            pl.when(~pl.col("type").is_in(TYPES)).then(pl.lit("type_known")),
            pl.when(~pl.col("region").is_in(REGIONS)).then(pl.lit("region_known")),
            pl.when(~empty("customer_id") & pl.col("_customer_known").is_null()).then(pl.lit("customer_exists")),
        ]
    ).list.drop_nulls()
    j = j.filter(~pl.col("_dup")).with_columns(rules.alias("rules"))
    silver = j.filter(pl.col("rules").list.len() == 0).select(
        "transaction_id", "account_id", "customer_id", "ts", "amount", "currency", "type", "counterparty", "status",
        (pl.col("amount").cast(pl.Float64) * pl.col("rate_to_usd")).alias("amount_usd"),
        pl.col("segment").alias("customer_segment"), pl.col("risk_rating").alias("customer_risk_rating"), "date", "region",
    )
    quarantine = j.filter(pl.col("rules").list.len() > 0).select(
        pl.lit("transactions").alias("dataset"), "date", "_source", "rules",
        pl.struct(["transaction_id", "customer_id", "currency"]).struct.json_encode().alias("_raw"),
    )
    write_deltalake(f"{out}/silver_transactions", silver.to_arrow(), partition_by=["date", "region"], mode="overwrite")
    write_deltalake(f"{out}/silver_quarantine", quarantine.to_arrow(), partition_by=["date"], mode="overwrite")
    duplicates = typed.filter(pl.col("_dup")).height
    stages["silver"] += (time.perf_counter() - t) * 1000

    # gold
    t = time.perf_counter()
    s = pl.read_delta(f"{out}/silver_transactions")
    gold = s.group_by(["date", "region", "type", "currency"]).agg(
        pl.len().cast(pl.Int64).alias("txn_count"),
        pl.col("amount").sum().alias("amount_sum"),
        pl.col("amount").cast(pl.Float64).mean().alias("amount_mean"),
        pl.col("amount").cast(pl.Float64).quantile(0.5, "linear").alias("amount_p50"),
        pl.col("amount").cast(pl.Float64).quantile(0.95, "linear").alias("amount_p95"),
        pl.col("amount_usd").sum().alias("amount_usd_sum"),
    )
    write_deltalake(f"{out}/gold_daily_transaction_summary", gold.to_arrow(), partition_by=["date"], mode="overwrite")
    stages["gold"] += (time.perf_counter() - t) * 1000
    wall = (time.perf_counter() - t0) * 1000
    cpu = (time.process_time() - cpu0) * 1000
    print(json.dumps({
        "wallMs": wall,
        "cpuMs": cpu,
        "stages": stages,
        "counts": {"bronze": bronze.height, "silver": silver.height, "quarantined": quarantine.height, "duplicates": duplicates, "gold": gold.height},
        "versions": {"polars": pl.__version__},
    }))


if __name__ == "__main__":
    main()
