#!/bin/bash
# nbscrub sweeper for a SageMaker Studio Code Editor space
# (Studio lifecycle configuration, app type CodeEditor).
#
# Studio runs this as sagemaker-user at every start of the Code Editor app;
# the home directory, /home/sagemaker-user, is on the space's EBS volume and
# survives restarts. The script installs nbscrub into ~/.local/bin (skipped
# when that version is already there) and starts one `nbscrub sweep` on the
# home directory in the background, then returns at once (LCCs must finish
# within 5 minutes).
#
# Code Editor runs no Jupyter server, so the sweeper cannot ask which
# notebooks are open: --min-age alone keeps it off the ones being worked on,
# hence a longer default here. If a notebook open in the editor is stripped
# on disk, the editor shows it without outputs, or, with unsaved changes,
# writes them back on the next save (and the next round strips them again).
#
# Logs:
# - This script's stdout and stderr go to CloudWatch Logs, log group
#   /aws/sagemaker/studio, stream
#   DOMAIN-ID/SPACE-NAME/CodeEditor/default/LifecycleConfigOnStart.
# - The sweeper appends one JSON line per action to $LOG on the volume.
#   Studio does not ship that file; AWS's sample LCCs write to
#   /var/log/apps/app_container.log "to deliver logs to CloudWatch", so
#   LOG=/var/log/apps/app_container.log sends the JSON lines there instead.
# - The sweeper's own stderr (a bad option, say) goes to $SWEEP_STDERR.
#
# Never touches crontab. Safe to run again: a sweeper already running on
# SWEEP_ROOT is left alone (and nbscrub's lock on the root would make a
# second one exit at once anyway).
set -euo pipefail

# --- Settings: edit here, or override from the environment ----------------
# Where nbscrub comes from. Set one of the two:
#  - an S3 object holding the Linux x86_64 binary (a static musl build needs
#    no particular glibc), copied with the space's execution role;
#  - a pip index URL (a private mirror or CodeArtifact, as Studio may have no
#    internet) serving the nbscrub wheel.
NBSCRUB_S3_URI="${NBSCRUB_S3_URI:-}"    # e.g. s3://my-bucket/tools/nbscrub-0.1.0-x86_64-linux
NBSCRUB_PIP_INDEX="${NBSCRUB_PIP_INDEX:-}"  # e.g. https://pypi.internal.example/simple
NBSCRUB_VERSION="${NBSCRUB_VERSION:-0.1.0}"  # what `nbscrub --version` must print
SWEEP_ROOT="${SWEEP_ROOT:-${HOME:-/home/sagemaker-user}}"
SWEEP_INTERVAL="${SWEEP_INTERVAL:-30m}"  # how often the sweeper goes round
SWEEP_MIN_AGE="${SWEEP_MIN_AGE:-30m}"   # notebooks changed more recently wait
LOG="${LOG:-$SWEEP_ROOT/.nbscrub/sweep.log}"
SWEEP_STDERR="${SWEEP_STDERR:-$SWEEP_ROOT/.nbscrub/sweep.stderr}"
INSTALL_PREFIX="${INSTALL_PREFIX:-${HOME:-/home/sagemaker-user}/.local}"  # binary: $INSTALL_PREFIX/bin/nbscrub
PYTHON="${PYTHON:-python3}"             # whose pip installs the wheel
# 0: if nbscrub cannot be installed, say so here and let the app start
# without the sweeper. 1: fail this script, and with it the app start.
NBSCRUB_REQUIRED="${NBSCRUB_REQUIRED:-0}"
# ---------------------------------------------------------------------------

BIN="$INSTALL_PREFIX/bin/nbscrub"

say() { printf 'nbscrub-lcc: %s\n' "$*"; }

fail() {
    printf 'nbscrub-lcc: error: %s\n' "$*" >&2
    if [ "$NBSCRUB_REQUIRED" = 1 ]; then
        exit 1
    fi
    say "the sweeper is not started (NBSCRUB_REQUIRED=1 would fail the app start instead)"
    exit 0
}

installed_version() { "$BIN" --version 2>/dev/null || true; }

