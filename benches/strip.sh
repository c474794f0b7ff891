#!/usr/bin/env bash
# Side-by-side benchmark: `nbscrub strip` vs nbstripout 0.9.1 (Python) vs
# nbstripout-fast (Rust, from PyPI). See benches/README.md.
#
#   benches/strip.sh [--count N] [--per-file M] [--seed S] [--runs R] [--work-dir DIR] [--real]
#
#   --count N      notebooks in the generated corpus (default 2000, ~320 MB)
#   --real         instead of generated notebooks, the real ones in
#                  ../shared/corpus/real-notebooks/inputs that nbformat reads,
#                  copied round-robin up to --count (2000: ~275 MB)
#   --per-file M   files for the one-process-per-file stdin test (default 100)
#   --seed S       corpus seed (default 1)
#   --runs R       timed batch runs per tool and place, median reported (default 3)
#   --work-dir DIR time the batch runs only in DIR/nbscrub-bench-work.
#                  Default: twice, on disk in target/bench-work and in RAM in
#                  /dev/shm/nbscrub-bench-work (when /dev/shm is a tmpfs).
#
# Writes the report to stdout and to target/bench-strip.md (--real:
# target/bench-strip-real.md).
set -euo pipefail
export LC_ALL=C

COUNT=2000      # notebooks in the corpus (~160 KB each on average)
PER_FILE=100    # files for the per-file stdin test
SEED=1          # corpus seed
RUNS=3          # timed batch runs per tool (median reported)
WORK_ARG=""     # where the timed copies go (default: target/ and /dev/shm)
REAL=0          # 1: real notebooks from the shared corpus instead of generated ones

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --count) COUNT="$2"; shift 2 ;;
    --per-file) PER_FILE="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --work-dir) WORK_ARG="$2"; shift 2 ;;
    --real) REAL=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
for v in COUNT PER_FILE SEED RUNS; do
  [[ ${!v} =~ ^[0-9]+$ && ${!v} -ge 1 ]] || { echo "--${v,,} must be a positive integer" >&2; exit 2; }
done
CMDLINE="benches/strip.sh --count $COUNT --per-file $PER_FILE --seed $SEED --runs $RUNS${WORK_ARG:+ --work-dir $WORK_ARG}"
(( REAL )) && CMDLINE+=" --real"

NBSTRIPOUT_VERSION=0.9.1
NBSTRIPOUT_FAST_VERSION=1.1.2   # newest on PyPI when this script was written

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
T="$ROOT/target"
VENV="$T/bench-venv"
CORPUS="$T/bench-corpus"        # $CORPUS/nb holds the pristine notebooks
(( REAL )) && CORPUS="$T/bench-corpus-real"
# Places for the timed batch runs: WORKS[i] is a scratch dir of our own
# (deleted at the end), WHERE[i] how the report names it.
WORKS=(); WHERE=()
if [[ -n $WORK_ARG ]]; then
  [[ -d $WORK_ARG ]] || { echo "--work-dir $WORK_ARG: not a directory" >&2; exit 2; }
  WORKS+=("$(cd "$WORK_ARG" && pwd)/nbscrub-bench-work"); WHERE+=("${WORKS[0]}")
else
  WORKS+=("$T/bench-work"); WHERE+=("target/bench-work")
  if [[ -d /dev/shm && -w /dev/shm && "$(findmnt -no FSTYPE -T /dev/shm 2>/dev/null | head -n 1)" == tmpfs ]]; then
    WORKS+=("/dev/shm/nbscrub-bench-work"); WHERE+=("/dev/shm/nbscrub-bench-work")
  fi
fi
# The per-file outputs go to the last of those (RAM when there is one).
STDIN_OUT="${WORKS[-1]}/stdin"
STDIN_WHERE="${WHERE[-1]}/stdin"
LOOP_IMG="$T/bench-ext4.img"; LOOP_MNT="$T/bench-ext4"; LOOP_DEV=""
SANITY="$T/bench-sanity"        # one untimed batch run per tool, kept for inspection
REPORT="$T/bench-strip.md"
(( REAL )) && REPORT="$T/bench-strip-real.md"
DIFFS="$T/bench-strip-diffs.txt"
mkdir -p "$T"
cd "$ROOT"

BENCH_NAME=bench
# shellcheck source=benches/common.sh
source "$ROOT/benches/common.sh"

# The timed copies (up to a few GB, possibly in RAM) go away however we exit.
cleanup() {
  local w
  for w in "${WORKS[@]}"; do rm -rf "$w"; done
  if [[ -n ${LOOP_DEV:-} ]]; then
    umount "$LOOP_MNT" 2>/dev/null || true
    losetup -d "$LOOP_DEV" 2>/dev/null || true
    rmdir "$LOOP_MNT" 2>/dev/null || true
  fi
  rm -f "${LOOP_IMG:-/nonexistent}"
}
trap cleanup EXIT

