#!/usr/bin/env python3
"""Differential parity harness: `nbscrub strip` vs nbstripout 0.9.1.

Usage:  scripts/parity.sh [OPTIONS]        (sets up target/parity-venv, then runs this)

For every input notebook -- the real corpus (../shared/corpus/...) plus N seeded
adversarial notebooks written here as raw JSON text -- and every option set, it compares

  (a) stdin mode:   nbstripout ARGS < f           vs  nbscrub strip ARGS -- - < f
                    (stdout bytes, and whether each succeeded: nbscrub exit 0/1 = ok,
                    2 = error with nothing on stdout, anything else = crash)
  (b) change check: nbstripout --dry-run ARGS f   vs  nbscrub strip --check ARGS -- f
                    ("Dry run: would have stripped F"  <->  exit 1 + path printed; exit 0)

Paths go after `--` because --keep-output-type/--drop-output-type take several
values (clap would otherwise read `-` or the file name as one more type).
nbstripout runs with HOME in a temp dir, GIT_CONFIG_NOSYSTEM=1, no GIT_* variables
and cwd outside any git repo, so git config cannot add extra keys. With --keep-id,
random 8-hex cell ids that nbformat invents (absent from the input) are masked in
both outputs.

Classes: MATCH, BOTH_ERROR (fine); failures: OUTPUT_DIFF, NBSCRUB_ERROR_ONLY,
NBSCRUB_CRASH (exit not 0/1/2, signal, timeout), NBSCRUB_ERROR_STDOUT (failed but
printed on stdout), NBSCRUB_ACCEPTS_INVALID (nbstripout rejected the input itself --
"No valid notebook detected" or bad UTF-8 -- and nbscrub accepted it), CHECK_DIFF;
and NBSTRIPOUT_ERROR_ONLY (nbstripout *crashed* on an odd structure, nbscrub did not):
listed for review, not a failure. Exit status: 0 parity, 1 any failure, 2 harness error.

Speed (2 cores): nbstripout costs ~0.25 s of start-up per call, so
  * reference outputs for (a) come from `nbstripout --textconv ARGS -- f1 f2 ...` in
    batches: textconv reads each file through the same UTF-8 universal-newline text
    wrapper as stdin and writes the same bytes (--literal-stdin: one `nbstripout < f`
    per file instead). A failing file stops a batch; the harness finds it from
    nbstripout's message and resumes after it.
  * an input on which nbstripout fails while *reading* (bad JSON/UTF-8, unreadable
    structure) fails the same under every option set: that error is reused.
  * nbstripout results are cached in target/parity-cache, keyed by nbstripout's
    identity, mode, options and input bytes (--no-cache to bypass).
The default run (125 corpus files + 300 generated, all 13 sets = 5525 cases) takes
~2-2.5 minutes with a cold cache and ~20 s with a warm one. --quick runs the generated
notebooks only under default, keep-output, keep-id and max-size (~70 s cold).
nbscrub's stdin-mode exit code (0 or 1) is not compared, only success vs failure.

--minimize N shrinks up to N failures of distinct kinds (greedy delta debugging on the
JSON tree, keeping the failure's kind) and prints the minimal input and both outputs.

Stdlib only; the only non-stdlib thing used is the nbstripout executable.
"""
from __future__ import annotations

import argparse
import base64
import concurrent.futures as cf
import difflib
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def _option_sets() -> list[tuple[str, list[str]]]:
    """The option sets of the committed fixtures (fixtures/expected/<set>/args),
    so the fixtures and this harness test the same nbstripout invocations."""
    sets = []
    for args in sorted((ROOT / "fixtures" / "expected").glob("*/args")):
        sets.append((args.parent.name, json.loads(args.read_text())))
    order = {"default": 0}
    return sorted(sets, key=lambda s: (order.get(s[0], 1), s[0]))


OPTION_SETS: list[tuple[str, list[str]]] = _option_sets()
SET_ARGS = dict(OPTION_SETS)
# Sets the generated notebooks run under with --quick.
QUICK_GEN_SETS = ["default", "keep-output", "keep-id", "max-size"]

FAIL_CLASSES = ("OUTPUT_DIFF", "NBSCRUB_ERROR_ONLY", "NBSCRUB_CRASH", "NBSCRUB_ERROR_STDOUT", "NBSCRUB_ACCEPTS_INVALID",
                "CHECK_DIFF")


def rejects_input(err: bytes) -> bool:
    """nbstripout refused the input itself (not JSON to Python, or not UTF-8) -- as opposed to
    crashing on an odd structure. nbscrub must refuse such input too."""
    return b"No valid notebook detected" in err or b"UnicodeDecodeError" in err

# --------------------------------------------------------------------------------------
# data


@dataclass
class Input:
    idx: int
    label: str
    data: bytes
    kind: str  # "corpus" | "generated"
    path: str = ""
    sha: str = ""


@dataclass
class Run:
    """One tool invocation's outcome, for one input."""

    status: str  # "ok" | "error" | "crash"
    code: int | None
    out: bytes = b""
    err: bytes = b""
    changed: bool | None = None  # change-detection runs only
    note: str = ""
    read_error: bool = False  # nbstripout failed inside nbformat.read (option-independent)
    cmd: str = ""


@dataclass
class Case:
    inp: Input
    set_name: str
    ref_stdin: Run | None = None
    ref_check: Run | None = None
    got_stdin: Run | None = None
    got_check: Run | None = None
    stdin_class: str = ""
    check_class: str = ""
    detail: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------
# environment for the child processes


class Sandbox:
    def __init__(self, keep: bool):
        self.dir = Path(tempfile.mkdtemp(prefix="nbscrub-parity-"))
        self.keep = keep
        self.home = self.dir / "home"
        self.cwd = self.dir / "cwd"
        self.inputs = self.dir / "in"
        for d in (self.home, self.cwd, self.inputs):
            d.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PYTHON", "XDG_", "NBSTRIPOUT"))}
        env.update(
            HOME=str(self.home),
            XDG_CONFIG_HOME=str(self.home / ".config"),
            GIT_CONFIG_NOSYSTEM="1",
            GIT_CONFIG_GLOBAL=os.devnull,
            GIT_CEILING_DIRECTORIES=str(self.dir),
            LC_ALL="C.UTF-8",
            PYTHONDONTWRITEBYTECODE="1",
        )
        self.env = env

    def cleanup(self):
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)


# --------------------------------------------------------------------------------------
# nbstripout (reference)


class Reference:
    BATCH_FILES = 150
    BATCH_BYTES = 6_000_000

    def __init__(self, exe: str, sb: Sandbox, literal_stdin: bool, timeout: float):
        self.exe = exe
        self.sb = sb
        self.literal_stdin = literal_stdin
        self.timeout = timeout
        self.calls = 0

    def _run(self, argv: list[str], stdin_path: str | None = None) -> subprocess.CompletedProcess:
        self.calls += 1
        stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
        try:
            return subprocess.run(
                [self.exe, *argv],
                stdin=stdin,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=self.sb.cwd,
                env=self.sb.env,
                timeout=self.timeout,
            )
        except subprocess.TimeoutExpired as e:
            return subprocess.CompletedProcess(e.cmd, -999, e.stdout or b"", (e.stderr or b"") + b"\n[timeout]")
        finally:
            if stdin_path:
                stdin.close()

    @staticmethod
    def _is_read_error(err: bytes) -> bool:
        return b"No valid notebook detected" in err or b"nbformat.read(" in err

    def _error_run(self, p: subprocess.CompletedProcess, cmd: str) -> Run:
        return Run("error", p.returncode, p.stdout, p.stderr, cmd=cmd, read_error=self._is_read_error(p.stderr))

    @classmethod
    def batches(cls, items: list[Input]) -> list[list[Input]]:
        out, cur, size = [], [], 0
        for it in items:
            if cur and (len(cur) >= cls.BATCH_FILES or size + len(it.data) > cls.BATCH_BYTES):
                out.append(cur)
                cur, size = [], 0
            cur.append(it)
            size += len(it.data)
        if cur:
            out.append(cur)
        return out

    @staticmethod
    def _failed_index(items: list[Input], err: bytes) -> int | None:
        text = err.decode("utf-8", "replace")
        names = re.findall(r"(?:No valid notebook detected in|Could not strip) '([^'\n]*)'", text)
        if not names:
            return None
        for i, it in enumerate(items):
            if it.path == names[-1]:
                return i
        return None

    # ---- stdin mode ----
    def stdin_single(self, it: Input, args: list[str]) -> Run:
        p = self._run(args, stdin_path=it.path)
        cmd = shlex_join(["nbstripout", *args]) + " < " + it.label
        if p.returncode == 0:
            return Run("ok", 0, p.stdout, p.stderr, cmd=cmd)
        return self._error_run(p, cmd)

    def stdin_batch(self, items: list[Input], args: list[str]) -> dict[int, Run]:
        if self.literal_stdin:
            return {it.idx: self.stdin_single(it, args) for it in items}
        res: dict[int, Run] = {}
        queue = list(items)
        while queue:
            if len(queue) == 1:
                it = queue[0]
                res[it.idx] = self._textconv_single(it, args)
                break
            p = self._run(["--textconv", *args, "--", *[it.path for it in queue]])
            docs = _split_docs(p.stdout)
            if p.returncode == 0:
                if docs is not None and len(docs) == len(queue):
                    for it, d in zip(queue, docs):
                        res[it.idx] = Run("ok", 0, d, b"", cmd=self._tc_cmd(args, it))
                else:  # should not happen; be safe
                    for it in queue:
                        res[it.idx] = self._textconv_single(it, args)
                break
            k = self._failed_index(queue, p.stderr)
            if k is None or docs is None or len(docs) != k:
                for it in queue:
                    res[it.idx] = self._textconv_single(it, args)
                break
            for it, d in zip(queue[:k], docs):
                res[it.idx] = Run("ok", 0, d, b"", cmd=self._tc_cmd(args, it))
            bad = queue[k]
            # the failing file's stderr is the tail after the previous files' (silent) successes
            res[bad.idx] = self._error_run(subprocess.CompletedProcess(p.args, p.returncode, b"", p.stderr),
                                           self._tc_cmd(args, bad))
            queue = queue[k + 1:]
        return res

    def _tc_cmd(self, args, it):
        return shlex_join(["nbstripout", *args]) + " < " + it.label

    def _textconv_single(self, it: Input, args: list[str]) -> Run:
        p = self._run(["--textconv", *args, "--", it.path])
        cmd = self._tc_cmd(args, it)
        if p.returncode == 0:
            return Run("ok", 0, p.stdout, p.stderr, cmd=cmd)
        return self._error_run(p, cmd)

    # ---- dry-run mode ----
    def dry_batch(self, items: list[Input], args: list[str]) -> dict[int, Run]:
        res: dict[int, Run] = {}
        queue = list(items)
        while queue:
            p = self._run(["--dry-run", *args, "--", *[it.path for it in queue]])
            changed = set(re.findall(r"^Dry run: would have stripped (.*)$", p.stdout.decode("utf-8", "replace"), re.M))
            if p.returncode == 0:
                for it in queue:
                    res[it.idx] = Run("ok", 0, b"", b"", changed=it.path in changed, cmd=self._dry_cmd(args, it))
                break
            k = 0 if len(queue) == 1 else self._failed_index(queue, p.stderr)
            if k is None:
                for it in queue:
                    res.update(self.dry_batch([it], args))
                break
            if k > 0:  # don't trust unflushed output of a crashed run: redo the prefix
                res.update(self.dry_batch(queue[:k], args))
            bad = queue[k]
            res[bad.idx] = self._error_run(subprocess.CompletedProcess(p.args, p.returncode, b"", p.stderr),
                                           self._dry_cmd(args, bad))
            queue = queue[k + 1:]
        return res

    def _dry_cmd(self, args, it):
        return shlex_join(["nbstripout", "--dry-run", *args, it.label])


def _split_docs(out: bytes) -> list[bytes] | None:
    """Split concatenated nbformat outputs (each a JSON value + '\\n').

    nbformat always writes an indented top-level object, so a document ends exactly at
    a line holding only '}' (inner lines are indented and strings cannot hold a raw
    newline). Anything that does not look like that is re-split with a JSON decoder.
    """
    if not out:
        return []
    parts = out.split(b"\n}\n")
    if parts[-1] == b"" and all(p.startswith(b"{") for p in parts[:-1]):
        return [p + b"\n}\n" for p in parts[:-1]]
    try:
        text = out.decode("utf-8")
    except UnicodeDecodeError:
        return None
    dec = json.JSONDecoder()
    docs, pos = [], 0
    try:
        while pos < len(text):
            _, end = dec.raw_decode(text, pos)
            if end >= len(text) or text[end] != "\n":
                return None
            docs.append(text[pos:end + 1].encode("utf-8"))
            pos = end + 1
    except (ValueError, RecursionError):
        return None
    return docs


