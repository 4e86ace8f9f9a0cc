"""delta-rs querying a Delta table on MinIO: a selective query (one date, one key) and a full scan.

    python bench/peers/deltars_query.py <s3-uri> <date> <customer_id> <repeat>
Credentials and endpoint from the environment (S3_ENDPOINT, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY,
S3_REGION). Uses deltalake's QueryBuilder (DataFusion: partition and file-stats pruning, Parquet
row-group pruning). Prints one JSON line with milliseconds per run and the results.
"""
import json
import os
import sys
import time

import pyarrow as pa
from deltalake import DeltaTable, QueryBuilder

uri, date, customer, repeat = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
opts = {
    "AWS_ENDPOINT_URL": os.environ["S3_ENDPOINT"],
    "AWS_ACCESS_KEY_ID": os.environ["S3_ACCESS_KEY_ID"],
    "AWS_SECRET_ACCESS_KEY": os.environ["S3_SECRET_ACCESS_KEY"],
    "AWS_REGION": os.environ.get("S3_REGION", "us-east-1"),
    "AWS_ALLOW_HTTP": "true",
}


def run(sql):
    t = time.perf_counter()
    dt = DeltaTable(uri, storage_options=opts)
    batches = QueryBuilder().register("t", dt).execute(sql).read_all()
    ms = (time.perf_counter() - t) * 1000
    return ms, pa.table(batches).to_pylist()


selective = f"SELECT count(*) AS n, sum(amount_usd) AS usd FROM t WHERE date = '{date}' AND customer_id = '{customer}'"
full = "SELECT count(*) AS n, sum(amount_usd) AS usd FROM t"
sel = [run(selective) for _ in range(repeat)]
fs = [run(full) for _ in range(repeat)]
print(json.dumps({"selectiveMs": [s[0] for s in sel], "fullMs": [f[0] for f in fs], "selective": sel[-1][1], "full": fs[-1][1]}, default=str))
