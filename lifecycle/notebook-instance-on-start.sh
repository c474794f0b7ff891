#!/bin/bash
# nbscrub sweeper for a SageMaker notebook instance (the OnStart script of a
# notebook instance lifecycle configuration).
#
# SageMaker runs this as root at every start of the instance, with PATH
# /sbin:bin:/usr/sbin:/usr/bin. Only /home/ec2-user/SageMaker survives a stop,
# so nbscrub is installed into /usr/local/bin again at each start. Jupyter runs
# as ec2-user, and so does the sweeper (sudo -u ec2-user, as AWS advises for
# anything that touches /home/ec2-user/SageMaker): it then finds the Jupyter
# server's runtime files under ~ec2-user and asks it which notebooks are open.
# The script returns at once (lifecycle scripts must finish within 5 minutes).
#
# Logs:
# - This script's stdout and stderr go to CloudWatch Logs, log group
#   /aws/sagemaker/NotebookInstances, stream INSTANCE-NAME/LifecycleConfigOnStart.
# - The sweeper appends one JSON line per action to $LOG, which is kept on the
#   /home/ec2-user/SageMaker volume. The instance's CloudWatch agent (awslogs)
#   ships only the files listed in /etc/awslogs/awslogs.conf, so with
#   SHIP_LOG=1 this script adds $LOG there, as stream
#   INSTANCE-NAME/nbscrub-sweep of /aws/sagemaker/NotebookInstances (the way
#   AWS's auto-stop-idle sample ships its log), and restarts the agent.
# - The sweeper's own stderr (a bad option, say) goes to $SWEEP_STDERR.
#
# Never touches crontab. Safe to run again: a sweeper already running on
# SWEEP_ROOT is left alone (and nbscrub's lock on the root would make a
# second one exit at once anyway).
set -euo pipefail
export PATH="$PATH:/usr/local/sbin:/usr/local/bin"

# --- Settings: edit here, or override from the environment ----------------
# Where nbscrub comes from. Set one of the two:
#  - an S3 object holding the Linux x86_64 binary (a static musl build needs
#    no particular glibc), copied with the instance's execution role;
#  - a pip index URL (a private mirror or CodeArtifact for instances without
#    internet) serving the nbscrub wheel.
NBSCRUB_S3_URI="${NBSCRUB_S3_URI:-}"    # e.g. s3://my-bucket/tools/nbscrub-0.1.0-x86_64-linux
NBSCRUB_PIP_INDEX="${NBSCRUB_PIP_INDEX:-}"  # e.g. https://pypi.internal.example/simple
NBSCRUB_VERSION="${NBSCRUB_VERSION:-0.1.0}"  # what `nbscrub --version` must print
SWEEP_ROOT="${SWEEP_ROOT:-/home/ec2-user/SageMaker}"
SWEEP_INTERVAL="${SWEEP_INTERVAL:-30m}"  # how often the sweeper goes round
SWEEP_MIN_AGE="${SWEEP_MIN_AGE:-10m}"   # notebooks changed more recently wait
LOG="${LOG:-$SWEEP_ROOT/.nbscrub/sweep.log}"
SWEEP_STDERR="${SWEEP_STDERR:-$SWEEP_ROOT/.nbscrub/sweep.stderr}"
RUN_AS="${RUN_AS:-ec2-user}"            # the sweeper's user (Jupyter's)
INSTALL_PREFIX="${INSTALL_PREFIX:-/usr/local}"  # binary: $INSTALL_PREFIX/bin/nbscrub
PYTHON="${PYTHON:-python3}"             # whose pip installs the wheel
SHIP_LOG="${SHIP_LOG:-1}"               # 1: add $LOG to the awslogs agent
AWSLOGS_CONF="${AWSLOGS_CONF:-/etc/awslogs/awslogs.conf}"
METADATA="${METADATA:-/opt/ml/metadata/resource-metadata.json}"  # has the instance name
# 0: if nbscrub cannot be installed, say so here and let the instance start
# without the sweeper. 1: fail this script, and with it the instance start.
NBSCRUB_REQUIRED="${NBSCRUB_REQUIRED:-0}"
# ---------------------------------------------------------------------------

