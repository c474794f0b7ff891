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
