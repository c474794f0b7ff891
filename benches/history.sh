#!/usr/bin/env bash
# History scans, side by side: `nbscrub scan --git-history` against
# `gitleaks git` and `kingfisher scan --git-history full` on a generated
# repository of a few thousand commits in which secrets are added and later
# removed.
#
#   benches/history.sh [--commits N] [--runs R]
#
# Needs the tools benches/scan.sh installs (gitleaks, Kingfisher); a missing
# one is reported as such. Writes target/bench-history.md.
set -euo pipefail
COMMITS=3000; RUNS=3
while (($#)); do
  case "$1" in
    --commits) COMMITS="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
T="$ROOT/target"
BENCH_NAME=history-bench
# shellcheck source=benches/common.sh
source "$ROOT/benches/common.sh"
(cd "$ROOT" && cargo build --release -q)
NBSCRUB="$T/release/nbscrub"
GITLEAKS="$T/scan-bench-tools/bin/gitleaks"
KINGFISHER="$(find "$T/scan-bench-venv" -path '*kingfisher/bin/kingfisher' -type f 2>/dev/null | head -1)"
REPO="$T/history-bench-repo"
OUT="$T/history-bench-out"
rm -rf "$REPO" "$OUT"; mkdir -p "$REPO" "$OUT"

log "generating a repository of $COMMITS commits"
git -C "$REPO" init -q -b main
python3 - "$COMMITS" "$OUT/planted.json" <<'PY' | git -C "$REPO" fast-import --quiet
import json, random, sys, zlib
n, truth_path = int(sys.argv[1]), sys.argv[2]
r = random.Random(11)
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
def rs(k, al=B62): return "".join(r.choice(al) for _ in range(k))
def github():
    body = rs(30); c = zlib.crc32(body.encode()); tail = ""
    for _ in range(6): tail = B62[c % 62] + tail; c //= 62
    return "ghp_" + body + tail
def aws(): return "AKIA" + rs(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
def slack(): return f"xoxb-{r.randrange(10**11, 10**12)}-{r.randrange(10**12, 10**13)}-{rs(24)}"
def stripe(): return "sk_live_" + rs(32)
makers = [github, aws, slack, stripe]
files = {f"src/module_{i}.py": [f"def f{i}_{j}(x):\n    return x + {j}\n" for j in range(40)] for i in range(150)}
files.update({f"notebooks/nb_{i}.ipynb": None for i in range(20)})
def notebook(i, extra=""):
    cells = [{"cell_type": "code", "execution_count": k, "id": f"c{k}", "metadata": {},
              "outputs": [{"name": "stdout", "output_type": "stream", "text": [f"step {k} of {i}\n" + (extra if k == 7 else "")]}],
              "source": [f"run({k})"]} for k in range(30)]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1, sort_keys=True) + "\n"
planted, live = [], {}
mark = 0
def blob(data):
    global mark
    mark += 1
    b = data.encode()
    sys.stdout.write(f"blob\nmark :{mark}\ndata {len(b)}\n"); sys.stdout.flush()
    sys.stdout.buffer.write(b); sys.stdout.write("\n")
    return mark
for c in range(n):
    changes = []
    for _ in range(3):
        path = r.choice(list(files))
        if path.endswith(".ipynb"):
            content = notebook(c)
        else:
            lines = files[path]
            lines[r.randrange(len(lines))] = f"def g{c}(x):\n    return x * {c}\n"
            content = "".join(lines)
        if c % 50 == 10:
            value = r.choice(makers)()
            content += f'\nTOKEN = "{value}"\n' if not path.endswith(".ipynb") else ""
            if path.endswith(".ipynb"):
                content = notebook(c, f"token: {value}\n")
            planted.append({"commit_index": c, "path": path})
            live[path] = c
        elif path in live and c - live[path] > 20:
            del live[path]
        changes.append((path, blob(content)))
    sys.stdout.write(f"commit refs/heads/main\ncommitter b <b@b> {1700000000 + c * 60} +0000\ndata 8\ncommit {c % 10}\n")
    for path, m in changes:
        sys.stdout.write(f"M 100644 :{m} {path}\n")
    sys.stdout.write("\n")
json.dump(planted, open(truth_path, "w"))
PY
git -C "$REPO" checkout -q main
UNIQUE_MB=$(git -C "$REPO" rev-list --objects --all | cut -d' ' -f1 | git -C "$REPO" cat-file --batch-check='%(objecttype) %(objectsize)' | awk '$1=="blob"{s+=$2} END{printf "%.1f", s/1e6}')
log "$(git -C "$REPO" rev-list --count --all) commits, $UNIQUE_MB MB of unique blobs, $(python3 -c "import json;print(len(json.load(open('$OUT/planted.json'))))") planted secrets"

declare -a NAMES=() CMDS=()
NAMES+=(nbscrub); CMDS+=("'$NBSCRUB' scan --git-history --format json > '$OUT/nbscrub.json'")
if [[ -x "$GITLEAKS" ]]; then
  NAMES+=(gitleaks); CMDS+=("'$GITLEAKS' git --no-banner --exit-code 0 --report-format json --report-path '$OUT/gitleaks.json' . >/dev/null 2>&1")
fi
if [[ -n "$KINGFISHER" ]]; then
  NAMES+=(kingfisher); CMDS+=("'$KINGFISHER' scan . --git-history full --format json --no-validate --no-update-check -o '$OUT/kingfisher.json' >/dev/null 2>&1; true")
fi
REPORT="$T/bench-history.md"
{
  echo "# History scans"
  echo
  echo "- command: \`benches/history.sh --commits $COMMITS --runs $RUNS\`"
  echo "- repository: $COMMITS commits, $UNIQUE_MB MB of unique blobs; machine: $(nproc) cores, load at start $LOAD_START"
  echo
  echo "| tool | median s | MB/s of unique blobs | vs gitleaks |"
  echo "|---|---:|---:|---:|"
} > "$REPORT"
declare -A MED=()
for i in "${!NAMES[@]}"; do
  log "timing ${NAMES[$i]}"
  json="$OUT/time-$i.json"
  (cd "$REPO" && hyperfine -N --style none --runs "$RUNS" -i --export-json "$json" "bash -c \"${CMDS[$i]}\"" >/dev/null 2>&1) || true
  MED[${NAMES[$i]}]=$(python3 -c "import json;print(json.load(open('$json'))['results'][0]['median'])" 2>/dev/null || echo "")
done
for name in "${NAMES[@]}"; do
  m=${MED[$name]}
  if [[ -z $m ]]; then echo "| $name | failed | | |" >> "$REPORT"; continue; fi
  python3 -c "
m=$m; g='${MED[gitleaks]:-}'
ratio = f'{float(g)/m:.1f}×' if g else '—'
print(f'| $name | {m:.2f} | {$UNIQUE_MB/m:.1f} | {ratio} |')" >> "$REPORT"
done
python3 - "$OUT" >> "$REPORT" <<'PY'
import json, os, sys
out = sys.argv[1]
planted = json.load(open(os.path.join(out, "planted.json")))
r = json.load(open(os.path.join(out, "nbscrub.json")))
commits = {f["commit"] for f in r["findings"]}
print(f"\nnbscrub: {len(r['findings'])} findings in {len(commits)} commits for {len(planted)} planted secrets, each in a blob of its own.")
PY
cat "$REPORT"
