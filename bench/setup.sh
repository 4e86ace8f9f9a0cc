#!/usr/bin/env bash
# Idempotent: the benchmarks' Python peers in their own venv under .infra/bench-venv.
# Spark (pyspark + delta-spark) is optional: if it does not install, the Spark peer is skipped.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.infra/bench-venv"
if [ ! -x "$venv/bin/python" ]; then
  echo "bench/setup.sh: creating $venv"
  python3 -m venv "$venv"
fi
stamp="$venv/.requirements.sha"
want="$(cat "$root/bench/requirements.txt" "$root/bench/requirements-spark.txt" | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "bench/setup.sh: $venv is up to date"
  exit 0
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/bench/requirements.txt"
if "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/bench/requirements-spark.txt"; then
  echo "bench/setup.sh: pyspark + delta-spark installed"
else
  echo "bench/setup.sh: pyspark/delta-spark did not install; the Spark peer will be skipped" >&2
fi
echo "$want" > "$stamp"
echo "bench/setup.sh: ready ($("$venv/bin/python" -c 'import polars, deltalake, duckdb; print("polars", polars.__version__, "deltalake", deltalake.__version__, "duckdb", duckdb.__version__)'))"