# ---------------------------------------------------------------- 1. build
log "cargo build --release"
cargo build --release --quiet
NBSCRUB="$T/release/nbscrub"
[[ -x $NBSCRUB ]] || { echo "no binary at $NBSCRUB after cargo build --release" >&2; exit 1; }
# The same file work as `nbscrub strip .` without the JSON (benches/strip_floor.rs).
FLOOR=$(cargo bench --bench strip_floor --no-run 2>&1 | sed -n 's/.*Executable .*(\(.*\)).*/\1/p' | tail -n 1)
[[ -n $FLOOR && -x $ROOT/$FLOOR ]] || { echo "could not build benches/strip_floor.rs" >&2; exit 1; }
FLOOR="$ROOT/$FLOOR"

# ---------------------------------------------------------------- 2. venv
venv_ok() {
  [[ -x $VENV/bin/python ]] && "$VENV/bin/python" - "$NBSTRIPOUT_VERSION" "$NBSTRIPOUT_FAST_VERSION" <<'PY' 2>/dev/null
import sys, importlib.metadata as m
sys.exit(0 if (m.version("nbstripout"), m.version("nbstripout-fast")) == tuple(sys.argv[1:3]) else 1)
PY
}
if ! venv_ok; then
  log "creating $VENV (nbstripout==$NBSTRIPOUT_VERSION, nbstripout-fast==$NBSTRIPOUT_FAST_VERSION)"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check \
    "nbstripout==$NBSTRIPOUT_VERSION" "nbstripout-fast==$NBSTRIPOUT_FAST_VERSION"
  venv_ok || { echo "venv at $VENV does not have the pinned versions" >&2; exit 1; }
fi
NBSTRIPOUT="$VENV/bin/nbstripout"
NBSTRIPOUT_FAST="$VENV/bin/nbstripout-fast"

# ---------------------------------------------------------------- 3. corpus
GEN="$ROOT/benches/gen_notebooks.py"
REAL_DIR="$ROOT/../shared/corpus/real-notebooks/inputs"
if (( REAL )); then
  [[ -d $REAL_DIR ]] || { echo "--real: no $REAL_DIR" >&2; exit 2; }
  STAMP="real count=$COUNT files=$(cat "$REAL_DIR"/*.ipynb | sha256sum | cut -c1-16)"
else
  STAMP="count=$COUNT seed=$SEED gen=$(sha256sum "$GEN" | cut -c1-16)"
fi
if [[ -f $CORPUS/STAMP && "$(cat "$CORPUS/STAMP")" == "$STAMP" && -d $CORPUS/nb ]]; then
  log "reusing corpus $CORPUS ($STAMP)"
elif (( REAL )); then
  log "copying real notebooks from $REAL_DIR round-robin up to $COUNT"
  rm -rf "$CORPUS"
  mkdir -p "$CORPUS"
  # Only notebooks nbformat reads: nbstripout stops a batch at the first
  # file it cannot read, and the shared corpus has a few on purpose.
  "$VENV/bin/python" - "$REAL_DIR" "$CORPUS/nb" "$COUNT" <<'PY' >&2
import os, shutil, sys, nbformat
src, dst, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
readable = []
for name in sorted(os.listdir(src)):
    try:
        nbformat.read(os.path.join(src, name), as_version=nbformat.NO_CONVERT)
        readable.append(name)
    except Exception:
        pass
