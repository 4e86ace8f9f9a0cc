#!/usr/bin/env bash
# Installs the local stack from the package registries into a git-ignored cache.
# Idempotent: each step is skipped when its output is already there (and, for the Maven
# and Python steps, was made from the same pom.xml / requirements.txt).
#   bash infra/install.sh            everything (Temporal, MinIO, Kafka, Hadoop, DuckDB extensions, Python tools)
#   bash infra/install.sh --min      what `npm start` needs on the embedded default (Temporal, DuckDB extensions)
#   bash infra/install.sh temporal minio ...   named steps only
# The cache is FINANCELAKE_INFRA_DIR (default .infra/); see docs/infra.md.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
INFRA_DIR="${FINANCELAKE_INFRA_DIR:-$ROOT/.infra}"
case "$INFRA_DIR" in /*) ;; *) INFRA_DIR="$ROOT/$INFRA_DIR" ;; esac
mkdir -p "$INFRA_DIR/bin"
export GOBIN="$INFRA_DIR/bin"
export GOFLAGS="${GOFLAGS:--mod=mod}"

TEMPORAL_CLI_VERSION=v1.5.1
DUCKDB_VERSION=1.5.5

say() { printf '[install] %s\n' "$*"; }
die() { printf '[install] ERROR: %s\n' "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found on PATH (needed by the $2 step)"; }
fingerprint() { sha256sum "$@" | sha256sum | cut -c1-16; }

summary=()
timed() {
  local name=$1; shift
  local t0=$SECONDS
  "$@"
  local dt=$((SECONDS - t0))
  say "$name: done in ${dt}s"
  summary+=("$name ${dt}s")
}

go_install() { # step-name binary package@version
  local name=$1 bin=$2 pkg=$3
  need go "$name"
  if [ -x "$GOBIN/$bin" ]; then say "$name: cached ($GOBIN/$bin)"; return; fi
  say "$name: go install $pkg into $GOBIN (builds from source: several minutes on a cold Go cache, about a minute warm)"
  go install "$pkg"
  [ -x "$GOBIN/$bin" ] || die "$name: go install finished but $GOBIN/$bin is missing"
}
install_temporal() { go_install temporal temporal "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"; }
install_minio() { go_install minio minio github.com/minio/minio@latest; }

maven_libs() { # name pom-dir: the pom's runtime dependencies from Maven Central, keyed by the pom's hash
  local name=$1 pomdir=$2 out="$INFRA_DIR/$1/libs" key
  need mvn "$name"; need java "$name"
  key="$(fingerprint "$pomdir/pom.xml")"
  if [ -f "$out/.complete" ] && [ "$(cat "$out/.complete")" = "$key" ]; then say "$name: cached ($out, $(find "$out" -name '*.jar' | wc -l) jars)"; return; fi
  say "$name: mvn dependency:copy-dependencies of $pomdir/pom.xml into $out (downloads from Maven Central on a cold ~/.m2)"
  rm -rf "$out"; mkdir -p "$out"
  # -q prints only errors; Maven 3.8 still emits colour resets, stripped here.
  mvn -q -B -f "$pomdir/pom.xml" dependency:copy-dependencies -DoutputDirectory="$out" -DincludeScope=runtime 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
  say "$name: $(find "$out" -name '*.jar' | wc -l) jars"
  printf '%s' "$key" > "$out/.complete"
}
install_kafka() { maven_libs kafka "$HERE/kafka"; }
install_hadoop() { maven_libs hadoop "$HERE/hadoop"; }

install_python() {
  local venv="$INFRA_DIR/venv" key
  need python3 python
  key="$(fingerprint "$HERE/requirements.txt")"
  if [ -f "$venv/.complete" ] && [ "$(cat "$venv/.complete")" = "$key" ]; then say "python: cached ($venv)"; return; fi
  say "python: venv $venv with $(tr '\n' ' ' < "$HERE/requirements.txt")(delta-rs and pyarrow, for interop tests)"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$HERE/requirements.txt"
  printf '%s' "$key" > "$venv/.complete"
}

install_duckdb_extensions() {
  # The signed extension files ship inside PyPI wheels; DuckDB loads them from
  # <extension_directory>/v<version>/<platform>/ with signature checks on.
  local dest="$INFRA_DIR/duckdb_extensions/v$DUCKDB_VERSION/linux_amd64" ext
  need python3 duckdb
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
    part = os.path.join(dest, f"{ext}.duckdb_extension.part")
    with z.open(names[0]) as src, open(part, "wb") as out:
        shutil.copyfileobj(src, out)
    os.replace(part, os.path.join(dest, f"{ext}.duckdb_extension"))
PY
    rm -rf "$tmp"
  done
}

steps=("$@")
if [ ${#steps[@]} -eq 0 ]; then steps=(temporal minio kafka hadoop duckdb python); fi
if [ "${steps[0]}" = "--min" ]; then steps=(duckdb temporal); fi
say "cache: $INFRA_DIR; steps: ${steps[*]}"
t_all=$SECONDS
for s in "${steps[@]}"; do
  case "$s" in
    temporal) timed temporal install_temporal ;;
    minio) timed minio install_minio ;;
    kafka) timed kafka install_kafka ;;
    hadoop) timed hadoop install_hadoop ;;
    duckdb) timed duckdb install_duckdb_extensions ;;
    python) timed python install_python ;;
    *) die "unknown install step: $s (steps: temporal minio kafka hadoop duckdb python, or --min)" ;;
  esac
done
summary_text=$(IFS=,; echo "${summary[*]}")
say "all done in $((SECONDS - t_all))s: ${summary_text//,/, }"
