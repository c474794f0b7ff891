#!/usr/bin/env bash
# nbscrub's SARIF checked two ways: against the official SARIF 2.1.0 JSON
# schema (the copy Microsoft ships in @microsoft/sarif-multitool-linux, by
# Python's jsonschema, pinned, in a venv), and by Microsoft's SARIF
# Multitool against GitHub code scanning's rules and its own
# (`validate --rule-kind "Gh;Sarif"`). Reports checked: the fixture
# repository of secrets, the personal-data fixtures (datasets and dataframe
# notebooks) and a history scan. Any schema error, multitool warning or
# error fails. Skipped when npm is missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if ! command -v npm >/dev/null; then
  echo "sarif-validate: npm is not available; skipped" >&2
  exit 0
fi
TOOLS="$ROOT/target/sarif-multitool"
MULTITOOL="$TOOLS/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
if [[ ! -x "$MULTITOOL" ]]; then
  npm install --silent --no-audit --no-fund --prefix "$TOOLS" "@microsoft/sarif-multitool@5.7.0" >/dev/null
  # Its postinstall (which npm may not run) only makes the binary executable.
  chmod u+x "$MULTITOOL"
fi
SCHEMA="$TOOLS/node_modules/@microsoft/sarif-multitool-linux/sarif-2.1.0.json"
VENV="$ROOT/target/sarif-venv"
if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import jsonschema' 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "jsonschema==4.26.0"
fi
NBSCRUB="$ROOT/target/release/nbscrub"
[[ -x "$NBSCRUB" ]] || (cd "$ROOT" && cargo build --release -q)
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

# A report in each setting: files (notebooks, datasets, plain files) and
# a history scan with commits.
(cd "$ROOT/fixtures/scan" && { "$NBSCRUB" scan --format sarif -o "$OUT/secrets.sarif" . || true; })
(cd "$ROOT/fixtures/pii" && { "$NBSCRUB" scan --format sarif -o "$OUT/pii.sarif" . || true; })
(
  cd "$OUT"
  git init -q -b main history
  cd history
  git config user.email t@t && git config user.name t
  cp "$ROOT/fixtures/scan/.env" env.txt
  git add . && git commit -qm one
  "$NBSCRUB" scan --git-history --format sarif -o "$OUT/history.sarif" || true
)

failed=0
# shellcheck disable=SC2016  # the Python program is in single quotes on purpose
"$VENV/bin/python" -c '
import json, sys
from jsonschema import Draft202012Validator
schema = json.load(open(sys.argv[1]))
validator = Draft202012Validator(schema)
failed = False
for path in sys.argv[2:]:
    errors = sorted(validator.iter_errors(json.load(open(path))), key=lambda e: list(e.path))
    for e in errors[:10]:
        print(f"sarif-validate: {path}: schema: {list(e.path)}: {e.message[:200]}", file=sys.stderr)
    failed |= bool(errors)
sys.exit(1 if failed else 0)
' "$SCHEMA" "$OUT"/*.sarif || failed=1
for report in "$OUT"/*.sarif; do
  log="$OUT/$(basename "$report").log"
  "$MULTITOOL" validate --rule-kind "Gh;Sarif" "$report" > "$log" 2>&1 || failed=1
  if grep -Eq ': (warning|error) ' "$log" || ! grep -q 'Analysis completed successfully' "$log"; then
    failed=1
    echo "sarif-validate: $(basename "$report"):" >&2
    grep -E ': (warning|error) ' "$log" | head -20 >&2 || cat "$log" >&2
  else
    echo "sarif-validate: $(basename "$report"): GitHub and SARIF rules pass"
  fi
done
(( failed )) || echo "sarif-validate: every report is valid against the SARIF 2.1.0 schema"
exit "$failed"
