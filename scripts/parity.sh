#!/usr/bin/env bash
# Differential parity harness: `nbscrub strip` vs nbstripout 0.9.1.
#
# Creates (or reuses) a venv at target/parity-venv with nbstripout 0.9.1 and
# pinned dependencies, then runs scripts/parity.py with that venv's python.
# Builds nothing: run `cargo build --release` first (parity.py defaults to
# target/release/nbscrub). All arguments go to parity.py; see
# `scripts/parity.sh --help`. Exit status is parity.py's: 0 = parity,
# 1 = at least one difference, 2 = harness/setup error.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/target/parity-venv"

# Everything nbstripout 0.9.1 pulls in, pinned, so the reference never drifts.
pins=(
  nbstripout==0.9.1
  nbformat==5.11.1
  fastjsonschema==2.22.3
  jsonschema==4.26.0
  jsonschema-specifications==2025.9.1
  referencing==0.37.0
  rpds-py==2026.9.1
  attrs==26.1.0
  jupyter_core==5.9.1
  platformdirs==4.14.7
  traitlets==5.16.1
  typing_extensions==4.16.0
)
want="$(printf '%s\n' "${pins[@]}")"
stamp="$venv/.parity-pins"

if [[ ! -x "$venv/bin/python" || ! -x "$venv/bin/nbstripout" || ! -f "$stamp" ]] \
   || [[ "$(cat "$stamp")" != "$want" ]]; then
  echo "parity.sh: setting up $venv (nbstripout 0.9.1)" >&2
  rm -rf "$venv"
  "${PYTHON:-python3}" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "${pins[@]}"
  printf '%s\n' "$want" > "$stamp"
fi

status=0
"$venv/bin/python" "$root/scripts/parity.py" --nbstripout "$venv/bin/nbstripout" "$@" || status=$?
exit "$status"
