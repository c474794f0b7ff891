#!/usr/bin/env bash
# Pre-commit latency, side by side: nbscrub's hook against what a user would
# run instead on the same staged change (nbstripout over the staged
# notebooks, nbstripout-fast likewise, gitleaks on the staged diff).
#
#   benches/hook.sh [--files N] [--notebooks K] [--runs R]
#
# A repository of N committed files (default 10,000) gets K staged notebooks
# of about 200 KB (default 5); each tool runs R times (default 20), the
# notebooks restaged before every run. Needs benches/strip.sh's venv
# (nbstripout, nbstripout-fast) and benches/scan.sh's gitleaks; a tool that
# is missing is reported as such. Writes target/bench-hook.md.
set -euo pipefail
FILES=10000; NOTEBOOKS=5; RUNS=20
while (($#)); do
  case "$1" in
    --files) FILES="$2"; shift 2 ;;
    --notebooks) NOTEBOOKS="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
T="$ROOT/target"
BENCH_NAME=hook-bench
# shellcheck source=benches/common.sh
source "$ROOT/benches/common.sh"
command -v hyperfine >/dev/null || { log "installing hyperfine"; apt-get install -y -q hyperfine >/dev/null; }

log "building nbscrub (release)"
(cd "$ROOT" && cargo build --release -q)
NBSCRUB="$T/release/nbscrub"
NBSTRIPOUT="$T/bench-venv/bin/nbstripout"
NBSTRIPOUT_FAST="$T/bench-venv/bin/nbstripout-fast"
GITLEAKS="$T/scan-bench-tools/bin/gitleaks"

REPO="$T/hook-bench-repo"
NB_SRC="$T/hook-bench-notebooks"
rm -rf "$REPO" "$NB_SRC"
mkdir -p "$REPO" "$NB_SRC"
log "generating $NOTEBOOKS executed notebooks of about 200 KB"
python3 - "$NB_SRC" "$NOTEBOOKS" <<'PY'
import base64, json, os, random, sys
out, k = sys.argv[1], int(sys.argv[2])
r = random.Random(7)
for n in range(k):
    cells = []
    while len(json.dumps(cells)) < 190_000:
        i = len(cells)
        png = base64.b64encode(bytes(r.getrandbits(8) for _ in range(6000))).decode()
        cells.append({"cell_type": "code", "execution_count": i + 1, "id": f"c{i}", "metadata": {},
                      "source": [f"df{i} = load({i})\n", f"df{i}.plot()"],
                      "outputs": [{"name": "stdout", "output_type": "stream", "text": [f"rows: {i * 1000}\n"]},
                                  {"data": {"image/png": png, "text/plain": ["<Figure>"]}, "metadata": {},
                                   "output_type": "display_data"}]})
    nb = {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    with open(os.path.join(out, f"analysis{n}.ipynb"), "w") as f:
        f.write(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
PY
log "a repository of $FILES committed files"
(
  cd "$REPO"
  git init -q -b main
  python3 - "$FILES" <<'PY'
import os, sys
for i in range(int(sys.argv[1])):
    d = f"src/pkg{i % 100}"
    os.makedirs(d, exist_ok=True)
    with open(f"{d}/mod{i}.py", "w") as f:
        f.write(f"VALUE_{i} = {i}\n")
PY
  git add -A
  git -c user.name=b -c user.email=b@b commit -q -m base
)
# Before every run: the executed notebooks, staged.
PREPARE="cd '$REPO' && git reset -q && cp '$NB_SRC'/*.ipynb . && git add *.ipynb"

declare -a NAMES=() CMDS=()
NAMES+=("nbscrub hook pre-commit"); CMDS+=("cd '$REPO' && GIT_INDEX_FILE=.git/index '$NBSCRUB' hook pre-commit")
if [[ -x "$NBSTRIPOUT" ]]; then
  NAMES+=("nbstripout (pre-commit framework hook)"); CMDS+=("cd '$REPO' && '$NBSTRIPOUT' *.ipynb")
fi
if [[ -x "$NBSTRIPOUT_FAST" ]]; then
  NAMES+=("nbstripout-fast"); CMDS+=("cd '$REPO' && '$NBSTRIPOUT_FAST' *.ipynb")
fi
if [[ -x "$GITLEAKS" ]]; then
  NAMES+=("gitleaks git --pre-commit --staged"); CMDS+=("cd '$REPO' && '$GITLEAKS' git --pre-commit --staged --no-banner . >/dev/null 2>&1; true")
fi

REPORT="$T/bench-hook.md"
{
  echo "# Pre-commit latency"
  echo
  echo "- command: \`benches/hook.sh --files $FILES --notebooks $NOTEBOOKS --runs $RUNS\`"
  echo "- repository: $FILES committed files; $NOTEBOOKS staged notebooks, $(du -ch "$NB_SRC"/*.ipynb | tail -1 | cut -f1) in all, restaged before each run"
  echo "- machine: $(nproc) cores; load at start $LOAD_START"
  echo
  echo "| tool | median ms | min ms | max ms |"
  echo "|---|---:|---:|---:|"
} > "$REPORT"
for i in "${!NAMES[@]}"; do
  log "timing ${NAMES[$i]}"
  json="$T/hook-bench-$i.json"
  hyperfine -N --style none --warmup 2 --runs "$RUNS" -i --prepare "bash -c \"$PREPARE\"" \
    --export-json "$json" "bash -c \"${CMDS[$i]}\"" >/dev/null 2>&1 || { echo "| ${NAMES[$i]} | failed | | |" >> "$REPORT"; continue; }
  python3 - "$json" "${NAMES[$i]}" >> "$REPORT" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f"| {sys.argv[2]} | {r['median'] * 1000:.1f} | {r['min'] * 1000:.1f} | {r['max'] * 1000:.1f} |")
PY
done
echo >> "$REPORT"
echo "Each run includes starting \`bash -c\` (about 1 ms). nbstripout and nbstripout-fast only strip; gitleaks only scans; nbscrub does both." >> "$REPORT"
cat "$REPORT"