def shlex_join(argv):
    import shlex

    return " ".join(shlex.quote(a) for a in argv)


class Cache:
    """nbstripout results keyed by (nbstripout identity, mode, option set, input bytes).

    nbstripout's output is a pure function of those (random cell ids aside, which the
    --keep-id comparison masks), so re-runs only pay for nbscrub.
    """

    def __init__(self, root: Path, identity: str):
        self.root = root
        self.identity = identity
        self.hits = 0

    def _path(self, mode: str, args: list[str], data_hash: str) -> Path:
        key = hashlib.sha256(json.dumps([self.identity, mode, args, data_hash]).encode()).hexdigest()
        return self.root / key[:2] / (key + ".json.z")

    def get(self, mode: str, args: list[str], it: "Input") -> Run | None:
        p = self._path(mode, args, it.sha)
        try:
            d = json.loads(zlib.decompress(p.read_bytes()))
        except (OSError, ValueError, zlib.error):
            return None
        self.hits += 1
        cmd = (shlex_join(["nbstripout", *args]) + " < " + it.label if mode.startswith("stdin")
               else shlex_join(["nbstripout", "--dry-run", *args, it.label]))
        return Run(d["status"], d["code"], base64.b64decode(d["out"]), base64.b64decode(d["err"]),
                   changed=d["changed"], read_error=d["read_error"], note="cached", cmd=cmd)

    def put(self, mode: str, args: list[str], it: "Input", r: Run):
        p = self._path(mode, args, it.sha)
        p.parent.mkdir(parents=True, exist_ok=True)
        d = {"status": r.status, "code": r.code, "out": base64.b64encode(r.out).decode(),
             "err": base64.b64encode(r.err[-4000:]).decode(), "changed": r.changed, "read_error": r.read_error}
        tmp = p.with_suffix(f".tmp{os.getpid()}.{threading.get_ident()}")
        tmp.write_bytes(zlib.compress(json.dumps(d).encode(), 6))
        os.replace(tmp, p)


def reference_identity(exe: str, version: str) -> str:
    """What the cache is valid for: nbstripout's version, where it lives, and its venv's pins."""
    parts = [version, str(Path(exe).resolve())]
    try:
        parts.append(str(Path(exe).stat().st_mtime_ns))
    except OSError:
        pass
    for cand in (Path(exe).parent.parent / ".parity-pins", Path(exe).parent.parent / "pyvenv.cfg"):
        try:
            parts.append(cand.read_text())
        except OSError:
            pass
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


# --------------------------------------------------------------------------------------
# nbscrub (under test)


class Subject:
    def __init__(self, exe: str, sb: Sandbox, timeout: float):
        self.exe = exe
        self.sb = sb
        self.timeout = timeout

    def _run(self, argv, stdin_path=None):
        stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
        try:
            p = subprocess.run([self.exe, *argv], stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               cwd=self.sb.cwd, env=self.sb.env, timeout=self.timeout)
            return p.returncode, p.stdout, p.stderr, ""
        except subprocess.TimeoutExpired as e:
            return None, e.stdout or b"", e.stderr or b"", f"timeout after {self.timeout}s"
        finally:
            if stdin_path:
                stdin.close()

    @staticmethod
    def _crash_note(code):
        if code is None:
            return "timeout"
        if code < 0:
            return f"killed by signal {-code}"
        return f"exit {code}"

    def stdin(self, it: Input, args: list[str]) -> Run:
        argv = ["strip", *args, "--", "-"]
        code, out, err, note = self._run(argv, stdin_path=it.path)
        cmd = shlex_join(["nbscrub", *argv]) + " < " + it.label
        if code in (0, 1):
            return Run("ok", code, out, err, cmd=cmd)
        if code == 2:
            return Run("error", code, out, err, cmd=cmd)
        return Run("crash", code, out, err, note=note or self._crash_note(code), cmd=cmd)

    def check(self, it: Input, args: list[str]) -> Run:
        argv = ["strip", "--check", *args, "--", it.path]
        code, out, err, note = self._run(argv)
        cmd = shlex_join(["nbscrub", "strip", "--check", *args, "--", it.label])
        after = Path(it.path).read_bytes()
        if after != it.data:
            Path(it.path).write_bytes(it.data)
            note = "--check MODIFIED the file"
        if code == 0:
            return Run("ok", 0, out, err, changed=False, note=note, cmd=cmd)
        path_printed = it.path.encode() in out + err
        err = err.replace(it.path.encode(), it.label.encode())
        if code == 1:
            if not path_printed:
                note = (note + "; " if note else "") + "exit 1 but the path was not printed"
            return Run("ok", 1, out, err, changed=True, note=note, cmd=cmd)
        if code == 2:
            return Run("error", 2, out, err, note=note, cmd=cmd)
        return Run("crash", code, out, err, note=note or self._crash_note(code), cmd=cmd)


# --------------------------------------------------------------------------------------
# comparison

_ID_RE = re.compile(rb'"id": "([0-9a-f]{8})"')


def _input_strings(data: bytes) -> set[bytes]:
    found: set[bytes] = set()
    try:
        obj = json.loads(data.decode("utf-8"))
    except Exception:
        return set(re.findall(rb"[0-9a-f]{8}", data))
    stack = [obj]
    while stack:
        o = stack.pop()
        if isinstance(o, str):
            if len(o) == 8:
                try:
                    found.add(o.encode("ascii"))
                except UnicodeEncodeError:
                    pass
        elif isinstance(o, list):
            stack.extend(o)
        elif isinstance(o, dict):
            stack.extend(o.keys())
            stack.extend(o.values())
    return found


def mask_random_ids(out: bytes, known: set[bytes]) -> bytes:
    return _ID_RE.sub(lambda m: m.group(0) if m.group(1) in known else b'"id": "<random-id>"', out)


def classify_stdin(case: Case) -> tuple[str, list[str]]:
    rs, gs = case.ref_stdin, case.got_stdin
    if gs.status == "crash":
        return "NBSCRUB_CRASH", [f"nbscrub stdin mode: {gs.note}; stderr: " + tail(gs.err)]
    if rs.status == "ok" and gs.status == "ok":
        a, b = rs.out, gs.out
        if "--keep-id" in SET_ARGS[case.set_name]:
            known = _input_strings(case.inp.data)
            a, b = mask_random_ids(a, known), mask_random_ids(b, known)
        return ("MATCH", []) if a == b else ("OUTPUT_DIFF", short_diff(a, b))
    if rs.status != "ok" and gs.status != "ok":
        if gs.out:
            return "NBSCRUB_ERROR_STDOUT", [f"both failed, but nbscrub printed {len(gs.out)} bytes on stdout: {gs.out[:80]!r}"]
        return "BOTH_ERROR", []
    if gs.status != "ok":
        return "NBSCRUB_ERROR_ONLY", ["nbscrub failed (exit 2), nbstripout succeeded; nbscrub stderr: " + tail(gs.err)]
    if rejects_input(rs.err):
        return "NBSCRUB_ACCEPTS_INVALID", ["nbstripout rejects the input (" + last_line(rs.err) +
                                           f"), nbscrub accepted it (exit {gs.code})"]
    return "NBSTRIPOUT_ERROR_ONLY", ["nbstripout failed: " + last_line(rs.err)]


def classify_check(case: Case) -> tuple[str, list[str]]:
    rc, gc = case.ref_check, case.got_check
    if gc.status == "crash":
        return "CHECK_DIFF", [f"nbscrub --check: {gc.note}; stderr: " + tail(gc.err)]
    if rc.status != "ok" and gc.status != "ok":
        cls, det = "BOTH_ERROR", []
    elif rc.status != "ok" and rejects_input(rc.err):
        cls, det = "CHECK_DIFF", ["nbstripout --dry-run rejects the input as not a notebook, "
                                  f"nbscrub --check accepted it (exit {gc.code})"]
    elif rc.status != "ok":
        cls, det = "NBSTRIPOUT_ERROR_ONLY", ["nbstripout --dry-run failed: " + last_line(rc.err)]
    elif gc.status != "ok":
        cls, det = "CHECK_DIFF", ["nbscrub --check failed (exit 2), nbstripout --dry-run succeeded: " + tail(gc.err)]
    elif rc.changed != gc.changed:
        cls, det = "CHECK_DIFF", [
            f"change detection: nbstripout --dry-run says {'WOULD strip' if rc.changed else 'unchanged'}, "
            f"nbscrub --check says {'would strip (exit 1)' if gc.changed else 'unchanged (exit 0)'}"]
    else:
        cls, det = "MATCH", []
    if gc.note:
        cls = "CHECK_DIFF"
        det = det + ["nbscrub --check: " + gc.note]
    return cls, det


