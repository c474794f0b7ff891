#!/usr/bin/env python3
"""Differential fuzzer: `nbscrub strip -` vs `nbstripout` 0.9.1 (stdin mode).

    scripts/strip-fuzz.py [--seed N] [--count N] [--out DIR] [--jobs 2] ...

Generates seeded, random but plausible notebooks *as JSON text* (so it can write
duplicate keys, number spellings such as 1E+300 / -0.0 / 100000000000000000000 /
NaN, lone surrogate escapes, odd whitespace, CRLF, a BOM ...), nbformat 4.0-4.5
and 3 plus a few broken versions, and feeds each one to both tools on stdin under
every option set (OPTION_SETS below):

    nbstripout ARGS < in > out          (out is a real, seekable file)
    nbscrub strip ARGS -- - < in

A case passes when both fail (nbstripout exit != 0, nbscrub exit 2) or both
succeed (nbstripout exit 0, nbscrub exit 0/1) with identical stdout bytes.  Cell
ids that nbformat invents (absent from the input: missing or duplicate ids in
4.5+) are replaced by a placeholder in both outputs before comparing.

Failures are shrunk (options first, then the input's style, then the JSON tree:
drop cells/keys/list items, shorten strings, simplify numbers) while the kind of
failure stays the same, and written to OUT/<n>.ipynb with OUT/<n>.txt (options,
class, details, both outputs' differing lines) and OUT/<n>.diff (unified diff
nbstripout -> nbscrub).  Cases where nbstripout itself crashes while nbscrub
succeeds, or where nbstripout writes a file that is not strict JSON / not
readable back, are not nbscrub bugs: they go to OUT/nbstripout/<n>.*.
OUT/summary.txt has the counts per option set.  A difference the README lists
as deliberate (--drop-tagged-cells with several tags, --drop-empty-cells on
nbformat 2/3) counts as DOCUMENTED_DIFF when nbscrub's output equals that of an
nbstripout patched (in the fork server) to behave as documented.

Speed: nbstripout costs ~0.15 s of interpreter start-up per call, so by default
it runs in a *fork server*: a venv python that imported nbstripout once forks a
child per case, points fds 0/1/2 at the input / a temp output file / a stderr
file and calls nbstripout's console-script `main()` exactly as the real
executable would (exit status from SystemExit / uncaught exception = 1).  A
start-up self-check compares the fork server against real `nbstripout < f > out`
runs, and every saved reproducer is re-checked with the real executable
(`--exec` uses the real executable throughout, ~10x slower).

Stdlib only; the venv (default target/bench-venv) provides nbstripout.
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import decimal
import difflib
import json
import math
import os
import random
import re
import shlex
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.setrecursionlimit(100000)

# ------------------------------------------------------------------------------------
# option sets: (name, nbstripout args); nbscrub gets the same args then `-- -`

OPTION_SETS: list[tuple[str, list[str]]] = [
    ("default", []),
    ("keep-count", ["--keep-count"]),
    ("keep-output", ["--keep-output"]),
    ("keep-output+count", ["--keep-output", "--keep-count"]),
    ("keep-id", ["--keep-id"]),
    ("keep-id+output+count", ["--keep-id", "--keep-output", "--keep-count"]),
    ("drop-empty-cells", ["--drop-empty-cells"]),
    ("extra-keys", ["--extra-keys", "metadata.foo cell.metadata.bar"]),
    ("extra-keys-ids", ["--extra-keys", "cell.id cell.source metadata.kernelspec.name cell.metadata.tags.x"]),
    ("extra-keys-odd", ["--extra-keys", "metadata.a.b cell.metadata.bar.baz cell.metadata.tags metadata.kernelspec "
                        "cell.attachments cell.execution_count metadata.foo.bar"]),
    ("keep-metadata-keys", ["--keep-metadata-keys", "cell.metadata.scrolled metadata.widgets cell.metadata.collapsed"]),
    ("keep-widgets+extra", ["--keep-metadata-keys", "metadata.widgets", "--extra-keys",
                            "metadata.widgets.foo metadata.widgets.application/vnd.jupyter.widget-state+json.version_minor"
                            " metadata.widgets.a.b"]),
    ("drop-tagged-cells", ["--drop-tagged-cells", "a b"]),
    ("drop-tagged-single", ["--drop-tagged-cells", "a"]),
    ("strip-init-cells", ["--strip-init-cells"]),
    ("max-size", ["--max-size", "100"]),
    ("max-size-edge", None),  # per notebook: --max-size = get_size() of one of its outputs -1/0/+1
    ("keep-output-type", ["--keep-output-type", "stream"]),
    ("keep-output-type-multi", ["--keep-output-type", "stream:stderr", "display_data", "error"]),
    ("drop-output-type", ["--keep-output", "--drop-output-type", "error", "stream:stdout"]),
    ("drop-output-type-nokeep", ["--drop-output-type", "stream", "--keep-count"]),
    ("keep-output+type+size", ["--keep-output", "--keep-output-type", "stream", "--max-size", "30"]),
    ("drop-empty+tagged+init", ["--drop-empty-cells", "--drop-tagged-cells", "b", "--strip-init-cells", "--keep-output"]),
]
SET_ARGS = dict(OPTION_SETS)

# Classes.  Failures of nbscrub:
FAIL = ("OUTPUT_DIFF", "NBSCRUB_ERROR_ONLY", "NBSCRUB_CRASH", "NBSCRUB_STDOUT_ON_ERROR",
        "GENERATED_ID_FORMAT")  # the last: outputs equal once masked, but nbscrub's invented ids look different
# nbstripout's own problems (listed separately):
REF = ("NBSTRIPOUT_ERROR_ONLY", "NBSTRIPOUT_INVALID_OUTPUT_DIFF")
OK = ("MATCH", "BOTH_ERROR", "NBSTRIPOUT_INVALID_OUTPUT_MATCH", "NBSTRIPOUT_INVALID_OUTPUT_NBSCRUB_ERROR",
      "DOCUMENTED_DIFF")  # the last: equal to nbstripout with the README's deliberate differences applied
# Options under which nbscrub differs from nbstripout on purpose (README, "Where nbscrub differs").
DOCUMENTED_OPTIONS = ("--drop-tagged-cells", "--drop-empty-cells")


# ------------------------------------------------------------------------------------
# JSON tree with raw spellings


class Obj:
    """A JSON object as an ordered list of (key, value) pairs (duplicates allowed)."""

    __slots__ = ("pairs",)

    def __init__(self, pairs=None):
        self.pairs = list(pairs or [])

    def __repr__(self):
        return f"Obj({self.pairs!r})"


class Num:
    """A JSON number (or NaN/Infinity) in a given spelling."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __repr__(self):
        return f"Num({self.text})"


@dataclass(frozen=True)
class Style:
    indent: object = 1  # None (compact) | int | "\t"
    newline: str = "\n"
    key_sep: str = ": "
    item_sep: str = ","  # compact only
    bom: bool = False
    lead: str = ""
    trail: str = ""
    ensure_ascii: bool = False
    esc_rate: float = 0.0
    slash: bool = False
    upper_hex: bool = False
    short_esc: bool = True
    empty_ws: bool = False  # "[ ]" / "{ }" style empty containers
    corrupt: str = ""  # "", "badutf8", "truncate", "trailing_comma", "comment", "nul", "empty", "rawtab"
    seed: int = 0


