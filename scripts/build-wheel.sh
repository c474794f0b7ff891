#!/usr/bin/env bash
# Builds the nbscrub wheel (maturin, `bindings = "bin"`, see pyproject.toml)
# as manylinux2014 (glibc 2.17) with zig as the linker, then installs it in a
# fresh venv and checks the installed command: --version, and a strip of an
# executed notebook against nbstripout's output in fixtures/expected/default.
#
#   bash scripts/build-wheel.sh         # wheel in target/wheels/
#
# Venvs: target/wheel-venv (maturin, ziglang, auditwheel; kept between runs)
# and target/wheel-test-venv (made anew on every run). Needs python3 (3.8+),
# cargo and PyPI. PYTHON=/path/to/python picks another interpreter.
set -euo pipefail

MATURIN_VERSION=1.16.0
ZIGLANG_VERSION=0.17.1
AUDITWHEEL_VERSION=6.8.2
COMPATIBILITY=manylinux2014

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
python=${PYTHON:-python3}
build_venv=target/wheel-venv
test_venv=target/wheel-test-venv
wheels=target/wheels
start=$SECONDS

say() { printf '== %s\n' "$*"; }
fail() {
    printf 'build-wheel: %s\n' "$*" >&2
    exit 1
}

version=$(cargo metadata --no-deps --format-version 1 |
    "$python" -c 'import json, sys; print([p for p in json.load(sys.stdin)["packages"] if p["name"] == "nbscrub"][0]["version"])')

# The build venv: reused while its interpreter works and its pins match.
pins="maturin==$MATURIN_VERSION ziglang==$ZIGLANG_VERSION auditwheel==$AUDITWHEEL_VERSION"
if ! "$build_venv/bin/python" -c '' 2>/dev/null; then
    say "creating $build_venv"
    rm -rf "$build_venv"
    "$python" -m venv "$build_venv"
fi
if [ "$(cat "$build_venv/.pins" 2>/dev/null)" != "$pins" ]; then
    say "installing $pins"
    # shellcheck disable=SC2086  # one word per pin
    "$build_venv/bin/python" -m pip install --quiet --disable-pip-version-check $pins
    printf '%s\n' "$pins" >"$build_venv/.pins"
fi

say "maturin build --release --zig --compatibility $COMPATIBILITY"
rm -f "$wheels"/nbscrub-*.whl
# maturin finds zig as `python -m ziglang` through the venv's python on PATH.
PATH="$root/$build_venv/bin:$PATH" "$build_venv/bin/maturin" build \
    --release --zig --compatibility "$COMPATIBILITY" --out "$wheels"

shopt -s nullglob
built=("$wheels"/nbscrub-"$version"-*.whl)
shopt -u nullglob
[ "${#built[@]}" -eq 1 ] || fail "expected one nbscrub-$version wheel in $wheels, found ${#built[@]}"
wheel=${built[0]}

# A fresh venv with nothing but the wheel (it has no dependencies).
say "installing the wheel in a fresh $test_venv"
rm -rf "$test_venv"
"$python" -m venv "$test_venv"
"$test_venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index "$wheel"
nbscrub=$test_venv/bin/nbscrub
[ -x "$nbscrub" ] || fail "the wheel installed no $nbscrub"

got=$("$nbscrub" --version)
[ "$got" = "nbscrub $version" ] || fail "--version printed '$got', expected 'nbscrub $version'"
say "$nbscrub --version: $got"

# jupyterlab.ipynb is executed (outputs, counts, widgets, ExecuteTime): it is
# in expected/default/changed, and expected/default/jupyterlab.ipynb is what
# nbstripout 0.9.1 makes of it with no options (fixtures/README.md).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
notebook=$tmp/jupyterlab.ipynb
expected=fixtures/expected/default/jupyterlab.ipynb
cp fixtures/notebooks/jupyterlab.ipynb "$notebook"

status=0
"$nbscrub" strip --check "$notebook" >/dev/null || status=$?
[ "$status" -eq 1 ] || fail "strip --check on the executed notebook exited $status, expected 1"
"$nbscrub" strip "$notebook"
cmp "$notebook" "$expected" || fail "strip output differs from $expected"
status=0
"$nbscrub" strip --check "$notebook" >/dev/null || status=$?
[ "$status" -eq 0 ] || fail "strip --check on the stripped notebook exited $status, expected 0"
say "strip: --check 1, output identical to $expected, --check 0"

# What the wheel is and which glibc it needs.
say "wheel: $(basename "$wheel")"
say "size: $(wc -c <"$wheel") bytes ($(du -h "$wheel" | cut -f1))"
"$build_venv/bin/auditwheel" show "$wheel"
if command -v objdump >/dev/null; then
    "$python" -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])' \
        "$wheel" "nbscrub-$version.data/scripts/nbscrub" "$tmp/whl"
    glibc=$(objdump -T "$tmp/whl/nbscrub-$version.data/scripts/nbscrub" |
        grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -n 1)
    say "newest glibc symbol version the binary uses: $glibc"
fi
say "done in $((SECONDS - start)) s"
