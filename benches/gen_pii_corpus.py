#!/usr/bin/env python3
"""Generate planted PII/PHI datasets for the PII benchmark (benches/pii.sh).

    gen_pii_corpus.py OUTDIR --manifest FILE [--size-mb N] [--seed S]
    gen_pii_corpus.py --big FILE --expect FILE [--size-mb N] [--seed S]

The first form writes a scored corpus: CSV files (most with labelled
headers, some semicolon-delimited, some without a header row, some whose
headers say nothing) and JSON Lines files with nested objects, holding
synthetic identifiers (emails, phones, cards, IBANs, SSNs, IPv4, names,
dates of birth, street addresses, ZIP/postcodes, MRNs, ICD-10 and NDC codes,
NPI, DEA, MBI, NHS numbers, NINOs) with decoys in the same columns (N/A,
empty, unknown, 9xx SSNs, published fake SSNs, issuers' test cards, the
published sample NPI and MBI, NHS numbers with a wrong check digit) and
filler columns and files that must give no finding (16-digit order ids
failing Luhn, 9-digit references that are not SSNs, epoch milliseconds,
UUIDs, versions, SKUs, floats such as 0.4111111111111111).

The manifest (JSON) lists every file (format, delimiter, header, columns and
the kind each column holds, rows, whether it is a PHI table) and every
planted value: {"path", "row", "column", "kind", "line", "col", "value"},
row 0-based among data rows, line/col 1-based (col in characters, where the
value itself starts), kind an nbscrub rule id. Decoys are listed the same
way under "decoys" with kind "decoy:<what>".

The second form writes one large patient CSV quickly (a pool of distinct
rows drawn once, then written in runs at random offsets with a unique
row_id per row: 1 GB takes well under a minute) and, to --expect, how many
valid values of each kind every column holds.

Stdlib only; values come from the generators and validators of
fixtures/make_pii_fixtures.py (imported), seeded from --seed: the output
is a pure function of (size, seed). Nothing is printed but counts.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import json
import os
import random
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "fixtures"))
import make_pii_fixtures as F  # noqa: E402  (validators and value generators)

V = F.VALIDATORS


# ------------------------------------------------------------------ decoys

def decoy(rng: random.Random, d: F.Draw, kind: str) -> tuple[str, str]:
    """(value, what) for a cell of a column of this kind that must not count."""
    common = [("N/A", "na"), ("", "empty"), ("unknown", "unknown")]
    special = {
        "us-ssn": [(d.ssn_9xx(), "ssn-9xx"), ("078-05-1120", "ssn-published-fake"), ("219-09-9999", "ssn-published-fake")],
        "credit-card": [("4111 1111 1111 1111", "test-card"), ("4242424242424242", "test-card"),
                        ("5555555555554444", "test-card"), ("378282246310005", "test-card")],
        "npi": [("1234567893", "npi-sample")],
        "medicare-mbi": [("1EG4-TE5-MK73", "mbi-sample")],
        "uk-nhs-number": [(d.nhs_bad(), "nhs-bad-check")],
    }.get(kind, [])
    pool = common + special * 2
    return rng.choice(pool)


# ------------------------------------------------------------------ filler values

def filler_value(rng: random.Random, what: str) -> str:
    if what == "order_id":
        return F.non_luhn_16(rng)
    if what == "ref":
        return F.not_ssn_9(rng)
    if what == "epoch_ms":
        return str(1_700_000_000_000 + rng.randrange(30_000_000_000))
    if what == "uuid":
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if what == "version":
        return F.version(rng)
    if what == "sku":
        return F.sku(rng)
    if what == "ratio":
        return rng.choice(["0.4111111111111111", "0.4242424242424242", repr(rng.random())])
    if what == "amount":
        return f"{rng.uniform(1, 2000):.2f}"
    if what == "count":
        return str(rng.randint(0, 99999))
    if what == "temp":
        return f"{rng.gauss(21.5, 2.5):.2f}"
    if what == "date":
        return (dt.date(2022, 1, 1) + dt.timedelta(days=rng.randrange(900))).isoformat()
    if what == "ts":
        return (dt.datetime(2024, 1, 1) + dt.timedelta(seconds=rng.randrange(10_000_000))).isoformat()
    raise KeyError(what)


# ------------------------------------------------------------------ templates
# A template draws one record: an ordered dict column -> (value, kind or
# None, decoy-what or None). kind is the nbscrub rule the column holds.

def rec_patient(rng, d, decoy_rate):
    first, last = d.person()
    city, state, zp = d.city()
    street = d.street() + (f" Apt {rng.randint(1, 40)}" if rng.random() < 0.25 else "")
    cells = {
        "mrn": (d.mrn(), "medical-record-number"),
        "first_name": (first, "person-name"),
        "last_name": (last, "person-name"),
        "dob": (d.dob(), "date-of-birth"),
        "ssn": (d.ssn(), "us-ssn"),
        "email": (d.email(first, last), "email"),
        "phone": (d.us_phone(), "phone-number"),
        "address": (f"{street}, {city}, {state}", "street-address"),
        "zip": (d.zip_for(zp, rng.random() < 0.15), "zip-code"),
        "diagnosis": (d.icd10(), "icd10-code"),
        "medication_ndc": (d.ndc(), "ndc-code"),
        "visit_date": (filler_value(rng, "date"), None),
        "copay_usd": (f"{rng.choice([0, 10, 15, 20, 25, 40])}.00", None),
        "claim_ref": (filler_value(rng, "order_id"), None),
    }
    return with_decoys(rng, d, cells, decoy_rate, keep=("mrn",))


def rec_customer(rng, d, decoy_rate):
    first, last = d.person()
    country = rng.choice(["US", "US", "US", "DE", "GB", "FR", "NL", "ES", "BE", "AT", "IE", "CH"])
    iban_country = country if country != "US" else rng.choice(list(F.IBAN_LENGTHS))
    cells = {
        "customer_id": (f"CUS-{rng.randint(100000, 999999)}", None),
        "full_name": (f"{first} {last}", "person-name"),
        "email": (d.email(first, last), "email"),
        "phone": (d.us_phone() if country == "US" else d.intl_phone(country), "phone-number"),
        "card_number": (d.card(), "credit-card"),
        "iban": (d.iban(iban_country), "iban"),
        "last_login_ip": (d.ipv4(), "ipv4"),
        "country": (country, None),
        "signup_date": (filler_value(rng, "date"), None),
        "order_ref": (filler_value(rng, "order_id"), None),
        "app_version": (filler_value(rng, "version"), None),
        "churn_score": (filler_value(rng, "ratio"), None),
    }
    return with_decoys(rng, d, cells, decoy_rate)


def rec_provider(rng, d, decoy_rate):
    first, last = d.person()
    city, state, _ = d.city()
    cells = {
        "npi": (d.npi(), "npi"),
        "dea_number": (d.dea(last), "dea-number"),
        "name": (f"{first} {last}", "person-name"),
        "specialty": (rng.choice(F.SPECIALTIES), None),
        "phone": (d.us_phone(0), "phone-number"),
        "city": (city, None),
        "state": (state, None),
        "panel_size": (filler_value(rng, "count"), None),
    }
    return with_decoys(rng, d, cells, decoy_rate, keep=("name",))


def rec_uk(rng, d, decoy_rate):
    first, last = d.person()
    cells = {
        "nhs_number": (d.nhs(), "uk-nhs-number"),
        "nino": (d.nino(), "uk-nino"),
        "first_name": (first, "person-name"),
        "last_name": (last, "person-name"),
        "date_of_birth": (d.dob("%d/%m/%Y"), "date-of-birth"),
        "postcode": (d.postcode(), "zip-code"),
        "registered_practice": (rng.choice(["Riverside Surgery", "The Park Medical Centre", "Northgate Health Centre"]), None),
    }
    return with_decoys(rng, d, cells, decoy_rate)


def rec_member(rng, d, decoy_rate):
    first, last = d.person()
    cells = {
        "member_id": (d.mrn(), "medical-record-number"),
        "first_name": (first, "person-name"),
        "last_name": (last, "person-name"),
        "dob": (d.dob(oldest=1935, youngest=1960), "date-of-birth"),
        "medicare_mbi": (d.mbi(), "medicare-mbi"),
        "contact.email": (d.email(first, last), "email"),
        "contact.phone": (d.us_phone(1), "phone-number"),
        "icd10": (d.icd10(), "icd10-code"),
        "plan": (rng.choice(["MA-PD", "PDP", "Medigap F", "MA"]), None),
        "created_ms": (filler_value(rng, "epoch_ms"), None),
        "request_id": (filler_value(rng, "uuid"), None),
    }
    return with_decoys(rng, d, cells, decoy_rate, keep=("member_id",))


def rec_export(rng, d, decoy_rate):
    """No header at all: the columns are known by their values only."""
    first, last = d.person()
    cells = {
        "1": (d.email(first, last), "email"),
        "2": (d.ssn(), "us-ssn"),
        "3": (d.card(rng.choice(["plain", "spaced"])), "credit-card"),
        "4": (filler_value(rng, "amount"), None),
    }
    return with_decoys(rng, d, cells, decoy_rate / 3)


def rec_leads(rng, d, decoy_rate):
    """Headers that name nothing: values decide."""
    first, last = d.person()
    cells = {
        "contact": (d.email(first, last), "email"),
        "ref": (d.ssn(), "us-ssn"),
        "value": (d.card(), "credit-card"),
        "source": (rng.choice(["web", "partner", "event", "referral"]), None),
        "seen_ms": (filler_value(rng, "epoch_ms"), None),
    }
    return with_decoys(rng, d, cells, decoy_rate / 3)


def rec_metrics(rng, d, decoy_rate):
    return {c: (filler_value(rng, w), None, None) for c, w in (
        ("sensor", "sku"), ("measured_at", "ts"), ("temperature_c", "temp"), ("ratio", "ratio"), ("count", "count"),
        ("ts_ms", "epoch_ms"))}


def rec_orders(rng, d, decoy_rate):
    return {c: (filler_value(rng, w), None, None) for c, w in (
        ("order_id", "order_id"), ("customer_ref", "ref"), ("request_id", "uuid"), ("created_ms", "epoch_ms"),
        ("app_version", "version"), ("sku", "sku"), ("unit_price", "amount"), ("discount", "ratio"))}


def rec_events(rng, d, decoy_rate):
    return {c: (filler_value(rng, w), None, None) for c, w in (
        ("event_id", "uuid"), ("ts_ms", "epoch_ms"), ("order_id", "order_id"), ("ref", "ref"), ("build", "version"),
        ("metrics.latency_ms", "temp"), ("metrics.score", "ratio"), ("sku", "sku"))}


def with_decoys(rng, d, cells, rate, keep=()):
    out = {}
    for col, (value, kind) in cells.items():
        if kind and col not in keep and rng.random() < rate:
            v, what = decoy(rng, d, kind)
            out[col] = (v, kind, what)
        else:
            out[col] = (value, kind, None)
    return out


# name, record function, format, share of the corpus' bytes, header?
TEMPLATES = [
    ("patients", rec_patient, "csv", 0.24, True),
    ("customers", rec_customer, "csv", 0.18, True),
    ("providers", rec_provider, "csv", 0.08, True),
    ("uk_patients", rec_uk, "csv", 0.08, True),
    ("members", rec_member, "jsonl", 0.12, True),
    ("export", rec_export, "csv", 0.05, False),
    ("leads", rec_leads, "csv", 0.05, True),
    ("metrics", rec_metrics, "csv", 0.07, True),
    ("orders", rec_orders, "csv", 0.07, True),
    ("events", rec_events, "jsonl", 0.06, True),
]
PHI_KINDS = {"icd10-code", "ndc-code", "cpt-code"}


# ------------------------------------------------------------------ writers

def csv_field(v: str, delim: str) -> str:
    return '"' + v.replace('"', '""') + '"' if any(c in v for c in delim + '"\r\n') else v


def write_csv(columns, records, delim, header, newline="\n"):
    """Text and, per record and column, (line, col) where the value starts."""
    parts, pos = [], []
    line = 1
    if header:
        parts.append(delim.join(csv_field(c, delim) for c in columns) + newline)
        line += 1
    for rec in records:
        col = 1
        here = []
        for j, c in enumerate(columns):
            f = csv_field(rec[c][0], delim)
            here.append((line, col + (1 if f.startswith('"') else 0)))
            parts.append(f)
            assert "\n" not in f
            col += len(f)
            if j < len(columns) - 1:
                parts.append(delim)
                col += 1
        parts.append(newline)
        line += 1
        pos.append(here)
    return "".join(parts), pos


def nest(flat: dict) -> dict:
    out: dict = {}
    for k, v in flat.items():
        node = out
        parts = k.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = v
    return out


def write_jsonl(columns, records):
    parts, pos = [], []
    for i, rec in enumerate(records):
        obj = nest({c: rec[c][0] for c in columns})
        text = json.dumps(obj, ensure_ascii=False)
        here = []
        # where each value starts: find '"key": ' then the value, in order
        at = 0
        for c in columns:
            key = c.split(".")[-1]
            at = text.index(json.dumps(key, ensure_ascii=False) + ": ", at) + len(json.dumps(key, ensure_ascii=False)) + 2
            here.append((i + 1, at + 2))  # 1-based, after the opening quote
        parts.append(text + "\n")
        pos.append(here)
    return "".join(parts), pos


# ------------------------------------------------------------------ scored corpus

def build_corpus(outdir: Path, manifest_path: Path, size_mb: float, seed: int) -> None:
    target = int(size_mb * 1_000_000)
    plan_rng = random.Random(f"pii-bench:{seed}:plan")
    files, planted, decoys = [], [], []
    total = 0
    counters: dict[str, int] = {}
    shares = [t[3] for t in TEMPLATES]
    outdir.mkdir(parents=True, exist_ok=True)
    while total < target:
        name, make, fmt, _, header = plan_rng.choices(TEMPLATES, weights=shares)[0]
        n = counters[name] = counters.get(name, 0) + 1
        path = f"{name}_{n:03d}.{fmt}"
        rng = random.Random(f"pii-bench:{seed}:{path}")
        d = F.Draw(f"bench:{seed}:{path}")
        rows = rng.randint(60, 320)
        rate = rng.choice([0.03, 0.06, 0.1])
        records = [make(rng, d, rate) for _ in range(rows)]
        columns = list(records[0])
        delim = ";" if name == "customers" and rng.random() < 0.4 else ","
        if fmt == "csv":
            text, pos = write_csv(columns, records, delim, header, "\r\n" if delim == ";" else "\n")
        else:
            text, pos = write_jsonl(columns, records)
        (outdir / path).write_bytes(text.encode("utf-8"))
        total += len(text.encode("utf-8"))
        kinds = {c: records[0][c][1] for c in columns}
        files.append({"path": path, "template": name, "format": fmt, "delimiter": delim if fmt == "csv" else None,
                      "header": header, "columns": columns, "kinds": kinds, "rows": rows,
                      "phi": any(k in PHI_KINDS for k in kinds.values()), "bytes": len(text.encode("utf-8"))})
        for i, rec in enumerate(records):
            for j, c in enumerate(columns):
                value, kind, what = rec[c]
                line, col = pos[i][j]
                if kind is None:
                    continue
                if what is None:
                    assert V[kind](value), (path, c, kind, value)
                    planted.append({"path": path, "row": i, "column": c, "kind": kind, "line": line, "col": col,
                                    "value": value})
                else:
                    assert not V[kind](value), (path, c, kind, value)
                    decoys.append({"path": path, "row": i, "column": c, "kind": f"decoy:{what}", "line": line,
                                   "col": col, "value": value})
    manifest = {"version": 1, "seed": seed, "size_mb": size_mb, "bytes": total, "files": files, "planted": planted,
                "decoys": decoys}
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False) + "\n", encoding="utf-8")
    kinds = {}
    for p in planted:
        kinds[p["kind"]] = kinds.get(p["kind"], 0) + 1
    print(f"{len(files)} files, {total / 1e6:.2f} MB, {len(planted)} planted values of {len(kinds)} kinds, "
          f"{len(decoys)} decoys", file=sys.stderr)


# ------------------------------------------------------------------ one big CSV

def build_big(path: Path, expect_path: Path, size_mb: float, seed: int, pool_rows: int = 40_000) -> None:
    rng = random.Random(f"pii-bench:{seed}:big")
    d = F.Draw(f"bench:{seed}:big")
    records = [rec_patient(rng, d, 0.05) for _ in range(pool_rows)]
    columns = list(records[0])
    kinds = {c: records[0][c][1] for c in columns}
    body = [",".join(csv_field(rec[c][0], ",") for c in columns) + "\n" for rec in records]
    sizes = [len(b.encode("utf-8")) for b in body]
    valid = {c: [1 if k and records[i][c][2] is None else 0 for i in range(pool_rows)]
             for c, k in kinds.items() if k}
    prefix = {c: [0] for c in valid}
    for c, flags in valid.items():
        acc = prefix[c]
        for f in flags:
            acc.append(acc[-1] + f)
    size_prefix = [0]
    for s in sizes:
        size_prefix.append(size_prefix[-1] + s)

    def count(c, start, n):  # valid values in the circular run pool[start:start+n]
        p = prefix[c]
        full, rem = divmod(n, pool_rows)
        total = full * p[-1]
        end = start + rem
        return total + (p[end] - p[start] if end <= pool_rows else p[-1] - p[start] + p[end - pool_rows])

    target = int(size_mb * 1_000_000)
    header = "row_id," + ",".join(columns) + "\n"
    written = len(header)
    rows = 0
    counts = {c: 0 for c in valid}
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(header)
        while written < target:
            start = rng.randrange(pool_rows)
            n = min(pool_rows, 25_000)
            # trim the last run to the size asked for
            run_bytes = lambda k: (size_prefix[min(start + k, pool_rows)] - size_prefix[start]  # noqa: E731
                                   + (size_prefix[start + k - pool_rows] if start + k > pool_rows else 0))
            if written + run_bytes(n) + n * 9 > target:
                lo, hi = 1, n
                while lo < hi:
                    mid = (lo + hi + 1) // 2
                    if written + run_bytes(mid) + mid * 9 <= target:
                        lo = mid
                    else:
                        hi = mid - 1
                n = lo
            idx = [(start + k) % pool_rows for k in range(n)]
            chunk = "".join([f"{rows + k + 1:08d}," + body[i] for k, i in enumerate(idx)])
            out.write(chunk)
            written += len(chunk.encode("utf-8"))
            for c in counts:
                counts[c] += count(c, start, n)
            rows += n
    expect = {"path": path.name, "rows": rows, "bytes": os.path.getsize(path),
              "columns": {c: {"kind": kinds[c], "valid": counts[c]} for c in counts},
              "phi": True}
    expect_path.write_text(json.dumps(expect, indent=1) + "\n")
    print(f"{path.name}: {rows} rows, {expect['bytes'] / 1e6:.1f} MB", file=sys.stderr)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir", nargs="?")
    ap.add_argument("--manifest")
    ap.add_argument("--big", help="write one large patient CSV here instead of a corpus")
    ap.add_argument("--expect", help="with --big: where to write the per-column counts")
    ap.add_argument("--size-mb", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    if a.big:
        if not a.expect:
            ap.error("--big needs --expect")
        build_big(Path(a.big), Path(a.expect), a.size_mb, a.seed)
    else:
        if not a.outdir or not a.manifest:
            ap.error("OUTDIR and --manifest are required")
        build_corpus(Path(a.outdir), Path(a.manifest), a.size_mb, a.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