SIMPLE_STYLE = Style()
COMPACT_STYLE = Style(indent=None, key_sep=":", item_sep=",")
SHORT_ESC = {8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r"}


def ser_str(s: str, st: Style) -> str:
    rnd = None
    if st.esc_rate:
        rnd = random.Random(zlib.crc32(s.encode("utf-8", "surrogatepass")) ^ st.seed)
    out = ['"']
    hexfmt = "\\u%04X" if st.upper_hex else "\\u%04x"
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "/" and st.slash:
            out.append("\\/")
        elif ch == "\t" and st.corrupt == "rawtab":
            out.append(ch)
        elif (o < 0x20 or 0xD800 <= o <= 0xDFFF or (o > 0x7E and st.ensure_ascii)
              or (rnd is not None and rnd.random() < st.esc_rate)):
            if o in SHORT_ESC and st.short_esc:
                out.append(SHORT_ESC[o])
            elif o > 0xFFFF:
                v = o - 0x10000
                out.append(hexfmt % (0xD800 + (v >> 10)) + hexfmt % (0xDC00 + (v & 0x3FF)))
            else:
                out.append(hexfmt % o)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def ser(v, st: Style, level: int, out: list):
    if isinstance(v, Obj) or isinstance(v, list):
        is_obj = isinstance(v, Obj)
        items = v.pairs if is_obj else v
        o, c = ("{", "}") if is_obj else ("[", "]")
        if not items:
            out.append(o + (" " if st.empty_ws else "") + c)
            return
        if st.indent is None:
            first, between, before_close = "", st.item_sep, ""
        else:
            unit = st.indent if isinstance(st.indent, str) else " " * st.indent
            first = st.newline + unit * (level + 1)
            between, before_close = "," + first, st.newline + unit * level
        out.append(o)
        for i, it in enumerate(items):
            out.append(between if i else first)
            if is_obj:
                out.append(ser_str(it[0], st))
                out.append(st.key_sep)
                ser(it[1], st, level + 1, out)
            else:
                ser(it, st, level + 1, out)
        out.append(before_close + c)
        return
    if isinstance(v, str):
        out.append(ser_str(v, st))
    elif isinstance(v, Num):
        out.append(v.text)
    elif v is True:
        out.append("true")
    elif v is False:
        out.append("false")
    elif v is None:
        out.append("null")
    else:
        raise TypeError(repr(v))


def render(tree, st: Style) -> bytes:
    out: list = []
    ser(tree, st, 0, out)
    text = st.lead + "".join(out) + st.trail
    data = text.encode("utf-8")
    c = st.corrupt
    if c == "badutf8":
        i = data.find(b'"', 1)
        data = data[: i + 1] + b"\xff" + data[i + 1:] if i >= 0 else data + b"\xff"
    elif c == "truncate":
        data = data[: max(1, len(data) * 3 // 4)]
    elif c == "trailing_comma":
        i = data.rfind(b"}")
        if i > 0:
            data = data[:i] + b"," + data[i:]
    elif c == "comment":
        data = b"// notebook\n" + data
    elif c == "nul":
        data = data + b"\x00"
    elif c == "empty":
        data = b""
    elif c in ("formfeed", "nbsp", "vtab"):  # whitespace JSON does not allow, between tokens
        ws = {"formfeed": b"\x0c", "nbsp": b"\xc2\xa0", "vtab": b"\x0b"}[c]
        i = data.find(b"{")
        data = data[: i + 1] + ws + data[i + 1:]
    elif c in ("cesu", "overlong", "latin1"):  # invalid UTF-8 inside a string
        bad = {"cesu": b"\xed\xa0\x80", "overlong": b"\xc0\xaf", "latin1": b"caf\xe9"}[c]
        i = data.find(b'"', 1)
        data = data[: i + 1] + bad + data[i + 1:] if i >= 0 else data + bad
    elif c == "crlf_in_str":  # a raw CR LF inside a string (JSON forbids raw control characters)
        i = data.find(b'"', 1)
        data = data[: i + 1] + b"\r\n" + data[i + 1:] if i >= 0 else data
    if st.bom:
        data = b"\xef\xbb\xbf" + data
    return data


def tree_size(v) -> int:
    if isinstance(v, Obj):
        return 1 + sum(1 + len(k) + tree_size(x) for k, x in v.pairs)
    if isinstance(v, list):
        return 1 + sum(tree_size(x) for x in v)
    if isinstance(v, str):
        return 1 + len(v)
    return 1


def collect_ids(v, acc: set):
    if isinstance(v, Obj):
        for k, x in v.pairs:
            if k == "id" and isinstance(x, str):
                acc.add(x)
            collect_ids(x, acc)
    elif isinstance(v, list):
        for x in v:
            collect_ids(x, acc)
    return acc


# ------------------------------------------------------------------------------------
# generator

FRAGS = [
    "x", "hello", "print(1)", "import numpy as np", "df.head()", " ", "  ", "\t", "\n", "\n", "\n", "\r", "\r\n",
    "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f", "\x85", "\u2028", "\u2029", "\u00a0", "\u200b", "\u3000",
    "\u1680", "\u180e", "\u2007", "\u202f", "\ufeff", "\x00", "\x01", "\x07", "\x08", "\x1b[0;31m", "\x1b[0m", "\x7f",
    "\x80", "\x9f", "é", "ñ", "中文", "😀", "🎉", "👨\u200d👩\u200d👧", "e\u0301", "\ue000", "\uffff", "\ufffd",
    "\U0010ffff", "\U0001d11e", '"', "\\", "/", "</script>", "'", "{", "}", "[", "]", ":", ",", "\\n", "\\u0000",
    "keep_output", "a", "b", "a b", "1e5", "NaN", "-0.0", "true", "null", "\ud83d\ude00",
]
RARE_FRAGS = ["\ud800", "\udfff", "\udc00", "\ud83d", "x\udbff"]
NUMS = [
    "0", "-0", "1", "-1", "2", "10", "1.0", "-0.0", "0.0", "1e-05", "1E+300", "1e16", "1e15", "5e-324",
    "100000000000000000000", "18446744073709551615", "18446744073709551616", "9223372036854775807",
    "-9223372036854775808", "-9223372036854775809", "NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1e-400",
    "-1e-400", "0.1", "1.5", "3.14159", "1.7976931348623157e308", "1.7976931348623157e+308", "2.2250738585072014e-308",
    "123456789012345678901234567890", "0.000001", "1e-7", "12345678.9", "1E5", "1e+2", "-1.5E-3", "4.35",
    "9007199254740993", "0.30000000000000004", "1.00", "100.0e0", "0e0", "-0e-0", "1e22", "1e21", "1e-4",
    "0.0001", "0.00001", "123e-2", "2.5E+10", "6.02214076e23", "4.9406564584124654e-324", "1.0000000000000002",
    "99999999999999999999999999999999999999999999999999.5", "0.1e1", "7.0e-10", "65535", "4294967296",
]
TAGS = ["a", "b", "a b", "ab", "keep_output", "remove", "c", "B", "", "😀", "init_cell", "parameters", "hide-input"]
KEEP_VALS = [True, False, "false", "", Num("0"), Num("1"), Num("0.0"), None, [], Obj(), [Num("0")], "0", Num("-0.0"),
             Num("NaN")]
MIMES_TEXT = ["text/plain", "text/html", "text/markdown", "text/latex", "image/svg+xml", "application/javascript",
              "text/x-python"]


class Gen:
    def __init__(self, rnd: random.Random):
        self.r = rnd
        self.ids: list = []
        self.collide: list = []
        self.rare = 0.01 if self.p(0.05) else 0.0005  # lone surrogates: nbstripout crashes writing them

    def p(self, x):
        return self.r.random() < x

    def ch(self, seq):
        return self.r.choice(seq)

    # -- scalars --
    def num(self) -> Num:
        r = self.r
        k = r.random()
        if k < 0.5:
            return Num(self.ch(NUMS))
        if k < 0.65:
            return Num(str(r.randint(-10**6, 10**6)))
        if k < 0.7:
            return Num(("-" if self.p(0.3) else "") + str(r.randint(1, 9)) + "".join(
                str(r.randint(0, 9)) for _ in range(r.randint(15, 60))))
        if k < 0.85:  # binary-exact values, spelled exactly or shortest: repr's round-half-even ties
            e = r.choice([-2, -2, -3, -3, -5, -6, -8, -9, r.randint(-80, 80), r.randint(-1074, 971)])
            f = r.randint(2**52, 2**53 - 1) * 2.0 ** e * r.choice([1, -1])
            return Num(str(decimal.Decimal(f)) if self.p(0.5) else repr(f))
        if k < 0.99:
            f = struct.unpack("<d", struct.pack("<Q", r.getrandbits(64)))[0] if self.p(0.3) else \
                r.uniform(-10, 10) * 10.0 ** r.randint(-30, 30)
            if math.isnan(f) or math.isinf(f):
                return Num("1.5")
            style = r.randint(0, 5)
            if style == 0:
                t = repr(f)
            elif style == 1:
                t = "%.17g" % f
            elif style == 2:
                t = "%.20e" % f
            elif style == 3:
                t = "%.6E" % f
            elif style == 4:
                t = repr(f).replace("e", "E")
            else:
                t = "%.3f" % f if abs(f) < 1e20 else repr(f)
            if "e" not in t.lower() and "." not in t:
                t += ".0"
            return Num(t)
        if k < 0.995:
            return Num("1" * r.randint(4290, 4310))  # Python's int max-str-digits limit
        return Num(self.ch(["01", "+1", ".5", "5.", "1e", "-", "0x10", "infinity", "nan"]))  # invalid JSON

    def s(self, maxfrag=6, rare=None) -> str:
        r = self.r
        k = r.random()
        if k < 0.12:
            return ""
        if k < 0.45:
            return self.ch(["x", "hello world", "abc", "ValueError", "out", "stdout", "1", "a", "b", "foo", "bar"])
        if k < 0.47:
            n = r.choice([101, 999, 4097, 20000, 70000])
            return "".join(self.ch("abcdefghij \t\x01é😀\"\\") for _ in range(200)) * (n // 200 + 1)
        parts = []
        for _ in range(r.randint(1, maxfrag)):
            if self.p(self.rare if rare is None else rare):
                parts.append(self.ch(RARE_FRAGS))
            else:
                parts.append(self.ch(FRAGS))
        return "".join(parts)

    def key(self) -> str:
        if self.p(0.6):
            return self.ch(["foo", "bar", "baz", "a", "b", "x", "foo.bar", "a.b", "collapsed", "scrolled", "tags",
                            "keep_output", "init_cell", "id", "metadata", "outputs", "😀", "é", "\uffff", "\ue000",
                            "\U0001f600k", "Z", "_", "", " ", "0", "10", "9", "A", "a\u0000", "a\nb", "ß", "ı",
                            "\u212a", "k\u2028", "\ud800", "\udbff", "\ufffd"])
        return self.s(3, rare=self.rare / 2)

    def value(self, depth=0):
        r = self.r
        k = r.random()
        if depth > 3:
            k = k * 0.6
        if k < 0.3:
            return self.s()
        if k < 0.5:
            return self.num()
        if k < 0.6:
            return self.ch([True, False, None])
        if k < 0.8:
            return [self.value(depth + 1) for _ in range(r.randint(0, 4))]
        if self.p(0.05):
            # Wide: nbscrub finds repeated keys through a map from 16 keys on.
            # Keys that only code points tell apart are drawn often.
            n = r.randint(14, 26)
            near = ["\ud800", "\udbff", "\ufffd", "\ud800\udc00", "\U00010000", "\u00e9", "e\u0301"]
            return self.obj([(self.ch(near) if self.p(0.3) else self.key(), self.value(4)) for _ in range(n)],
                            dup=0.5)
        return self.obj([(self.key(), self.value(depth + 1)) for _ in range(r.randint(0, 4))])

    def like(self, v):
        """A different value of the same JSON type as v."""
        if isinstance(v, str):
            return self.s()
        if isinstance(v, Num):
            return self.num()
        if isinstance(v, list):
            return [self.like(x) for x in v[:2]] if v and self.p(0.5) else []
        if isinstance(v, Obj):
            return Obj(v.pairs[::-1][:3]) if self.p(0.5) else Obj()
        return self.ch([True, False, None])

    def deep(self):
        d = self.ch([20, 127, 128, 129, 300, 480, 600, 990, 1100, 3000] + list(range(488, 502)) * 2)
        v = self.ch([Num("1"), "x", Obj(), []])
        for i in range(d):
            v = Obj([("k", v)]) if (i % 2 or self.p(0.3)) else [v]
        return v

    def obj(self, pairs, dup=0.02) -> Obj:
        """An object; occasionally with a duplicate key and shuffled."""
        pairs = list(pairs)
        if pairs and self.p(dup):
            k, v = self.ch(pairs)
            pos = self.r.randint(0, len(pairs))
            pairs.insert(pos, (k, v if self.p(0.4) else (self.value(2) if self.p(0.3) else self.like(v))))
        if self.p(0.15):
            self.r.shuffle(pairs)
        return Obj(pairs)

    def lines(self, maxlines=6) -> list:
        r = self.r
        n = r.randint(0, maxlines)
        out = []
        for i in range(n):
            ln = self.s(4)
            if i < n - 1 or self.p(0.3):
                ln += self.ch(["\n", "\n", "\n", "\n", "\r\n", "\r", "", "\u2028", "\x85", "\x0c"])
            out.append(ln)
        return out

    def text(self, maxlines=6):
        """A multi-line string: a string, or a list of strings (split or not)."""
        ls = self.lines(maxlines)
        k = self.r.random()
        if k < 0.45:
            return "".join(ls)
        if k < 0.96:
            return ls
        if k < 0.995:
            return ["".join(ls)] if ls else [""]
        return self.ch([Num("1"), None, ["a", Num("1")], Obj(), [["x"]]])

    # -- notebook parts --
    def mimebundle(self):
        pairs = []
        for mime in self.r.sample(["text/plain", "text/html", "image/png", "application/json",
                                   "application/vnd.jupyter.widget-view+json", "image/svg+xml",
                                   "application/javascript", "text/latex", "text/markdown",
                                   "application/vnd.plotly.v1+json", "application/x-custom", "image/jpeg",
                                   "application/vnd.foo+json", "text/x-weird", "text/json", "Text/Plain",
                                   "application/+json", "application/json+x", "image/gif", "application/pdf",
                                   "text/plain;charset=utf-8", ""], self.r.randint(0, 4)):
            if mime in ("image/png", "image/jpeg"):
                b = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk" * self.r.randint(1, 30)
                if self.p(0.2):
                    v = [b[:40] + "\n", b[40:]]
                elif self.p(0.2):
                    v = b[:30] + "\n" + b[30:] + "\n"
                else:
                    v = b
            elif mime == "application/vnd.jupyter.widget-view+json":
                v = self.obj([("model_id", "%032x" % self.r.getrandbits(128)), ("version_major", Num("2")),
                              ("version_minor", Num("0"))])
            elif mime in ("application/json", "application/vnd.plotly.v1+json", "application/vnd.foo+json"):
                if self.p(0.1):
                    # A notebook shown as JSON: `cells` and `outputs` keys
                    # inside an output, which nbscrub builds on demand.
                    v = Obj([("cells", [Obj([("outputs", [self.value(1) for _ in range(self.r.randint(0, 2))])])]),
                             ("nbformat", Num("4"))])
                else:
                    v = self.value(1) if self.p(0.3) else (self.lines(3) if self.p(0.3) else
                                                            self.obj([(self.key(), self.value(2)) for _ in range(3)]))
            elif mime == "application/x-custom":
                v = self.lines(3) if self.p(0.6) else self.s()
            else:
                v = self.text(4)
            pairs.append((mime, v))
        return self.obj(pairs)

    def output(self, v3=False):
        r = self.r
        k = r.random()
        ec = self.exec_count()
        if v3:
            if k < 0.3:
                return self.obj([("output_type", "stream"), ("stream", self.ch(["stdout", "stderr"])),
                                 ("text", self.text())])
            if k < 0.6:
                pairs = [("metadata", Obj()), ("output_type", "pyout"), ("prompt_number", ec)]
                for key in r.sample(["text", "html", "png", "svg", "latex", "javascript", "json", "jpeg"],
                                    r.randint(0, 3)):
                    pairs.append((key, self.text() if key != "png" else "iVBORw0KGgo="))
                return self.obj(pairs)
            if k < 0.8:
                return self.obj([("metadata", Obj()), ("output_type", "display_data"), ("text", self.text()),
                                 ("html", self.text())])
            return self.obj([("ename", "ValueError"), ("evalue", self.s()), ("output_type", "pyerr"),
                             ("traceback", [self.s() for _ in range(r.randint(0, 3))])])
        if k < 0.3:
            pairs = [("name", self.ch(["stdout", "stdout", "stderr", "other"])), ("output_type", "stream"),
                     ("text", self.text())]
            if self.p(0.05):
                pairs.append(("execution_count", ec))
            if self.p(0.03):
                pairs.append(("metadata", Obj([("foo", Num("1"))])))
            return self.obj(pairs)
        if k < 0.55:
            pairs = [("data", self.mimebundle()), ("execution_count", ec), ("metadata", self.out_meta()),
                     ("output_type", "execute_result")]
            return self.obj(pairs)
        if k < 0.75:
            pairs = [("data", self.mimebundle()), ("metadata", self.out_meta()), ("output_type", "display_data")]
            if self.p(0.1):
                pairs.append(("transient", Obj([("display_id", "abc")])))
            return self.obj(pairs)
        if k < 0.92:
            tb = [self.ch(["\x1b[0;31m---------------------------------------------------------------------------"
                           "\x1b[0m", "\x1b[0;31mValueError\x1b[0m                                Traceback "
                           "(most recent call last)", "Cell \x1b[0;32mIn[3], line 1\x1b[0m\n\x1b[0;32m----> 1\x1b[0m "
                           "\x1b[38;5;28;01mraise\x1b[39;00m \x1b[38;5;167;01mValueError\x1b[39;00m(\x1b[38;5;124m"
                           "\x1b[39m\x1b[38;5;124m'\x1b[39m)\n", self.s()]) for _ in range(r.randint(0, 4))]
            pairs = [("ename", self.ch(["ValueError", "KeyboardInterrupt", "", "Ünicode"])), ("evalue", self.s()),
                     ("output_type", "error"), ("traceback", tb)]
            if self.p(0.05):
                pairs.append(("text", self.lines(2)))
            return self.obj(pairs)
        if k < 0.996:
            return self.obj([("output_type", self.ch(["update_display_data", "foo", "", "clear_output"])),
                             ("data", self.mimebundle()), ("metadata", Obj()), ("text", self.text())])
        return self.ch([Obj([("text", "x")]), "stdout", Num("1"), None, [], Obj([("output_type", Num("1"))])])

    def odd_outputs(self):
        k = self.r.random()
        if k < 0.4:
            return [self.output() for _ in range(self.r.randint(0, 2))]
        if k < 0.6:
            return self.ch([Obj(), Obj([("ab", Num("1"))]), Obj([("x", "y"), ("execution_count", Num("2"))]),
                            Obj([("a" * 120, None)])])
        if k < 0.75:
            return self.ch(["", "abc", "x" * 150])
        if k < 0.97:
            return [self.ch(["", "x", "stream", "a" * 120, [], Obj(), [Num("1")], Obj([("text", "x")])])
                    for _ in range(self.r.randint(1, 3))]
        return self.ch([None, Num("1"), True, [None], [Num("1")]])

    def out_meta(self):
        if self.p(0.7):
            return Obj()
        return self.obj([(self.ch(["image/png", "needs_background", "isolated", "foo"]),
                          self.ch([Obj([("width", Num("100")), ("height", self.num())]), "light", True, self.value(2)]))])

    def exec_count(self):
        k = self.r.random()
        if k < 0.55:
            return Num(str(self.r.randint(1, 200)))
        if k < 0.8:
            return None
        if k < 0.98:
            return self.num()
        return self.ch(["1", True, [], Obj()])

    def tags(self):
        k = self.r.random()
        if k < 0.9:
            return [self.ch(TAGS) for _ in range(self.r.randint(0, 3))]
        if k < 0.99:
            return self.ch(TAGS + ["a b c", "xbx", "keep_output_please"])
        return self.ch([None, Num("1"), Obj([("a", True)]), [Num("1"), None, ["a"]]])

    def cell_meta(self):
        r = self.r
        pairs = []
        if self.p(0.2):
            pairs.append(("collapsed", self.ch([True, False, None, "x"])))
        if self.p(0.2):
            pairs.append(("scrolled", self.ch([True, False, "auto"])))
        if self.p(0.1):
            pairs.append(("ExecuteTime", self.obj([("end_time", "2023-01-01T00:00:00.000Z"),
                                                   ("start_time", "2023-01-01T00:00:00.000Z")])))
        if self.p(0.15):
            pairs.append(("execution", self.obj([("iopub.execute_input", "2024-05-01T10:00:00.123456Z"),
                                                 ("iopub.status.busy", "2024-05-01T10:00:00.1Z"),
                                                 ("shell.execute_reply", "2024-05-01T10:00:01Z")])))
        if self.p(0.05):
            pairs.append(("heading_collapsed", True))
        if self.p(0.05):
            pairs.append(("hidden", True))
        if self.p(0.35):
            pairs.append(("tags", self.tags()))
        if self.p(0.12):
            pairs.append(("keep_output", self.ch(KEEP_VALS)))
        if self.p(0.12):
            pairs.append(("init_cell", self.ch(KEEP_VALS)))
        if self.p(0.05):
            pairs.append(("trusted", self.ch([True, False])))
        if self.p(0.1):
            pairs.append(("jupyter", self.obj([("source_hidden", True), ("outputs_hidden", False)])))
        if self.p(0.12):
            pairs.append(("bar", self.ch([Num("1"), Obj([("baz", Num("2")), ("q", "x")]), "bar", None])))
        if self.p(0.04):
            pairs.append(("bar.baz", self.ch([Num("1"), "x"])))
        if self.p(0.08):
            pairs.append(("foo", self.value(2)))
        if self.p(0.05):
            pairs.append(("slideshow", Obj([("slide_type", "slide")])))
        if self.p(0.1):
            pairs.append((self.key(), self.value(1)))
        if self.p(0.003):
            pairs.append(("deep", self.deep()))
        return self.obj(pairs, dup=0.06)

    def source(self):
        k = self.r.random()
        if k < 0.08:
            return self.ch(["", [], [""], ["", ""], " ", "\n", ["\n", " "], "\t\n", "\u00a0", "\x1c", "\x1f",
                            "\u200b", "\u3000", "\x85", "\u2028", "\ufeff", "\x0b", ["\x0c"], "\u180e", "\r"])
        if k < 0.1:  # nbformat tolerates a dict (nbstripout iterates its keys); the rest crash nbstripout
            return self.ch([Num("1"), None, ["a", Num("1")], True, Obj(), Obj(), Obj([("", Num("1"))]),
                            Obj([("a", Num("1"))]), Obj([(" ", "x")]), Obj([("\n", [])])])
        return self.text(8)

    def cell_id(self, minor):
        r = self.r
        k = r.random()
        if k < 0.5 or not self.ids:
            v = "%08x" % r.getrandbits(32) if self.p(0.6) else self.ch(
                ["cell-1", "a1b2c3d4-e5f6", "intro", "x" * 64, "ABC_def-1", "", "é", "a" * 65, "a.b", "a b"])
        elif k < 0.6:
            v = self.ch(self.ids)  # duplicate
        elif k < 0.95:
            v = "%08x" % r.getrandbits(32)
        else:
            v = self.ch([Num("5"), None, True, Num("1.5"), [], Obj(), Num("1"), Num("1.0"), "1", Num("0"), False])
        if isinstance(v, str):
            self.ids.append(v)
        return v

    COLLIDE = [[Num("1"), True], [Num("1"), Num("1.0")], [Num("NaN"), Num("NaN")], [Num("0"), Num("-0.0")],
               [Num("0"), False], [None, None], ["a", "a"], [Num("1e20"), Num("100000000000000000000")],
               [Num("1"), "1"], [Num("1"), Num("1E0")], [Num("-0"), Num("0")], [Num("1.5"), Num("15e-1")],
               ["a", "\u0061"], ["é", "e\u0301"], [Num("1e400"), Num("Infinity")], [True, True]]

    def cell_v4(self, minor):
        r = self.r
        ct = r.choices(["code", "markdown", "raw", "heading", "foo", None], [50, 30, 12, 1, 1, 0.3])[0]
        pairs = []
        if ct is not None:
            pairs.append(("cell_type", ct))
        if self.collide and self.p(0.6):
            pairs.append(("id", self.collide.pop(0)))
        elif (minor >= 5 and not self.p(0.15)) or (minor < 5 and self.p(0.04)):
            pairs.append(("id", self.cell_id(minor)))
        if not self.p(0.003):
            pairs.append(("metadata", self.cell_meta()))
        if not self.p(0.005):
            pairs.append(("source", self.source()))
        if ct == "code":
            if not self.p(0.005):
                pairs.append(("execution_count", self.exec_count()))
            if not self.p(0.005):
                outs = [self.output() for _ in range(r.choice([0, 0, 1, 1, 2, 3, 5]))]
                pairs.append(("outputs", outs if not self.p(0.005) else self.ch([Obj(), "x", None])))
        else:
            if self.p(0.15):
                att = [(self.ch(["image.png", "a.svg", "é.png"]), self.mimebundle()) for _ in range(r.randint(0, 2))]
                pairs.append(("attachments", self.obj(att) if not self.p(0.01) else self.ch([[], "x", None])))
            if self.p(0.08):  # outputs of a non-code cell: never joined/split, stripped like any
                pairs.append(("outputs", self.odd_outputs()))
            if self.p(0.04):
                pairs.append(("execution_count", self.exec_count()))
        if self.p(0.02):
            pairs.append(("prompt_number", Num("3")))
        if self.p(0.02):
            pairs.append(("metadata.collapsed", True))
        if self.p(0.02):
            pairs.append(("metadata.bar.baz", Num("1")))
        if self.p(0.02):
            pairs.append(("trusted", True))
        if self.p(0.02):
            pairs.append((self.key(), self.value(1)))
        if not self.p(0.3):
            order = {"attachments": 0, "cell_type": 1, "execution_count": 2, "id": 3, "metadata": 4, "outputs": 5,
                     "source": 6}
            pairs.sort(key=lambda kv: order.get(kv[0], 7))
        return self.obj(pairs, dup=0.03)

    def nb_meta(self, v3=False):
        pairs = []
        if self.p(0.7):
            pairs.append(("kernelspec", self.obj([("display_name", self.ch(["Python 3", "Python 3 (ipykernel)", "é"])),
                                                  ("language", "python"), ("name", "python3")])))
        if self.p(0.6):
            pairs.append(("language_info", self.obj([
                ("codemirror_mode", Obj([("name", "ipython"), ("version", Num(self.ch(["3", "3.0", "2"])))])),
                ("file_extension", ".py"), ("mimetype", "text/x-python"), ("name", "python"),
                ("nbconvert_exporter", "python"), ("pygments_lexer", "ipython3"),
                ("version", self.ch(["3.11.4", "3.8.10"]))])))
        if self.p(0.05):
            # Any shape: nbscrub reads `metadata.widgets` unbuilt.
            pairs.append(("widgets", self.value(0)))
        elif self.p(0.15):
            pairs.append(("widgets", Obj([("application/vnd.jupyter.widget-state+json", self.obj([
                ("state", Obj([("%032x" % self.r.getrandbits(128), Obj([
                    ("model_module", "@jupyter-widgets/controls"), ("model_name", "FloatSliderModel"),
                    ("state", Obj([("value", self.num()), ("description", self.s())]))]))])),
                ("version_major", Num("2")), ("version_minor", Num("0"))]))])))
        if self.p(0.1):
            pairs.append(("signature", "sha256:" + "%064x" % self.r.getrandbits(256)))
        if self.p(0.1):
            pairs.append(("keep_output", self.ch(KEEP_VALS)))
        if self.p(0.15):
            pairs.append(("foo", self.value(1)))
        if self.p(0.08):
            pairs.append(("foo.bar", Num("1")))
        if self.p(0.05):
            pairs.append(("a.b", Num("1")))
        if self.p(0.1):
            pairs.append(("a", self.ch([Obj([("b", Num("1")), ("c", Num("2"))]), Obj([("b", Obj())]), Num("1")])))
        if self.p(0.05):
            pairs.append(("orig_nbformat", Num("3")))
        if self.p(0.03):
            pairs.append(("orig_nbformat_minor", Num("0")))
        if self.p(0.05):
            pairs.append(("collapsed", True))
        if self.p(0.25):
            for _ in range(self.r.randint(1, 3)):
                pairs.append((self.key(), self.value(1)))
        if self.p(0.01):
            pairs.append(("deep", self.deep()))
        if v3 and self.p(0.7):
            pairs.append(("name", self.ch(["", "Untitled"])))
        return self.obj(pairs)

    def cell_v3(self):
        r = self.r
        ct = r.choices(["code", "markdown", "heading", "raw", "foo"], [50, 30, 8, 8, 2])[0]
        if ct == "code":
            pairs = [("cell_type", "code"), ("collapsed", self.ch([False, True])), ("input", self.text()),
                     ("language", "python"), ("metadata", self.cell_meta()),
                     ("outputs", [self.output(v3=True) for _ in range(r.choice([0, 1, 2]))])]
            if not self.p(0.2):
                pairs.append(("prompt_number", self.exec_count()))
            if self.p(0.05):
                pairs.append(("source", self.source()))
        else:
            pairs = [("cell_type", ct), ("metadata", self.cell_meta()), ("source", self.source())]
            if ct == "heading":
                pairs.append(("level", Num(str(r.randint(1, 6)))))
            if self.p(0.05):
                pairs.append(("rendered", self.text()))
            if self.p(0.06):
                pairs.append(("outputs", [self.output(v3=True) for _ in range(r.randint(0, 2))]
                              if self.p(0.7) else self.odd_outputs()))
        if self.p(0.05):
            pairs.append(("id", self.cell_id(0)))
        if self.p(0.03):
            pairs.append(("trusted", True))
        return self.obj(pairs, dup=0.02)

    def notebook(self):
        r = self.r
        k = r.random()
        if k < 0.05:  # nbformat 1 (or no nbformat key): top-level cells, written with indent 4, unsorted
            cells = [self.cell_v4(0) if self.p(0.6) else self.obj(
                [("cell_type", self.ch(["code", "text"])), ("code", self.text()), ("text", self.text()),
                 ("prompt_number", self.exec_count()), ("metadata", self.cell_meta())]) for _ in range(r.randint(0, 4))]
            pairs = [("cells", cells), ("metadata", self.nb_meta())]
            if self.p(0.25):
                pairs.append(("nbformat", Num("1")))
            return self.obj(pairs)
        if k < 0.11:  # nbformat 2: worksheets, lines joined with newlines
            if self.p(0.3):
                self.rare = 0.01
            ws = [self.obj([("cells", [self.cell_v3() for _ in range(r.randint(0, 5))]), ("metadata", Obj())])
                  for _ in range(r.choice([1, 1, 1, 0, 2]))]
            return self.obj([("metadata", self.nb_meta(v3=True)), ("nbformat", Num("2")),
                             ("nbformat_minor", Num(self.ch(["0"] * 9 + ["1"]))), ("worksheets", ws)])
        if k < 0.24:
            if self.p(0.3):
                self.rare = 0.03  # nbformat 3 writes ASCII: lone surrogates are fine there
            ws = [self.obj([("cells", [self.cell_v3() for _ in range(r.randint(0, 6))]), ("metadata", Obj())])
                  for _ in range(r.choice([1, 1, 1, 1, 0, 2]))]
            pairs = [("metadata", self.nb_meta(v3=True)), ("nbformat", Num("3")),
                     ("nbformat_minor", Num(self.ch(["0"] * 9 + ["1"]))), ("worksheets", ws)]
            return self.obj(pairs, dup=0.02)
        if k < 0.55:
            minor = "5"
        elif k < 0.77:
            minor = "4"
        elif k < 0.95:
            minor = self.ch(["0", "1", "2", "3"])
        else:
            minor = self.ch(["6", "10", "-1", '"5"', "5.0", "missing", "1e0", "true", "false",
                             "100000000000000000000", "-100000000000000000000", "null"]) if self.p(0.5) else "5"
        major = "4"
        if self.p(0.01):
            major = self.ch(['"4"', "4.0", "5", "2", "1", "missing", "null"])
        try:
            mi = int(minor)
        except ValueError:
            mi = 5
        if mi >= 5 and self.p(0.08):
            self.collide = list(self.ch(self.COLLIDE))
        cells = [self.cell_v4(mi) for _ in range(r.choice([0, 1, 2, 3, 3, 4, 5, 6, 8]))]
        pairs = [("cells", cells if not self.p(0.005) else Obj()), ("metadata", self.nb_meta())]
        if major != "missing":
            pairs.append(("nbformat", Num(major) if major[0] != '"' else major.strip('"')))
        if minor != "missing":
            pairs.append(("nbformat_minor", Num(minor) if minor[0] != '"' else minor.strip('"')))
        if self.p(0.01):
            pairs = [p for p in pairs if p[0] != self.ch(["cells", "metadata"])]
        if self.p(0.02):
            pairs.append((self.key(), self.value(1)))
        return self.obj(pairs, dup=0.03)

    def style(self) -> Style:
        r = self.r
        st = Style(seed=r.getrandbits(30))
        kw = {}
        k = r.random()
        kw["indent"] = r.choices([1, 2, 4, None, "\t", 0, 3, " \t"], [35, 20, 10, 20, 5, 3, 3, 2])[0]
        if kw["indent"] is None:
            kw["key_sep"], kw["item_sep"] = self.ch([(":", ","), (": ", ", "), (" : ", " , "), (":\t", ",\n")])
        else:
            kw["key_sep"] = self.ch([": ", ": ", ":", " : "])
        kw["newline"] = r.choices(["\n", "\r\n", "\r"], [80, 17, 3])[0]
        kw["bom"] = self.p(0.015)
        kw["lead"] = self.ch([""] * 20 + [" ", "\n", "\r\n", "\t "])
        kw["trail"] = self.ch(["", "\n", "\n", "\n", "\r\n", "\n\n", "  ", "\t\n \n"])
        kw["ensure_ascii"] = self.p(0.25)
        kw["esc_rate"] = self.ch([0.0] * 8 + [0.05, 0.3, 1.0])
        kw["slash"] = self.p(0.1)
        kw["upper_hex"] = self.p(0.2)
        kw["short_esc"] = not self.p(0.15)
        kw["empty_ws"] = self.p(0.05)
        if self.p(0.02):
            kw["corrupt"] = self.ch(["badutf8", "truncate", "trailing_comma", "comment", "nul", "empty", "rawtab",
                                     "formfeed", "nbsp", "cesu", "overlong", "latin1", "vtab", "crlf_in_str"])
        return replace(st, **kw)


def _size(v) -> int:
    """nbstripout's get_size() of a generated value, approximately (as nbformat reads it)."""
    if isinstance(v, str):
        return len(v.encode("utf-16", "surrogatepass").decode("utf-16", "surrogatepass"))
    if isinstance(v, list):
        return sum(_size(x) for x in v)
    if isinstance(v, Obj):
        return sum(_size(x) for x in dict(v.pairs).values())
    if isinstance(v, Num):
        try:
            return len(str(json.loads(v.text)))
        except (ValueError, RecursionError):
            return 1
    return {True: 4, False: 5, None: 4}[v]


def edge_args(tree, seed: int, i: int) -> list:
    """--max-size at the boundary of one output's size."""
    outs = []

    def walk(v):
        if isinstance(v, Obj):
            for k, x in v.pairs:
                if k == "outputs" and isinstance(x, list):
                    outs.extend(x)
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(tree)
    r = random.Random(f"{seed}:{i}:edge")
    if not outs:
        return ["--max-size", str(r.choice([0, 1, 50]))]

    def weight(o):  # outputs whose size depends on how nbformat reads them
        if isinstance(o, Obj):
            return 1 + 3 * any(isinstance(x, list) or k in ("png", "jpeg") for k, x in o.pairs)
        return 2

    try:
        n = _size(r.choices(outs, [weight(o) for o in outs])[0]) + r.choice([-1, 0, 0, 1])
    except Exception:
        n = 10
    args = ["--max-size", str(max(0, n))]
    if r.random() < 0.3:
        args = ["--keep-output-type", r.choice(["stream", "error", "execute_result"])] + args
    return args


def generate(seed: int, i: int):
    g = Gen(random.Random(f"{seed}:{i}"))
    tree = g.notebook()
    st = g.style()
    return tree, st


# ------------------------------------------------------------------------------------
# running the tools


def make_env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PYTHON", "XDG_", "NBSTRIPOUT",
                                                                    "NBSCRUB"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), GIT_CONFIG_NOSYSTEM="1",
               GIT_CONFIG_GLOBAL=os.devnull, GIT_CEILING_DIRECTORIES=str(home.parent), LC_ALL="C.UTF-8",
               PYTHONDONTWRITEBYTECODE="1")
    return env


SERVER_CODE = r'''
import gc, json, os, sys, traceback
import warnings
from nbstripout._nbstripout import main as _main
import nbformat, nbformat.validator as _v
for _ver, _mins in ((4, range(0, 6)), (3, range(0, 1))):
    for _mi in _mins:
        try:
            _v.get_validator(_ver, _mi)
        except Exception:
            pass
import nbstripout._nbstripout as _nbs
def _documented():
    """nbstripout as nbscrub's README says it differs on purpose: every tag of
    --drop-tagged-cells drops its cells (0.9.1's lambdas all see the last tag),
    and --drop-empty-cells reads an nbformat 2/3 code cell's `input`."""
    _orig = _nbs.strip_output
    def _blank(lines):
        return not any(line.strip() for line in lines)
    def strip_output(nb, *a, drop_empty_cells=False, drop_tagged_cells=(), **kw):
        old = hasattr(nb, "nbformat") and nb.nbformat < 4
        def keep(c):
            if drop_empty_cells:
                field = "input" if old and c.get("cell_type") == "code" else "source"
                if _blank(c.get(field, [])):
                    return False
            return not any(t in c.get("metadata", {}).get("tags", []) for t in drop_tagged_cells)
        if drop_empty_cells or drop_tagged_cells:
            for holder in (nb.worksheets if old else [nb]):
                holder.cells = list(filter(keep, holder.cells))
        return _orig(nb, *a, drop_empty_cells=False, drop_tagged_cells=[], **kw)
    _nbs.strip_output = strip_output
_rd, _wr = int(sys.argv[1]), int(sys.argv[2])
_f = os.fdopen(_rd, "rb", buffering=0)
def _readline():
    b = bytearray()
    while True:
        c = _f.read(1)
        if not c:
            return None
        if c == b"\n":
            return bytes(b)
        b += c
while True:
    line = _readline()
    if line is None:
        os._exit(0)
    req = json.loads(line)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.close(_rd); os.close(_wr)
            for fd, path, flags in ((0, req["in"], os.O_RDONLY), (1, req["out"], os.O_RDWR | os.O_CREAT | os.O_TRUNC),
                                    (2, req["err"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)):
                n = os.open(path, flags, 0o644)
                os.dup2(n, fd)
                os.close(n)
            if req.get("documented"):
                _documented()
            sys.argv = [req["argv0"]] + req["args"]
            try:
                rc = _main()
                code = 0 if rc is None else (rc if isinstance(rc, int) else 1)
            except SystemExit as e:
                c = e.code
                if c is None:
                    code = 0
                elif isinstance(c, int):
                    code = c
                else:
                    print(c, file=sys.stderr)
                    code = 1
            except BaseException:
                traceback.print_exc()
                code = 1
            gc.collect()
            for s in (sys.stdout, sys.stderr):
                try:
                    s.flush()
                except Exception:
                    pass
        finally:
            os._exit(code & 0xFF)
    _, status = os.waitpid(pid, 0)
    rc = os.waitstatus_to_exitcode(status)
    os.write(_wr, (json.dumps(rc) + "\n").encode())
'''


@dataclass
class Run:
    rc: int
    out: bytes
    err: bytes


class ForkServer:
    def __init__(self, python: str, exe: str, env: dict, cwd: Path):
        self.exe = exe
        r1, w1 = os.pipe()  # requests
        r2, w2 = os.pipe()  # replies
        self.p = subprocess.Popen([python, "-c", SERVER_CODE, str(r1), str(w2)], pass_fds=(r1, w2), env=env,
                                  cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        os.close(r1)
        os.close(w2)
        self.w = os.fdopen(w1, "wb", buffering=0)
        self.r = os.fdopen(r2, "rb", buffering=0)

    def run(self, inp: str, out: str, err: str, args: list, documented=False) -> int:
        req = json.dumps({"in": inp, "out": out, "err": err, "args": args, "argv0": self.exe,
                          "documented": documented}) + "\n"
        self.w.write(req.encode())
        line = b""
        while not line.endswith(b"\n"):
            c = self.r.read(1)
            if not c:
                raise RuntimeError("fork server died")
            line += c
        return json.loads(line)

    def close(self):
        try:
            self.w.close()
            self.p.wait(timeout=5)
        except Exception:
            self.p.kill()


class Tools:
    """Per-thread runner for both tools."""

    def __init__(self, cfg, workdir: Path):
        self.cfg = cfg
        self.dir = Path(tempfile.mkdtemp(dir=workdir))
        self.inp = str(self.dir / "in.ipynb")
        self.out = str(self.dir / "out.ipynb")
        self.err = str(self.dir / "err.txt")
        self.fork = None if cfg.exec_ref else ForkServer(cfg.python, cfg.nbstripout, cfg.env, cfg.cwd)

    def write_input(self, data: bytes):
        with open(self.inp, "wb") as f:
            f.write(data)

    def nbstripout(self, args, real=False, documented=False) -> Run:
        if self.fork is not None and not real:
            rc = self.fork.run(self.inp, self.out, self.err, list(args), documented)
        else:
            with open(self.inp, "rb") as fi, open(self.out, "w+b") as fo, open(self.err, "w+b") as fe:
                try:
                    rc = subprocess.run([self.cfg.nbstripout, *args], stdin=fi, stdout=fo, stderr=fe, env=self.cfg.env,
                                        cwd=self.cfg.cwd, timeout=120).returncode
                except subprocess.TimeoutExpired:
                    rc = -999
        with open(self.out, "rb") as f:
            out = f.read()
        with open(self.err, "rb") as f:
            err = f.read()
        return Run(rc, out, err)

    def nbscrub(self, args) -> Run:
        with open(self.inp, "rb") as fi:
            try:
                p = subprocess.run([self.cfg.nbscrub, "strip", *args, "--", "-"], stdin=fi, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=self.cfg.env, cwd=self.cfg.cwd, timeout=60)
                return Run(p.returncode, p.stdout, p.stderr)
            except subprocess.TimeoutExpired as e:
                return Run(-999, e.stdout or b"", (e.stderr or b"") + b"\n[timeout]")

    def close(self):
        if self.fork:
            self.fork.close()
        shutil.rmtree(self.dir, ignore_errors=True)


# ------------------------------------------------------------------------------------
# comparison

ID_LINE = re.compile(rb'^(   "id": )(.*?)(,?)\r?$', re.M)
GEN = b'"<generated-id>"'


def mask_ids(out: bytes, input_ids: set) -> tuple[bytes, list]:
    """Replace cell ids (nbformat's layout: a cell key at indent 3) that are absent
    from the input; returns the masked text and the replaced values."""
    gen = []

    def sub(m):
        raw = m.group(2)
        try:
            v = json.loads(raw)
        except Exception:
            return m.group(0)
        if isinstance(v, str) and v not in input_ids:
            gen.append(v)
            return m.group(1) + GEN + m.group(3)
        return m.group(0)

    return ID_LINE.sub(sub, out), gen


def _reject_const(c):
    raise ValueError(c)


def ref_output_invalid(out: bytes) -> str:
    """Why nbstripout's successful output is not a sound notebook file ('' if it is)."""
    try:
        text = out.decode("utf-8")
    except UnicodeDecodeError:
        return "not UTF-8"
    try:
        json.loads(text, parse_constant=_reject_const)
    except RecursionError:
        return ""
    except ValueError as e:
        return f"not strict JSON ({str(e)[:60]})"
    return ""


def exc_name(err: bytes) -> str:
    """nbstripout's failure: exception name @ innermost frame (file:function)."""
    text = err.decode("utf-8", "replace")
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    if not lines:
        return "?"
    last = lines[-1]
    m = re.match(r"^([A-Za-z_][\w.]*)(:|$)", last)
    if m and ("Error" in m.group(1) or "Exception" in m.group(1) or "Warning" in m.group(1)):
        frames = re.findall(r'File "([^"]+)", line \d+, in (\S+)', text)
        where = f"@{Path(frames[-1][0]).stem}.{frames[-1][1]}" if frames else ""
        msg = last[len(m.group(0)):].strip()
        msg = re.sub(r"\d+", "N", re.sub(r"\\u[0-9a-f]{4}", "U", msg))
        msg = re.sub(r"^The notebook is invalid and is missing an expected key: ", "", msg)
        return m.group(1).split(".")[-1] + where + (": " + msg[:48] if msg else "")
    if "No valid notebook" in last:
        return "NotJSON"
    return re.sub(r"\d+", "N", last[:40])


KEY_RE = re.compile(r'^(\s*)"((?:[^"\\]|\\.)*)":')


def _load_spelled(b: bytes):
    return json.loads(b.decode("utf-8", "surrogatepass"), parse_float=lambda x: ("f", x),
                      parse_int=lambda x: ("i", x), parse_constant=lambda x: ("c", x))


def _first_diff(a, b, path):
    if type(a) is not type(b):
        return path + "~type"
    if isinstance(a, dict):
        ka, kb = list(a), list(b)
        if set(ka) != set(kb):
            return path + "{" + ",".join(sorted(k[:20] for k in set(ka) ^ set(kb)))[:60] + "}"
        if ka != kb:
            return path + "~order"
        for k in ka:
            r = _first_diff(a[k], b[k], path + "." + k[:20])
            if r:
                return r
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return path + "[]~len"
        for x, y in zip(a, b):
            r = _first_diff(x, y, path + "[]")
            if r:
                return r
        return None
    if a == b:
        return None
    if isinstance(a, tuple) and isinstance(b, tuple) and a[0] == b[0] == "f":
        return "<float>~repr"  # one kind wherever the float is
    return path + "~value"


def diff_sig(a: bytes, b: bytes) -> str:
    """Where two outputs first differ: a JSON path with list indices elided (numbers
    compared as spelled), '~format' if only the formatting differs."""
    try:
        ja, jb = _load_spelled(a), _load_spelled(b)
    except (ValueError, RecursionError):
        return text_diff_sig(a, b)
    try:
        return _first_diff(ja, jb, "") or "~format"
    except RecursionError:
        return "~deep"


def text_diff_sig(a: bytes, b: bytes) -> str:
    """A coarse signature of where two outputs first differ: indent + key of the first
    differing line of nbstripout's output."""
    la = a.decode("utf-8", "replace").splitlines()
    lb = b.decode("utf-8", "replace").splitlines()
    sm = difflib.SequenceMatcher(None, la, lb, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        line = la[i1] if i1 < i2 else (lb[j1] if j1 < j2 else "")
        m = KEY_RE.match(line)
        if m:
            return f"{len(m.group(1))}:{m.group(2)[:30]}"
        ind = len(line) - len(line.lstrip(" "))
        return f"{ind}:<{line.strip()[:1]}>" if line.strip() else f"{ind}:<blank>"
    return "eof"


@dataclass
class Result:
    cls: str
    sig: str
    ref: Run
    got: Run
    ref_masked: bytes = b""
    got_masked: bytes = b""
    notes: list = field(default_factory=list)


def classify(ref: Run, got: Run, input_ids: set) -> Result:
    if got.rc not in (0, 1, 2):
        return Result("NBSCRUB_CRASH", f"rc={got.rc}", ref, got)
    got_ok = got.rc in (0, 1)
    ref_ok = ref.rc == 0
    if not got_ok and got.out:
        return Result("NBSCRUB_STDOUT_ON_ERROR", "", ref, got)
    if not ref_ok:
        if got_ok:
            return Result("NBSTRIPOUT_ERROR_ONLY", exc_name(ref.err), ref, got)
        return Result("BOTH_ERROR", "", ref, got)
    if not got_ok:
        bad = ref_output_invalid(ref.out)
        if bad:
            return Result("NBSTRIPOUT_INVALID_OUTPUT_NBSCRUB_ERROR", bad, ref, got)
        msg = got.err.decode("utf-8", "replace").strip().splitlines()
        msg = msg[0] if msg else ""
        msg = re.sub(r"line \d+, column \d+|\d+", "N", msg.replace("<stdin>: ", ""))
        return Result("NBSCRUB_ERROR_ONLY", msg[:70], ref, got)
    rm, rgen = mask_ids(ref.out, input_ids)
    gm, gen = mask_ids(got.out, input_ids)
    notes = []
    odd = [g for r, g in zip(rgen, gen) if re.fullmatch(r"[0-9a-f]{8}", r) and not re.fullmatch(r"[0-9a-f]{8}", g)]
    if odd or (len(rgen) == len(set(rgen)) and len(gen) != len(set(gen))):
        notes.append(f"nbscrub invented ids {gen[:4]!r} where nbformat invents e.g. {rgen[:4]!r} "
                     f"(8 random lowercase hex, unique)")
    if rm == gm and notes:
        return Result("GENERATED_ID_FORMAT", "odd" if odd else "not unique", ref, got, rm, gm, notes)
    if rm == gm:
        bad = ref_output_invalid(ref.out)
        return Result("NBSTRIPOUT_INVALID_OUTPUT_MATCH" if bad else "MATCH", bad, ref, got, rm, gm, notes)
    bad = ref_output_invalid(ref.out)
    cls = "NBSTRIPOUT_INVALID_OUTPUT_DIFF" if bad else "OUTPUT_DIFF"
    return Result(cls, diff_sig(rm, gm), ref, got, rm, gm, notes)


def run_case(tools: Tools, data: bytes, args: list, input_ids: set, real=False) -> Result:
    tools.write_input(data)
    ref = tools.nbstripout(args, real=real)
    got = tools.nbscrub(args)
    res = classify(ref, got, input_ids)
    if res.cls in FAIL and tools.fork is not None and any(a in DOCUMENTED_OPTIONS for a in args):
        # A difference the README documents is not a bug: compare again with
        # nbstripout patched to behave as documented.
        # Where that nbstripout fails on a malformed structure, nbscrub being
        # lenient is documented too.
        fixed = classify(tools.nbstripout(args, documented=True), got, input_ids)
        if fixed.cls in OK or fixed.cls in REF:
            return replace(fixed, cls="DOCUMENTED_DIFF")
    return res


# ------------------------------------------------------------------------------------
# shrinking


def get_at(v, path):
    for kind, i in path:
        if kind == "i":
            v = v[i]
        elif kind == "v":
            v = v.pairs[i][1]
        else:
            v = v.pairs[i][0]
    return v


def replace_at(v, path, fn):
    """Functional update: new tree with fn(node) at path (fn returning DELETE removes it)."""
    if not path:
        return fn(v)
    (kind, i), rest = path[0], path[1:]
    if isinstance(v, list):
        new = fn(v[i]) if not rest else replace_at(v[i], rest, fn)
        lst = list(v)
        if new is DELETE:
            del lst[i]
        else:
            lst[i] = new
        return lst
    pairs = list(v.pairs)
    k, x = pairs[i]
    if kind == "k":
        new = fn(k)
        if new is DELETE:
            del pairs[i]
        else:
            pairs[i] = (new, x)
    else:
        new = fn(x) if not rest else replace_at(x, rest, fn)
        if new is DELETE:
            del pairs[i]
        else:
            pairs[i] = (k, new)
    return Obj(pairs)


DELETE = object()
KNOWN_KEYS = {"cells", "metadata", "nbformat", "nbformat_minor", "cell_type", "source", "outputs", "execution_count",
              "id", "output_type", "text", "name", "data", "worksheets", "input", "prompt_number", "tags",
              "keep_output", "init_cell", "attachments", "traceback", "ename", "evalue"}


def paths_bfs(tree):
    out = []
    queue = [((), tree)]
    while queue:
        nxt = []
        for path, v in queue:
            out.append(path)
            if isinstance(v, list):
                for i, x in enumerate(v):
                    nxt.append((path + (("i", i),), x))
            elif isinstance(v, Obj):
                for i, (k, x) in enumerate(v.pairs):
                    if k not in KNOWN_KEYS:
                        out.append(path + (("k", i),))
                    nxt.append((path + (("v", i),), x))
        queue = nxt
    return out


def str_candidates(s: str):
    if not s:
        return []
    c = [""]
    n = len(s)
    if n > 1:
        c += [s[: n // 2], s[n // 2:]]
    if n > 8:
        q = n // 4
        c += [s[:q] + s[2 * q:], s[: 2 * q] + s[3 * q:], s[q:], s[:-q]]
    if 1 < n <= 48:
        c += [s[:i] + s[i + 1:] for i in range(n)]
    if n > 1 and s != "x":
        c.append("x")
    seen, out = set(), []
    for x in c:
        if x != s and x not in seen:
            seen.add(x)
            out.append(x)
    return out


def node_candidates(v, path):
    """Simpler replacements for node v (DELETE = remove from parent)."""
    cands = []
    if path:
        cands.append(DELETE)
    if isinstance(v, list):
        n = len(v)
        if n > 2:
            cands += [v[: n // 2], v[n // 2:]]
        if n:
            cands.append([])
        if n == 1 and isinstance(v[0], (list, Obj)):
            cands.append(v[0])  # collapse nesting
    elif isinstance(v, Obj):
        n = len(v.pairs)
        if n > 2:
            cands += [Obj(v.pairs[: n // 2]), Obj(v.pairs[n // 2:])]
        if n and path:
            cands.append(Obj())
        if n == 1 and isinstance(v.pairs[0][1], (list, Obj)) and path:
            cands.append(v.pairs[0][1])
    if isinstance(v, (list, Obj)):
        chain, x = [], v
        while True:  # a chain of single-item containers: cut it in half, quarter, ...
            kids = x if isinstance(x, list) else ([p[1] for p in x.pairs] if isinstance(x, Obj) else None)
            if not kids or len(kids) != 1 or not isinstance(kids[0], (list, Obj)):
                break
            x = kids[0]
            chain.append(x)
        k = len(chain) // 2
        while k >= 2:
            cands.insert(0, chain[k - 1])
            k //= 2
    if isinstance(v, str):
        cands += str_candidates(v)
    elif isinstance(v, Num):
        for t in ("0", "1", "1.0"):
            if t != v.text:
                cands.append(Num(t))
    return cands


class Shrinker:
    def __init__(self, tools: Tools, target: tuple, max_evals: int, max_time: float):
        self.tools = tools
        self.target = target
        self.evals = 0
        self.max_evals = max_evals
        self.deadline = time.time() + max_time

    def budget(self):
        return self.evals < self.max_evals and time.time() < self.deadline

    def holds(self, tree, st, args) -> bool:
        if not self.budget():
            return False
        self.evals += 1
        try:
            data = render(tree, st)
        except Exception:
            return False
        ids = collect_ids(tree, set())
        res = run_case(self.tools, data, args, ids)
        return (res.cls, res.sig) == self.target

    @staticmethod
    def max_size_adjusted(old, new, args):
        """With --max-size N, N lowered by what a shrink step removed, so that an
        output stays on the same side of the limit."""
        if "--max-size" not in args:
            return None
        i = args.index("--max-size") + 1
        if i >= len(args) or not args[i].isdigit():
            return None
        try:
            d = _size(old) - _size(new)
        except Exception:
            return None
        n = int(args[i]) - d
        if d <= 0 or n < 0:
            return None
        return args[:i] + [str(n)] + args[i + 1:]

    def shrink(self, tree, st: Style, args: list):
        # 1. options: try the default set, then dropping each option with its values
        if args and self.holds(tree, st, []):
            args = []
        changed = True
        while changed and args:
            changed = False
            groups, cur = [], []
            for a in args:
                if a.startswith("--") and cur:
                    groups.append(cur)
                    cur = []
                cur.append(a)
            groups.append(cur)
            for gi in range(len(groups)):
                cand = [a for j, g in enumerate(groups) if j != gi for a in g]
                if self.holds(tree, st, cand):
                    args, changed = cand, True
                    break
                g = groups[gi]
                alts = []
                if len(g) > 2:  # drop one value of a multi-value option
                    alts += [g[:vi] + g[vi + 1:] for vi in range(1, len(g))]
                if len(g) == 2 and " " in g[1].strip():  # drop one word of a space-separated value
                    words = g[1].split()
                    alts += [[g[0], " ".join(words[:wi] + words[wi + 1:])] for wi in range(len(words))]
                for g2 in alts:
                    cand = [a for j, gg in enumerate(groups) for a in (g2 if j == gi else gg)]
                    if self.holds(tree, st, cand):
                        args, changed = cand, True
                        break
                if changed:
                    break
        # 2. style (compact for a big input: deep nesting is quadratic with indentation)
        if len(render(tree, st)) > 20000 and st != COMPACT_STYLE and self.holds(tree, COMPACT_STYLE, args):
            st = COMPACT_STYLE
        elif st != SIMPLE_STYLE and self.holds(tree, SIMPLE_STYLE, args):
            st = SIMPLE_STYLE
        else:
            for f in ("corrupt", "bom", "lead", "trail", "esc_rate", "ensure_ascii", "slash", "upper_hex",
                      "short_esc", "empty_ws", "newline", "indent", "key_sep", "item_sep"):
                dv = getattr(SIMPLE_STYLE, f)
                if getattr(st, f) != dv:
                    cand = replace(st, **{f: dv})
                    if self.holds(tree, cand, args):
                        st = cand
        # 3. tree
        progress = True
        while progress and self.budget():
            progress = False
            paths = paths_bfs(tree)
            i = 0
            while i < len(paths) and self.budget():
                path = paths[i]
                try:
                    node = get_at(tree, path)
                except (IndexError, AttributeError, TypeError):
                    i += 1
                    continue
                accepted = False
                for cand in node_candidates(node, path):
                    if path and path[-1][0] == "k" and cand is DELETE:
                        continue
                    if path and path[-1][0] == "k" and not isinstance(cand, str):
                        continue
                    new = replace_at(tree, path, lambda _old, c=cand: c)
                    if self.holds(new, st, args):
                        tree, accepted, progress = new, True, True
                        break
                    adj = self.max_size_adjusted(tree, new, args)
                    if adj and self.holds(new, st, adj):
                        tree, args, accepted, progress = new, adj, True, True
                        break
                if accepted:
                    paths = paths_bfs(tree)
                    continue  # retry the same position (now a different node, or the simpler one)
                i += 1
        # 4. style once more (tree shrinking may have made some style irrelevant)
        if st not in (SIMPLE_STYLE, COMPACT_STYLE) and self.holds(tree, SIMPLE_STYLE, args):
            st = SIMPLE_STYLE
        return tree, st, args


# ------------------------------------------------------------------------------------
# reporting


def fmt_lines(b: bytes, limit=30, width=300) -> str:
    lines = b.decode("utf-8", "backslashreplace").splitlines(keepends=True)
    lines = [ln if len(ln) <= width else ln[:width] + f"... ({len(ln) - width} more chars)\n" for ln in lines]
    s = "".join(repr(ln)[1:-1] + "\n" if any(ord(c) < 32 and c not in "\n" for c in ln) or "\\x" in repr(ln) else ln
                for ln in lines[:limit])
    if len(lines) > limit:
        s += f"... ({len(lines) - limit} more lines)\n"
    return s


def udiff(a: bytes, b: bytes, width: int = 0) -> str:
    """Unified diff of two outputs, each line shown as a Python string literal body
    (so control characters and trailing whitespace are visible); lines cut at width."""
    def lines(x):
        out = []
        for ln in x.decode("utf-8", "surrogateescape").splitlines(keepends=True):
            r = repr(ln)[1:-1]
            if width and len(r) > width:
                r = r[:width] + f"... ({len(r) - width} more chars)"
            out.append(r + "\n")
        return out
    return "".join(difflib.unified_diff(lines(a), lines(b), "nbstripout", "nbscrub", n=2))


def describe(res: Result) -> str:
    out = [f"class: {res.cls}", f"signature: {res.sig}",
           f"nbstripout exit: {res.ref.rc}", f"nbscrub exit: {res.got.rc}"]
    if res.ref.err.strip():
        out.append("nbstripout stderr (last 5 lines):\n  " + "\n  ".join(
            res.ref.err.decode("utf-8", "replace").strip().splitlines()[-5:]))
    if res.got.err.strip():
        out.append("nbscrub stderr:\n  " + "\n  ".join(res.got.err.decode("utf-8", "replace").strip().splitlines()[:5]))
    for n in res.notes:
        out.append("note: " + n)
    if res.cls in ("OUTPUT_DIFF", "NBSTRIPOUT_INVALID_OUTPUT_DIFF"):
        out.append("diff (nbstripout -> nbscrub, ids absent from input masked):")
        out.append(udiff(res.ref_masked, res.got_masked, width=300))
    elif res.ref.rc == 0:
        out.append("nbstripout output:\n" + fmt_lines(res.ref.out))
    if res.got.out and res.cls != "OUTPUT_DIFF":
        out.append("nbscrub output:\n" + fmt_lines(res.got.out))
    return "\n".join(out)


# ------------------------------------------------------------------------------------
# main


@dataclass
class Config:
    python: str
    nbstripout: str
    nbscrub: str
    env: dict
    cwd: Path
    exec_ref: bool


_tls = threading.local()
_all_tools: list = []
_tools_lock = threading.Lock()


def thread_tools(cfg, workdir) -> Tools:
    t = getattr(_tls, "tools", None)
    if t is None:
        t = Tools(cfg, workdir)
        _tls.tools = t
        with _tools_lock:
            _all_tools.append(t)
    return t


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=250, help="notebooks to generate (each runs under every option set)")
    ap.add_argument("--out", default=str(ROOT / "target" / "strip-fuzz"))
    ap.add_argument("--sets", default="", help="comma-separated option-set names (default: all)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--venv", default=str(ROOT / "target" / "bench-venv"))
    ap.add_argument("--nbscrub", default=str(ROOT / "target" / "release" / "nbscrub"))
    ap.add_argument("--exec", dest="exec_ref", action="store_true",
                    help="run the real nbstripout executable for every case (slow) instead of the fork server")
    ap.add_argument("--max-shrinks", type=int, default=30, help="failures to shrink (distinct kinds first)")
    ap.add_argument("--shrink-evals", type=int, default=400)
    ap.add_argument("--shrink-time", type=float, default=25.0, help="seconds per shrink")
    ap.add_argument("--no-shrink", action="store_true")
    ap.add_argument("--self-check", type=int, default=12, help="cases to cross-check fork server vs real exec")
    ap.add_argument("--dump", type=int, default=-1, help="print generated notebook N and exit")
    ap.add_argument("--list-sets", action="store_true")
    a = ap.parse_args()

    if a.list_sets:
        for n, args in OPTION_SETS:
            print(f"{n:26} {shlex.join(args) if args is not None else '(computed per notebook)'}")
        return 0
    if a.dump >= 0:
        tree, st = generate(a.seed, a.dump)
        sys.stdout.buffer.write(render(tree, st))
        return 0

    sets = OPTION_SETS
    if a.sets:
        want = a.sets.split(",")
        bad = [w for w in want if w not in SET_ARGS]
        if bad:
            ap.error(f"unknown option sets {bad}; see --list-sets")
        sets = [(n, SET_ARGS[n]) for n in want]

    python = str(Path(a.venv) / "bin" / "python")
    nbstripout = str(Path(a.venv) / "bin" / "nbstripout")
    for p in (python, nbstripout, a.nbscrub):
        if not os.access(p, os.X_OK):
            print(f"strip-fuzz: missing {p}", file=sys.stderr)
            return 2

    outdir = Path(a.out)
    outdir.mkdir(parents=True, exist_ok=True)
    for p in list(outdir.glob("*.ipynb")) + list(outdir.glob("*.txt")) + list(outdir.glob("*.diff")):
        p.unlink()
    shutil.rmtree(outdir / "nbstripout", ignore_errors=True)
    (outdir / "nbstripout").mkdir()

    work = Path(tempfile.mkdtemp(prefix="strip-fuzz-"))
    home, cwd = work / "home", work / "cwd"
    home.mkdir()
    cwd.mkdir()
    # A snapshot of the binary, so a rebuild during the run cannot mix two versions.
    snap = work / "nbscrub"
    for _ in range(120):
        try:
            shutil.copy2(a.nbscrub, snap)
            break
        except FileNotFoundError:
            time.sleep(1)
    else:
        print(f"strip-fuzz: {a.nbscrub} vanished", file=sys.stderr)
        return 2
    import hashlib
    binsum = hashlib.sha256(snap.read_bytes()).hexdigest()[:12]
    bintime = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(os.stat(a.nbscrub).st_mtime))
    cfg = Config(python, nbstripout, str(snap), make_env(home), cwd, a.exec_ref)
    t0 = time.time()

    try:
        # ---- self-check: fork server == real executable
        if not a.exec_ref and a.self_check:
            t = Tools(cfg, work)
            bad = 0
            for i in range(a.self_check):
                tree, st = generate(a.seed + 7777, i)
                data = render(tree, st)
                ids = collect_ids(tree, set())
                n, args = sets[i % len(sets)]
                args = edge_args(tree, a.seed, i) if args is None else args
                t.write_input(data)
                r1 = t.nbstripout(args)
                r2 = t.nbstripout(args, real=True)
                m1, m2 = mask_ids(r1.out, ids)[0], mask_ids(r2.out, ids)[0]
                if (r1.rc == 0) != (r2.rc == 0) or (r1.rc == 0 and m1 != m2) or exc_name(r1.err) != exc_name(r2.err):
                    bad += 1
                    print(f"self-check mismatch (case {i}, {n}): fork rc={r1.rc} exec rc={r2.rc}", file=sys.stderr)
            t.close()
            if bad:
                print("strip-fuzz: fork server disagrees with the real nbstripout; use --exec", file=sys.stderr)
                return 2
            print(f"self-check: fork server == real nbstripout on {a.self_check} cases "
                  f"({time.time() - t0:.1f}s)", file=sys.stderr)

        # ---- fuzz
        counts: dict = {n: {} for n, _ in sets}
        failures: list = []  # (i, set name, args, result)
        lock = threading.Lock()

        def work_one(i):
            tree, st = generate(a.seed, i)
            data = render(tree, st)
            ids = collect_ids(tree, set())
            t = thread_tools(cfg, work)
            local = []
            for n, args in sets:
                if args is None:
                    args = edge_args(tree, a.seed, i)
                res = run_case(t, data, args, ids)
                local.append((n, args, res))
            with lock:
                for n, args, res in local:
                    counts[n][res.cls] = counts[n].get(res.cls, 0) + 1
                    if res.cls not in OK:
                        res.ref_masked = res.ref_masked[:200000]
                        failures.append((i, n, args, res))
            return i

        done = 0
        with cf.ThreadPoolExecutor(max_workers=a.jobs) as ex:
            for _ in ex.map(work_one, range(a.count)):
                done += 1
                if done % 50 == 0:
                    nf = sum(1 for f in failures if f[3].cls in FAIL)
                    print(f"  {done}/{a.count} notebooks, {nf} nbscrub failures, {time.time() - t0:.0f}s",
                          file=sys.stderr)
        fuzz_time = time.time() - t0

        # ---- shrink distinct failures
        failures.sort(key=lambda f: (f[0], [n for n, _ in sets].index(f[1])))
        by_kind: dict = {}
        failures.sort(key=lambda f: f[3].cls not in FAIL)  # stable: nbscrub failures first
        for f in failures:
            by_kind.setdefault((f[3].cls, f[3].sig), []).append(f)
        picks = []
        # round-robin over kinds so every kind gets one shrink before any gets two
        rnd = 0
        while len(picks) < a.max_shrinks:
            added = False
            for kind, fs in by_kind.items():
                # a second pick of a kind only from a different option set
                cand = [f for f in fs if f[1] not in {p[1] for p in picks if (p[3].cls, p[3].sig) == kind}]
                if rnd < len(fs) and rnd < 3 and cand:
                    picks.append(cand[0])
                    added = True
                    if len(picks) >= a.max_shrinks:
                        break
            rnd += 1
            if not added:
                break

        t = Tools(cfg, work)
        saved = {}  # dedupe key -> record
        for (i, n, args, res) in picks:
            if a.no_shrink:
                tree, st = generate(a.seed, i)
                stree, sst, sargs, evals = tree, st, args, 0
            else:
                tree, st = generate(a.seed, i)
                sh = Shrinker(t, (res.cls, res.sig), a.shrink_evals, a.shrink_time)
                stree, sst, sargs = sh.shrink(tree, st, args)
                evals = sh.evals
            data = render(stree, sst)
            ids = collect_ids(stree, set())
            fin = run_case(t, data, sargs, ids)
            real = run_case(t, data, sargs, ids, real=True) if not a.exec_ref else fin
            key = (fin.cls, fin.sig, tuple(sargs), data if len(data) < 4000 else zlib.crc32(data))
            key2 = (fin.cls, fin.sig, tuple(sargs))
            rec = dict(case=i, set=n, args=sargs, res=fin, real=real, data=data, evals=evals,
                       orig_cls=res.cls, orig_sig=res.sig)
            if key in saved:
                continue
            prev = [k for k in saved if k[:3] == key2]
            if prev and len(saved[prev[0]]["data"]) <= len(data):
                continue
            for k in prev:
                del saved[k]
            saved[key] = rec
            print(f"  shrunk case {i} [{n}] {res.cls} {res.sig!r}: {len(data)} bytes, options {sargs}, "
                  f"{evals} evals", file=sys.stderr)
        t.close()

        # ---- write
        recs = sorted(saved.values(), key=lambda r: (r["res"].cls not in FAIL, r["res"].cls, r["res"].sig))
        n_bug = n_ref = 0
        index = []
        for r in recs:
            res = r["res"]
            if res.cls in FAIL or (res.cls in OK and res.notes):
                n_bug += 1
                base = outdir / str(n_bug)
            else:
                n_ref += 1
                base = outdir / "nbstripout" / str(n_ref)
            base.with_suffix(".ipynb").write_bytes(r["data"])
            realnote = "" if a.exec_ref else (
                f"confirmed with the real nbstripout executable: "
                f"{'yes' if (r['real'].cls, r['real'].sig) == (res.cls, res.sig) else 'NO (' + r['real'].cls + ')'}")
            txt = [f"options: {shlex.join(r['args'])}",
                   f"repro: nbstripout {shlex.join(r['args'])} < {base.name}.ipynb > ref.ipynb; "
                   f"nbscrub strip {shlex.join(r['args'])} -- - < {base.name}.ipynb",
                   f"found as: seed {a.seed} case {r['case']} option set {r['set']} ({r['orig_cls']} {r['orig_sig']!r})",
                   realnote, describe(res)]
            base.with_suffix(".txt").write_text("\n".join(txt) + "\n", encoding="utf-8", errors="backslashreplace")
            if res.ref.rc == 0 and res.got.rc in (0, 1):
                base.with_suffix(".diff").write_text(udiff(res.ref_masked, res.got_masked), encoding="utf-8",
                                                     errors="backslashreplace")
            index.append((str(base.relative_to(outdir)), res.cls, res.sig, shlex.join(r["args"]), len(r["data"])))

        # ---- summary
        classes = sorted({c for d in counts.values() for c in d}, key=lambda c: (c not in OK, c))
        lines = [f"strip-fuzz: seed {a.seed}, {a.count} notebooks x {len(sets)} option sets = "
                 f"{a.count * len(sets)} cases; fuzz {fuzz_time:.0f}s, total {time.time() - t0:.0f}s"
                 f"{' (real nbstripout)' if a.exec_ref else ' (nbstripout via fork server)'}",
                 f"nbscrub: {a.nbscrub} (built {bintime}, sha256 {binsum})", ""]
        w = max(len(n) for n, _ in sets)
        lines.append(f"{'option set':{w}}  total  " + "  ".join(classes))
        for n, _ in sets:
            d = counts[n]
            lines.append(f"{n:{w}}  {sum(d.values()):5}  " + "  ".join(f"{d.get(c, 0):{len(c)}}" for c in classes))
        lines.append("")
        kinds_fail = {(f[3].cls, f[3].sig) for f in failures if f[3].cls in FAIL}
        kinds_ref = {(f[3].cls, f[3].sig) for f in failures if f[3].cls in REF}
        lines.append(f"distinct failure kinds (class, signature): nbscrub {len(kinds_fail)}, nbstripout-side "
                     f"{len(kinds_ref)}; shrunk {len(picks)}, saved {len(index)}")
        for k in sorted(kinds_fail | kinds_ref):
            sets_hit = sorted({f[1] for f in failures if (f[3].cls, f[3].sig) == k})
            ncases = sum(1 for f in failures if (f[3].cls, f[3].sig) == k)
            lines.append(f"  {k[0]:32} {k[1]!r:40} {ncases:5} cases  sets: {', '.join(sets_hit)}")
        lines.append("")
        lines.append("saved reproducers:")
        for row in index:
            lines.append(f"  {row[0]:22} {row[1]:32} {row[2]!r:36} [{row[3]}] {row[4]} bytes")
        text = "\n".join(lines) + "\n"
        (outdir / "summary.txt").write_text(text, encoding="utf-8", errors="backslashreplace")
        print(text)
        return 1 if any(f[3].cls in FAIL for f in failures) else 0
    finally:
        for t in _all_tools:
            t.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