for i in range(count):
    folder = os.path.join(dst, "p%02d" % (i // 100))
    os.makedirs(folder, exist_ok=True)
    name = readable[i % len(readable)]
    shutil.copyfile(os.path.join(src, name), os.path.join(folder, "%05d-%s" % (i, name)))
print("real corpus: %d readable notebooks of %d" % (len(readable), len(os.listdir(src))))
PY
  echo "$STAMP" > "$CORPUS/STAMP"
else
  log "generating corpus: $COUNT notebooks, seed $SEED"
  rm -rf "$CORPUS"
  mkdir -p "$CORPUS"
  python3 "$GEN" "$CORPUS/nb" --count "$COUNT" --seed "$SEED" >&2
  echo "$STAMP" > "$CORPUS/STAMP"
fi
LIST="$CORPUS/files.txt"        # relative paths, sorted
(cd "$CORPUS/nb" && find . -type f -name '*.ipynb' | sed 's|^\./||' | sort) > "$LIST"
mapfile -t FILES < "$LIST"
NFILES=${#FILES[@]}
[[ $NFILES -eq $COUNT ]] || { echo "corpus has $NFILES files, expected $COUNT" >&2; exit 1; }
TOTAL_BYTES=$(cd "$CORPUS/nb" && cat "$LIST" | tr '\n' '\0' | xargs -0 stat -c %s | awk '{s+=$1} END{print s}')
TOTAL_MB=$(awk -v b="$TOTAL_BYTES" 'BEGIN{printf "%.1f", b/1e6}')
log "corpus: $NFILES files, $TOTAL_MB MB"

# Does one command line with every file fit? Linux limits argv+envp to
# ARG_MAX (here max(stack/4, 128 KiB)); keep a 64 KiB margin for the
# environment and pointers. If it doesn't fit, xargs splits it into several
# processes and the report says so.
ARG_MAX=$(getconf ARG_MAX)
ARG_BYTES=$(awk '{s+=length($0)+1+8} END{print s+0}' "$LIST")
ENV_BYTES=$(env | wc -c)
if (( ARG_BYTES + ENV_BYTES + 65536 < ARG_MAX )); then
  ONE_PROCESS=1
  ARGNOTE="all $NFILES paths (relative, $ARG_BYTES bytes incl. pointers) passed on one command line; ARG_MAX=$ARG_MAX"
else
  ONE_PROCESS=0
  ARGNOTE="file list ($ARG_BYTES bytes) exceeds ARG_MAX=$ARG_MAX: the FILES... commands ran via xargs, i.e. several processes"
fi
log "$ARGNOTE"

# tool invocations (run with the current directory = the copy of the corpus)
run_with_files() {  # run_with_files CMD... : CMD followed by every notebook path
  if (( ONE_PROCESS )); then
    "$@" "${FILES[@]}"
  else
    tr '\n' '\0' < "$LIST" | xargs -0 "$@"
  fi
}
batch_nbstripout()       { run_with_files "$NBSTRIPOUT"; }
batch_nbstripout_fast()  { run_with_files "$NBSTRIPOUT_FAST"; }
batch_nbscrub_dir()      { "$NBSCRUB" strip .; }
batch_nbscrub_files()    { run_with_files "$NBSCRUB" strip; }
batch_floor()            { "$FLOOR" .; }

BATCH_TOOLS=(nbstripout nbstripout_fast nbscrub_dir nbscrub_files floor)
declare -A LABEL=(
  [nbstripout]="nbstripout $NBSTRIPOUT_VERSION"
  [nbstripout_fast]="nbstripout-fast $NBSTRIPOUT_FAST_VERSION"
  [nbscrub_dir]="nbscrub (DIR)"
  [nbscrub_files]="nbscrub (FILES...)"
  [nbscrub]="nbscrub"
  [true]="/bin/true (floor)"
  [floor]="floor: no JSON work"
)
declare -A BATCH_CMD=(
  [nbstripout]="nbstripout FILES..."
  [nbstripout_fast]="nbstripout-fast FILES..."
  [nbscrub_dir]="nbscrub strip ."
  [nbscrub_files]="nbscrub strip FILES..."
  [floor]="strip_floor ."
)

fresh_copy() {  # fresh_copy DEST: pristine corpus -> DEST, flushed to disk
  rm -rf "$1"
  cp -a "$CORPUS/nb" "$1"
  sync
}

# ---------------------------------------------------------------- 4. sanity
# Also run (untimed) nbstripout with nbstripout-fast's defaults -- keep cell
# ids, drop metadata.vscode too -- to tell nbstripout-fast's other differences
# from those two known ones.
batch_nbstripout_likefast() { run_with_files "$NBSTRIPOUT" --keep-id --extra-keys metadata.vscode; }
LABEL[nbstripout_likefast]="nbstripout --keep-id --extra-keys metadata.vscode"
SANITY_TOOLS=(nbstripout nbstripout_fast nbscrub_dir nbstripout_likefast)
log "sanity: one untimed batch run per tool into $SANITY/"
rm -rf "$SANITY"
mkdir -p "$SANITY"
declare -A SANITY_RC
for tool in "${SANITY_TOOLS[@]}"; do
  fresh_copy "$SANITY/$tool"
  rc=0
  (cd "$SANITY/$tool" && "batch_$tool" >"$SANITY/$tool.out" 2>"$SANITY/$tool.err") || rc=$?
  SANITY_RC[$tool]=$rc
  (( rc == 0 )) || log "WARNING: ${LABEL[$tool]} exited $rc (see $SANITY/$tool.err)"
done

# Parse every output as JSON, count files a tool left byte-identical to the
# input, and compare outputs byte for byte: nbscrub and nbstripout-fast vs
# nbstripout, and nbstripout-fast vs nbstripout with nbstripout-fast's defaults.
python3 - "$CORPUS/nb" "$SANITY" "$LIST" "$DIFFS" nbstripout nbstripout_fast nbscrub_dir nbstripout_likefast \
  -- nbscrub_dir:nbstripout nbstripout_fast:nbstripout nbstripout_fast:nbstripout_likefast \
  > "$SANITY/summary.txt" <<'PY'
import difflib, json, os, sys
pristine, sanity, listfile, diffs_path = sys.argv[1:5]
sep = sys.argv.index("--")
tools, pairs = sys.argv[5:sep], [p.split(":") for p in sys.argv[sep + 1:]]
files = open(listfile).read().split("\n")[:-1]
def read(tool, f):
    try:
        with open(os.path.join(sanity, tool, f), "rb") as fh:
            return fh.read()
    except OSError:
        return None
for tool in tools:
    bad_json = unchanged = missing = 0
    for f in files:
        data = read(tool, f)
        if data is None:
            missing += 1
            continue
        try:
            json.loads(data)
        except ValueError:
            bad_json += 1
        with open(os.path.join(pristine, f), "rb") as fh:
            unchanged += data == fh.read()
    print(f"stat {tool} bad_json={bad_json} unchanged={unchanged} missing={missing}")
with open(diffs_path, "w") as diffs:
    for a, b in pairs:
        differ, first = 0, None
        for f in files:
            da, db = read(a, f), read(b, f)
            if da is None or da != db:
                differ += 1
                diffs.write(f"{a} vs {b}\t{f}\n")
                first = first or f
        print(f"cmp {a}:{b} differ={differ}")
        if first is not None:
            la = (read(b, first) or b"").decode("utf-8", "replace").splitlines(True)
            lb = (read(a, first) or b"").decode("utf-8", "replace").splitlines(True)
            d = list(difflib.unified_diff(la, lb, f"{b}/{first}", f"{a}/{first}", n=1))
            with open(os.path.join(sanity, f"{a}-vs-{b}.first-diff.txt"), "w") as fh:
                fh.writelines(d)
            sys.stderr.write(f"--- first difference, {a} vs {b} ({first}):\n")
            for line in d[:12]:
                sys.stderr.write("    " + (line if len(line) < 160 else line[:157] + "...\n"))
PY
declare -A BAD_JSON UNCHANGED MISSING DIFFER
while read -r _kind name rest; do
  for kv in $rest; do
    k=${kv%%=*}; v=${kv#*=}
    case $k in
      bad_json) BAD_JSON[$name]=$v ;; unchanged) UNCHANGED[$name]=$v ;;
      missing) MISSING[$name]=$v ;; differ) DIFFER[$name]=$v ;;
    esac
  done
