# Shared by the benchmark scripts: sourced after they set BENCH_NAME.

log() { printf '[%s %(%H:%M:%S)T] %s\n' "$BENCH_NAME" -1 "$*" >&2; }
SCRIPT_T0=$SECONDS
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# Wall clock in microseconds. bash >= 5 has $EPOCHREALTIME (no fork).
now_us() {
  if [[ -n ${EPOCHREALTIME:-} ]]; then
    local t=${EPOCHREALTIME/[.,]/}
    echo "$((10#$t))"
  else
    echo $(( $(date +%s%N) / 1000 ))
  fi
}

# measure NAME RUN DIR CMD...: one timed run of CMD from DIR; stdout and
# stderr of run 1 to OUT/NAME.stdout and OUT/NAME.stderr; appends "run=
# wall_s= rss_kb= rc=" to OUT/NAME.run and sets LAST_RC. Needs OUT.
measure() {
  local name=$1 run=$2 dir=$3; shift 3
  local t0 t1 rc=0 rss="" so="$OUT/$name.stdout" se="$OUT/$name.stderr" tf="$OUT/$name.time"
  (( run == 1 )) || { so="$OUT/scratch.stdout"; se="$OUT/scratch.stderr"; }
  rm -f "$tf"
  t0=$(now_us)
  if [[ -x /usr/bin/time ]]; then
    (cd "$dir" && /usr/bin/time -v -o "$tf" "$@" > "$so" 2> "$se") || rc=$?
  else
    (cd "$dir" && python3 -c '
import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, ru = os.wait4(pid, 0)
open(sys.argv[1], "w").write(f"Maximum resident set size (kbytes): {ru.ru_maxrss}\n")
sys.exit(os.waitstatus_to_exitcode(status) & 255)' "$tf" "$@" > "$so" 2> "$se") || rc=$?
  fi
  t1=$(now_us)
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tf" 2>/dev/null || true)
  printf 'run=%s wall_s=%s rss_kb=%s rc=%s\n' "$run" "$(awk -v d=$((t1 - t0)) 'BEGIN{printf "%.3f", d/1e6}')" \
    "${rss:-}" "$rc" >> "$OUT/$name.run"
  log "$name run $run: $(tail -n 1 "$OUT/$name.run")"
  # shellcheck disable=SC2034  # read by the scripts that source this file
  LAST_RC=$rc
}

# Notes for the report, one per line (what was installed how, what
# failed), in OUT/notes.txt; and sudo where not root, for apt.
if [[ -n ${OUT:-} ]]; then
  NOTES="$OUT/notes.txt"
  : > "$NOTES"
fi
note() { log "$*"; printf '%s\n' "$*" >> "$NOTES"; }
# shellcheck disable=SC2034  # used by the scripts that install with apt
if [[ $(id -u) -eq 0 ]]; then SUDO=""; else SUDO="sudo -n"; fi
