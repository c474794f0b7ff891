#!/usr/bin/env bash
# The pre-commit framework runs both hooks of .pre-commit-hooks.yaml from
# this repository: `pre-commit try-repo` (pinned pre-commit, in a venv) on a
# scratch repository with an executed notebook and a planted token. Checks
# that nbscrub-scan fails naming the finding, redacted, and that
# nbscrub-strip strips the notebook byte for byte as nbstripout would.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/target/precommit-venv"
if [[ ! -x "$VENV/bin/pre-commit" ]]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "pre-commit==4.7.0"
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export PRE_COMMIT_HOME="$ROOT/target/precommit-cache"
cd "$WORK"
git init -q -b main
# Built at run time so the token is not in this file as one string.
token="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"
printf 'token = "%s"\n' "$token" > app.py
cp "$ROOT/fixtures/notebooks/jupyterlab.ipynb" nb.ipynb
git add .
set +e
"$VENV/bin/pre-commit" try-repo "$ROOT" --all-files > out.txt 2>&1
rc=$?
set -e
fail() { echo "try-repo: $*" >&2; sed "s/$token/<TOKEN>/g" out.txt >&2; exit 1; }
[[ $rc -ne 0 ]] || fail "expected the hooks to fail"
grep -q '^nbscrub scan\.*Failed' out.txt || fail "nbscrub-scan did not run or did not fail"
grep -q 'app.py:1:10: github-pat-classic ghp_…m1IL (secret, high)' out.txt || fail "no redacted finding"
grep -q "$token" out.txt && fail "the token was printed"
grep -q '^nbscrub strip\.*Failed' out.txt || fail "nbscrub-strip did not run"
grep -q 'files were modified by this hook' out.txt || fail "nbscrub-strip changed nothing"
cmp -s nb.ipynb "$ROOT/fixtures/expected/default/jupyterlab.ipynb" || fail "nb.ipynb is not stripped as nbstripout strips it"
echo "try-repo: both hooks ran (scan found the token, redacted; strip matched nbstripout)"