def departs_on_purpose(case: Case) -> bool:
    """nbscrub departs from nbstripout where nbstripout loses work (README,
    "differs on purpose"): --drop-empty-cells on nbformat 2/3 drops every
    code cell there, because it looks for `source` and those cells have `input`."""
    if case.set_name != "drop-empty-cells":
        return False
    try:
        nb = json.loads(case.inp.data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False
    return isinstance(nb, dict) and nb.get("nbformat") in (2, 3)


def classify(case: Case):
    case.stdin_class, d1 = classify_stdin(case)
    case.check_class, d2 = classify_check(case)
    if departs_on_purpose(case) and {case.stdin_class, case.check_class} & set(FAIL_CLASSES):
        case.stdin_class = case.check_class = "DEPARTURE"
        case.detail = ["documented departure: nbstripout drops every nbformat 2/3 code cell here"]
        return
    if case.check_class == "NBSTRIPOUT_ERROR_ONLY" and case.stdin_class == "NBSTRIPOUT_ERROR_ONLY":
        d2 = []
    case.detail = d1 + d2


def tail(b: bytes, n=200) -> str:
    s = b.decode("utf-8", "replace").strip()
    return (s[-n:] if len(s) > n else s).replace("\n", " | ") or "(no stderr)"


def last_line(b: bytes) -> str:
    lines = [ln for ln in b.decode("utf-8", "replace").splitlines() if ln.strip()]
    return lines[-1][:200] if lines else "(no stderr)"


def visible(s: str, width=160) -> str:
    out = []
    for ch in s:
        o = ord(ch)
        if ch == "\n":
            out.append("\\n")
        elif (o < 0x20 or 0x7F <= o <= 0xA0 or o == 0xAD or 0xD800 <= o <= 0xDFFF or o == 0xFEFF
              or 0x2000 <= o <= 0x200F or 0x2028 <= o <= 0x202F or 0x2060 <= o <= 0x2064):
            out.append(f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}")
        else:
            out.append(ch)
    s = "".join(out)
    return s if len(s) <= width else s[:width] + "…"


def short_diff(a: bytes, b: bytes, max_lines=15) -> list[str]:
    n = min(len(a), len(b))
    i = next((k for k in range(n) if a[k] != b[k]), n)
    lo = max(0, i - 30)
    res = [f"first difference at byte {i} (nbstripout {len(a)} bytes, nbscrub {len(b)} bytes):",
           f"  nbstripout: {a[lo:i + 40]!r}",
           f"  nbscrub:    {b[lo:i + 40]!r}"]
    al = a.decode("utf-8", "backslashreplace").split("\n")
    bl = b.decode("utf-8", "backslashreplace").split("\n")
    # trim common prefix/suffix so difflib only sees a bounded window
    p = 0
    while p < min(len(al), len(bl)) and al[p] == bl[p]:
        p += 1
    s = 0
    while s < min(len(al), len(bl)) - p and al[-1 - s] == bl[-1 - s]:
        s += 1
    ctx0 = max(0, p - 2)
    wa = al[ctx0:len(al) - s][:400]
    wb = bl[ctx0:len(bl) - s][:400]
    ud = list(difflib.unified_diff(wa, wb, "nbstripout", "nbscrub", n=2, lineterm=""))
    if ud:
        ud[2] = f"@@ from line {ctx0 + 1} @@"
    for line in ud[:max_lines]:
        res.append("  " + visible(line))
    if len(ud) > max_lines:
        res.append(f"  … ({len(ud) - max_lines} more diff lines)")
    return res


# --------------------------------------------------------------------------------------
# adversarial generator: writes raw JSON text with controllable quirks


class Raw:
    """A literal JSON token, written verbatim (numbers, NaN, …)."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


class Pairs:
    """A JSON object given as explicit (key, value) pairs; may repeat keys."""

    __slots__ = ("pairs",)

    def __init__(self, pairs):
        self.pairs = list(pairs)


NUMBERS = [
    "0", "-0", "1", "-1", "7", "42", "1.0", "-1.5", "1e5", "1E5", "1E-5", "1e-05", "1e+5", "100000.0",
    "1e16", "1e+16", "1e22", "1.5e300", "123456789012345678901234567890", "-0.0", "0.1",
    "0.30000000000000004", "1.7976931348623157e308", "5e-324", "2.2250738585072014e-308", "1e400",
    "-1e400", "1e-400", "-1e-400", "NaN", "Infinity", "-Infinity", "9007199254740993",
    "9007199254740993.0", "123456789.123456789", "3.14159", "2.5e-3", "0.0001", "1e-7", "0.000001",
    "12345678901234567.0", "1.0e+0", "-0e0", "0e10", "18446744073709551616", "-9223372036854775809",
    "1E400", "100", "1e2", "1.25", "2e-1", "4.35", "1e21", "1e-6", "999999999999999999999.0",
    "1" * 30 + ".5", "0.1e1", "10E-1",
]
WORDS = [
    "hello", "world", "x = 1", 'print("hi")', "import numpy as np", "café", "naïve", "Ünïcödé",
    "日本語テキスト", "Ελληνικά", "русский", "עברית", "العربية", "😀", "👩‍💻", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "e\u0301",
    "\u00a0nbsp\u00a0", "zero\u200bwidth", "tab\there", "back\\slash", 'quote"d', "a/b/c", "</script>",
    "\x1b[31mred\x1b[0m", "\x1b[1;32mOK\x1b[0m", "bell\x07", "nul\x00byte", "del\x7f", "\ufeffbom",
    "\ufffd", "\U0010ffff", "\ue000", "$\\alpha^2$", "<b>bold</b>", "  ", "", "#", "%matplotlib inline",
    "\\u00e9 literal", "bs\bff\f", "\x1f\x01", "end.", "{", "}", "[1, 2]", "null", "\t", "100%",
    "\u2028", "\x85", "\u3000ideo", "𝟘𝟙", "ﬁ", "\u202eRTL",
]
LINE_ENDS = ["\n"] * 12 + ["\r\n", "\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029", ""]
KEEP_VALUES = [True, False, Raw("1"), Raw("0"), "yes", "", None, [], {}, Raw("0.0"), Raw("NaN"), "false", [0],
               Raw("-0"), Raw("1e400")]
TAG_POOL = ["remove", "keep_output", "parameters", "hide-input", "remove-cell", "removed", "x", "Remove",
            "init_cell", "keep_output ", "标签"]
MIMES_TEXT = ["text/plain", "text/html", "text/markdown", "text/latex"]
EXTRA_KEYS = ["a", "b", "z", "", "é", "key with space", "aa", "A", "_", "0", "10", "9", "\u00e9t\u00e9",
              "😀", "x/y", "q\"uote", "tab\t", "nl\n",
              # sort order: code points (Python) vs UTF-16 units disagree for U+E000..U+FFFF vs astral
              "\ue000", "\uff21", "\U0001d400", "Z", "z", "~", "\x7f", "\u0100"]


class Writer:
    """Serialises a value tree (dict/list/str/int/float/bool/None/Raw/Pairs) as quirky JSON."""

    def __init__(self, r: random.Random, minify_bias=False):
        self.r = r
        self.indent = r.choice([None, None, 0, 1, 1, 2, 2, 4, "\t", " \t"] + ([None] * 4 if minify_bias else []))
        self.nl = r.choices(["\n", "\r\n", "\r"], [7, 3, 1])[0]
        self.kv = r.choice([": ", ":", " : ", ":\t", ": "])
        self.comma = r.choice([", ", ",", ",", " ,"])
        self.order = r.choice(["keep", "keep", "sorted", "reverse", "shuffle"])
        self.p_dup = r.choice([0, 0, 0.03, 0.15])
        self.p_esc_ascii = r.choice([0, 0, 0.02, 0.3])
        self.p_esc_non_ascii = r.choice([0, 0.3, 1])
        self.p_esc_slash = r.choice([0, 0.5, 1])
        self.p_short_esc = r.choice([1, 0.7, 0])
        self.p_upper_hex = r.choice([0, 0.3, 1])
        self.p_junk_ws = r.choice([0, 0, 0, 0.05])
        self.empty_style = r.choice(["tight", "tight", "space", "newline"])
        self.p_quote_short = 0.9

    @classmethod
    def plain(cls) -> "Writer":
        """Deterministic, minified, no gratuitous escapes: for minimised repros."""
        w = cls(random.Random(0))
        w.indent, w.nl, w.kv, w.comma, w.order = None, "\n", ": ", ", ", "keep"
        w.p_dup = w.p_esc_ascii = w.p_esc_non_ascii = w.p_esc_slash = w.p_upper_hex = w.p_junk_ws = 0
        w.p_short_esc = w.p_quote_short = 1
        w.empty_style = "tight"
        return w

    def ws(self):
        if self.p_junk_ws and self.r.random() < self.p_junk_ws:
            return "".join(self.r.choice([" ", "\t", "\n", "\r\n", "\r"]) for _ in range(self.r.randint(1, 3)))
        return ""

    def hex4(self, o):
        h = f"{o:04x}"
        return h.upper() if self.r.random() < self.p_upper_hex else h

    def string(self, s: str) -> str:
        r = self.r
        out = ['"']
        for ch in s:
            o = ord(ch)
            if ch == '"':
                out.append('\\"' if r.random() < self.p_quote_short else "\\u0022")
            elif ch == "\\":
                out.append("\\\\" if r.random() < self.p_quote_short else "\\u005c")
            elif ch == "/":
                out.append("\\/" if r.random() < self.p_esc_slash else "/")
            elif o < 0x20:
                short = {"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch)
                out.append(short if short and r.random() < self.p_short_esc else "\\u" + self.hex4(o))
            elif 0xD800 <= o <= 0xDFFF:  # lone surrogate: can only be written escaped
                out.append("\\u" + self.hex4(o))
            elif o < 0x7F:
                out.append("\\u" + self.hex4(o) if r.random() < self.p_esc_ascii else ch)
            elif o > 0xFFFF:
                if r.random() < self.p_esc_non_ascii:
                    v = o - 0x10000
                    out.append("\\u" + self.hex4(0xD800 + (v >> 10)) + "\\u" + self.hex4(0xDC00 + (v & 0x3FF)))
                else:
                    out.append(ch)
            else:
                out.append("\\u" + self.hex4(o) if r.random() < self.p_esc_non_ascii else ch)
        out.append('"')
        return "".join(out)

    def value(self, v, level=0) -> str:
        if isinstance(v, Raw):
            return v.text
        if v is None:
            return "null"
        if v is True:
            return "true"
        if v is False:
            return "false"
        if isinstance(v, int):
            return str(v)
        if isinstance(v, float):
            return repr(v)
        if isinstance(v, str):
            return self.string(v)
        if isinstance(v, list):
            return self.container("[", "]", [self.value(x, level + 1) for x in v], level)
        if isinstance(v, (dict, Pairs)):
            pairs = list(v.items()) if isinstance(v, dict) else list(v.pairs)
            if self.order == "sorted":
                pairs.sort(key=lambda kv: kv[0])
            elif self.order == "reverse":
                pairs.reverse()
            elif self.order == "shuffle":
                self.r.shuffle(pairs)
            if self.p_dup:
                out = []
                for k, val in pairs:
                    if self.r.random() < self.p_dup:  # an earlier decoy; the last value must win
                        decoy = self.r.choice([None, Raw("1"), "decoy", [], {"d": 1}, Raw("NaN"), True])
                        out.insert(self.r.randint(0, len(out)), (k, decoy))
                    out.append((k, val))
                pairs = out
            items = [self.ws() + self.string(k) + self.ws() + self.kv + self.ws() + self.value(val, level + 1)
                     for k, val in pairs]
            return self.container("{", "}", items, level)
        raise TypeError(type(v))

    def container(self, open_, close, items, level):
        if not items:
            return {"tight": open_ + close, "space": open_ + " " + close,
                    "newline": open_ + self.nl + close}[self.empty_style]
        if self.indent is None:
            return open_ + self.ws() + self.comma.join(items) + self.ws() + close
        unit = " " * self.indent if isinstance(self.indent, int) else self.indent
        inner = self.nl + unit * (level + 1)
        return open_ + inner + ("," + inner).join(items) + self.nl + unit * level + close

    def document(self, v) -> bytes:
        lead = self.r.choice(["", "", "", " ", "\n", "\r\n", "\t "])
        trail = self.r.choice(["", "\n", "\n", "\n", "\r\n", "\n\n", " ", "\t\n", "\r"])
        return (lead + self.value(v) + trail).encode("utf-8")


class Gen:
    def __init__(self, r: random.Random):
        self.r = r

    # ---- scalars & text ----
    def num(self):
        return Raw(self.r.choice(NUMBERS))

    def line(self):
        return " ".join(self.r.choice(WORDS) for _ in range(self.r.randint(0, 4)))

    def text(self, max_lines=4):
        r = self.r
        parts = [self.line() + r.choice(LINE_ENDS) for _ in range(r.randint(0, max_lines))]
        t = "".join(parts)
        if r.random() < 0.3:
            t += self.line()  # trailing text without newline
        return t

    def big_text(self, n):
        r = self.r
        chunks, size = [], 0
        while size < n:
            w = r.choice(["abc ", "défg ", "0123456789", "\n", "日本", "😀", "xyz\r\n", "\x1b[0m"])
            chunks.append(w)
            size += len(w)
        return "".join(chunks)[:n]

    def multiline(self, t: str):
        """A v4 multi-line string field: str, list of lines, odd chunks, or lines lacking newlines."""
        r = self.r
        c = r.random()
        if c < 0.3:
            return t
        if c < 0.75:
            return t.splitlines(True)
        if c < 0.9:
            cuts = sorted(r.sample(range(len(t) + 1), min(len(t) + 1, r.randint(0, 4))))
            pieces, prev = [], 0
            for cut in cuts + [len(t)]:
                pieces.append(t[prev:cut])
                prev = cut
            if r.random() < 0.3:
                pieces.insert(r.randint(0, len(pieces)), "")
            return pieces
        return t.splitlines()

    def json_value(self, depth=3):
        r = self.r
        c = r.random()
        if depth <= 0 or c < 0.5:
            return r.choice([None, True, False, self.num(), self.num(), r.randint(-5, 10 ** 6), self.line(),
                             self.text(2), ""])
        if c < 0.75:
            return [self.json_value(depth - 1) for _ in range(r.randint(0, 4))]
        return {r.choice(EXTRA_KEYS) + r.choice(["", "1", "2"]): self.json_value(depth - 1)
                for _ in range(r.randint(0, 4))}

    def b64(self):
        r = self.r
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        s = "iVBORw0KGgo" + "".join(r.choice(alphabet) for _ in range(r.randint(0, 300))) + r.choice(["", "=", "=="])
        if r.random() < 0.3:
            s = "\n".join(s[i:i + 76] for i in range(0, len(s), 76)) + r.choice(["", "\n"])
        return s

    # ---- metadata ----
    def cell_metadata(self, stripped=False):
        r = self.r
        m = {}
        p = r.random
        if stripped and p() < 0.1:
            m["trusted"] = True  # transient: dropped while reading, so no change is detected
        if not stripped:
            if p() < 0.3:
                m["collapsed"] = r.choice([True, False])
            if p() < 0.25:
                m["scrolled"] = r.choice([True, False, "auto"])
            if p() < 0.2:
                m["ExecuteTime"] = {"end_time": "2020-01-01T00:00:00.000Z", "start_time": "2020-01-01T00:00:00.0Z"}
            if p() < 0.2:
                m["execution"] = {"iopub.execute_input": "2021-05-05T10:00:00.1Z", "shell.execute_reply": "x"}
            if p() < 0.08:
                m["heading_collapsed"] = True
            if p() < 0.08:
                m["hidden"] = r.choice([True, False])
            if p() < 0.1:
                m["trusted"] = r.choice([True, False])
        if p() < 0.3:
            tags = r.sample(TAG_POOL, r.randint(0, 3))
            if p() < 0.12:
                tags = r.choice(["remove_me", "keep_output", "", "x", "keep_outputs", "not removed"])
            m["tags"] = tags
        if p() < 0.15:
            m["keep_output"] = r.choice(KEEP_VALUES)
        if p() < 0.12:
            m["init_cell"] = r.choice(KEEP_VALUES)
        if p() < 0.1:
            m["jupyter"] = {"source_hidden": True, "outputs_hidden": r.choice([True, False])}
        if p() < 0.1:
            m["slideshow"] = {"slide_type": r.choice(["slide", "-", "skip"])}
        if p() < 0.15:
            m[r.choice(EXTRA_KEYS)] = self.json_value(3)
        return m

    def nb_metadata(self, stripped=False):
        r = self.r
        m = {}
        p = r.random
        if p() < 0.7:
            m["kernelspec"] = {"display_name": r.choice(["Python 3", "Python 3 (ipykernel)", "Julia 1.9", "Ŕ"]),
                               "language": "python", "name": "python3"}
        if p() < 0.6:
            m["language_info"] = {"codemirror_mode": {"name": "ipython", "version": Raw(r.choice(["3", "3.0"]))},
                                  "file_extension": ".py", "mimetype": "text/x-python", "name": "python",
                                  "nbconvert_exporter": "python", "pygments_lexer": "ipython3",
                                  "version": "3.11.7"}
        if p() < 0.2:
            m["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}, "version_major": 2,
                                                                          "version_minor": 0}}
        if stripped and p() < 0.15:
            m[r.choice(["signature", "orig_nbformat"])] = r.choice(["sha256:00", 3])  # transient
        if not stripped:
            if p() < 0.1:
                m["signature"] = "sha256:" + "%064x" % r.getrandbits(256)
            if p() < 0.1:
                m["orig_nbformat"] = r.choice([3, 4])
            if p() < 0.05:
                m["orig_nbformat_minor"] = 1
        if p() < 0.12:
            m["keep_output"] = r.choice(KEEP_VALUES)
        if p() < 0.15:
            m["toc"] = {"nav_menu": {}, "number_sections": True, "toc_cell": False, "toc_window_display": False}
        if p() < 0.15:
            m["title"] = self.line()
        if p() < 0.1:
            m["widgets.x"] = 1
        if p() < 0.3:
            m[r.choice(EXTRA_KEYS)] = self.json_value(4)
        return m

    # ---- v4 ----
    def mimebundle(self, allow_odd=True):
        r = self.r
        d = {}
        for mime in r.sample(MIMES_TEXT, r.randint(0, 2)):
            d[mime] = self.multiline(self.text(4))
        if r.random() < 0.5 or not d:
            d.setdefault("text/plain", self.multiline(self.text(3)))
        if r.random() < 0.2:
            d["image/png"] = r.choice([self.b64(), [self.b64()[:10] + "\n", self.b64()]]) if allow_odd else self.b64()
        if r.random() < 0.05:
            d["image/jpeg"] = self.b64()
        if r.random() < 0.12:
            d["image/svg+xml"] = self.multiline('<svg xmlns="http://www.w3.org/2000/svg">\n<rect/>\r\n</svg>\n')
        if r.random() < 0.12:
            d["application/json"] = r.choice([self.json_value(3), {"a": self.num(), "b": [1, "x\n"]},
                                               ["line1\n", "line2"]])
        if r.random() < 0.08:
            d["application/javascript"] = self.multiline("var x = 1;\nalert('é');\r\n")
        if r.random() < 0.06:
            d["application/vnd.jupyter.widget-view+json"] = {"model_id": "%032x" % r.getrandbits(128),
                                                             "version_major": 2, "version_minor": 0}
        if r.random() < 0.05:
            d["application/vnd.plotly.v1+json"] = {"data": [{"x": [self.num(), 2], "y": [1, 2]}], "layout": {}}
        if allow_odd and r.random() < 0.05:
            d["application/x-custom"] = ["a\n", "b"]
        if allow_odd and r.random() < 0.04:
            d["application/vnd.custom+json"] = r.choice([["a\n", "b"], {"k": ["x\n", "y"]}, "s\nt"])
        if allow_odd and r.random() < 0.03:
            d["text/plain"] = ["mixed\n", self.num()]
        return d

    def v4_output(self, allow_odd=True):
        r = self.r
        t = r.choices(["stream", "execute_result", "display_data", "error", "weird"], [5, 3, 3, 2, 0.4 if allow_odd else 0])[0]
        if t == "stream":
            if r.random() < 0.15:
                txt = self.big_text(r.randint(975, 1000))  # around --max-size 1k (get_size adds name+type)
            else:
                txt = self.text(6)
            o = {"output_type": "stream", "name": r.choice(["stdout", "stdout", "stderr"]), "text": self.multiline(txt)}
            if allow_odd and r.random() < 0.03:
                o["execution_count"] = 3
            return o
        if t in ("execute_result", "display_data"):
            o = {"output_type": t, "data": self.mimebundle(allow_odd), "metadata": {}}
            if r.random() < 0.2:
                o["metadata"] = r.choice([{"image/png": {"width": 400, "height": self.num()}},
                                          {"needs_background": "light"}, {"isolated": True}])
            if t == "execute_result":
                o["execution_count"] = r.choice([None, r.randint(0, 200), r.randint(0, 5)])
            if r.random() < 0.1:
                o["data"]["text/plain"] = self.big_text(r.randint(960, 1000))
            return o
        if t == "error":
            return {"output_type": "error", "ename": r.choice(["ValueError", "KeyboardInterrupt", "Ошибка"]),
                    "evalue": self.line(),
                    "traceback": ["\x1b[0;31m---------------------------------------------------------------\x1b[0m",
                                  "\x1b[0;31mValueError\x1b[0m  Traceback (most recent call last)",
                                  self.text(2)] + ([] if r.random() < 0.5 else [self.line() + "\n"])}
        return r.choice([
            {"output_type": "foo", "text": ["a\n", "b"]},
            {"output_type": "execute_result", "execution_count": 1, "data": {}, "metadata": {}, "text": ["x\n", "y"]},
            {"output_type": "stream", "name": "stdout", "text": "", "extra": self.json_value(2)},
            {"output_type": "display_data", "data": {"text/plain": []}, "metadata": {}},
            {"output_type": "error", "ename": "", "evalue": "", "traceback": []},
        ])

    def attachments(self):
        r = self.r
        return {r.choice(["image.png", "ü.png", "a b.svg"]): r.choice([
            {"image/png": self.b64()}, {"image/svg+xml": self.multiline("<svg>\n</svg>")},
            {"text/plain": ["a\n", "b"]}, {"application/json": {"k": [1, 2]}}]) for _ in range(r.randint(1, 2))}

    def v4_cell(self, stripped=False, allow_odd=True):
        r = self.r
        ct = r.choices(["code", "markdown", "raw"], [6, 3, 1])[0]
        cell = {"cell_type": ct, "metadata": self.cell_metadata(stripped)}
        src = self.text(5)
        if allow_odd and r.random() < 0.08:
            src = r.choice(["", " ", "\n", "\t\n", "\u00a0", "\x1c", "\u200b", "\u3000", "\x85", "\u2028", " \r\n "])
        cell["source"] = self.multiline(src) if r.random() < 0.95 else []
        if ct == "code":
            if stripped:
                cell["execution_count"] = None
                cell["outputs"] = []
            else:
                cell["execution_count"] = r.choice([None, r.randint(1, 99), r.randint(1, 99), 0])
                cell["outputs"] = [self.v4_output(allow_odd) for _ in range(r.choices([0, 1, 2, 4], [3, 4, 2, 1])[0])]
        elif r.random() < 0.2:
            cell["attachments"] = self.attachments()
        if allow_odd and not stripped:
            if r.random() < 0.03:
                cell["prompt_number"] = 3
            if r.random() < 0.03 and ct != "code":
                cell["execution_count"] = 5
            if r.random() < 0.04:  # literal dotted key: pop_recursive pops it before descending
                cell[r.choice(["metadata.collapsed", "metadata.tags", "metadata.scrolled", "metadata.x"])] = True
            if r.random() < 0.03 and ct != "code":  # outputs on a non-code cell: stripped, never re-split
                cell["outputs"] = [self.v4_output(allow_odd)]
            if r.random() < 0.03 and ct == "code":
                cell["attachments"] = self.attachments()
        return cell

    def v4(self, minor, stripped=False, allow_odd=True):
        r = self.r
        cells = [self.v4_cell(stripped, allow_odd) for _ in range(r.choices([0, 1, 2, 3, 5, 8], [1, 3, 3, 3, 2, 1])[0])]
        if minor >= 5 or (allow_odd and r.random() < 0.1):
            style = r.choice(["hex8", "hex8", "uuid", "word", "seq"] + (["seq"] * 4 if stripped else []))
            for i, c in enumerate(cells):
                if style == "hex8":
                    cid = "%08x" % r.getrandbits(32)
                elif style == "uuid":
                    cid = "%08x-%04x-4%03x-a%03x-%012x" % tuple(r.getrandbits(b) for b in (32, 16, 12, 12, 48))
                elif style == "word":
                    cid = r.choice(["cell", "Cell_", "é-", "x"]) + str(i)
                else:
                    cid = str(i)
                c["id"] = cid
            if allow_odd and cells and not stripped:
                if r.random() < 0.12:  # duplicate ids: nbformat repairs later ones randomly
                    j = r.randrange(len(cells))
                    cells[j]["id"] = cells[0]["id"]
                if r.random() < 0.1:  # missing id: nbformat adds a random one
                    del cells[r.randrange(len(cells))]["id"]
                if r.random() < 0.02:
                    cells[0]["id"] = Raw("7")
        nb = {"cells": cells, "metadata": self.nb_metadata(stripped), "nbformat": 4, "nbformat_minor": minor}
        return nb

    # ---- v3 / v2 / v1 ----
    def v3_multiline(self, t):
        r = self.r
        c = r.random()
        if c < 0.3:
            return t
        if c < 0.8:
            return t.splitlines(True)
        return t.splitlines()  # old-style split without newlines: rejoined with "\n"

    def v3_output(self):
        r = self.r
        t = r.choice(["pyout", "stream", "pyerr", "display_data"])
        if t == "pyout":
            o = {"output_type": "pyout", "prompt_number": r.randint(1, 30), "metadata": {},
                 "text": self.v3_multiline(self.text(3))}
            if r.random() < 0.4:
                o["html"] = self.v3_multiline("<b>" + self.line() + "</b>\n<i>x</i>")
            if r.random() < 0.2:
                o["png"] = self.b64()
            return o
        if t == "stream":
            return {"output_type": "stream", "stream": r.choice(["stdout", "stderr"]),
                    "text": self.v3_multiline(self.text(4))}
        if t == "pyerr":
            return {"output_type": "pyerr", "ename": "NameError", "evalue": self.line(),
                    "traceback": ["\x1b[1;31m---\x1b[0m", self.line()]}
        return {"output_type": "display_data", "metadata": {}, "png": self.b64(),
                "text": self.v3_multiline(self.text(1))}

    def v3_cell(self, level):
        r = self.r
        ct = r.choices(["code", "markdown", "heading", "raw"], [5, 3, 1, 1])[0]
        if ct == "code":
            c = {"cell_type": "code", "collapsed": r.choice([True, False]), "input": self.v3_multiline(self.text(4)),
                 "language": "python", "metadata": self.cell_metadata(), "outputs": [self.v3_output() for _ in range(r.randint(0, 3))]}
            if r.random() < 0.8:
                c["prompt_number"] = r.choice([None, r.randint(1, 50)])
        else:
            c = {"cell_type": ct, "metadata": self.cell_metadata() if r.random() < 0.5 else {},
                 "source": self.v3_multiline(self.text(3))}
            if ct == "heading":
                c["level"] = r.randint(1, 6)
        if r.random() < 0.05:
            c["id"] = "c%d" % level
        if r.random() < 0.05:
            c["trusted"] = True
        return c

    def v3(self):
        r = self.r
        n_ws = r.choices([1, 2, 0], [10, 2, 1])[0]
        k = 0
        wss = []
        for _ in range(n_ws):
            cells = []
            for _ in range(r.randint(0, 5)):
                cells.append(self.v3_cell(k))
                k += 1
            wss.append({"cells": cells, "metadata": {}})
        meta = {"name": self.line()}
        if r.random() < 0.3:
            meta["signature"] = "sha256:abc"
        if r.random() < 0.2:
            meta["keep_output"] = r.choice(KEEP_VALUES)
        if r.random() < 0.2:
            meta[r.choice(EXTRA_KEYS)] = self.json_value(2)
        nb = {"metadata": meta, "nbformat": 3, "nbformat_minor": r.choices([0, 1, 2], [18, 1, 1])[0], "worksheets": wss}
        if r.random() < 0.1:
            nb["orig_nbformat"] = 1
        return nb

    def v2(self):
        r = self.r
        cells = []
        for _ in range(r.randint(0, 4)):
            if r.random() < 0.6:
                c = {"cell_type": "code", "collapsed": False, "input": self.v3_multiline(self.text(3)),
                     "language": "python", "outputs": [], "prompt_number": r.randint(1, 9)}
                for _ in range(r.randint(0, 2)):
                    c["outputs"].append(r.choice([
                        {"output_type": "pyout", "prompt_number": 1, "text": self.v3_multiline(self.text(2))},
                        {"output_type": "stream", "text": self.v3_multiline(self.text(2))},
                        {"output_type": "display_data", "png": self.b64()}]))
            else:
                c = {"cell_type": "markdown", "source": self.v3_multiline(self.text(3))}
            if r.random() < 0.4:
                c["metadata"] = self.cell_metadata()
            cells.append(c)
        return {"metadata": {"name": self.line()}, "nbformat": 2, "worksheets": [{"cells": cells}]}

    def v1(self):
        """No nbformat key (or nbformat 1): nbformat's v1 path writes indent 4, unsorted, ASCII-escaped."""
        r = self.r
        cells = []
        for i in range(r.randint(0, 4)):
            if r.random() < 0.5:
                cells.append({"cell_type": "code", "code": self.text(2), "prompt_number": r.randint(0, 9),
                              "metadata": self.cell_metadata()})
            elif r.random() < 0.5:
                c = self.v4_cell()
                cells.append(c)
            else:
                cells.append({"cell_type": "text", "text": self.text(2), "metadata": {}})
        nb = {"cells": cells, "metadata": self.nb_metadata()}
        if r.random() < 0.5:
            items = list(nb.items())
            r.shuffle(items)
            nb = dict(items)
        if r.random() < 0.1:
            nb["nbformat"] = 1  # then nbstripout looks for worksheets and fails
        if r.random() < 0.2:
            nb["zzz"] = self.json_value(2)
        return nb


def _edge_cases(g: Gen, which: int | None = None, count: bool = False):
    """Parseable but unusual notebooks: (kind, value tree) — nbformat/nbstripout may crash on some."""
    r = g.r
    base = lambda minor=5: g.v4(minor, allow_odd=False)  # noqa: E731

    def with_cells(nb, *cells):
        nb["cells"] = list(cells)
        return nb

    code = lambda **kw: {"cell_type": "code", "execution_count": 1, "id": "abc", "metadata": {},  # noqa: E731
                         "outputs": [{"output_type": "stream", "name": "stdout", "text": "x\n"}], "source": "x", **kw}
    cases = [
        ("no-cells", lambda: {k: v for k, v in base().items() if k != "cells"}),
        ("no-cells-v4.4", lambda: {k: v for k, v in base(4).items() if k != "cells"}),
        ("no-metadata", lambda: {k: v for k, v in base().items() if k != "metadata"}),
        ("metadata-null", lambda: {**base(), "metadata": None}),
        ("cells-dict", lambda: {**base(4), "cells": {}}),
        ("cell-string", lambda: with_cells(base(4), "cell")),
        ("cell-no-metadata", lambda: with_cells(base(), {k: v for k, v in code().items() if k != "metadata"})),
        ("code-no-outputs", lambda: with_cells(base(), {k: v for k, v in code().items() if k != "outputs"})),
        ("cell-no-type", lambda: with_cells(base(), {k: v for k, v in code().items() if k != "cell_type"})),
        ("cell-no-source", lambda: with_cells(base(), {k: v for k, v in code().items() if k != "source"})),
        ("output-no-type", lambda: with_cells(base(), code(outputs=[{"name": "stdout", "text": "x"}]))),
        ("stream-no-text", lambda: with_cells(base(), code(outputs=[{"output_type": "stream", "name": "stdout"}]))),
        ("data-list", lambda: with_cells(base(), code(outputs=[{"output_type": "display_data", "data": [], "metadata": {}}]))),
        ("source-list-nonstr", lambda: with_cells(base(), code(source=["a", Raw("1")]))),
        ("stream-text-nonstr", lambda: with_cells(base(), code(outputs=[{"output_type": "stream", "name": "stdout", "text": ["a", None]}]))),
        ("tags-contradict", lambda: with_cells(base(), code(metadata={"keep_output": False, "tags": ["keep_output"]}))),
        ("tags-int", lambda: with_cells(base(), code(metadata={"tags": Raw("5")}))),
        ("tags-dict", lambda: with_cells(base(), code(metadata={"tags": {"remove": 1, "keep_output": 1}}))),
        ("metadata-list", lambda: with_cells(base(), code(metadata=[]))),
        ("lone-surrogate-kept", lambda: with_cells(base(), code(source="a\ud800b"))),
        ("lone-surrogate-stripped", lambda: with_cells(base(), code(outputs=[{"output_type": "stream", "name": "stdout", "text": "\udc00"}]))),
        # nbformat 2/3 write ASCII, so a lone surrogate is escaped, also in fields split into lines.
        ("lone-surrogate-v3", lambda: {"metadata": {}, "nbformat": r.choice([2, 3]), "nbformat_minor": 0, "worksheets": [{"cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["a\ud800\n", "\udc00b\rc"]},
            {"cell_type": "code", "input": ["x = '\udfff'\n", "y"], "language": "python", "metadata": {}, "outputs": [
                {"output_type": "stream", "stream": "stdout", "text": ["o\ud83d\n", "p\u2028q"]}]}]}]}),
        ("lone-surrogate-keys-v3", lambda: {"metadata": {"\udbff": 2, "\ud800": 1, "\ue000": 3, "\ufffd": 5, "\ud800\udc00": 4},
                                             "nbformat": 3, "nbformat_minor": 0, "worksheets": []}),
        # Past 16 keys, nbscrub finds repeated keys through a map.
        ("lone-surrogate-keys-v3-large", lambda: {"metadata": {**{f"k{i:02d}": i for i in range(20)},
                                                                "\udbff": 2, "\ud800": 1, "\ufffd": 5, "\ud800\udc00": 4},
                                                   "nbformat": 3, "nbformat_minor": 0, "worksheets": []}),
        ("lone-surrogate-key", lambda: {**base(), "metadata": {"\ud83d": 1}}),
        ("deep-nesting-150", lambda: {**base(), "metadata": {"deep": _nest(150)}}),
        ("deep-nesting-400", lambda: {**base(), "metadata": {"deep": _nest(400)}}),
        ("deep-nesting-5000", lambda: {**base(), "metadata": {"deep": _nest(5000)}}),
        ("int-4300-digits", lambda: {**base(), "metadata": {"big": Raw("7" * 4300)}}),
        ("int-4301-digits", lambda: {**base(), "metadata": {"big": Raw("7" * 4301)}}),
        ("float-huge-mantissa", lambda: {**base(), "metadata": {"big": Raw("1" * 400 + ".5"), "tiny": Raw("0." + "0" * 400 + "1")}}),
        ("odd-keys", lambda: {**base(), "metadata": {"k\u00e9y": 1, "/": 2, "": 3, "\x00": 4, "a\\b": 5}}),
        ("key-sort-order", lambda: {**base(), "metadata": {k: i for i, k in enumerate(
            ["\ue000", "\U0001f600", "\uffff", "\U00010000", "b", "B", "_", "\x7f", "\x00", "\u00e9", "e\u0301", "10", "9", ""])}}),
        ("dup-nbformat", lambda: Pairs(list(base(4).items()) + [("nbformat", 3)])),
        ("dup-cells", lambda: Pairs([("cells", [code()])] + list(base().items()))),
        ("nbformat-true", lambda: {**g.v1(), "nbformat": True}),
        ("nbformat-1", lambda: {**g.v1(), "nbformat": 1}),
        ("nbformat-4.0", lambda: {**base(), "nbformat": Raw("4.0")}),
        ("nbformat-str", lambda: {**base(), "nbformat": "4"}),
        ("nbformat-0", lambda: {**base(), "nbformat": 0}),
        ("minor-str", lambda: {**base(), "nbformat_minor": "5"}),
        ("minor-float", lambda: {**base(4), "nbformat_minor": Raw("4.0")}),
        ("minor-6", lambda: g.v4(6)),
        ("minor-99", lambda: g.v4(99)),
        ("minor-neg", lambda: g.v4(-1)),
        ("minor-missing", lambda: {k: v for k, v in g.v4(0).items() if k != "nbformat_minor"}),
        ("v3-no-worksheets", lambda: {k: v for k, v in g.v3().items() if k != "worksheets"}),
        ("v3-ids", lambda: _v3_ids(g.v3())),
        ("empty-notebook", lambda: {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": r.choice([4, 5])}),
        ("ids-int-dup", lambda: with_cells(base(), code(id=Raw("1")), code(id=Raw("1")))),
        ("ids-all-same", lambda: with_cells(base(), code(id="abcdef01"), code(id="abcdef01"), code(id="abcdef01"))),
        ("exec-count-odd", lambda: with_cells(base(), code(execution_count=Raw(r.choice(["1.0", "-0", "1e400", "NaN", "true"]))))),
        ("keep-output-nb-level", lambda: {**base(), "metadata": {"keep_output": r.choice(KEEP_VALUES)}}),
        ("init-cell-variants", lambda: with_cells(base(), *[code(id=f"i{i}", metadata={"init_cell": v}) for i, v in enumerate(KEEP_VALUES)])),
        ("empty-sources", lambda: with_cells(base(), *[code(id=f"e{i}", source=s) for i, s in enumerate(
            ["", [], [""], " ", ["\n", "\t"], "\u00a0", "\u200b", "\x1c\x1d", "\u3000", "\x85", "\u2028", "a"])])),
        ("splitlines-zoo", lambda: with_cells(base(), code(source="a\rb\r\nc\x0bd\x0ce\x1cf\x1dg\x1eh\x85i\u2028j\u2029k\n\nl\r\r\n", outputs=[
            {"output_type": "stream", "name": "stdout", "text": "1\r2\x0b3\x0c4\x1c5\x1d6\x1e7\x858\u20289\u2029\r\n"},
            {"output_type": "display_data", "metadata": {}, "data": {"text/plain": "p\rq\u2028", "text/html": ["<a>\r", "</a>"],
             "image/svg+xml": "<svg>\x85</svg>", "application/javascript": "a\u2029b", "image/png": "AA\nBB\n"}}]))),
        ("execution-count-in-outputs", lambda: with_cells(base(), code(outputs=[
            {"output_type": "display_data", "data": {"text/plain": "x"}, "metadata": {}, "execution_count": 4},
            {"output_type": "stream", "name": "stdout", "text": "x", "execution_count": Raw("2")}]))),
        ("max-size-boundary", lambda: with_cells(base(), *[code(id=f"m{i}", outputs=[
            {"output_type": "stream", "name": "stdout", "text": "a" * (988 - 1 + i)}]) for i in range(4)])),
        # nbformat 2 reads png/jpeg as bytes, whose get_size is len(repr(b'...')).
        ("v2-image-size-boundary", lambda: {"metadata": {}, "nbformat": 2, "worksheets": [{"cells": [
            {"cell_type": "code", "input": "x", "outputs": [{"output_type": "display_data", k: v}]}
            for k, v in [("png", "A" * 996), ("png", "A" * 997), ("jpeg", "A" * 998), ("png", "it's" + "A" * 993),
                         ("jpeg", "A\n" * 200 + "A" * 397), ("jpeg", "A\n" * 200 + "A" * 398)]]}]}),
        ("get-size-numbers", lambda: with_cells(base(), code(outputs=[
            {"output_type": "execute_result", "execution_count": None, "metadata": {"w": Raw(r.choice(NUMBERS))},
             "data": {"text/plain": "b" * r.randint(975, 995), "application/json": {"n": Raw(r.choice(NUMBERS)), "t": True}}}]))),
    ]
    if count:
        return len(cases)
    kind, make = cases[which % len(cases)] if which is not None else r.choice(cases)
    return kind, make()


def _nest(n):
    return Raw("[" * n + "]" * n)


def _v3_ids(nb):
    i = 0
    for ws in nb["worksheets"]:
        for c in ws["cells"]:
            c["id"] = "x%d" % i
            i += 1
    return nb


def _invalid(g: Gen, w: Writer, which: int | None = None, count: bool = False):
    """Inputs both tools must reject (nbscrub: exit 2, nothing on stdout)."""
    r = g.r
    base_nb = g.v4(r.choice([4, 5]), allow_odd=False)
    for c in base_nb["cells"]:  # nothing that could fail for another reason (e.g. contradicting tags)
        c["metadata"] = {}
    base_nb["metadata"].pop("keep_output", None)
    good = w.document(base_nb)
    kinds = [
        ("truncated", lambda: good[:r.randint(0, max(0, len(good) - 2))]),
        ("json-array", lambda: b"[]\n"),
        ("json-array-of-nb", lambda: b"[" + good.strip() + b"]"),
        ("json-null", lambda: b"null"),
        ("json-number", lambda: b"4\n"),
        ("json-string", lambda: b'"notebook"'),
        ("empty-file", lambda: b""),
        ("whitespace-only", lambda: b" \n\t\r\n"),
        ("nbformat-5", lambda: w.document({**g.v4(5, allow_odd=False), "nbformat": 5})),
        ("nbformat-neg", lambda: w.document({**g.v4(5, allow_odd=False), "nbformat": -1})),
        ("non-utf8-latin1", lambda: good.rstrip()[:-1] + b', "t": "caf\xe9"}'),
        ("non-utf8-surrogate-bytes", lambda: good.rstrip()[:-1] + b', "x": "\xed\xa0\x80"}'),
        ("non-utf8-overlong", lambda: good.rstrip()[:-1] + b', "x": "\xc0\xaf"}'),
        ("utf16", lambda: good.decode("utf-8").encode("utf-16")),
        ("utf8-bom", lambda: b"\xef\xbb\xbf" + good),
        ("trailing-garbage", lambda: good.rstrip() + r.choice([b"x", b"}", b" {}", b"\n\x00", b",", b"\n%"])),
        ("two-documents", lambda: good + good),
        ("trailing-comma", lambda: b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 2,}'),
        ("single-quotes", lambda: b"{'cells': [], 'metadata': {}, 'nbformat': 4, 'nbformat_minor': 2}"),
        ("comment", lambda: b'{"cells": [], // c\n "metadata": {}, "nbformat": 4, "nbformat_minor": 2}'),
        ("bad-escape", lambda: b'{"cells": [], "metadata": {"a": "\\x41"}, "nbformat": 4, "nbformat_minor": 2}'),
        ("bad-unicode-escape", lambda: b'{"cells": [], "metadata": {"a": "\\u12G4"}, "nbformat": 4, "nbformat_minor": 2}'),
        ("raw-control-char", lambda: b'{"cells": [], "metadata": {"a": "x\ty"}, "nbformat": 4, "nbformat_minor": 2}'),
        ("raw-newline-in-string", lambda: b'{"cells": [], "metadata": {"a": "x\ny"}, "nbformat": 4, "nbformat_minor": 2}'),
        ("leading-zero", lambda: b'{"cells": [], "metadata": {"a": 01}, "nbformat": 4, "nbformat_minor": 2}'),
        ("plus-number", lambda: b'{"cells": [], "metadata": {"a": +1}, "nbformat": 4, "nbformat_minor": 2}'),
        ("dot-number", lambda: b'{"cells": [], "metadata": {"a": 1.}, "nbformat": 4, "nbformat_minor": 2}'),
        ("neg-nan", lambda: b'{"cells": [], "metadata": {"a": -NaN}, "nbformat": 4, "nbformat_minor": 2}'),
        ("lowercase-nan", lambda: b'{"cells": [], "metadata": {"a": nan}, "nbformat": 4, "nbformat_minor": 2}'),
        ("True-python", lambda: b'{"cells": [], "metadata": {"a": True}, "nbformat": 4, "nbformat_minor": 2}'),
        ("deep-array-100k", lambda: b'{"cells": [], "metadata": {"a": ' + b"[" * 100000 + b"]" * 100000 + b'}, "nbformat": 4, "nbformat_minor": 2}'),
        ("merge-conflict", lambda: b"<<<<<<< HEAD\n" + good + b"=======\n" + good + b">>>>>>> branch\n"),
        ("nul-byte", lambda: good.rstrip() + b"\x00"),
        ("html", lambda: b"<!DOCTYPE html><html><body>404</body></html>\n"),
        ("int-5000-digits", lambda: b'{"cells": [], "metadata": {"a": ' + b"9" * 5000 + b'}, "nbformat": 4, "nbformat_minor": 2}'),
        ("unterminated-string", lambda: b'{"cells": [], "metadata": {"a": "abc'),
        ("formfeed-whitespace", lambda: b'{\x0c"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 2}'),
        ("nbsp-whitespace", lambda: b'{\xc2\xa0"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 2}'),
        ("vertical-tab-whitespace", lambda: b'{"cells": [],\x0b"metadata": {}, "nbformat": 4, "nbformat_minor": 2}'),
        ("lone-high-surrogate-pair-broken", lambda: b'{"cells": [], "metadata": {"a": "\\ud83d\\u00"}, "nbformat": 4, "nbformat_minor": 2}'),
    ]
    if count:
        return len(kinds)
    kind, make = kinds[which % len(kinds)] if which is not None else r.choice(kinds)
    return kind, make()


N_EDGE = N_INVALID = 0  # how many edge / invalid kinds there are (counted on first use)


def _count_kinds():
    global N_EDGE, N_INVALID
    g = Gen(random.Random(0))
    N_EDGE = _edge_cases(g, count=True)
    N_INVALID = _invalid(g, Writer(g.r), count=True)


def generate(i: int, seed: int) -> tuple[str, bytes]:
    r = random.Random(f"nbscrub-parity-{seed}-{i}")
    g = Gen(r)
    w = Writer(r)
    if not N_EDGE:
        _count_kinds()
    # the first notebooks cover every edge and invalid kind once; the rest are drawn at random
    if i < N_EDGE:
        sub, nb = _edge_cases(g, i)
        return f"gen-{i:04d}-edge-{sub}", w.document(nb)
    if i < N_EDGE + N_INVALID:
        sub, data = _invalid(g, w, i - N_EDGE)
        return f"gen-{i:04d}-invalid-{sub}", data
    kind = r.choices(["v4.5", "v4.x", "v4-stripped", "v3", "v2", "v1", "edge", "invalid"],
                     [30, 20, 10, 11, 4, 5, 8, 5])[0]
    if kind == "v4.5":
        nb = g.v4(5)
    elif kind == "v4.x":
        minor = r.choice([0, 1, 2, 3, 4])
        kind = f"v4.{minor}"
        nb = g.v4(minor)
    elif kind == "v4-stripped":
        nb = g.v4(r.choice([4, 5, 5]), stripped=True, allow_odd=False)
    elif kind == "v3":
        nb = g.v3()
    elif kind == "v2":
        nb = g.v2()
    elif kind == "v1":
        nb = g.v1()
    elif kind == "edge":
        sub, nb = _edge_cases(g)
        kind = f"edge-{sub}"
    else:
        sub, data = _invalid(g, w)
        return f"gen-{i:04d}-invalid-{sub}", data
    return f"gen-{i:04d}-{kind}", w.document(nb)


# --------------------------------------------------------------------------------------
# minimiser: greedy delta debugging on the JSON tree, keeping the failure's kind


def _parse_keep(data: bytes):
    """Parse keeping number spellings (Raw) and duplicate keys (Pairs)."""
    return json.loads(data.decode("utf-8"), object_pairs_hook=Pairs, parse_float=Raw, parse_int=Raw,
                      parse_constant=Raw)


def failure_kind(c: Case, mode: str | None = None) -> tuple:
    """A coarse fingerprint of a failure, kept invariant while minimising (stops drifting to another bug)."""
    if mode is None:
        mode = "stdin" if c.stdin_class in FAIL_CLASSES else "check"
    if mode == "stdin":
        cls, _ = classify_stdin(c)
        if cls == "OUTPUT_DIFF":
            a, b = c.ref_stdin.out, c.got_stdin.out
            if "--keep-id" in SET_ARGS[c.set_name]:
                known = _input_strings(c.inp.data)
                a, b = mask_random_ids(a, known), mask_random_ids(b, known)
            n = min(len(a), len(b))
            i = next((k for k in range(n) if a[k] != b[k]), n)
            return ("stdin", "OUTPUT_DIFF", a[i:i + 1], b[i:i + 1])
        if cls in ("NBSCRUB_ERROR_ONLY", "NBSCRUB_CRASH"):
            return ("stdin", cls, _error_gist(c.got_stdin.err))
        return ("stdin", cls)
    cls, det = classify_check(c)
    gist = _error_gist(c.got_check.err) if c.got_check.status != "ok" else ""
    return ("check", cls, det[0].split(":")[0] if det else "", gist)


def _error_gist(err: bytes) -> str:
    """nbscrub's error message without paths, positions or quoted values."""
    msg = last_line(err)
    msg = re.sub(r"^nbscrub: [^:]*: ", "", msg)  # "nbscrub: <file>: message"
    msg = re.sub(r"(/|<)\S*?(:|>)", "", msg)
    msg = re.sub(r"`[^`]*`|'[^']*'|\"[^\"]*\"", "Q", msg)
    return re.sub(r"\d+", "N", msg)


class Minimizer:
    def __init__(self, ref: Reference, sub: Subject, sb: Sandbox, max_tests: int, max_seconds: float):
        self.ref, self.sub, self.sb = ref, sub, sb
        self.max_tests, self.max_seconds = max_tests, max_seconds
        self.counter = 0
        self.lock = threading.Lock()

    def _evaluate(self, data: bytes, set_name: str, mode: str) -> Case:
        with self.lock:
            self.counter += 1
            path = self.sb.inputs / f"min-{self.counter}.ipynb"
        path.write_bytes(data)
        it = Input(-1, "minimised", data, "min", str(path), hashlib.sha256(data).hexdigest())
        c = Case(it, set_name)
        args = SET_ARGS[set_name]
        if mode == "stdin":
            c.ref_stdin = (self.ref.stdin_single(it, args) if self.ref.literal_stdin
                           else self.ref._textconv_single(it, args))
            c.got_stdin = self.sub.stdin(it, args)
        else:
            c.ref_check = self.ref.dry_batch([it], args)[it.idx]
            c.got_check = self.sub.check(it, args)
        path.unlink()
        return c

    def run(self, case: Case) -> tuple[bytes, Case, int, float] | None:
        t0 = time.monotonic()
        want = failure_kind(case)
        mode = want[0]
        tested: dict[bytes, bool] = {}
        state = {"n": 0, "last": None}

        def ok(data: bytes) -> bool:
            if data in tested:
                return tested[data]
            if state["n"] >= self.max_tests or time.monotonic() - t0 > self.max_seconds:
                return False
            state["n"] += 1
            c = self._evaluate(data, case.set_name, mode)
            good = failure_kind(c, mode) == want
            tested[data] = good
            if good:
                state["last"] = c
            return good

        writer = Writer.plain()
        bom = b"\xef\xbb\xbf"
        prefix = bom if case.inp.data.startswith(bom) else b""  # keep a BOM while shrinking the rest
        try:
            root = _parse_keep(case.inp.data[len(prefix):])
        except (ValueError, RecursionError):
            root = None
        if root is None or not ok(prefix + writer.value(root).encode("utf-8") + b"\n"):
            # not reproducible as a re-serialised JSON tree (formatting-sensitive, or not JSON):
            # fall back to dropping whole lines of the raw text
            lines = case.inp.data.split(b"\n")
            size = max(1, len(lines) // 2)
            while size >= 1:
                i = 0
                while i < len(lines):
                    cand = b"\n".join(lines[:i] + lines[i + size:])
                    if len(lines) > 1 and ok(cand):
                        lines = lines[:i] + lines[i + size:]
                    else:
                        i += size
                size //= 2
            best = b"\n".join(lines)
            last = state["last"] if state["last"] is not None and state["last"].inp.data == best else None
            if last is None:
                last = self._evaluate(best, case.set_name, mode)
            return best, last, state["n"], time.monotonic() - t0

        def ser():
            return prefix + writer.value(root).encode("utf-8") + b"\n"

        def version_keys():
            return [k for k, _ in root.pairs if k in ("nbformat", "nbformat_minor")] if isinstance(root, Pairs) else []

        # keep the notebook's format version: a repro on the v4 path beats one that slid to the v1 path
        keep_version = version_keys()

        best = ser()
        progress = True
        while progress and state["n"] < self.max_tests and time.monotonic() - t0 < self.max_seconds:
            progress = False
            queue = [root]
            while queue:
                node = queue.pop(0)
                items = node.pairs if isinstance(node, Pairs) else node if isinstance(node, list) else None
                if items is None:
                    continue
                # remove chunks of children, big chunks first
                size = max(1, len(items) // 2)
                while size >= 1 and items:
                    i = 0
                    while i < len(items):
                        saved = items[i:i + size]
                        del items[i:i + size]
                        cand = ser()
                        if node is root and version_keys() != keep_version:
                            items[i:i] = saved
                            i += size
                        elif ok(cand):
                            best, progress = cand, True
                        else:
                            items[i:i] = saved
                            i += size
                    size //= 2
                # shorten strings, recurse into containers
                for k in range(len(items)):
                    val = items[k][1] if isinstance(node, Pairs) else items[k]
                    if isinstance(val, str) and val:
                        for cand_s in self._shorter(val):
                            self._set(node, k, cand_s)
                            cand = ser()
                            if ok(cand):
                                best, progress, val = cand, True, cand_s
                                break
                            self._set(node, k, val)
                        # then drop single characters of short strings
                        if len(val) <= 24:
                            j = 0
                            while j < len(val):
                                cand_s = val[:j] + val[j + 1:]
                                self._set(node, k, cand_s)
                                cand = ser()
                                if ok(cand):
                                    best, progress, val = cand, True, cand_s
                                else:
                                    self._set(node, k, val)
                                    j += 1
                    elif isinstance(val, (Pairs, list)):
                        queue.append(val)
        last = state["last"]
        if last is None or last.inp.data != best:
            last = self._evaluate(best, case.set_name, mode)
        return best, last, state["n"], time.monotonic() - t0

    @staticmethod
    def _shorter(s: str):
        n = len(s)
        out = [""]
        if n > 1:
            out += [s[: n // 2], s[n // 2:]]
        if n > 4:
            out += [s[: n // 4] + s[n // 2:], s[: n // 2] + s[3 * n // 4:]]
        return [x for x in out if x != s]

    @staticmethod
    def _set(node, k, v):
        if isinstance(node, Pairs):
            node.pairs[k] = (node.pairs[k][0], v)
        else:
            node[k] = v


def describe_run(r: Run, limit_lines=30) -> list[str]:
    if r.status != "ok":
        return [f"    ({'crash: ' + r.note if r.status == 'crash' else 'error'}, exit {r.code}) {last_line(r.err)}"]
    if r.changed is not None:
        return [f"    exit {r.code}: {'would strip' if r.changed else 'unchanged'}"]
    lines = r.out.decode("utf-8", "backslashreplace").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    out = ["    " + visible(ln, 200) for ln in lines[:limit_lines]]
    if len(lines) > limit_lines:
        out.append(f"    … ({len(lines) - limit_lines} more lines)")
    return out


# --------------------------------------------------------------------------------------
# driver


def collect_corpus(dirs: list[Path]) -> list[tuple[str, bytes]]:
    files = []
    for d in dirs:
        files.extend(sorted(p for p in d.rglob("*.ipynb") if p.is_file()))
    if not files:
        return []
    resolved = [d.resolve() for d in dirs]
    base = Path(os.path.commonpath([str(d) for d in resolved]))
    if base in resolved:  # one dir, or one inside another: keep the dir's own name in labels
        base = base.parent
    out = []
    for p in files:
        try:
            label = str(p.resolve().relative_to(base))
        except ValueError:
            label = str(p)
        out.append((label, p.read_bytes()))
    return out


def safe_name(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9._+-]+", "_", s)[-120:]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nbscrub", default=str(ROOT / "target/release/nbscrub"), help="binary under test (default: %(default)s)")
    ap.add_argument("--nbstripout", default=str(Path(sys.executable).parent / "nbstripout"),
                    help="nbstripout 0.9.1 executable (default: next to this python)")
    ap.add_argument("--corpus", action="append", type=Path, metavar="DIR",
                    help="directory searched recursively for *.ipynb (repeatable; default: "
                         "../shared/corpus/real-notebooks/inputs and ../shared/corpus/nbstripout-tests)")
    ap.add_argument("--no-corpus", action="store_true", help="generated notebooks only")
    ap.add_argument("--generate", type=int, default=300, metavar="N", help="adversarial notebooks to generate (default 300)")
    ap.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    ap.add_argument("--sets", default="all",
                    help="comma-separated option sets, or 'all' (default). Names: " + ", ".join(n for n, _ in OPTION_SETS))
    ap.add_argument("--quick", action="store_true",
                    help="run generated notebooks only under " + ", ".join(QUICK_GEN_SETS) + " (corpus still gets every set)")
    ap.add_argument("--only", metavar="REGEX", help="only inputs whose label matches REGEX (e.g. 'gen-0042|Diamonds')")
    ap.add_argument("--keep-failures", type=Path, metavar="DIR", help="write each failing input + both outputs + info here")
    ap.add_argument("--dump-generated", type=Path, metavar="DIR", help="write every generated notebook here")
    ap.add_argument("--show", type=int, default=25, metavar="N", help="distinct failures shown with a diff (smallest input first; default 25)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel workers (default 2)")
    ap.add_argument("--timeout", type=float, default=120, help="per-call timeout in seconds (default 120)")
    ap.add_argument("--literal-stdin", action="store_true",
                    help="reference outputs from literal `nbstripout ARGS < f`, one call per file (slow) instead of batched --textconv")
    ap.add_argument("--minimize", type=int, default=0, metavar="N",
                    help="shrink up to N failures of distinct kinds to minimal repro notebooks (slow: ~0.3 s a test)")
    ap.add_argument("--minimize-tests", type=int, default=400, metavar="N", help="test budget per minimisation (default 400)")
    ap.add_argument("--minimize-seconds", type=float, default=180, metavar="S", help="time budget per minimisation (default 180)")
    ap.add_argument("--cache", type=Path, default=ROOT / "target/parity-cache", metavar="DIR",
                    help="cache of nbstripout results (default: %(default)s)")
    ap.add_argument("--no-cache", action="store_true", help="neither read nor write the nbstripout cache")
    ap.add_argument("--json-report", type=Path, metavar="FILE", help="also write all non-MATCH cases as JSON")
    ap.add_argument("--keep-tmp", action="store_true", help="keep the temporary work directory")
    ap.add_argument("-v", "--verbose", action="store_true", help="progress on stderr, commands in the failure list")
    a = ap.parse_args(argv)

    t0 = time.monotonic()
    if a.sets == "all":
        sets = [n for n, _ in OPTION_SETS]
    else:
        sets = [s.strip() for s in a.sets.split(",") if s.strip()]
        unknown = [s for s in sets if s not in SET_ARGS]
        if unknown:
            print(f"parity: unknown option set(s): {', '.join(unknown)}", file=sys.stderr)
            return 2
    nbscrub = Path(a.nbscrub)
    if not (nbscrub.is_file() and os.access(nbscrub, os.X_OK)):
        print(f"parity: nbscrub binary not found at {nbscrub} (build it: cargo build --release)", file=sys.stderr)
        return 2
    if not Path(a.nbstripout).is_file():
        print(f"parity: nbstripout not found at {a.nbstripout} (run through scripts/parity.sh)", file=sys.stderr)
        return 2
    try:
        ver = subprocess.run([a.nbstripout, "--version"], capture_output=True, text=True, timeout=60).stdout.strip()
    except Exception as e:  # noqa: BLE001
        print(f"parity: cannot run nbstripout: {e}", file=sys.stderr)
        return 2
    if ver != "0.9.1":
        print(f"parity: warning: nbstripout reports version {ver!r}, expected 0.9.1", file=sys.stderr)

    # ---- inputs ----
    corpus_dirs = a.corpus or [ROOT / "../shared/corpus/real-notebooks/inputs", ROOT / "../shared/corpus/nbstripout-tests"]
    raw_inputs: list[tuple[str, bytes, str]] = []
    if not a.no_corpus:
        existing = [d for d in corpus_dirs if d.is_dir()]
        for d in corpus_dirs:
            if not d.is_dir():
                if a.corpus:
                    print(f"parity: corpus directory not found: {d}", file=sys.stderr)
                    return 2
                print(f"parity: warning: default corpus directory missing, skipped: {d}", file=sys.stderr)
        if existing:
            raw_inputs += [(lbl, data, "corpus") for lbl, data in collect_corpus(existing)]
    for i in range(a.generate):
        lbl, data = generate(i, a.seed)
        raw_inputs.append((lbl, data, "generated"))
    if a.dump_generated:
        a.dump_generated.mkdir(parents=True, exist_ok=True)
        for lbl, data, kind in raw_inputs:
            if kind == "generated":
                (a.dump_generated / f"{lbl}.ipynb").write_bytes(data)
    if a.only:
        rx = re.compile(a.only)
        raw_inputs = [x for x in raw_inputs if rx.search(x[0])]
    if not raw_inputs:
        print("parity: no inputs", file=sys.stderr)
        return 2

    sb = Sandbox(keep=a.keep_tmp)
    try:
        cache = None if a.no_cache else Cache(a.cache, reference_identity(a.nbstripout, ver))
        return run(a, sets, raw_inputs, sb, str(nbscrub.resolve()), t0, cache)
    finally:
        sb.cleanup()


def run(a, sets, raw_inputs, sb: Sandbox, nbscrub: str, t0: float, cache: Cache | None) -> int:
    inputs: list[Input] = []
    for i, (lbl, data, kind) in enumerate(raw_inputs):
        it = Input(i, lbl, data, kind, sha=hashlib.sha256(data).hexdigest())
        it.path = str(sb.inputs / f"{i:05d}.ipynb")
        Path(it.path).write_bytes(data)
        inputs.append(it)
    n_corpus = sum(1 for it in inputs if it.kind == "corpus")
    n_gen = len(inputs) - n_corpus

    def inputs_for(set_name):
        if a.quick and set_name not in QUICK_GEN_SETS:
            return [it for it in inputs if it.kind == "corpus"]
        return inputs

    ref = Reference(a.nbstripout, sb, a.literal_stdin, a.timeout)
    sub = Subject(nbscrub, sb, a.timeout)
    cases: dict[tuple[str, int], Case] = {}
    for s in sets:
        for it in inputs_for(s):
            cases[(s, it.idx)] = Case(it, s)

    pool = cf.ThreadPoolExecutor(max_workers=max(1, a.jobs))
    done_count = [0]

    def log(msg):
        if a.verbose:
            print(f"[{time.monotonic() - t0:6.1f}s] {msg}", file=sys.stderr, flush=True)

    def ckey(mode):  # literal-stdin results are kept apart, so that mode really re-checks
        return "stdin-literal" if mode == "stdin" and a.literal_stdin else mode

    def cached(mode, s, it):
        return cache.get(ckey(mode), SET_ARGS[s], it) if cache else None

    def store(mode, s, results: dict[int, Run]):
        for idx, r in results.items():  # temp paths in nbstripout's messages -> input labels
            r.err = r.err.replace(inputs[idx].path.encode(), inputs[idx].label.encode())
        if cache:
            for idx, r in results.items():
                cache.put(ckey(mode), SET_ARGS[s], inputs[idx], r)

    # Phase A: reference stdin outputs for the first set, learning which inputs fail while reading
    # (such a failure happens before any option is looked at, so it holds for every set).
    first = sets[0]
    todo = []
    for it in inputs_for(first):
        r = cached("stdin", first, it)
        if r:
            cases[(first, it.idx)].ref_stdin = r
        else:
            todo.append(it)
    futs = [pool.submit(ref.stdin_batch, b, SET_ARGS[first]) for b in Reference.batches(todo)]
    for f in cf.as_completed(futs):
        res = f.result()
        store("stdin", first, res)
        for idx, run_ in res.items():
            cases[(first, idx)].ref_stdin = run_
    read_errors: dict[int, Run] = {}
    for it in inputs_for(first):
        r = cases[(first, it.idx)].ref_stdin
        if r.status == "error" and r.read_error:
            read_errors[it.idx] = r
    log(f"phase A done: {ref.calls} nbstripout calls, {len(read_errors)} inputs fail while reading")

    # Phase B: everything else.
    futs = {}
    for s in sets:
        args = SET_ARGS[s]
        todo_stdin, todo_dry = [], []
        for it in inputs_for(s):
            c = cases[(s, it.idx)]
            if it.idx in read_errors:
                err = read_errors[it.idx]
                if c.ref_stdin is None:
                    c.ref_stdin = Run("error", err.code, b"", err.err, read_error=True, note="reused read error",
                                      cmd=shlex_join(["nbstripout", *args]) + " < " + it.label)
                c.ref_check = Run("error", err.code, b"", err.err, read_error=True, note="reused read error",
                                  cmd=shlex_join(["nbstripout", "--dry-run", *args, it.label]))
                continue
            if c.ref_stdin is None:
                c.ref_stdin = cached("stdin", s, it)
                if c.ref_stdin is None:
                    todo_stdin.append(it)
            c.ref_check = cached("dry", s, it)
            if c.ref_check is None:
                todo_dry.append(it)
        for b in Reference.batches(todo_stdin):
            futs[pool.submit(ref.stdin_batch, b, args)] = (s, "stdin")
        for b in Reference.batches(todo_dry):
            futs[pool.submit(ref.dry_batch, b, args)] = (s, "dry")
        for it in inputs_for(s):
            futs[pool.submit(sub.stdin, it, args)] = (s, "sub-stdin", it.idx)
            futs[pool.submit(sub.check, it, args)] = (s, "sub-check", it.idx)
    total = len(futs)
    for f in cf.as_completed(futs):
        tag = futs[f]
        res = f.result()
        done_count[0] += 1
        if tag[1] == "stdin":
            store("stdin", tag[0], res)
            for idx, run_ in res.items():
                cases[(tag[0], idx)].ref_stdin = run_
        elif tag[1] == "dry":
            store("dry", tag[0], res)
            for idx, run_ in res.items():
                cases[(tag[0], idx)].ref_check = run_
        elif tag[1] == "sub-stdin":
            cases[(tag[0], tag[2])].got_stdin = res
        else:
            cases[(tag[0], tag[2])].got_check = res
        if a.verbose and done_count[0] % 500 == 0:
            log(f"{done_count[0]}/{total} tasks")
    pool.shutdown()

    for c in cases.values():
        classify(c)

    minimized = []
    if a.minimize:
        failures = sorted((c for c in cases.values() if c.stdin_class in FAIL_CLASSES or c.check_class in FAIL_CLASSES),
                          key=lambda c: (len(c.inp.data), c.inp.label, sets.index(c.set_name)))
        # One repro per bug, roughly: a failure of an input is identified by its diff signature and the
        # option sets it shows under; a bug confined to some sets is keyed by those sets, one that shows
        # everywhere by the first differing characters.
        fail_sets: dict[tuple, set] = {}
        for c in failures:
            fail_sets.setdefault((c.inp.idx, classes_of(c), signature(c)), set()).add(c.set_name)
        pick, seen = [], set()
        for c in failures:
            where = fail_sets[(c.inp.idx, classes_of(c), signature(c))]
            fk = failure_kind(c)
            if len(where) < len(sets) and len(where) <= 2:
                k = (fk[0], fk[1], frozenset(where))
            else:
                k = fk
            if k not in seen:
                seen.add(k)
                pick.append(c)
            if len(pick) >= a.minimize:
                break
        log(f"minimising {len(pick)} failures")
        mz = Minimizer(ref, sub, sb, a.minimize_tests, a.minimize_seconds)
        with cf.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as mpool:
            for c, res in zip(pick, mpool.map(mz.run, pick)):
                minimized.append((c, res))

    elapsed = time.monotonic() - t0
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    log(f"done: child processes used {ru.ru_utime + ru.ru_stime:.0f}s CPU")
    return report(a, sets, inputs, cases, n_corpus, n_gen, elapsed, ref.calls, cache.hits if cache else 0,
                  minimized)


STDIN_COLS = ["MATCH", "BOTH_ERROR", "OUTPUT_DIFF", "NBSCRUB_ERROR_ONLY", "NBSCRUB_CRASH", "NBSCRUB_ERROR_STDOUT",
              "NBSCRUB_ACCEPTS_INVALID", "NBSTRIPOUT_ERROR_ONLY", "DEPARTURE"]
COL_TITLES = {"MATCH": "match", "BOTH_ERROR": "both_err", "OUTPUT_DIFF": "OUT_DIFF", "NBSCRUB_ERROR_ONLY": "SCRUB_ERR",
              "NBSCRUB_CRASH": "CRASH", "NBSCRUB_ERROR_STDOUT": "ERR_STDOUT", "NBSCRUB_ACCEPTS_INVALID": "ACCEPTS",
              "NBSTRIPOUT_ERROR_ONLY": "review", "DEPARTURE": "departure"}


def classes_of(c: Case) -> str:
    return "+".join(k for k in dict.fromkeys([c.stdin_class, c.check_class]) if k in FAIL_CLASSES)


def signature(c: Case) -> tuple:
    """What makes two failures of one input 'the same': the first changed line pair of the diff
    (byte offsets differ between option sets), or the messages for non-diff failures."""
    minus = next((d for d in c.detail if d.startswith("  -") and not d.startswith("  ---")), None)
    plus = next((d for d in c.detail if d.startswith("  +") and not d.startswith("  +++")), None)
    other = tuple(d for d in c.detail if not d.startswith(("  ", "first difference")))
    if minus or plus:
        return (minus, plus, other)
    return tuple(re.sub(r"/tmp/\S+", "PATH", d) for d in c.detail)


def report(a, sets, inputs, cases, n_corpus, n_gen, elapsed, ref_calls, cache_hits, minimized=()) -> int:
    w = sys.stdout.write
    w(f"nbscrub strip vs nbstripout 0.9.1: {len(inputs)} inputs ({n_corpus} corpus, {n_gen} generated, seed {a.seed}), "
      f"{len(sets)} option sets, {len(cases)} cases, {ref_calls} nbstripout calls, "
      f"{cache_hits} cached nbstripout results, {elapsed:.0f}s\n\n")
    hdr = f"{'set':<20} {'cases':>5} | " + " ".join(f"{COL_TITLES[c]:>9}" for c in STDIN_COLS) + \
          f" | {'chk_match':>9} {'CHK_DIFF':>8} {'chk_both':>8} {'chk_rev':>7}"
    w("stdin mode (nbstripout ARGS < f  vs  nbscrub strip ARGS -)            | check mode (--dry-run vs --check)\n")
    w(hdr + "\n" + "-" * len(hdr) + "\n")
    totals = {k: 0 for k in STDIN_COLS + ["cm", "cd", "cb", "cr", "n"]}
    for s in sets:
        cs = [c for c in cases.values() if c.set_name == s]
        cnt = {k: sum(1 for c in cs if c.stdin_class == k) for k in STDIN_COLS}
        cm = sum(1 for c in cs if c.check_class == "MATCH")
        cd = sum(1 for c in cs if c.check_class == "CHECK_DIFF")
        cb = sum(1 for c in cs if c.check_class == "BOTH_ERROR")
        cr = sum(1 for c in cs if c.check_class == "NBSTRIPOUT_ERROR_ONLY")
        for k in STDIN_COLS:
            totals[k] += cnt[k]
        totals["cm"] += cm
        totals["cd"] += cd
        totals["cb"] += cb
        totals["cr"] += cr
        totals["n"] += len(cs)
        w(f"{s:<20} {len(cs):>5} | " + " ".join(f"{cnt[k]:>9}" for k in STDIN_COLS) +
          f" | {cm:>9} {cd:>8} {cb:>8} {cr:>7}\n")
    w("-" * len(hdr) + "\n")
    w(f"{'TOTAL':<20} {totals['n']:>5} | " + " ".join(f"{totals[k]:>9}" for k in STDIN_COLS) +
      f" | {totals['cm']:>9} {totals['cd']:>8} {totals['cb']:>8} {totals['cr']:>7}\n\n")

    failures = [c for c in cases.values() if c.stdin_class in FAIL_CLASSES or c.check_class in FAIL_CLASSES]
    reviews = [c for c in cases.values() if c not in failures and
               "NBSTRIPOUT_ERROR_ONLY" in (c.stdin_class, c.check_class)]
    failures.sort(key=lambda c: (len(c.inp.data), c.inp.label, sets.index(c.set_name)))

    def classes(c):
        return "+".join(k for k in dict.fromkeys([c.stdin_class, c.check_class]) if k in FAIL_CLASSES)

    if failures:
        by_kind: dict[str, int] = {}
        for c in failures:
            by_kind[classes(c)] = by_kind.get(classes(c), 0) + 1
        w(f"FAILURES: {len(failures)} cases (" + ", ".join(f"{k} {v}" for k, v in sorted(by_kind.items())) + ")\n")
        # one entry per (input, kind, identical details), listing every set it happens under
        groups: dict[tuple, list[Case]] = {}
        for c in failures:
            groups.setdefault((c.inp.idx, classes(c), signature(c)), []).append(c)
        glist = sorted(groups.values(), key=lambda g: (len(g[0].inp.data), g[0].inp.label, sets.index(g[0].set_name)))
        w(f"{len(glist)} distinct (input, difference) pairs; showing {min(a.show, len(glist))}, smallest input first\n\n")
        for g in glist[:a.show]:
            c = g[0]
            names = [x.set_name for x in g]
            where = "all sets" if len(names) == len(sets) and len(sets) > 1 else ", ".join(names)
            w(f"[{classes(c)}] {c.inp.label} ({len(c.inp.data)} bytes) under {where}\n")
            if a.verbose:
                w(f"  ref:  {c.ref_stdin.cmd}\n  got:  {c.got_stdin.cmd}\n")
            for d in c.detail:
                w("  " + d + "\n")
            w("\n")
        rest = glist[a.show:]
        if rest:
            w(f"… {len(rest)} more (input / kind / sets):\n")
            for g in rest[:40]:
                c = g[0]
                w(f"  {c.inp.label}  {classes(c)}  [{', '.join(x.set_name for x in g)}]\n")
            if len(rest) > 40:
                w(f"  … and {len(rest) - 40} more (use --keep-failures DIR or --json-report FILE)\n")
            w("\n")
    if minimized:
        w(f"MINIMISED REPROS ({len(minimized)}):\n\n")
        for c, res in minimized:
            w(f"[{classes(c)}] from {c.inp.label} ({len(c.inp.data)} bytes) under {c.set_name} "
              f"{shlex_join(SET_ARGS[c.set_name])}\n")
            if res is None:
                w("  (could not be minimised)\n\n")
                continue
            data, mc, ntests, secs = res
            w(f"  minimised to {len(data)} bytes in {ntests} tests, {secs:.0f}s. input:\n")
            for ln in data.decode("utf-8", "backslashreplace").split("\n")[:30]:
                if ln:
                    w("    " + visible(ln, 400) + "\n")
            mode = failure_kind(c)[0]
            if mode == "stdin":
                w("  nbstripout:\n" + "\n".join(describe_run(mc.ref_stdin)) + "\n")
                w("  nbscrub:\n" + "\n".join(describe_run(mc.got_stdin)) + "\n")
            else:
                w("  nbstripout --dry-run:\n" + "\n".join(describe_run(mc.ref_check)) + "\n")
                w("  nbscrub --check:\n" + "\n".join(describe_run(mc.got_check)) + "\n")
            if a.keep_failures:
                a.keep_failures.mkdir(parents=True, exist_ok=True)
                stem = a.keep_failures / f"MIN__{safe_name(c.set_name)}__{safe_name(c.inp.label)}"
                Path(f"{stem}.input.ipynb").write_bytes(data)
                r1, r2 = (mc.ref_stdin, mc.got_stdin) if mode == "stdin" else (mc.ref_check, mc.got_check)
                Path(f"{stem}.nbstripout.out").write_bytes(r1.out + (b"" if r1.status == "ok" else r1.err))
                Path(f"{stem}.nbscrub.out").write_bytes(r2.out + (b"" if r2.status == "ok" else r2.err))
            w("\n")

    if reviews:
        w(f"REVIEW (not failures): {len(reviews)} cases where nbstripout failed but nbscrub succeeded\n")
        seen = set()
        shown = 0
        for c in sorted(reviews, key=lambda c: (len(c.inp.data), c.inp.label)):
            if c.inp.idx in seen:
                continue
            seen.add(c.inp.idx)
            if shown < 20:
                err = c.ref_stdin if c.ref_stdin.status != "ok" else c.ref_check
                nsets = sum(1 for x in reviews if x.inp.idx == c.inp.idx)
                w(f"  {c.inp.label} ({nsets} set(s), e.g. {c.set_name}): {last_line(err.err)}\n")
            shown += 1
        if shown > 20:
            w(f"  … and {shown - 20} more inputs\n")
        w("\n")

    if a.keep_failures and failures:
        d = a.keep_failures
        d.mkdir(parents=True, exist_ok=True)
        for c in failures:
            stem = d / f"{safe_name(c.set_name)}__{safe_name(c.inp.label)}"
            Path(f"{stem}.input.ipynb").write_bytes(c.inp.data)
            Path(f"{stem}.nbstripout.out").write_bytes(c.ref_stdin.out)
            Path(f"{stem}.nbscrub.out").write_bytes(c.got_stdin.out)
            info = [f"set: {c.set_name} {SET_ARGS[c.set_name]}", f"input: {c.inp.label}",
                    f"classes: stdin={c.stdin_class} check={c.check_class}", ""]
            for name, r in (("nbstripout stdin", c.ref_stdin), ("nbscrub stdin", c.got_stdin),
                            ("nbstripout dry-run", c.ref_check), ("nbscrub --check", c.got_check)):
                info += [f"== {name}: {r.cmd}", f"status={r.status} exit={r.code} changed={r.changed} {r.note}",
                         "stderr: " + r.err.decode("utf-8", "replace")[-3000:], ""]
            info += c.detail
            Path(f"{stem}.txt").write_text("\n".join(info) + "\n", encoding="utf-8")
        w(f"wrote {len(failures)} failing cases to {d}\n")

    if a.json_report:
        rows = []
        for c in cases.values():
            if c.stdin_class == "MATCH" and c.check_class == "MATCH":
                continue
            rows.append({"set": c.set_name, "input": c.inp.label, "bytes": len(c.inp.data),
                         "stdin": c.stdin_class, "check": c.check_class, "detail": c.detail})
        a.json_report.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    ok = not failures
    w(("PARITY OK" if ok else f"PARITY FAILED: {len(failures)} failing cases") +
      f" ({len(reviews)} to review) in {elapsed:.0f}s\n")
    # The plain closing line CI readers count: every case not failing passed.
    w(f"parity: {len(cases) - len(failures)} passed, {len(failures)} failed\n")
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