BIN="$INSTALL_PREFIX/bin/nbscrub"

say() { printf 'nbscrub-lcc: %s\n' "$*"; }

fail() {
    printf 'nbscrub-lcc: error: %s\n' "$*" >&2
    if [ "$NBSCRUB_REQUIRED" = 1 ]; then
        exit 1
    fi
    say "the sweeper is not started (NBSCRUB_REQUIRED=1 would fail the instance start instead)"
    exit 0
}

installed_version() { "$BIN" --version 2>/dev/null || true; }

# Give what root creates for the sweeper to RUN_AS (when run as root and the
# user exists).
give() {
    if [ "$(id -u)" -eq 0 ] && id "$RUN_AS" >/dev/null 2>&1; then
        chown "$RUN_AS:" "$@"
    fi
}

# mkdir -p DIR, and give DIR to RUN_AS if it is new.
user_dir() {
    if [ ! -d "$1" ]; then
        mkdir -p "$1"
        give "$1"
    fi
}

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

# --prefix puts the binary in $INSTALL_PREFIX/bin.
install_from_pip() {
    "$PYTHON" -m pip install --prefix "$INSTALL_PREFIX" \
        --index-url "$NBSCRUB_PIP_INDEX" --force-reinstall --no-deps \
        --quiet --disable-pip-version-check --no-input --no-warn-script-location \
        --timeout 30 --retries 2 "nbscrub==$NBSCRUB_VERSION"
}

# A process whose command line has `nbscrub sweep SWEEP_ROOT` (the sweeper,
# or the sudo that runs it).
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
        say "sweeper started (pid $pid, user $RUN_AS) on $SWEEP_ROOT, every $SWEEP_INTERVAL, min age $SWEEP_MIN_AGE; log: $LOG"
    else
        say "warning: the sweeper exited at once; its stderr ($SWEEP_STDERR):" >&2
        tail -n 5 "$SWEEP_STDERR" >&2 2>/dev/null || true
    fi
}

# Add $LOG to the awslogs agent's configuration (once) and restart the agent.
ship_log() {
    local name
    if [ ! -f "$AWSLOGS_CONF" ]; then
        say "no $AWSLOGS_CONF: $LOG is not shipped to CloudWatch"
        return 0
    fi
    if grep -qxF "[$LOG]" "$AWSLOGS_CONF"; then
        return 0
    fi
    name="$(sed -n 's/.*"ResourceName"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$METADATA" 2>/dev/null | head -n 1)" || name=""
    if [ -z "$name" ]; then
        name="$(hostname 2>/dev/null)" || name=notebook-instance
    fi
    cat >>"$AWSLOGS_CONF" <<EOF

[$LOG]
file = $LOG
log_group_name = /aws/sagemaker/NotebookInstances
log_stream_name = $name/nbscrub-sweep
initial_position = start_of_file
buffer_duration = 5000
EOF
    if systemctl restart awslogsd >/dev/null 2>&1 || service awslogs restart >/dev/null 2>&1; then
        say "CloudWatch: $LOG goes to /aws/sagemaker/NotebookInstances, stream $name/nbscrub-sweep"
    else
        say "warning: could not restart the awslogs agent; $LOG is shipped after its next restart" >&2
    fi
}

[ -d "$SWEEP_ROOT" ] || fail "$SWEEP_ROOT is not a directory"
mkdir -p "$INSTALL_PREFIX/bin"
user_dir "$(dirname "$LOG")"
user_dir "$(dirname "$SWEEP_STDERR")"
touch "$LOG"
give "$LOG"

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

if [ "$SHIP_LOG" = 1 ]; then
    ship_log
fi

if sweeper_running; then
    say "a sweeper is already running on $SWEEP_ROOT; not starting another"
else
    cmd=("$BIN" sweep "$SWEEP_ROOT" --interval "$SWEEP_INTERVAL"
        --min-age "$SWEEP_MIN_AGE" --log "$LOG")
    if [ "$(id -un)" != "$RUN_AS" ]; then
        cmd=(sudo -u "$RUN_AS" -H -- "${cmd[@]}")
    fi
    detach "${cmd[@]}"
fi
