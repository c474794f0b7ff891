#!/usr/bin/env python3
"""Generate a corpus of realistic *executed* Jupyter notebooks for benchmarks.

    gen_notebooks.py OUTDIR --count N --seed S [--jobs J]

Writes N notebooks (nbformat 4.5) under OUTDIR/pNN/*.ipynb, serialised exactly
the way nbformat writes them:

    json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False,
               separators=(",", ": ")) + "\\n"

with multi-line strings (cell sources, stream text, text/* and a few other
mimetypes) split into lists of lines by ``str.splitlines(keepends=True)``, as
``nbformat.v4.rwbase.split_lines`` does.

Contents: code cells with execution counts, stream outputs (long training
logs, stderr warnings, tqdm ``\\r`` progress bars), execute_result text/plain +
pandas-like text/html tables, display_data base64 PNG images (random bytes
behind a PNG header, 20-300 KB encoded), error outputs with ANSI tracebacks,
markdown cells (some with attachments), raw cells, cell metadata (collapsed,
scrolled, ExecuteTime, execution timings, tags, ...) and notebook metadata
(kernelspec, language_info, widget state, ...).

Sizes follow a skewed mix like real work: ~3% tiny (1-12 KB), ~4% large
(0.6-2 MB), the rest log-normal around ~110 KB; the mean is ~160 KB.

Stdlib only. Output is a pure function of (N, seed): each notebook uses its own
RNG seeded from (seed, index), so the result does not depend on --jobs.
Prints one summary line (count, total bytes, median/mean/max) on stdout.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import os
import random
import statistics
import struct
import sys
import zlib
from datetime import datetime, timedelta, timezone

# --------------------------------------------------------------------------
# vocabulary

WORDS = (
    "the data model training loss accuracy feature features dataset sample "
    "samples column columns value values result results we this that with "
    "for from into over each batch epoch validation test split mean median "
    "distribution outlier outliers missing null plot figure below above "
    "note first next then finally compute computed load loaded clean cleaned "
    "merge group aggregate pipeline experiment baseline improvement metric "
    "metrics score scores weight weights layer layers learning rate schedule "
    "regression classification cluster clusters embedding embeddings token "
    "tokens customer customers revenue region date time series trend season "
    "seasonal forecast error errors residual residuals check assumption"
).split()

UNICODE_BITS = [
    "café", "naïve", "Zürich", "São Paulo", "Ångström", "façade", "résumé",
    "—", "–", "“quoted”", "‘single’", "…", "±", "µs", "°C", "≈", "≤", "≥",
    "→", "✓", "✗", "★", "🚀", "📈", "🔥", "数据", "模型", "東京", "データ",
    "Привет", "Ελλάδα", "שלום", "مرحبا", "½", "²", "€", "£", "¥",
]

FUNC_NAMES = [
    "load_data", "clean_frame", "build_features", "train_model", "evaluate",
    "plot_history", "make_loader", "compute_metrics", "normalize", "split_xy",
    "fit_pipeline", "predict_batch", "summarize", "read_parquet_dir",
    "encode_labels", "rolling_stats", "resample_series", "tokenize",
]

VAR_NAMES = [
    "df", "df_raw", "df_clean", "train_df", "test_df", "X", "y", "X_train",
    "X_test", "y_train", "y_test", "model", "clf", "preds", "scores",
    "history", "features", "embeddings", "sales", "events", "users", "orders",
]

COLUMNS = [
    "user_id", "order_id", "timestamp", "date", "region", "country", "city",
    "category", "product", "price", "quantity", "revenue", "discount",
    "age", "income", "score", "label", "prediction", "probability",
    "clicks", "impressions", "ctr", "duration_s", "temperature", "humidity",
    "lat", "lon", "sensor_id", "status", "segment",
]

EXCEPTIONS = [
    ("KeyError", "'revenue_usd'"),
    ("ValueError", "could not convert string to float: 'N/A'"),
    ("ValueError", "Input contains NaN, infinity or a value too large for dtype('float64')."),
    ("TypeError", "unsupported operand type(s) for +: 'int' and 'str'"),
    ("IndexError", "index 128 is out of bounds for axis 0 with size 128"),
    ("RuntimeError", "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 15.78 GiB total capacity)"),
    ("FileNotFoundError", "[Errno 2] No such file or directory: 'data/raw/events_2023-10.parquet'"),
    ("ModuleNotFoundError", "No module named 'lightgbm'"),
    ("AttributeError", "'DataFrame' object has no attribute 'revenu'"),
    ("ZeroDivisionError", "division by zero"),
    ("NameError", "name 'X_val' is not defined"),
]

LIBS = [
    "/opt/conda/lib/python3.10/site-packages/pandas/core/frame.py",
    "/opt/conda/lib/python3.10/site-packages/pandas/core/indexes/base.py",
    "/opt/conda/lib/python3.10/site-packages/sklearn/base.py",
    "/opt/conda/lib/python3.10/site-packages/sklearn/utils/validation.py",
    "/opt/conda/lib/python3.10/site-packages/numpy/core/fromnumeric.py",
    "/opt/conda/lib/python3.10/site-packages/torch/nn/modules/module.py",
    "/home/jovyan/work/src/features.py",
]

KERNELS = [
    ({"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}, "3.10.12"),
    ({"display_name": "Python 3", "language": "python", "name": "python3"}, "3.8.10"),
    ({"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}, "3.11.7"),
    ({"display_name": "ml-env", "language": "python", "name": "ml-env"}, "3.9.18"),
    ({"display_name": "Python [conda env:torch]", "language": "python", "name": "conda-env-torch-py"}, "3.10.13"),
]

THEMES = ["analysis", "eda", "train", "report", "experiment", "scratch", "forecast", "etl"]

# --------------------------------------------------------------------------
# nbformat-exact serialisation

_NON_TEXT_SPLIT_MIMES = {"application/javascript", "image/svg+xml"}


def _split_mimebundle(data: dict) -> None:
    for key, value in list(data.items()):
        if isinstance(value, str) and (key.startswith("text/") or key in _NON_TEXT_SPLIT_MIMES):
            data[key] = value.splitlines(True)


def split_lines(nb: dict) -> dict:
    """Same transformation as nbformat.v4.rwbase.split_lines."""
    for cell in nb["cells"]:
        source = cell.get("source")
        if isinstance(source, str):
            cell["source"] = source.splitlines(True)
        for attachment in cell.get("attachments", {}).values():
            _split_mimebundle(attachment)
        if cell["cell_type"] == "code":
            for output in cell["outputs"]:
                if output["output_type"] in ("execute_result", "display_data"):
                    _split_mimebundle(output.get("data", {}))
                elif output["output_type"] == "stream" and isinstance(output["text"], str):
                    output["text"] = output["text"].splitlines(True)
    return nb


def dumps(nb: dict) -> str:
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False, separators=(",", ": ")) + "\n"


# --------------------------------------------------------------------------
# generator


def _est(s: str) -> int:
    """Rough serialised size of a string split into lines."""
    return len(s) + 10 * (s.count("\n") + 1)


class Gen:
    def __init__(self, rng: random.Random, index: int):
        self.r = rng
        self.index = index
        self.count = 0
        self.size = 0
        self.widget_ids: list[str] = []
        self.t = datetime(2021, 1, 1, tzinfo=timezone.utc) + timedelta(
            seconds=rng.randrange(0, 4 * 365 * 86400)
        )
        # per-notebook "authoring environment" decides the metadata flavour
        self.style = rng.choices(
            ["plain", "lab_exec_time", "papermill", "classic", "vscode", "colab"],
            weights=[30, 20, 15, 15, 12, 8],
        )[0]
        self.uuid_ids = rng.random() < 0.5
        self.unicode_rate = rng.choice([0.0, 0.02, 0.1, 0.3])

    # ---- small helpers -------------------------------------------------
    def hexs(self, n: int) -> str:
        return "".join(self.r.choice("0123456789abcdef") for _ in range(n))

    def cell_id(self) -> str:
        if self.uuid_ids:
            h = self.hexs(32)
            return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{self.r.choice('89ab')}{h[17:20]}-{h[20:]}"
        return self.hexs(8)

    def word(self) -> str:
        if self.unicode_rate and self.r.random() < self.unicode_rate:
            return self.r.choice(UNICODE_BITS)
        return self.r.choice(WORDS)

    def sentence(self, lo: int = 6, hi: int = 22) -> str:
        words = [self.word() for _ in range(self.r.randint(lo, hi))]
        s = " ".join(words)
        return s[0].upper() + s[1:] + self.r.choice([".", ".", ".", ":", "!", "?"])

    def tick(self, lo: float = 0.01, hi: float = 30.0) -> tuple[datetime, datetime]:
        start = self.t + timedelta(seconds=self.r.uniform(0.5, 120))
        dur = math.exp(self.r.uniform(math.log(lo), math.log(hi)))
        end = start + timedelta(seconds=dur)
        self.t = end
        return start, end

    @staticmethod
    def iso(t: datetime, digits: int = 6) -> str:
        s = t.strftime("%Y-%m-%dT%H:%M:%S.%f")
        return s[: len(s) - (6 - digits)] + "Z"

    # ---- metadata --------------------------------------------------------
    def code_metadata(self) -> dict:
        r = self.r
        md: dict = {}
        if self.style == "lab_exec_time":
            s, e = self.tick()
            md["ExecuteTime"] = {"end_time": self.iso(e, 3), "start_time": self.iso(s, 3)}
        elif self.style == "papermill":
            s, e = self.tick()
            md["execution"] = {
                "iopub.execute_input": self.iso(s + timedelta(microseconds=900)),
                "iopub.status.busy": self.iso(s),
                "iopub.status.idle": self.iso(e + timedelta(microseconds=2100)),
                "shell.execute_reply": self.iso(e),
            }
            md["papermill"] = {
                "duration": round((e - s).total_seconds(), 6),
                "end_time": e.isoformat().replace("+00:00", ""),
                "exception": False,
                "start_time": s.isoformat().replace("+00:00", ""),
                "status": "completed",
            }
        elif self.style == "classic":
            if r.random() < 0.5:
                md["collapsed"] = r.random() < 0.2
            if r.random() < 0.3:
                md["scrolled"] = r.choice([True, False, "auto"])
        elif self.style == "vscode":
            if r.random() < 0.3:
                md["vscode"] = {"languageId": "python"}
        elif self.style == "colab":
            md["colab"] = {"base_uri": "https://localhost:8080/", "height": r.randint(100, 900)}
            md["outputId"] = self.cell_id()
        if r.random() < 0.06:
            md["tags"] = r.sample(["parameters", "hide-input", "remove-output", "skip", "slow", "todo"], r.randint(1, 2))
        if r.random() < 0.04:
            md["jupyter"] = {"outputs_hidden": r.random() < 0.5, "source_hidden": r.random() < 0.3}
        if r.random() < 0.03:
            md["pycharm"] = {"name": "#%%"}
        return md

    def md_metadata(self) -> dict:
        r = self.r
        md: dict = {}
        if self.style == "classic" and r.random() < 0.2:
            md[r.choice(["heading_collapsed", "hidden"])] = True
        if self.style == "papermill":
            md["papermill"] = {"duration": None, "end_time": None, "exception": None, "start_time": None, "status": "completed"}
        if r.random() < 0.04:
            md["tags"] = [r.choice(["intro", "summary", "toc", "hide"])]
        return md

    def next_count(self) -> int:
        self.count += 1 if self.r.random() < 0.85 else self.r.randint(2, 9)
        return self.count

    # ---- payloads --------------------------------------------------------
    def png_b64(self, nbytes: int) -> str:
        """Base64 'PNG' of about nbytes encoded characters (random body)."""
        raw_len = max(64, nbytes * 3 // 4)
        w, h = self.r.choice([(640, 480), (1000, 600), (1200, 800), (432, 288), (864, 576)])
        ihdr = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)
        head = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
        body = self.r.randbytes(raw_len - len(head) - 12)
        tail = b"\x00\x00\x00\x00IEND\xaeB`\x82"
        return base64.b64encode(head + body + tail).decode("ascii") + "\n"

    def html_table(self, nrows: int, ncols: int) -> tuple[str, str]:
        r = self.r
        cols = r.sample(COLUMNS, min(ncols, len(COLUMNS)))
        kinds = [r.choice(["int", "float", "str", "date"]) for _ in cols]

        def val(k: str) -> str:
            if k == "int":
                return str(r.randint(0, 100000))
            if k == "float":
                return f"{r.gauss(0, 1000):.6f}" if r.random() < 0.5 else f"{r.random():.4f}"
            if k == "date":
                return f"2023-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"
            return self.word()

        rows = [[val(k) for k in kinds] for _ in range(nrows)]
        html = [
            "<div>",
            "<style scoped>",
            "    .dataframe tbody tr th:only-of-type {",
            "        vertical-align: middle;",
            "    }",
            "",
            "    .dataframe tbody tr th {",
            "        vertical-align: top;",
            "    }",
            "",
            "    .dataframe thead th {",
            "        text-align: right;",
            "    }",
            "</style>",
            '<table border="1" class="dataframe">',
            "  <thead>",
            '    <tr style="text-align: right;">',
            "      <th></th>",
        ]
        html += [f"      <th>{c}</th>" for c in cols]
        html += ["    </tr>", "  </thead>", "  <tbody>"]
        for i, row in enumerate(rows):
            html.append("    <tr>")
            html.append(f"      <th>{i}</th>")
            html += [f"      <td>{v}</td>" for v in row]
            html.append("    </tr>")
        html += ["  </tbody>", "</table>", f"<p>{nrows} rows × {len(cols)} columns</p>", "</div>"]
        widths = [max(len(c), 10) for c in cols]
        text = ["     " + "  ".join(c.rjust(w) for c, w in zip(cols, widths))]
        for i, row in enumerate(rows[:60]):
            text.append(f"{i:<5}" + "  ".join(v[:w].rjust(w) for v, w in zip(row, widths)))
        text.append("")
        text.append(f"[{nrows} rows x {len(cols)} columns]")
        return "\n".join(html), "\n".join(text)

    def training_log(self, nlines: int) -> str:
        r = self.r
        out = []
        loss, acc = r.uniform(1.5, 3.0), r.uniform(0.1, 0.4)
        epochs = max(1, nlines // r.choice([1, 10, 50]))
        per = max(1, nlines // epochs)
        for e in range(epochs):
            for s in range(per):
                loss *= r.uniform(0.985, 1.005)
                acc = min(0.999, acc + r.uniform(-0.002, 0.006))
                out.append(
                    f"Epoch {e + 1}/{epochs} step {s * 50}/{per * 50} - loss: {loss:.4f} - "
                    f"accuracy: {acc:.4f} - lr: {r.choice(['1e-3', '5e-4', '1e-4'])} - {r.uniform(20, 900):.0f}ms/step"
                )
            out.append(f"val_loss: {loss * r.uniform(1.0, 1.3):.4f} - val_accuracy: {acc * r.uniform(0.9, 1.0):.4f}")
        return "\n".join(out[:nlines]) + "\n"

    def tqdm_text(self, total: int, updates: int) -> str:
        r = self.r
        parts = []
        rate = r.uniform(5, 400)
        prefix = r.choice(["", "train: ", "Epoch 1: ", "eval: "])
        for k in range(updates + 1):
            n = total * k // updates
            pct = 100 * n // total
            fill = 10 * n // total
            bar = "█" * fill + (r.choice("▏▎▍▌▋▊▉") if fill < 10 and n else "") + " " * (10 - fill - (1 if fill < 10 and n else 0))
            el = n / rate
            rem = (total - n) / rate
            parts.append(
                f"{prefix}{pct:3d}%|{bar}| {n}/{total} "
                f"[{int(el // 60):02d}:{int(el % 60):02d}<{int(rem // 60):02d}:{int(rem % 60):02d}, {rate:.2f}it/s]"
            )
        return "\r".join(parts) + "\n"

    def traceback(self) -> tuple[str, str, list[str]]:
        r = self.r
        ename, evalue = r.choice(EXCEPTIONS)
        red, green, cyan, bold, reset = "\x1b[0;31m", "\x1b[0;32m", "\x1b[0;36m", "\x1b[1;31m", "\x1b[0m"
        tb = [
            f"{red}---------------------------------------------------------------------------{reset}",
            f"{red}{ename}{reset}                                  Traceback (most recent call last)",
        ]
        for _ in range(r.randint(1, 6)):
            lib = r.choice(LIBS)
            line = r.randint(10, 9000)
            fn = r.choice(FUNC_NAMES)
            frame = [f"File {cyan}{lib}:{line}{reset}, in {cyan}{fn}{reset}{green}(self, key){reset}"]
            for k in range(line - 2, line + 2):
                mark = f"{green}--> {k}{reset}" if k == line else f"    {k}"
                frame.append(f"{mark}     {r.choice(VAR_NAMES)} = {r.choice(FUNC_NAMES)}({r.choice(VAR_NAMES)}, axis={r.randint(0, 1)})")
            tb.append("\n".join(frame) + "\n")
        tb.append(f"{red}{ename}{reset}: {evalue}")
        return ename, evalue, tb

    def code_source(self, kind: str) -> str:
        r = self.r
        v, f = r.choice(VAR_NAMES), r.choice(FUNC_NAMES)
        if kind == "imports":
            mods = r.sample(
                ["import numpy as np", "import pandas as pd", "import matplotlib.pyplot as plt", "import seaborn as sns",
                 "from pathlib import Path", "import torch", "from torch import nn", "from tqdm.auto import tqdm",
                 "from sklearn.model_selection import train_test_split", "from sklearn.metrics import roc_auc_score",
                 "import json", "import os", "import re", "from collections import Counter, defaultdict",
                 "%matplotlib inline", "%load_ext autoreload", "%autoreload 2"], r.randint(2, 9))
            return "\n".join(mods)
        if kind == "def":
            body = [f"def {f}({v}, *, {r.choice(['n', 'k', 'window', 'seed'])}={r.randint(1, 64)}):",
                    f'    """{self.sentence(4, 12)}"""']
            for _ in range(r.randint(2, 25)):
                body.append(f"    {r.choice(VAR_NAMES)} = {r.choice(VAR_NAMES)}.{r.choice(['groupby', 'apply', 'fillna', 'merge', 'astype', 'sort_values'])}({r.choice(COLUMNS)!r})")
            body.append(f"    return {r.choice(VAR_NAMES)}")
            return "\n".join(body)
        if kind == "table":
            return f"{v} = pd.read_csv('data/{r.choice(THEMES)}_{r.randint(1, 99)}.csv', parse_dates=['{r.choice(COLUMNS)}'])\n{v}.head({r.randint(5, 50)})"
        if kind == "plot":
            return (f"fig, ax = plt.subplots(figsize=({r.randint(6, 14)}, {r.randint(4, 8)}))\n"
                    f"{v}.plot(x={r.choice(COLUMNS)!r}, y={r.choice(COLUMNS)!r}, ax=ax)\n"
                    f"ax.set_title({self.sentence(2, 6)!r})\nplt.show()")
        if kind == "train":
            return (f"for epoch in range(epochs):\n    for step, batch in enumerate(loader):\n"
                    f"        loss = {f}(model, batch)\n        loss.backward()\n        opt.step()\n"
                    f"        if step % 50 == 0:\n            print(f\"Epoch {{epoch+1}}/{{epochs}} - loss: {{loss:.4f}}\")")
        if kind == "tqdm":
            return f"for x in tqdm({v}):\n    {f}(x)"
        lines = [f"{r.choice(VAR_NAMES)} = {r.choice(FUNC_NAMES)}({r.choice(VAR_NAMES)}, {r.choice(COLUMNS)!r})" for _ in range(r.randint(1, 8))]
        if r.random() < 0.2:
            lines.insert(0, f"# {self.sentence(3, 10)}")
        return "\n".join(lines)

    # ---- cells -------------------------------------------------------------
    def markdown(self) -> dict:
        r = self.r
        parts = []
        if r.random() < 0.5:
            parts.append("#" * r.randint(1, 4) + " " + self.sentence(2, 7).rstrip(".:!?"))
        for _ in range(r.randint(0, 4)):
            kind = r.random()
            if kind < 0.6:
                parts.append(" ".join(self.sentence() for _ in range(r.randint(1, 5))))
            elif kind < 0.8:
                parts.append("\n".join(f"- {self.sentence(3, 10)}" for _ in range(r.randint(2, 6))))
            elif kind < 0.9:
                parts.append(r"$$\mathcal{L}(\theta) = -\frac{1}{N}\sum_{i=1}^{N} y_i \log \hat{y}_i + \lambda \|\theta\|_2^2$$")
            else:
                parts.append(f"See [the docs](https://example.org/{r.choice(THEMES)}/{r.randint(1, 999)}) and `{r.choice(FUNC_NAMES)}()`.")
        cell = {"cell_type": "markdown", "id": self.cell_id(), "metadata": self.md_metadata(), "source": "\n\n".join(parts) or ""}
        if r.random() < 0.01:
            name = f"image{r.randint(1, 9)}.png"
            cell["attachments"] = {name: {"image/png": self.png_b64(r.randint(4000, 30000)).rstrip("\n")}}
            cell["source"] += f"\n\n![{name}](attachment:{name})"
            self.size += len(cell["attachments"][name]["image/png"])
        self.size += _est(cell["source"]) + 120
        return cell

    def code(self, budget: int) -> dict:
        r = self.r
        outputs: list = []
        executed = r.random() < 0.93
        kind = r.choices(
            ["plain", "imports", "def", "result", "table", "plot", "log", "tqdm", "tqdm_widget", "error", "warn", "svg", "plotly"],
            weights=[18, 5, 6, 10, 10, 12, 6, 5, 2, 2, 4, 0.5, 0.7],
        )[0]
        if kind in ("plot",) and budget < 22000:
            kind = "result"
        src = self.code_source(kind if kind in ("imports", "def", "table", "plot", "train", "tqdm") else ("train" if kind == "log" else "plain"))
        count = self.next_count() if executed else None
        if executed:
            if kind == "result":
                txt = r.choice([
                    f"({r.randint(10, 10**7)}, {r.randint(2, 300)})",
                    f"array([{', '.join(f'{r.random():.8f}' for _ in range(r.randint(3, 40)))}])",
                    f"{r.random():.16f}",
                    repr({c: r.randint(0, 999) for c in r.sample(COLUMNS, 4)}),
                    f"<AxesSubplot:xlabel='{r.choice(COLUMNS)}'>",
                    "\n".join(f"{c:<20}{r.choice(['int64', 'float64', 'object', 'datetime64[ns]'])}" for c in r.sample(COLUMNS, r.randint(3, 15))) + "\ndtype: object",
                ])
                outputs.append({"data": {"text/plain": txt}, "execution_count": count, "metadata": {}, "output_type": "execute_result"})
            elif kind == "table":
                nrows = r.choice([5, 5, 10, 10, 20, 50, 60, r.randint(5, 200)])
                html, txt = self.html_table(min(nrows, max(5, budget // 800)), r.randint(3, 20))
                outputs.append({"data": {"text/html": html, "text/plain": txt}, "execution_count": count, "metadata": {}, "output_type": "execute_result"})
            elif kind == "plot":
                if r.random() < 0.3:
                    outputs.append({"data": {"text/plain": f"[<matplotlib.lines.Line2D at 0x7f{self.hexs(10)}>]"},
                                    "execution_count": count, "metadata": {}, "output_type": "execute_result"})
                n = int(math.exp(r.uniform(math.log(20000), math.log(300000))))
                n = max(20000, min(n, budget))
                md = {"needs_background": "light"} if r.random() < 0.3 else {}
                outputs.append({"data": {"image/png": self.png_b64(n), "text/plain": f"<Figure size {r.choice(['640x480', '1000x600', '1200x800'])} with {r.randint(1, 6)} Axes>"},
                                "metadata": md, "output_type": "display_data"})
            elif kind == "log":
                n = int(math.exp(r.uniform(math.log(20), math.log(max(21, min(6000, budget // 110))))))
                outputs.append({"name": "stdout", "output_type": "stream", "text": self.training_log(n)})
            elif kind == "tqdm":
                total = r.choice([100, 250, 1000, 3125, 10000])
                upd = r.randint(5, max(6, min(400, budget // 80)))
                outputs.append({"name": "stderr", "output_type": "stream", "text": self.tqdm_text(total, upd)})
                if r.random() < 0.5:
                    outputs.append({"name": "stdout", "output_type": "stream", "text": f"done: {r.random():.4f}\n"})
            elif kind == "tqdm_widget":
                mid = self.hexs(32)
                self.widget_ids.append(mid)
                outputs.append({"data": {"application/vnd.jupyter.widget-view+json": {"model_id": mid, "version_major": 2, "version_minor": 0},
                                         "text/plain": f"  0%|          | 0/{r.randint(10, 5000)} [00:00<?, ?it/s]"},
                                "metadata": {}, "output_type": "display_data"})
            elif kind == "error":
                if r.random() < 0.4:
                    outputs.append({"name": "stdout", "output_type": "stream", "text": "\n".join(self.sentence(2, 8) for _ in range(r.randint(1, 20))) + "\n"})
                ename, evalue, tb = self.traceback()
                outputs.append({"ename": ename, "evalue": evalue, "output_type": "error", "traceback": tb})
            elif kind == "warn":
                lib = r.choice(LIBS)
                outputs.append({"name": "stderr", "output_type": "stream",
                                "text": f"{lib}:{r.randint(10, 2000)}: FutureWarning: {self.sentence(8, 20)}\n  {r.choice(VAR_NAMES)} = {r.choice(FUNC_NAMES)}()\n"})
            elif kind == "svg":
                paths = "\n".join(f'  <path d="M {r.randint(0, 400)} {r.randint(0, 300)} L {r.randint(0, 400)} {r.randint(0, 300)}" style="stroke:#1f77b4"/>' for _ in range(r.randint(20, 400)))
                svg = f'<?xml version="1.0" encoding="utf-8" standalone="no"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="432pt" height="288pt">\n{paths}\n</svg>\n'
                outputs.append({"data": {"image/svg+xml": svg, "text/plain": "<Figure size 600x400 with 1 Axes>"}, "metadata": {}, "output_type": "display_data"})
            elif kind == "plotly":
                npts = r.randint(50, max(60, min(20000, budget // 40)))
                fig = {"data": [{"type": "scatter", "mode": "lines", "name": self.word(),
                                 "x": [f"2023-01-{1 + k % 28:02d}" for k in range(npts)],
                                 "y": [round(r.gauss(0, 10), 3) for _ in range(npts)]}],
                       "layout": {"template": {"data": {"scatter": [{"type": "scatter"}]}}, "title": {"text": self.sentence(2, 5)}}}
                html = f'<div id="{self.cell_id()}" class="plotly-graph-div" style="height:525px; width:100%;"></div>\n<script type="text/javascript">\n  window.PLOTLYENV=window.PLOTLYENV || {{}};\n  Plotly.newPlot("{self.cell_id()}", {json.dumps(fig["data"])[:2000]});\n</script>\n'
                outputs.append({"data": {"application/vnd.plotly.v1+json": {"config": {"plotlyServerURL": "https://plot.ly"}, **fig}, "text/html": html},
                                "metadata": {}, "output_type": "display_data"})
            elif kind in ("plain", "imports", "def") and r.random() < 0.25:
                outputs.append({"name": "stdout", "output_type": "stream", "text": "\n".join(self.sentence(2, 10) for _ in range(r.randint(1, 6))) + "\n"})
        cell = {"cell_type": "code", "execution_count": count, "id": self.cell_id(), "metadata": self.code_metadata(),
                "outputs": outputs, "source": src}
        self.size += _est(src) + 150
        if kind == "plotly":
            self.size += len(json.dumps(outputs, ensure_ascii=False))
        else:
            for o in outputs:
                for v in (o.get("data") or {}).values():
                    self.size += _est(v) if isinstance(v, str) else 80
                if "text" in o:
                    self.size += _est(o["text"])
                if "traceback" in o:
                    self.size += sum(len(x) + 12 for x in o["traceback"])
        return cell

    def raw(self) -> dict:
        src = "\n".join(self.sentence(3, 10) for _ in range(self.r.randint(1, 5)))
        self.size += _est(src) + 100
        return {"cell_type": "raw", "id": self.cell_id(), "metadata": {}, "source": src}

    # ---- notebook ------------------------------------------------------------
    def notebook(self, target: int, executed: bool = True) -> dict:
        r = self.r
        cells = []
        while self.size < target or len(cells) < 2:
            u = r.random()
            if u < 0.25:
                cells.append(self.markdown())
            elif u < 0.26:
                cells.append(self.raw())
            else:
                c = self.code(max(2000, target - self.size))
                if not executed:
                    c["outputs"], c["execution_count"] = [], None
                    self.count -= 1
                cells.append(c)
            if len(cells) > 4000:
                break
        kernelspec, pyver = r.choice(KERNELS)
        md: dict = {
            "kernelspec": dict(kernelspec),
            "language_info": {
                "codemirror_mode": {"name": "ipython", "version": 3},
                "file_extension": ".py",
                "mimetype": "text/x-python",
                "name": "python",
                "nbconvert_exporter": "python",
                "pygments_lexer": "ipython3",
                "version": pyver,
            },
        }
        if self.style == "vscode" or r.random() < 0.05:
            md["vscode"] = {"interpreter": {"hash": self.hexs(64)}}
        if self.style == "papermill":
            md["papermill"] = {
                "default_parameters": {}, "duration": round(r.uniform(5, 3000), 6), "end_time": None,
                "environment_variables": {}, "exception": None,
                "input_path": f"notebooks/{r.choice(THEMES)}.ipynb", "output_path": f"out/{r.choice(THEMES)}_{self.index}.ipynb",
                "parameters": {"seed": r.randint(0, 99), "alpha": r.choice(["0.1", "0.5"])},
                "start_time": self.iso(self.t), "version": "2.4.0",
            }
        if self.style == "classic" and r.random() < 0.5:
            md["toc"] = {"base_numbering": 1, "nav_menu": {}, "number_sections": True, "sideBar": True,
                         "skip_h1_title": False, "title_cell": "Table of Contents", "title_sidebar": "Contents",
                         "toc_cell": False, "toc_position": {}, "toc_section_display": True, "toc_window_display": False}
        if self.style == "colab":
            md["colab"] = {"provenance": [], "gpuType": "T4"}
            md["accelerator"] = "GPU"
        if self.widget_ids or r.random() < 0.05:
            state = {}
            for mid in self.widget_ids or [self.hexs(32)]:
                sub = [self.hexs(32) for _ in range(3)]
                state[mid] = {"model_module": "@jupyter-widgets/controls", "model_module_version": "2.0.0", "model_name": "HBoxModel",
                              "state": {"children": [f"IPY_MODEL_{s}" for s in sub], "layout": f"IPY_MODEL_{self.hexs(32)}"}}
                state[sub[1]] = {"model_module": "@jupyter-widgets/controls", "model_module_version": "2.0.0", "model_name": "FloatProgressModel",
                                 "state": {"bar_style": "success", "layout": f"IPY_MODEL_{self.hexs(32)}", "max": r.randint(10, 5000),
                                           "style": f"IPY_MODEL_{self.hexs(32)}", "value": r.randint(10, 5000)}}
                for s in (sub[0], sub[2]):
                    state[s] = {"model_module": "@jupyter-widgets/controls", "model_module_version": "2.0.0", "model_name": "HTMLModel",
                                "state": {"layout": f"IPY_MODEL_{self.hexs(32)}", "style": f"IPY_MODEL_{self.hexs(32)}",
                                          "value": f"100%"}}
            md["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": state, "version_major": 2, "version_minor": 0}}
        return {"cells": cells, "metadata": md, "nbformat": 4, "nbformat_minor": 5}


def target_size(rng: random.Random) -> tuple[int, bool]:
    u = rng.random()
    if u < 0.03:  # tiny: a stub or a never-run notebook
        return int(math.exp(rng.uniform(math.log(1000), math.log(12000)))), rng.random() < 0.5
    if u < 0.07:  # large: image- or log-heavy
        return int(math.exp(rng.uniform(math.log(600_000), math.log(2_000_000)))), True
    return int(min(700_000, max(15_000, rng.lognormvariate(math.log(100_000), 0.55)))), True


def rel_path(index: int, rng: random.Random) -> str:
    return f"p{index % 40:02d}/{rng.choice(THEMES)}_{index:05d}.ipynb"


def make_one(args: tuple[str, int, int]) -> int:
    outdir, seed, index = args
    rng = random.Random(f"nbscrub-bench:{seed}:{index}")
    target, executed = target_size(rng)
    path = os.path.join(outdir, rel_path(index, rng))
    nb = Gen(rng, index).notebook(target, executed)
    text = dumps(split_lines(nb))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = text.encode("utf-8")
    with open(path, "wb") as fh:
        fh.write(data)
    return len(data)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args(argv)
    os.makedirs(a.outdir, exist_ok=True)
    work = [(a.outdir, a.seed, i) for i in range(a.count)]
    if a.jobs > 1 and a.count > 1:
        import multiprocessing

        with multiprocessing.Pool(a.jobs) as pool:
            sizes = pool.map(make_one, work, chunksize=4)
    else:
        sizes = [make_one(w) for w in work]
    total = sum(sizes)
    print(
        f"generated {len(sizes)} notebooks, {total} bytes ({total / 1e6:.1f} MB); "
        f"median {statistics.median(sizes) / 1e3:.0f} KB, mean {total / len(sizes) / 1e3:.0f} KB, "
        f"min {min(sizes) / 1e3:.1f} KB, max {max(sizes) / 1e6:.2f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