# Download next to the binary, then rename: a running binary is never
# overwritten in place.
install_from_s3() {
    local tmp="$BIN.part.$$"
    if aws s3 cp "$NBSCRUB_S3_URI" "$tmp" --only-show-errors --cli-connect-timeout 20 &&
        chmod 755 "$tmp" && mv -f "$tmp" "$BIN"; then
        return 0
    fi
    rm -f "$tmp"
    return 1
}

# --user with PYTHONUSERBASE puts the binary in $INSTALL_PREFIX/bin.
install_from_pip() {
    PYTHONUSERBASE="$INSTALL_PREFIX" "$PYTHON" -m pip install --user \
        --index-url "$NBSCRUB_PIP_INDEX" --force-reinstall --no-deps \
        --quiet --disable-pip-version-check --no-input --no-warn-script-location \
        --timeout 30 --retries 2 "nbscrub==$NBSCRUB_VERSION"
}

# A process whose command line has `nbscrub sweep SWEEP_ROOT`.
sweeper_running() {
    local root_re
    command -v pgrep >/dev/null 2>&1 || return 1
    root_re="$(printf '%s' "$SWEEP_ROOT" | sed 's/[][\.*^$+?(){}|]/\\&/g')"
    pgrep -f -- "nbscrub sweep $root_re( |\$)" >/dev/null
}

# Start "$@" in its own session with no terminal and no open pipes, so that
# this script returns at once and the process outlives it.
detach() {
    local pid
    touch "$SWEEP_STDERR" 2>/dev/null || SWEEP_STDERR=/dev/null
    if command -v setsid >/dev/null 2>&1; then
        setsid nohup "$@" </dev/null >/dev/null 2>"$SWEEP_STDERR" &
    else
        nohup "$@" </dev/null >/dev/null 2>"$SWEEP_STDERR" &
    fi
    pid=$!
    disown "$pid" 2>/dev/null || true
    sleep 1
    if kill -0 "$pid" 2>/dev/null; then
        say "sweeper started (pid $pid) on $SWEEP_ROOT, every $SWEEP_INTERVAL, min age $SWEEP_MIN_AGE; log: $LOG"
    else
        say "warning: the sweeper exited at once; its stderr ($SWEEP_STDERR):" >&2
        tail -n 5 "$SWEEP_STDERR" >&2 2>/dev/null || true
    fi
}

[ -d "$SWEEP_ROOT" ] || fail "$SWEEP_ROOT is not a directory"
mkdir -p "$INSTALL_PREFIX/bin" "$(dirname "$LOG")" "$(dirname "$SWEEP_STDERR")"

if [ "$(installed_version)" = "nbscrub $NBSCRUB_VERSION" ]; then
    say "nbscrub $NBSCRUB_VERSION is already installed at $BIN"
else
    if [ -n "$NBSCRUB_S3_URI" ]; then
        say "installing nbscrub $NBSCRUB_VERSION from $NBSCRUB_S3_URI to $BIN"
        install_from_s3 || fail "could not copy $NBSCRUB_S3_URI to $BIN"
    elif [ -n "$NBSCRUB_PIP_INDEX" ]; then
        say "installing nbscrub==$NBSCRUB_VERSION from $NBSCRUB_PIP_INDEX to $BIN"
        install_from_pip || fail "pip could not install nbscrub==$NBSCRUB_VERSION from $NBSCRUB_PIP_INDEX"
    else
        fail "set NBSCRUB_S3_URI or NBSCRUB_PIP_INDEX at the top of this script"
    fi
    got="$(installed_version)"
    if [ "$got" != "nbscrub $NBSCRUB_VERSION" ]; then
        fail "$BIN reports '${got:-nothing}', not 'nbscrub $NBSCRUB_VERSION'"
    fi
fi

if sweeper_running; then
    say "a sweeper is already running on $SWEEP_ROOT; not starting another"
else
    detach "$BIN" sweep "$SWEEP_ROOT" --interval "$SWEEP_INTERVAL" \
        --min-age "$SWEEP_MIN_AGE" --log "$LOG"
fi