done < "$SANITY/summary.txt"
log "sanity: $(tr '\n' ';' < "$SANITY/summary.txt")"

# ---------------------------------------------------------------- 5. batch timing
median() { sort -n | awk '{a[NR]=$1} END{ if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'; }
secs() { awk -v d="$1" 'BEGIN{printf "%.3f", d/1e6}'; }
fs_of() { findmnt -no FSTYPE,OPTIONS -T "$1" 2>/dev/null | awk 'NR == 1 { print $1 ", mounted " $2 }' || true; }

# Every timed run gets its own copy of the corpus, all made (and flushed)
# before the first timed run in that place and deleted only at the end:
# deleting hundreds of MB frees blocks, and on a filesystem mounted with
# `discard` the trims run in the background and would land in a timed run.
declare -A BATCH_S BATCH_RUNS BATCH_SYNC BATCH_DURABLE
declare -A WHERE_FS
NCOPIES=$(( RUNS * ${#BATCH_TOOLS[@]} ))
# A disk as most machines have one: ext4 with a journal, as mkfs.ext4 makes
# it, in an image on a loop device (needs root), sized for the copies.
# This machine's own disk may be set up otherwise: this project's VM has
# ext4 without a journal, mounted with `discard`, where deleting a file
# waits for the device to trim its blocks and creating one searches past
# every inode freed in the last minutes. Direct I/O on the image keeps its
# blocks out of the page cache a second time.
if [[ -z $WORK_ARG && $(id -u) == 0 && -e /dev/loop-control ]] \
    && command -v losetup >/dev/null && command -v mkfs.ext4 >/dev/null; then
  if truncate -s $(( TOTAL_BYTES * NCOPIES * 13 / 10 + (1 << 30) )) "$LOOP_IMG" \
      && mkfs.ext4 -q -F "$LOOP_IMG" \
      && LOOP_DEV=$(losetup -f --show --direct-io=on "$LOOP_IMG") \
      && mkdir -p "$LOOP_MNT" && mount "$LOOP_DEV" "$LOOP_MNT"; then
    log "ext4 with a journal on $LOOP_DEV, mounted at $LOOP_MNT"
    WORKS+=("$LOOP_MNT/nbscrub-bench-work"); WHERE+=("target/bench-ext4/nbscrub-bench-work")
  else
    note "could not set up ext4 on a loop device; timing without it"
  fi
fi

# Whether the ext4 holding $1 has a journal: Linux lists each journal in
# /proc/fs/jbd2 as <device>-<inode>.
has_journal() {
  local dev
  dev=$(findmnt -no SOURCE -T "$1" 2>/dev/null | head -n 1)
  compgen -G "/proc/fs/jbd2/${dev##*/}-*" >/dev/null
}

for w in "${!WORKS[@]}"; do
  WORK=${WORKS[$w]}
  rm -rf "$WORK"
  mkdir -p "$WORK"
  NEED=$(( TOTAL_BYTES * NCOPIES * 11 / 10 ))
  AVAIL=$(df --output=avail -B1 "$WORK" | tail -n 1)
  if (( NEED >= AVAIL )); then
    echo "need ~$((NEED / 1000000)) MB free in $WORK for $NCOPIES copies of the corpus, have $((AVAIL / 1000000)) MB" >&2
    exit 1
  fi
  WHERE_FS[$w]=$(fs_of "$WORK")
  if [[ ${WHERE_FS[$w]} == ext4,* ]]; then
    if has_journal "$WORK"; then WHERE_FS[$w]+="; with a journal"; else WHERE_FS[$w]+="; without a journal"; fi
  fi
  log "batch in ${WHERE[$w]} (${WHERE_FS[$w]}): making $NCOPIES copies of the corpus (untimed)"
  for tool in "${BATCH_TOOLS[@]}"; do
    for ((run = 1; run <= RUNS; run++)); do
      cp -a "$CORPUS/nb" "$WORK/$tool.$run"
    done
  done
  sync
  sleep 3
  # ext4 without a journal (this project's disk) will not reuse an inode
  # freed in the last 60 s (once its inode table is flushed, as the sync
  # above does), and searches past every such inode each time it creates a
  # file: after this script deleted its sanity copies, and the previous
  # run's copies, that search falls on the only tool that creates files
  # (nbscrub's temporary files) and on no user's ordinary day. Let the
  # window pass once; the tools' own runs are not waited for.
  if [[ ${WHERE_FS[$w]} == *"; without a journal" ]]; then
    log "waiting 65 s for ext4 to stop avoiding the inodes this script just freed"
    sleep 65
  fi

  # Run r of every tool, then run r+1 of every tool: a change in the
  # machine's load (this is a shared VM) falls on all tools alike instead of
  # on whichever tool was running when it came.
  declare -A TIMES=() SYNCS=() DURABLES=() RC=()
  for ((run = 1; run <= RUNS; run++)); do
    for tool in "${BATCH_TOOLS[@]}"; do
      [[ ${RC[$tool]:-0} == 0 ]] || continue
      rc=0
      t0=$(now_us)
      (cd "$WORK/$tool.$run" && "batch_$tool" >/dev/null 2>"$T/bench-batch-$tool.err") || rc=$?
      t1=$(now_us)
      sync    # untimed: flush what the run left dirty, so the next run starts clean
      t2=$(now_us)
      RC[$tool]=$rc
      (( rc == 0 )) || continue
      TIMES[$tool]+="$(secs $((t1 - t0))) "
      SYNCS[$tool]+="$(secs $((t2 - t1))) "
      DURABLES[$tool]+="$(secs $((t2 - t0))) "
      log "batch ${LABEL[$tool]} run $run/$RUNS: $(secs $((t1 - t0))) s (then sync: $(secs $((t2 - t1))) s)"
      sleep 1
    done
  done
  for tool in "${BATCH_TOOLS[@]}"; do
    k="$w:$tool"
    if [[ ${RC[$tool]} != 0 ]]; then
      log "WARNING: ${LABEL[$tool]} batch exited ${RC[$tool]} (see $T/bench-batch-$tool.err)"
      BATCH_S[$k]=""
      BATCH_RUNS[$k]="exit ${RC[$tool]}"
      BATCH_SYNC[$k]="—"
      BATCH_DURABLE[$k]=""
    else
      read -r -a times <<< "${TIMES[$tool]}"
      read -r -a syncs <<< "${SYNCS[$tool]}"
      BATCH_S[$k]=$(printf '%s\n' "${times[@]}" | median)
      BATCH_RUNS[$k]=$(IFS=/; echo "${times[*]}")
      BATCH_SYNC[$k]=$(printf '%s\n' "${syncs[@]}" | median)
      BATCH_DURABLE[$k]=$(printf '%s\n' ${DURABLES[$tool]} | median)
    fi
  done
done

# ---------------------------------------------------------------- 6. per file via stdin
STEP=$(( NFILES / PER_FILE )); (( STEP >= 1 )) || STEP=1
mapfile -t SAMPLE < <(awk -v s="$STEP" -v m="$PER_FILE" '(NR - 1) % s == 0 && n < m { print; n++ }' "$LIST")
NSAMPLE=${#SAMPLE[@]}
SAMPLE_BYTES=$(cd "$CORPUS/nb" && stat -c %s "${SAMPLE[@]}" | awk '{s+=$1} END{print s}')
SAMPLE_KB=$(awk -v b="$SAMPLE_BYTES" -v n="$NSAMPLE" 'BEGIN{printf "%.0f", b/n/1e3}')
# Outputs go to $STDIN_OUT, then are moved to target/bench-sanity/stdin-<tool>/
# for inspection.
log "per-file stdin: $NSAMPLE files (every ${STEP}th, mean $SAMPLE_KB KB), output to $STDIN_WHERE"

stdin_nbstripout()      { "$NBSTRIPOUT"; }
stdin_nbstripout_fast() { "$NBSTRIPOUT_FAST"; }
stdin_nbscrub()         { "$NBSCRUB" strip -; }
stdin_true()            { /bin/true; }
STDIN_TOOLS=(nbstripout nbstripout_fast nbscrub true)
declare -A STDIN_CMD=(
  [nbstripout]="nbstripout < f > out"
  [nbstripout_fast]="nbstripout-fast < f > out"
  [nbscrub]="nbscrub strip - < f > out"
  [true]="/bin/true < f > out"
)
# stdout goes to a regular file, one per sample, not to /dev/null:
# nbstripout 0.9.1 seeks and truncate()s a seekable stdout, which fails with
# EINVAL on /dev/null (after the strip, before the write). The files are
# checked afterwards (valid JSON, equal to nbstripout's output).
declare -A PF_MEAN PF_MED PF_P95 PF_FAIL
cd "$CORPUS/nb"
declare -A DURS=() FAILS=()
for tool in "${STDIN_TOOLS[@]}"; do
  out="$STDIN_OUT/$tool"
  rm -rf "$out"; mkdir -p "$out"
  "stdin_$tool" < "${SAMPLE[0]}" > "$out/warmup" 2>/dev/null || true    # warm-up, untimed
  rm -f "$out/warmup"
  : > "$T/bench-stdin-$tool.err"
  FAILS[$tool]=0
done
# File by file, every tool in turn (interleaved, like the batch runs).
for i in "${!SAMPLE[@]}"; do
  f=${SAMPLE[$i]}
  for tool in "${STDIN_TOOLS[@]}"; do
    t0=$(now_us)
    "stdin_$tool" < "$f" > "$STDIN_OUT/$tool/$i.ipynb" 2>>"$T/bench-stdin-$tool.err" || FAILS[$tool]=$((FAILS[$tool] + 1))
    t1=$(now_us)
    DURS[$tool]+="$((t1 - t0)) "
  done
done
for tool in "${STDIN_TOOLS[@]}"; do
  PF_FAIL[$tool]=${FAILS[$tool]}
  read -r "PF_MEAN[$tool]" "PF_MED[$tool]" "PF_P95[$tool]" < <(printf '%s\n' ${DURS[$tool]} | sort -n |
    awk '{a[NR]=$1; s+=$1} END{ i=int(NR*0.95+0.999); if(i<1)i=1; if(i>NR)i=NR;
         printf "%.2f %.2f %.2f\n", s/NR/1e3, (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)/1e3, a[i]/1e3 }')
  log "stdin ${LABEL[$tool]}: mean ${PF_MEAN[$tool]} ms, median ${PF_MED[$tool]} ms (${FAILS[$tool]} failed)"
  rm -rf "$SANITY/stdin-$tool"
  mv "$STDIN_OUT/$tool" "$SANITY/stdin-$tool"
done
cd "$ROOT"
declare -A PF_JSON PF_SAME
while read -r tool nj ns; do PF_JSON[$tool]=$nj; PF_SAME[$tool]=$ns; done < <(
  python3 - "$SANITY" "$NSAMPLE" <<'PY'
import json, os, sys
sanity, n = sys.argv[1], int(sys.argv[2])
def read(tool, i):
    try:
        return open(os.path.join(sanity, f"stdin-{tool}", f"{i}.ipynb"), "rb").read()
    except OSError:
        return None
for tool in ["nbstripout", "nbstripout_fast", "nbscrub"]:
    ok = same = 0
    for i in range(n):
        data = read(tool, i)
        try:
            json.loads(data or b"")
            ok += 1
        except ValueError:
            pass
        if data is not None and data == read("nbstripout", i):
            same += 1
    print(tool, ok, same)
PY
)

# ---------------------------------------------------------------- 7. report
ver() { "$@" 2>/dev/null | head -1 || true; }
CPU=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || true)
MEM=$(awk '/^MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)
NBSCRUB_REV=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "no commit")
if [[ -n "$(git -C "$ROOT" status --porcelain -- src Cargo.toml Cargo.lock 2>/dev/null)" ]]; then
  NBSCRUB_REV="$NBSCRUB_REV + uncommitted changes"
fi

fmt_ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a == "" || b == "" || b == 0) print "n/a"; else { r = a/b; printf (r >= 10 ? "%.0f×" : "%.1f×"), r } }'; }
mbps()  { awk -v b="$TOTAL_BYTES" -v s="$1" 'BEGIN{ if (s == "" || s == 0) print "—"; else printf "%.1f", b/1e6/s }'; }
fps()   { awk -v n="$NFILES" -v s="$1" 'BEGIN{ if (s == "" || s == 0) print "—"; else printf "%.0f", n/s }'; }
orfail() { [[ -n $1 ]] && echo "$1" || echo "failed"; }

WARN=""
# The real corpus holds notebooks that are already stripped, so files left
# unchanged prove nothing; files that differ from nbstripout's do.
if [[ ${SANITY_RC[nbscrub_dir]} != 0 || ${BAD_JSON[nbscrub_dir]:-1} != 0 || ${DIFFER[nbscrub_dir:nbstripout]:-1} != 0 || ${MISSING[nbscrub_dir]:-1} != 0 ]]; then
  WARN="nbscrub's batch run did not strip the corpus as nbstripout does (exit ${SANITY_RC[nbscrub_dir]}, ${BAD_JSON[nbscrub_dir]:-?} files not JSON, ${DIFFER[nbscrub_dir:nbstripout]:-?} of $NFILES files differ from nbstripout's): its batch figures below do not measure a working strip."
fi
if [[ ${PF_FAIL[nbscrub]} != 0 || ${PF_JSON[nbscrub]:-0} != "$NSAMPLE" ]]; then
  WARN="${WARN:+$WARN }nbscrub's stdin mode failed on ${PF_FAIL[nbscrub]} files and produced valid JSON for ${PF_JSON[nbscrub]:-0}/$NSAMPLE: its per-file figures do not measure a working strip."
fi
[[ -n $WARN ]] && log "WARNING: $WARN"

{
  echo "# nbscrub strip vs nbstripout vs nbstripout-fast"
  echo
  [[ -n $WARN ]] && { echo "> **Warning:** $WARN"; echo; }
  echo "- command: \`$CMDLINE\` (run from the repo root)"
  echo "- machine: $(nproc) cores ($CPU), $MEM RAM, $(uname -sr); load average (1/5/15 min) at start $LOAD_START, at end $(cut -d' ' -f1-3 /proc/loadavg) — anything well above 0 means something else was running and the timings are noisy"
  echo "- nbscrub: \`target/release/nbscrub\` built from $NBSCRUB_REV"
  echo "- nbstripout $(ver "$NBSTRIPOUT" --version) and nbstripout-fast ($(ver "$NBSTRIPOUT_FAST" --version)) from PyPI in \`target/bench-venv\` ($("$VENV/bin/python" --version 2>&1))"
  if (( REAL )); then
    echo "- corpus: $NFILES copies of the real notebooks in \`../shared/corpus/real-notebooks/inputs\` that nbformat reads, $TOTAL_MB MB, mean $(awk -v b="$TOTAL_BYTES" -v n="$NFILES" 'BEGIN{printf "%.0f", b/n/1e3}') KB/file"
  else
    echo "- corpus: $NFILES generated executed notebooks (\`benches/gen_notebooks.py --seed $SEED\`), $TOTAL_MB MB, mean $(awk -v b="$TOTAL_BYTES" -v n="$NFILES" 'BEGIN{printf "%.0f", b/n/1e3}') KB/file"
  fi
  echo "- $ARGNOTE"
  echo
  echo "## Batch: one process strips every file in place"
  echo
  echo "Wall time, median of $RUNS runs, each on its own copy of the corpus, made and flushed before timing."
  echo "\"sync after\" is the untimed \`sync\` right after each run (median): write-back a tool left to the kernel instead of waiting for it."
  for w in "${!WORKS[@]}"; do
    S_PY=${BATCH_S[$w:nbstripout]}; S_FAST=${BATCH_S[$w:nbstripout_fast]}
    S_DIR=${BATCH_S[$w:nbscrub_dir]}; S_FILES=${BATCH_S[$w:nbscrub_files]}
    echo
    echo "### In \`${WHERE[$w]}\` (${WHERE_FS[$w]})"
    echo
    echo "| tool | command | median s | runs (s) | MB/s | files/s | sync after (s) | nbscrub (DIR) speed-up vs this |"
    echo "|---|---|---:|---|---:|---:|---:|---:|"
    for tool in "${BATCH_TOOLS[@]}"; do
      s=${BATCH_S[$w:$tool]}
      echo "| ${LABEL[$tool]} | \`${BATCH_CMD[$tool]}\` | $(orfail "$s") | ${BATCH_RUNS[$w:$tool]} | $(mbps "$s") | $(fps "$s") | ${BATCH_SYNC[$w:$tool]} | $(fmt_ratio "$s" "$S_DIR") |"
    done
    echo
    echo "**nbscrub batch (DIR) is $(fmt_ratio "$S_PY" "$S_DIR") nbstripout, $(fmt_ratio "$S_FAST" "$S_DIR") nbstripout-fast** (ratio of wall times; > 1× means nbscrub is faster)."
    echo "nbscrub with FILES... is $(fmt_ratio "$S_PY" "$S_FILES") nbstripout, $(fmt_ratio "$S_FAST" "$S_FILES") nbstripout-fast."
    S_FLOOR=${BATCH_S[$w:floor]}
    echo "The floor (\`benches/strip_floor.rs\`: each notebook read, its first eighth written back through the same temporary file, sync and rename, no JSON) takes $(orfail "$S_FLOOR") s: what reading the files and rewriting them atomically costs by itself. Against nbstripout, the floor alone is $(fmt_ratio "$S_PY" "$S_FLOOR"); nbscrub's JSON work adds $(awk -v a="$S_DIR" -v b="$S_FLOOR" 'BEGIN{ if (a == "" || b == "") print "?"; else printf "%.3f", a - b }') s."
    D_DIR=${BATCH_DURABLE[$w:nbscrub_dir]}; D_FAST=${BATCH_DURABLE[$w:nbstripout_fast]}; D_PY=${BATCH_DURABLE[$w:nbstripout]}
    echo "Until the stripped notebooks are on disk (each run plus the sync after it, median): nbscrub (DIR) $(orfail "$D_DIR") s, nbstripout-fast $(orfail "$D_FAST") s, nbstripout $(orfail "$D_PY") s; nbscrub is $(fmt_ratio "$D_PY" "$D_DIR") nbstripout, $(fmt_ratio "$D_FAST" "$D_DIR") nbstripout-fast."
  done
  echo
  echo "## Per file via stdin (what a git clean filter does)"
  echo
  echo "One process per file, \`tool < f > out\`, over $NSAMPLE files spread over the corpus (every ${STEP}th; mean $SAMPLE_KB KB)."
  echo "out is a new regular file per sample in \`$STDIN_WHERE\` (kept in \`target/bench-sanity/stdin-<tool>/\`), not /dev/null: nbstripout 0.9.1 truncate()s a seekable stdout, which fails on /dev/null."
  echo "nbstripout-fast reads stdin when it is given no file arguments and writes to stdout."
  echo
  echo "| tool | command | mean ms | median ms | p95 ms | failures | valid JSON out | same bytes as nbstripout | nbscrub speed-up vs this |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
  for tool in "${STDIN_TOOLS[@]}"; do
    if [[ $tool == nbscrub || $tool == true ]]; then r="—"; else r="$(fmt_ratio "${PF_MEAN[$tool]}" "${PF_MEAN[nbscrub]}")"; fi
    if [[ $tool == true ]]; then j="—"; sm="—"; else j="${PF_JSON[$tool]:-?}/$NSAMPLE"; sm="${PF_SAME[$tool]:-?}/$NSAMPLE"; fi
    [[ $tool == nbstripout ]] && sm="(reference)"
    echo "| ${LABEL[$tool]} | \`${STDIN_CMD[$tool]}\` | ${PF_MEAN[$tool]} | ${PF_MED[$tool]} | ${PF_P95[$tool]} | ${PF_FAIL[$tool]} | $j | $sm | $r |"
  done
  echo
  echo "**nbscrub per file: ${PF_MEAN[nbscrub]} ms mean vs ${PF_MEAN[nbstripout]} ms nbstripout ($(fmt_ratio "${PF_MEAN[nbstripout]}" "${PF_MEAN[nbscrub]}")) and ${PF_MEAN[nbstripout_fast]} ms nbstripout-fast ($(fmt_ratio "${PF_MEAN[nbstripout_fast]}" "${PF_MEAN[nbscrub]}")); process floor (/bin/true) ${PF_MEAN[true]} ms.**"
  echo
  echo "## Sanity (one untimed batch run per tool, outputs in \`target/bench-sanity/\`)"
  echo
  echo "| tool | exit | files not valid JSON | files left byte-identical to the input |"
  echo "|---|---:|---:|---:|"
  for tool in "${SANITY_TOOLS[@]}"; do
    echo "| ${LABEL[$tool]} | ${SANITY_RC[$tool]} | ${BAD_JSON[$tool]:-?} | ${UNCHANGED[$tool]:-?} |"
  done
  echo
  echo "Files left byte-identical had nothing to strip (nbstripout leaves them too); the comparison below is the check that matters."
  echo
  echo "| comparison | files whose output differs (of $NFILES) |"
  echo "|---|---:|"
  echo "| **nbscrub vs nbstripout** | **${DIFFER[nbscrub_dir:nbstripout]:-?}** |"
  echo "| nbstripout-fast vs nbstripout | ${DIFFER[nbstripout_fast:nbstripout]:-?} |"
  echo "| nbstripout-fast vs \`nbstripout --keep-id --extra-keys metadata.vscode\` | ${DIFFER[nbstripout_fast:nbstripout_likefast]:-?} |"
  echo
  echo "nbstripout-fast keeps cell ids (nbstripout renumbers them \"0\", \"1\", ...) and also drops \`metadata.vscode\` by default, so it is not expected to match nbstripout; the last row compares it with nbstripout set up the same way."
  echo "Differing files are listed in \`target/bench-strip-diffs.txt\`, the first diff of each comparison is in \`target/bench-sanity/A-vs-B.first-diff.txt\`."
  if [[ ${DIFFER[nbscrub_dir:nbstripout]:-0} != 0 && -f $SANITY/nbscrub_dir-vs-nbstripout.first-diff.txt ]]; then
    echo
    echo "First difference, nbscrub vs nbstripout (long lines cut):"
    echo
    echo '```diff'
    head -n 24 "$SANITY/nbscrub_dir-vs-nbstripout.first-diff.txt" | cut -c1-200
    echo '```'
  fi
  if [[ ${DIFFER[nbstripout_fast:nbstripout_likefast]:-0} != 0 && -f $SANITY/nbstripout_fast-vs-nbstripout_likefast.first-diff.txt ]]; then
    echo
    echo "First difference, nbstripout-fast vs nbstripout with its defaults (long lines cut):"
    echo
    echo '```diff'
    head -n 24 "$SANITY/nbstripout_fast-vs-nbstripout_likefast.first-diff.txt" | cut -c1-200
    echo '```'
  fi
  echo
  echo "Total script time: $((SECONDS - SCRIPT_T0)) s."
} > "$REPORT"

echo
cat "$REPORT"
log "report written to $REPORT"
