#!/usr/bin/env python3
"""Generate a mixed corpus with planted, fabricated secrets for the scan benchmark.

    gen_scan_corpus.py OUTDIR --truth FILE [--size-mb N] [--seed S] [--jobs J]
                       [--small-file PATH]

OUTDIR gets one directory per "project" (pNNN/), each a small repository's
worth of files: executed Jupyter notebooks (nbformat 4.4/4.5, serialised the
way nbformat writes them: indent=1, sorted keys, multi-line strings split into
lists of lines), CSV exports, Python/JS/YAML/Terraform/shell code, `.env` and
`.env.example`, `.netrc`/`.pypirc`/`.npmrc`, `kaggle.json`, service-account
JSON, PEM/OpenSSH/PGP key files, lockfiles (package-lock.json, poetry.lock,
yarn.lock), `requirements.txt` with hashes, minified JS bundles and markdown.

Secrets: several hundred fabricated credentials of ~58 kinds (cloud keys,
VCS/CI tokens, chat webhooks, payment keys, AI-provider keys, package
registry tokens, private keys, database URLs, generic passwords, ...), planted
in every kind of file, and in notebooks in every place a secret ends up in
practice: cell source, stream output, ANSI-coloured tracebacks (the colour
code touching the token), execute_result text/plain, HTML tables,
`json.dumps` output (so `{\\"key\\": \\"...\\"}` in the notebook's JSON), a GCP
service-account JSON printed with its key's newlines as `\\\\n`, markdown and
papermill parameters in the notebook metadata.  Every token has the shape its
provider documents (prefix, length, alphabet; GitHub and npm tokens carry a
valid CRC32/base62 checksum) but is random: none of them works.

Decoys (must not be reported): placeholders (`<your-api-key>`, `xxxx...`,
`${API_KEY}`, `os.environ["API_KEY"]`, `changeme`, `your_token_here`), AWS's
documented example keys, the jwt.io example token, UUIDs, git SHAs, sha256
checksums, base64 PNGs, lockfile integrity hashes, `requirements.txt` hashes,
minified bundles and low-entropy passwords.

The ground truth goes to --truth as JSON:

    {"version": 1, "seed": S, "size_mb": N, "files": F, "bytes": B,
     "secrets": [{"path", "line", "end_line", "context": [a, b], "kind",
                  "where", "value"}, ...],
     "decoys":  [{"path", "line", "end_line", "kind"}, ...]}

`path` is relative to OUTDIR; `line` is the 1-based line, in the file as
stored, of the secret's first character, `end_line` that of its last.
`context` is the range of lines that belong to the same credential (the rest
of a service-account JSON, the `machine`/`login` lines of a `.netrc` entry,
the account-name line before an Azure key, ...): a finding there is neither a
hit nor a false positive.  `where` says where the secret was put (`env`, `py`,
`nb-stream`, `nb-traceback-ansi`, ...).  Decoys are single lines or, for
lockfiles, bundles, CSV data and `requirements.txt`, whole-file regions.

Nothing secret is printed: stdout gets one summary line of counts and sizes.
Stdlib only.  The output is a pure function of (size, seed): the plan of which
secret goes where is drawn first, then each project is generated from its own
RNG, so --jobs does not change a byte.
"""

from __future__ import annotations

import argparse
import base64
import bisect
import concurrent.futures as cf
import json
import os
import random
import re
import string
import struct
import sys
import zlib
from collections import defaultdict

# ------------------------------------------------------------------ alphabets

DIGITS = string.digits
UPPER = string.ascii_uppercase
LOWER = string.ascii_lowercase
LETTERS = string.ascii_letters
BASE62 = DIGITS + UPPER + LOWER            # the order GitHub's checksum uses
ALNUM = LETTERS + DIGITS
HEX = "0123456789abcdef"
B64 = UPPER + LOWER + DIGITS + "+/"
B64URL = LETTERS + DIGITS + "-_"
B32 = UPPER + "234567"
LOWER_ALNUM = LOWER + DIGITS
PW_CHARS = LETTERS + DIGITS + "!#%*+-.@^_~"      # no quotes, backslash, $, &, <, >
URL_PW_CHARS = LETTERS + DIGITS + "-._~!*"        # safe inside user:pass@host


def rs(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choices(alphabet, k=n))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def wrap(s: str, width: int) -> list[str]:
    return [s[i:i + width] for i in range(0, len(s), width)]


# ------------------------------------------------------------------ vocabulary

WORDS = (
    "data model training loss accuracy feature dataset sample column value "
    "result batch epoch validation test split mean median distribution outlier "
    "missing plot figure compute load clean merge group aggregate pipeline "
    "experiment baseline metric score weight layer rate schedule regression "
    "cluster embedding token customer revenue region forecast error residual "
    "service client request response cache retry timeout deploy release build "
    "config staging production cluster worker queue event stream partition"
).split()
FIRST = "alice bob carol dave erin frank grace heidi ivan judy mallory olivia peggy rupert sybil trent victor walter".split()
ORGS = "acme globex initech umbrella hooli vandelay wayne stark tyrell cyberdyne soylent wonka".split()
TLDS = ["io", "com", "net", "dev", "ai", "co"]
PKG_SYLL = "ab ac ad al am an ar as at ba be bi bo ca ce ci co da de di do el em en er es fa fe fi fo ga ge go ha he hi ho ja ka ke ki ko la le li lo ma me mi mo na ne ni no pa pe pi po ra re ri ro sa se si so ta te ti to va ve vi vo za ze zo".split()
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-south-1", "ap-northeast-1"]


def word(rng):
    return rng.choice(WORDS)


def sentence(rng, lo=6, hi=18):
    s = " ".join(word(rng) for _ in range(rng.randint(lo, hi)))
    return s[0].upper() + s[1:] + "."


def org(rng):
    return rng.choice(ORGS)


def domain(rng):
    return f"{org(rng)}-{word(rng)}.{rng.choice(TLDS)}"


def host(rng):
    return f"{word(rng)}-{rng.choice(['prod', 'stg', 'dev', 'db', 'api'])}-{rng.randint(1, 9)}.{domain(rng)}"


def user(rng):
    return rng.choice(FIRST) + rng.choice(["", ".svc", "_ro", "_etl", str(rng.randint(1, 99))])


def pkgname(rng):
    return "".join(rng.choice(PKG_SYLL) for _ in range(rng.randint(2, 4))) + rng.choice(["", "js", "-utils", "-core", "ify", "-lite", "x"])


def uuid4(rng):
    h = "%032x" % rng.getrandbits(128)
    h = h[:12] + "4" + h[13:16] + rng.choice("89ab") + h[17:]
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def sha1hex(rng):
    return "%040x" % rng.getrandbits(160)


def sha256hex(rng):
    return "%064x" % rng.getrandbits(256)


def password(rng, alphabet=PW_CHARS, lo=14, hi=24):
    while True:
        p = rs(rng, alphabet, rng.randint(lo, hi))
        if (any(c in UPPER for c in p) and any(c in LOWER for c in p) and any(c in DIGITS for c in p)
                and p[0] in ALNUM):
            return p


# ------------------------------------------------------------------ secret shapes


def base62(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n, 62)
        s = BASE62[r] + s
    return s or "0"


def checksummed(rng, prefix: str) -> str:
    """GitHub (ghp_/gho_/ghu_/ghs_/ghr_) and npm (npm_) token: 30 random
    base62 characters, then the CRC32 of those 30 characters in base62 (6
    characters; GitHub pads shorter ones with leading zeros -- we draw until
    no padding is needed, so verifiers that skip the padding agree too)."""
    while True:
        body = rs(rng, BASE62, 30)
        c = base62(zlib.crc32(body.encode()))
        if len(c) == 6:
            return prefix + body + c


def der_len(n: int) -> bytes:
    if n < 128:
        return bytes([n])
    if n < 256:
        return b"\x81" + bytes([n])
    return b"\x82" + struct.pack(">H", n)


def pem(label: str, der: bytes, width: int = 64) -> str:
    return f"-----BEGIN {label}-----\n" + "\n".join(wrap(b64(der), width)) + f"\n-----END {label}-----\n"


def rsa_der(rng) -> bytes:
    # RSAPrivateKey for a 2048-bit modulus: the ASN.1 framing is real (so the
    # text starts "MIIEpAIBAAKCAQEA" like every such key), the numbers random.
    parts = [b"\x02\x01\x00"]
    for size in (257, 3, 257, 129, 129, 128, 128, 128):
        body = bytes([0]) + rng.randbytes(size - 1) if size > 3 else b"\x01\x00\x01"
        if size == 257:
            body = b"\x00" + bytes([rng.randint(0x80, 0xff)]) + rng.randbytes(255)
        parts.append(b"\x02" + der_len(len(body)) + body)
    inner = b"".join(parts)
    return b"\x30" + der_len(len(inner)) + inner


def rsa_pem(rng) -> str:
    return pem("RSA PRIVATE KEY", rsa_der(rng))


def pkcs8_pem(rng) -> str:
    key = rsa_der(rng)
    alg = b"\x30\x0d\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01\x05\x00"
    inner = b"\x02\x01\x00" + alg + b"\x04" + der_len(len(key)) + key
    return pem("PRIVATE KEY", b"\x30" + der_len(len(inner)) + inner)


def ec_pem(rng) -> str:
    der = (b"\x30\x77\x02\x01\x01\x04\x20" + rng.randbytes(32)
           + b"\xa0\x0a\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07\xa1\x44\x03\x42\x00\x04" + rng.randbytes(64))
    return pem("EC PRIVATE KEY", der)


def openssh_pem(rng) -> str:
    def s(b: bytes) -> bytes:
        return struct.pack(">I", len(b)) + b
    pub = rng.randbytes(32)
    pub_blob = s(b"ssh-ed25519") + s(pub)
    check = rng.randbytes(4)
    comment = f"{rng.choice(FIRST)}@{word(rng)}-laptop".encode()
    priv = check + check + s(b"ssh-ed25519") + s(pub) + s(rng.randbytes(32) + pub) + s(comment)
    priv += bytes(range(1, 8 - len(priv) % 8 + 1)) if len(priv) % 8 else b""
    blob = b"openssh-key-v1\x00" + s(b"none") + s(b"none") + s(b"") + struct.pack(">I", 1) + s(pub_blob) + s(priv)
    return pem("OPENSSH PRIVATE KEY", blob, 70)


def crc24(data: bytes) -> int:
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def pgp_block(rng) -> str:
    body = bytes([0x95, 0x03, 0x98, 0x04]) + struct.pack(">I", rng.randint(1_500_000_000, 1_700_000_000)) + b"\x01\x08\x00" + rng.randbytes(rng.randint(900, 960))
    lines = wrap(b64(body), 64)
    return ("-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n" + "\n".join(lines) + "\n="
            + b64(struct.pack(">I", crc24(body))[1:]) + "\n-----END PGP PRIVATE KEY BLOCK-----\n")


def jwt(rng) -> str:
    alg = rng.choice(["HS256", "RS256"])
    head = b64url(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode())
    iat = rng.randint(1_690_000_000, 1_730_000_000)
    claims = {"sub": uuid4(rng), "iat": iat, "exp": iat + rng.choice([3600, 86400, 2592000]),
              "iss": f"https://auth.{domain(rng)}/", "role": rng.choice(["admin", "service", "analyst"])}
    body = b64url(json.dumps(claims, separators=(",", ":")).encode())
    sig = b64url(rng.randbytes(32 if alg == "HS256" else 256))
    return f"{head}.{body}.{sig}"


def discord_bot(rng) -> str:
    uid = str(rng.randint(10**17, 10**18 - 1)).encode()
    return b64url(uid) + "." + rs(rng, B64URL, 6) + "." + rs(rng, B64URL, 38)


def stripe_tail(rng) -> str:
    return "51" + rs(rng, ALNUM, 97) if rng.random() < 0.6 else rs(rng, ALNUM, 24)


def sa_json(rng) -> tuple[dict, str]:
    project = f"{org(rng)}-{word(rng)}-{rng.randint(100000, 999999)}"
    key = pkcs8_pem(rng)
    email = f"{word(rng)}-{rng.choice(['etl', 'runner', 'notebook', 'ci'])}@{project}.iam.gserviceaccount.com"
    return {
        "type": "service_account",
        "project_id": project,
        "private_key_id": rs(rng, HEX, 40),
        "private_key": key,
        "client_email": email,
        "client_id": str(rng.randint(10**20, 10**21 - 1)),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/" + email.replace("@", "%40"),
        "universe_domain": "googleapis.com",
    }, key


# kind -> (generator, ENV-style name).  Names carry the provider's keyword
# where the provider's tokens have no prefix of their own (Cohere, W&B,
# Kaggle, Twilio auth token, Mailgun, Telegram, ...).
KINDS = {
    "aws-access-key-id": (lambda r: "AKIA" + rs(r, B32, 16), "AWS_ACCESS_KEY_ID"),
    "aws-secret-access-key": (lambda r: rs(r, LETTERS + DIGITS + "/+", 40), "AWS_SECRET_ACCESS_KEY"),
    "aws-session-token": (lambda r: "IQoJb3JpZ2luX2VjE" + rs(r, LETTERS + DIGITS + "/+", 4 * r.randint(90, 170) - 1) + "=", "AWS_SESSION_TOKEN"),
    "gcp-api-key": (lambda r: "AIza" + rs(r, B64URL, 35), "GOOGLE_API_KEY"),
    "gcp-service-account-key": (None, "GOOGLE_CREDENTIALS"),
    "azure-storage-connection-string": (lambda r: f"DefaultEndpointsProtocol=https;AccountName={org(r)}{word(r)}{r.randint(10, 99)};AccountKey={b64(r.randbytes(64))};EndpointSuffix=core.windows.net", "AZURE_STORAGE_CONNECTION_STRING"),
    "azure-storage-account-key": (lambda r: b64(r.randbytes(64)), "AZURE_STORAGE_KEY"),
    "azure-ad-client-secret": (lambda r: rs(r, ALNUM, 3) + r.choice(DIGITS) + "Q~" + rs(r, ALNUM + "_~.-", 34), "AZURE_CLIENT_SECRET"),
    "github-pat": (lambda r: checksummed(r, "ghp_"), "GITHUB_TOKEN"),
    "github-fine-grained-pat": (lambda r: "github_pat_11" + rs(r, UPPER + DIGITS, 20) + "_" + rs(r, ALNUM, 59), "GH_PAT"),
    "github-oauth-token": (lambda r: checksummed(r, "gho_"), "GITHUB_OAUTH_TOKEN"),
    "github-app-token": (lambda r: checksummed(r, "ghs_"), "GITHUB_APP_TOKEN"),
    "github-user-token": (lambda r: checksummed(r, "ghu_"), "GITHUB_USER_TOKEN"),
    "github-refresh-token": (lambda r: checksummed(r, "ghr_"), "GITHUB_REFRESH_TOKEN"),
    "gitlab-pat": (lambda r: "glpat-" + rs(r, ALNUM + "-_", 20), "GITLAB_TOKEN"),
    "bitbucket-app-password": (lambda r: "ATBB" + rs(r, ALNUM, 32), "BITBUCKET_APP_PASSWORD"),
    "slack-bot-token": (lambda r: f"xoxb-{r.randint(10**10, 10**11 - 1)}-{r.randint(10**12, 10**13 - 1)}-{rs(r, ALNUM, 24)}", "SLACK_BOT_TOKEN"),
    "slack-user-token": (lambda r: f"xoxp-{r.randint(10**10, 10**11 - 1)}-{r.randint(10**10, 10**11 - 1)}-{r.randint(10**12, 10**13 - 1)}-{rs(r, HEX, 32)}", "SLACK_USER_TOKEN"),
    "slack-webhook-url": (lambda r: f"https://hooks.slack.com/services/T{rs(r, UPPER + DIGITS, 10)}/B{rs(r, UPPER + DIGITS, 10)}/{rs(r, ALNUM, 24)}", "SLACK_WEBHOOK_URL"),
    "discord-bot-token": (discord_bot, "DISCORD_BOT_TOKEN"),
    "discord-webhook-url": (lambda r: f"https://discord.com/api/webhooks/{r.randint(10**17, 10**19 - 1)}/{rs(r, B64URL, 68)}", "DISCORD_WEBHOOK_URL"),
    "telegram-bot-token": (lambda r: f"{r.randint(10**8, 10**10 - 1)}:AA{rs(r, B64URL, 33)}", "TELEGRAM_BOT_TOKEN"),
    "stripe-secret-key": (lambda r: "sk_live_" + stripe_tail(r), "STRIPE_SECRET_KEY"),
    "stripe-restricted-key": (lambda r: "rk_live_" + stripe_tail(r), "STRIPE_RESTRICTED_KEY"),
    "square-access-token": (lambda r: "EAAA" + rs(r, B64URL, 60), "SQUARE_ACCESS_TOKEN"),
    "braintree-access-token": (lambda r: f"access_token$production${rs(r, LOWER_ALNUM, 16)}${rs(r, HEX, 32)}", "BRAINTREE_ACCESS_TOKEN"),
    "openai-project-key": (lambda r: "sk-proj-" + rs(r, B64URL, 74) + "T3BlbkFJ" + rs(r, B64URL, 74), "OPENAI_API_KEY"),
    "openai-legacy-key": (lambda r: "sk-" + rs(r, ALNUM, 20) + "T3BlbkFJ" + rs(r, ALNUM, 20), "OPENAI_KEY"),
    "anthropic-api-key": (lambda r: "sk-ant-api03-" + rs(r, B64URL, 93) + "AA", "ANTHROPIC_API_KEY"),
    "huggingface-token": (lambda r: "hf_" + rs(r, LETTERS, 34), "HF_TOKEN"),
    "cohere-api-key": (lambda r: rs(r, ALNUM, 40), "COHERE_API_KEY"),
    "replicate-api-token": (lambda r: "r8_" + rs(r, ALNUM, 37), "REPLICATE_API_TOKEN"),
    "databricks-token": (lambda r: "dapi" + rs(r, HEX, 32) + ("-2" if r.random() < 0.3 else ""), "DATABRICKS_TOKEN"),
    "snowflake-password": (lambda r: password(r), "SNOWFLAKE_PASSWORD"),
    "wandb-api-key": (lambda r: rs(r, HEX, 40), "WANDB_API_KEY"),
    "kaggle-key": (lambda r: rs(r, HEX, 32), "KAGGLE_KEY"),
    "npm-token": (lambda r: checksummed(r, "npm_"), "NPM_TOKEN"),
    "pypi-token": (lambda r: "pypi-AgEIcHlwaS5vcmcCJ" + rs(r, B64URL, r.randint(140, 190)), "PYPI_API_TOKEN"),
    "dockerhub-pat": (lambda r: "dckr_pat_" + rs(r, B64URL, 27), "DOCKERHUB_TOKEN"),
    "rubygems-token": (lambda r: "rubygems_" + rs(r, HEX, 48), "GEM_HOST_API_KEY"),
    "twilio-api-key": (lambda r: "SK" + rs(r, HEX, 32), "TWILIO_API_KEY"),
    "twilio-auth-token": (lambda r: rs(r, HEX, 32), "TWILIO_AUTH_TOKEN"),
    "sendgrid-api-key": (lambda r: "SG." + rs(r, B64URL, 22) + "." + rs(r, B64URL, 43), "SENDGRID_API_KEY"),
    "mailgun-api-key": (lambda r: "key-" + rs(r, HEX, 32), "MAILGUN_API_KEY"),
    "rsa-private-key": (rsa_pem, "RSA_PRIVATE_KEY"),
    "ec-private-key": (ec_pem, "EC_PRIVATE_KEY"),
    "openssh-private-key": (openssh_pem, "SSH_PRIVATE_KEY"),
    "pgp-private-key": (pgp_block, "PGP_PRIVATE_KEY"),
    "jwt": (jwt, "AUTH_TOKEN"),
    "postgres-url": (lambda r: f"postgresql://{user(r)}:{password(r, URL_PW_CHARS)}@{host(r)}:5432/{word(r)}", "DATABASE_URL"),
    "mysql-url": (lambda r: f"mysql+pymysql://{user(r)}:{password(r, URL_PW_CHARS)}@{host(r)}:3306/{word(r)}", "MYSQL_URL"),
    "mongodb-url": (lambda r: f"mongodb+srv://{user(r)}:{password(r, URL_PW_CHARS)}@cluster0.{rs(r, LOWER_ALNUM, 5)}.mongodb.net/{word(r)}?retryWrites=true&w=majority", "MONGODB_URI"),
    "basic-auth-url": (lambda r: f"https://{user(r)}:{password(r, URL_PW_CHARS)}@{rng_pick(r, ['artifacts', 'nexus', 'registry', 'jenkins', 'grafana'])}.{domain(r)}/{word(r)}/", "ARTIFACTS_URL"),
    "netrc-password": (lambda r: password(r), None),
    "pypirc-password": (lambda r: password(r), None),
    "npmrc-auth": (lambda r: b64(f"{user(r)}:{password(r)}".encode()), None),
    "generic-password": (lambda r: password(r), "DB_PASSWORD"),
    "generic-api-key": (lambda r: rs(r, ALNUM, r.choice([32, 40, 48])), "SERVICE_API_KEY"),
}


def rng_pick(r, xs):
    return r.choice(xs)


MULTILINE = {"rsa-private-key", "ec-private-key", "openssh-private-key", "pgp-private-key"}
PEM_TAIL = {
    "rsa-private-key": "-----END RSA PRIVATE KEY-----",
    "ec-private-key": "-----END EC PRIVATE KEY-----",
    "openssh-private-key": "-----END OPENSSH PRIVATE KEY-----",
    "pgp-private-key": "-----END PGP PRIVATE KEY BLOCK-----",
    "gcp-service-account-key": "-----END PRIVATE KEY-----",
}

# Python call a data scientist would write with the secret inline.
PY_CALL = {
    "openai-project-key": 'client = OpenAI(api_key="{v}")',
    "openai-legacy-key": 'openai.api_key = "{v}"',
    "anthropic-api-key": 'client = anthropic.Anthropic(api_key="{v}")',
    "huggingface-token": 'login(token="{v}")',
    "cohere-api-key": 'co = cohere.Client("{v}")',
    "replicate-api-token": 'replicate_client = replicate.Client(api_token="{v}")',
    "wandb-api-key": 'wandb.login(key="{v}")',
    "github-pat": 'gh = Github("{v}")',
    "gitlab-pat": 'gl = gitlab.Gitlab("https://gitlab.com", private_token="{v}")',
    "slack-bot-token": 'slack = WebClient(token="{v}")',
    "stripe-secret-key": 'stripe.api_key = "{v}"',
    "sendgrid-api-key": 'sg = SendGridAPIClient("{v}")',
    "databricks-token": 'w = WorkspaceClient(host="https://dbc-{h}.cloud.databricks.com", token="{v}")',
    "postgres-url": 'engine = create_engine("{v}")',
    "mysql-url": 'engine = sqlalchemy.create_engine("{v}")',
    "mongodb-url": 'mongo = MongoClient("{v}")',
    "snowflake-password": 'conn = snowflake.connector.connect(user="ETL_USER", password="{v}", account="xy{n}.eu-west-1", warehouse="COMPUTE_WH")',
    "slack-webhook-url": 'requests.post("{v}", json={{"text": "training finished"}})',
    "discord-webhook-url": 'requests.post("{v}", json={{"content": "nightly job done"}})',
    "telegram-bot-token": 'bot = telegram.Bot(token="{v}")',
    "generic-password": 'conn = psycopg2.connect(host="db", user="analytics", password="{v}")',
    "twilio-auth-token": 'twilio = Client("AC{sid}", "{v}")',
    "dockerhub-pat": 'docker_client.login(username="ci-bot", password="{v}")',
}

# ------------------------------------------------------------------ where secrets go

NB_CTX = ["nb-source", "nb-stream", "nb-traceback-ansi", "nb-result-plain", "nb-result-html",
          "nb-json-dumps", "nb-markdown", "nb-metadata"]
FILE_CTX = ["env", "py", "js", "yaml", "tf", "sh", "csv", "md", "minjs"]
SINGLE_CTX = NB_CTX + FILE_CTX
MULTI_CTX = ["pem-file", "nb-stream", "nb-source", "nb-json-dumps", "nb-result-plain", "py", "yaml", "tf"]
SA_CTX = ["sa-json-file", "nb-sa-json", "nb-result-plain", "nb-source", "py", "yaml", "env"]
EXTRA_CTX = {
    "netrc-password": ["netrc"],
    "pypirc-password": ["pypirc"],
    "npmrc-auth": ["npmrc"],
    "kaggle-key": ["kaggle-json", "env", "nb-source", "nb-stream", "py", "sh", "nb-json-dumps"],
}
PLUS_CTX = {"pypi-token": ["pypirc"], "npm-token": ["npmrc"], "basic-auth-url": ["lockfile"] * 3,
            "github-pat": ["lockfile"] * 3, "gitlab-pat": ["lockfile"] * 3}

# A plan item is a group: one secret, or several that belong together.
GROUPS = {"aws-keypair": ["aws-access-key-id", "aws-secret-access-key"],
          "aws-sts": ["aws-access-key-id", "aws-secret-access-key", "aws-session-token"]}
for _k in KINDS:
    if _k not in ("aws-access-key-id", "aws-secret-access-key", "aws-session-token"):
        GROUPS[_k] = [_k]


def contexts(group: str) -> list[str]:
    if group == "gcp-service-account-key":
        return SA_CTX
    if group in MULTILINE:
        return MULTI_CTX
    if group in EXTRA_CTX:
        return EXTRA_CTX[group]
    return SINGLE_CTX + PLUS_CTX.get(group, [])


def make_plan(rng: random.Random, n_items: int) -> list[dict]:
    names = list(GROUPS)
    order = {g: rng.sample(contexts(g), len(contexts(g))) for g in names}
    cursor = defaultdict(int)
    plan = []
    for i in range(n_items):
        g = names[i % len(names)]
        ctx = order[g][cursor[g] % len(order[g])]
        cursor[g] += 1
        secrets = []
        for kind in GROUPS[g]:
            if kind == "aws-access-key-id" and g == "aws-sts":
                value = "ASIA" + rs(rng, B32, 16)
            elif kind == "gcp-service-account-key":
                sa, value = sa_json(rng)
                secrets.append({"kind": kind, "value": value, "sa": sa})
                continue
            else:
                value = KINDS[kind][0](rng)
            secrets.append({"kind": kind, "value": value})
        plan.append({"group": g, "where": ctx, "secrets": secrets, "n": i})
    return plan


# ------------------------------------------------------------------ marks
# A mark says what to locate in a file once its text is final.
#  secret: anchor = a verbatim, unique substring of the secret as stored;
#          head = text to search back to for the first character (PEM
#          "-----BEGIN"), tail = text that ends it; before/after = context
#          lines around it that belong to the same credential.
#  decoy:  every occurrence of anchor is a decoy line.
#  region: the whole file is a decoy region.


def smark(sec: dict, where: str, before=0, after=0, anchor=None) -> dict:
    kind, value = sec["kind"], sec["value"]
    m = {"t": "secret", "kind": kind, "value": value, "where": where, "before": before, "after": after}
    if kind in PEM_TAIL:
        body = [ln for ln in value.split("\n") if ln and not ln.startswith("-----") and not ln.startswith("=")]
        m["anchor"] = body[1]
        m["head"] = "-----BEGIN"
        m["tail"] = PEM_TAIL[kind]
    else:
        m["anchor"] = anchor or value
    return m


def dmark(kind: str, anchor: str) -> dict:
    return {"t": "decoy", "kind": kind, "anchor": anchor}


def resolve(path: str, text: str, marks: list[dict]) -> tuple[list[dict], list[dict]]:
    nls = [m.start() for m in re.finditer("\n", text)]

    def line_of(pos):
        return bisect.bisect_left(nls, pos) + 1

    nlines = len(nls) + (0 if text.endswith("\n") else 1)
    secrets, decoys = [], []
    for m in marks:
        if m["t"] == "secret":
            a = m["anchor"]
            pos = text.find(a)
            if pos < 0 or text.find(a, pos + 1) >= 0:
                raise RuntimeError(f"{path}: anchor of a {m['kind']} found {text.count(a)} times")
            start = pos
            if "head" in m:
                start = text.rfind(m["head"], 0, pos)
                assert 0 <= pos - start < 400, (path, m["kind"])
            end = pos + len(a)
            if "tail" in m:
                end = text.find(m["tail"], pos) + len(m["tail"])
                assert end > pos, (path, m["kind"])
            line, end_line = line_of(start), line_of(end - 1)
            secrets.append({"path": path, "line": line, "end_line": end_line,
                            "context": [max(1, line - m["before"]), min(nlines, end_line + m["after"])],
                            "kind": m["kind"], "where": m["where"], "value": m["value"]})
        elif m["t"] == "decoy":
            a = m["anchor"]
            pos = text.find(a)
            if pos < 0:
                raise RuntimeError(f"{path}: decoy anchor of a {m['kind']} not found")
            while pos >= 0:
                ln = line_of(pos)
                decoys.append({"path": path, "line": ln, "end_line": line_of(pos + len(a) - 1), "kind": m["kind"]})
                pos = text.find(a, pos + len(a))
        else:
            decoys.append({"path": path, "line": 1, "end_line": nlines, "kind": m["kind"]})
    # the same decoy line may be marked twice (two anchors on one line)
    seen, uniq = set(), []
    for d in decoys:
        k = (d["line"], d["end_line"], d["kind"])
        if k not in seen:
            seen.add(k)
            uniq.append(d)
    return secrets, uniq


# ------------------------------------------------------------------ decoys

AWS_EXAMPLE_ID = "AKIAIOSFODNN7EXAMPLE"
AWS_EXAMPLE_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
JWT_IO = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
          ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
PLACEHOLDER_ASSIGN = [
    ("OPENAI_API_KEY", "<your-api-key>"), ("API_KEY", "${API_KEY}"), ("GITHUB_TOKEN", "your_token_here"),
    ("DB_PASSWORD", "changeme"), ("SLACK_BOT_TOKEN", "xoxb-xxxxxxxxxxxx-xxxxxxxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx"),
    ("STRIPE_SECRET_KEY", "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx"), ("HF_TOKEN", "hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
    ("ANTHROPIC_API_KEY", "sk-ant-api03-..."), ("SECRET_KEY", "<secret>"), ("TOKEN", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
    ("DATABASE_URL", "postgres://user:password@localhost:5432/app"), ("PASSWORD", "********"),
]
LOW_ENTROPY = [("POSTGRES_PASSWORD", "postgres"), ("password", "password"), ("REDIS_PASSWORD", "redis"),
               ("admin_password", "admin"), ("password", "test1234"), ("DB_PASS", "aaaaaaaa"), ("secret", "secret")]


def decoy_lines(rng, style: str, n: int) -> tuple[list[str], list[dict]]:
    """n decoy lines in the syntax of `style` (env, py, js, yaml, tf, sh, md)."""
    lines, marks = [], []
    for _ in range(n):
        # placeholders 3/10, low entropy 1/10, AWS examples 1/10, UUIDs,
        # git SHAs, sha256 1/6 each, the jwt.io example rarely
        c = rng.choices(range(9), weights=[10, 10, 10, 10, 10, 17, 17, 17, 3])[0]
        if c <= 2:
            name, val = rng.choice(PLACEHOLDER_ASSIGN)
            kind = "placeholder"
        elif c == 3:
            name, val = rng.choice(LOW_ENTROPY)
            kind = "low-entropy-password"
        elif c == 4:
            name, val = rng.choice([("AWS_ACCESS_KEY_ID", AWS_EXAMPLE_ID), ("AWS_SECRET_ACCESS_KEY", AWS_EXAMPLE_SECRET)])
            kind = "aws-example-key"
        elif c == 5:
            name, val, kind = rng.choice(["REQUEST_ID", "CLIENT_ID", "TENANT_ID", "RUN_ID"]), uuid4(rng), "uuid"
        elif c == 6:
            name, val, kind = rng.choice(["GIT_SHA", "COMMIT", "BASE_REVISION"]), sha1hex(rng), "git-sha"
        elif c == 7:
            name, val, kind = rng.choice(["ARTIFACT_SHA256", "MODEL_CHECKSUM", "EXPECTED_HASH"]), sha256hex(rng), "sha256"
        else:
            name, val, kind = "EXAMPLE_JWT", JWT_IO, "jwt-io-example"
        if style == "py" and c <= 2 and rng.random() < 0.4:
            text = f'{name.lower()} = os.environ["{name}"]'
            marks.append(dmark("env-reference", text))
            lines.append(text)
            continue
        text = assign(style, name, val, rng)
        lines.append(text)
        marks.append(dmark(kind, text.strip()))
    return lines, marks


def quote_env(v: str) -> str:
    if "$" in v or " " in v or "#" in v:
        return f"'{v}'"
    return v


def camel(name: str) -> str:
    parts = name.lower().split("_")
    return parts[0] + "".join(p.title() for p in parts[1:])


def assign(style: str, name: str, v: str, rng) -> str:
    """One line assigning v to name, in the syntax of `style`."""
    if style == "env":
        return f"{name}={quote_env(v)}"
    if style == "sh":
        q = "'" if "$" in v else '"'
        return f"export {name}={q}{v}{q}"
    if style == "py":
        return f'{name} = "{v}"' if name.isupper() else f'{name} = "{v}"'
    if style == "js":
        return f'export const {camel(name)} = "{v}";'
    if style == "yaml":
        return f'  {name.lower()}: "{v}"'
    if style == "tf":
        return f'  {name.lower()} = "{v}"'
    if style == "md":
        return f"    {name}={v}"
    raise ValueError(style)


# ------------------------------------------------------------------ filler text


class Filler:
    def __init__(self, rng):
        self.r = rng

    def ident(self):
        r = self.r
        return r.choice(WORDS) + rng_pick(r, ["", "_" + r.choice(WORDS), "s", "_df", "_id"])

    def py_function(self) -> list[str]:
        r = self.r
        f = f"{r.choice(['load', 'build', 'compute', 'clean', 'fit', 'plot', 'export', 'sync'])}_{self.ident()}"
        args = ", ".join(self.ident() for _ in range(r.randint(1, 3)))
        out = [f"def {f}({args}):", f'    """{sentence(r)}"""']
        for _ in range(r.randint(3, 14)):
            v = self.ident()
            out.append("    " + r.choice([
                f"{v} = {self.ident()}.groupby('{word(r)}').agg({{'{word(r)}': 'mean'}})",
                f"{v} = [x for x in {self.ident()} if x is not None]",
                f"if {v} is None:\n        raise ValueError('missing {word(r)}')",
                f"logger.info('processed %d {word(r)} rows', len({v}))",
                f"{v} = np.clip({self.ident()}, {r.randint(0, 5)}, {r.randint(6, 99)})",
                f"for i, row in enumerate({v}):\n        total += row.get('{word(r)}', 0) * {r.random():.3f}",
                f"{v} = requests.get(f\"{{BASE_URL}}/{word(r)}/{{{self.ident()}}}\", timeout={r.randint(5, 60)}).json()",
                f"# {sentence(r)}",
            ]))
        out.append(f"    return {self.ident()}")
        out.append("")
        return out

    def py_module(self, target: int) -> list[str]:
        r = self.r
        lines = ['"""' + sentence(r) + '"""', "", "import logging", "import os", "",
                 "import numpy as np", "import pandas as pd", "import requests", "",
                 "logger = logging.getLogger(__name__)", f'BASE_URL = "https://api.{domain(r)}/v{r.randint(1, 3)}"', ""]
        size = sum(map(len, lines))
        while size < target:
            chunk = self.py_function()
            lines += chunk
            size += sum(map(len, chunk)) + len(chunk)
        return lines

    def js_module(self, target: int) -> list[str]:
        r = self.r
        lines = ["'use strict';", "", f"import axios from 'axios';", f"import {{ {camel(self.ident().upper())} }} from './{word(r)}';", ""]
        size = 0
        while size < target:
            fn = camel(f"{r.choice(['fetch', 'render', 'update', 'handle'])}_{self.ident()}".upper())
            chunk = [f"export async function {fn}({self.ident()}, opts = {{}}) {{",
                     f"  const {camel(self.ident().upper())} = await axios.get(`/api/{word(r)}/${{opts.id}}`);",
                     f"  if (!opts.{word(r)}) {{ return null; }}",
                     f"  // {sentence(r)}",
                     f"  return {{ ...opts, {word(r)}: {r.randint(0, 999)}, status: '{word(r)}' }};",
                     "}", ""]
            lines += chunk
            size += sum(map(len, chunk)) + len(chunk)
        return lines

    def yaml_doc(self, target: int) -> list[str]:
        r = self.r
        name = f"{word(r)}-{word(r)}"
        lines = ["apiVersion: apps/v1", "kind: Deployment", "metadata:", f"  name: {name}",
                 f"  namespace: {word(r)}", "spec:", f"  replicas: {r.randint(1, 6)}", "  template:", "    spec:",
                 "      containers:", f"        - name: {name}",
                 f"          image: ghcr.io/{org(r)}/{name}:{r.randint(1, 9)}.{r.randint(0, 30)}.{r.randint(0, 9)}",
                 "          env:"]
        size = 0
        while size < target:
            chunk = [f"            - name: {self.ident().upper()}", f'              value: "{word(r)}-{r.randint(1, 9999)}"']
            if r.random() < 0.2:
                chunk = [f"            - name: {self.ident().upper()}", "              valueFrom:",
                         "                secretKeyRef:", f"                  name: {name}-secrets",
                         f"                  key: {word(r)}"]
            lines += chunk
            size += sum(map(len, chunk)) + len(chunk)
        return lines

    def tf_doc(self, target: int) -> list[str]:
        r = self.r
        lines = ['terraform {', '  required_providers {', '    aws = {', '      source  = "hashicorp/aws"',
                 f'      version = "~> {r.randint(4, 5)}.{r.randint(0, 60)}"', '    }', '  }', '}', '']
        size = 0
        while size < target:
            n = self.ident()
            chunk = [f'resource "aws_s3_bucket" "{n}" {{', f'  bucket = "{org(r)}-{n.replace("_", "-")}-{r.randint(100, 999)}"',
                     '  tags = {', f'    Team = "{word(r)}"', f'    Env  = "{r.choice(["prod", "staging", "dev"])}"', '  }', '}', '',
                     f'variable "{n}_count" {{', '  type    = number', f'  default = {r.randint(1, 20)}', '}', '']
            lines += chunk
            size += sum(map(len, chunk)) + len(chunk)
        return lines

    def sh_script(self, target: int) -> list[str]:
        r = self.r
        lines = ["#!/usr/bin/env bash", "set -euo pipefail", ""]
        size = 0
        while size < target:
            chunk = [f"# {sentence(r)}",
                     r.choice([f"aws s3 sync ./{word(r)} s3://{org(r)}-{word(r)}/{word(r)}/ --delete",
                               f"python -m {word(r)}.{word(r)} --epochs {r.randint(1, 50)} --lr {r.random():.4f}",
                               f"docker build -t {org(r)}/{word(r)}:$GIT_SHA .",
                               f"kubectl -n {word(r)} rollout status deploy/{word(r)}-{word(r)}",
                               f'echo "done {word(r)} at $(date -u +%FT%TZ)"']), ""]
            lines += chunk
            size += sum(map(len, chunk)) + len(chunk)
        return lines

    def md_doc(self, target: int) -> tuple[list[str], list[dict]]:
        r = self.r
        lines = [f"# {word(r).title()} {word(r)}", "", sentence(r, 10, 30), ""]
        marks = []
        size = 0
        while size < target:
            c = r.choices(range(6), weights=[8, 6, 4, 1, 1, 1])[0]
            if c == 0:
                chunk = [f"## {word(r).title()}", "", sentence(r, 12, 40), sentence(r, 12, 40), ""]
            elif c == 1:
                chunk = ["```bash", f"pip install {pkgname(r)}=={r.randint(0, 5)}.{r.randint(0, 20)}",
                         f"python -m {word(r)} --config configs/{word(r)}.yaml", "```", ""]
            elif c == 2:
                sha = sha1hex(r)
                chunk = [f"- {sha[:r.choice([7, 40])]} {sentence(r, 4, 9)}", f"- {sha1hex(r)} Merge pull request #{r.randint(10, 999)}"]
                marks += [dmark("git-sha", chunk[1][2:42])]
            elif c == 3:
                name, val = r.choice(PLACEHOLDER_ASSIGN)
                chunk = ["```bash", f"export {name}={val}", "```", ""]
                marks.append(dmark("placeholder", f"export {name}={val}"))
            elif c == 4:
                chunk = ['```bash', f'curl -H "Authorization: Bearer <your-api-key>" https://api.{domain(r)}/v1/{word(r)}', "```", ""]
                marks.append(dmark("placeholder", "Bearer <your-api-key>"))
            else:
                val = r.choice([AWS_EXAMPLE_ID, AWS_EXAMPLE_ID, AWS_EXAMPLE_SECRET, AWS_EXAMPLE_SECRET, JWT_IO])
                chunk = [f"For example `{val}` (from the provider's documentation).", ""]
                marks.append(dmark("jwt-io-example" if val == JWT_IO else "aws-example-key", val))
            lines += chunk
            size += sum(map(len, chunk)) + len(chunk)
        return lines, marks


# ------------------------------------------------------------------ single-line renderers


def render_code(style: str, item: dict, rng) -> tuple[list[str], list[dict]]:
    """Lines for a plan item in env/py/js/yaml/tf/sh/md syntax, with marks."""
    lines, marks = [], []
    secs = item["secrets"]
    where = item["where"]
    kind0 = secs[0]["kind"]
    if kind0 == "gcp-service-account-key":
        sa = secs[0]["sa"]
        if style == "env":
            lines.append("GOOGLE_CREDENTIALS_JSON='" + json.dumps(sa, separators=(",", ":")) + "'")
            marks.append(smark(secs[0], where))
        elif style == "py":
            body = json.dumps(sa, indent=4).split("\n")
            lines += ["SERVICE_ACCOUNT_INFO = " + body[0]] + body[1:]
            k = next(i for i, ln in enumerate(lines) if '"private_key":' in ln)
            marks.append(smark(secs[0], where, before=k, after=len(lines) - 1 - k))
        elif style == "yaml":
            body = json.dumps(sa, indent=2).split("\n")
            lines += ["apiVersion: v1", "kind: Secret", "metadata:", f"  name: {word(rng)}-gcp-sa", "type: Opaque",
                      "stringData:", "  key.json: |"] + ["    " + b for b in body]
            k = next(i for i, ln in enumerate(lines) if '"private_key":' in ln)
            marks.append(smark(secs[0], where, before=k - 7, after=len(lines) - 1 - k))
        return lines, marks
    if kind0 in MULTILINE:
        value = secs[0]["value"]
        body = value.rstrip("\n").split("\n")
        if style == "py":
            lines += [f'{KINDS[kind0][1]} = """' + body[0]] + body[1:] + ['"""']
            marks.append(smark(secs[0], where, after=1))
        elif style == "yaml":
            lines += [f"  {KINDS[kind0][1].lower()}: |"] + ["    " + b for b in body]
            marks.append(smark(secs[0], where, before=1))
        elif style == "tf":
            lines += [f'resource "tls_private_key_import" "{word(rng)}" {{', "  private_key_pem = <<EOT"] + body + ["EOT", "}"]
            marks.append(smark(secs[0], where, before=2, after=2))
        return lines, marks
    if kind0 == "azure-storage-account-key":
        acct = f"{org(rng)}{word(rng)}{rng.randint(10, 99)}"
        lines.append(assign(style if style != "md" else "env", "AZURE_STORAGE_ACCOUNT", acct, rng))
        lines.append(assign(style if style != "md" else "env", "AZURE_STORAGE_KEY", secs[0]["value"], rng))
        marks.append(smark(secs[0], where, before=1))
        return lines, marks
    if kind0 == "twilio-auth-token":
        sid = "AC" + rs(rng, HEX, 32)
        lines.append(assign(style if style != "md" else "env", "TWILIO_ACCOUNT_SID", sid, rng))
        lines.append(assign(style if style != "md" else "env", "TWILIO_AUTH_TOKEN", secs[0]["value"], rng))
        marks.append(smark(secs[0], where, before=1))
        return lines, marks
    if kind0 == "twilio-api-key":
        lines.append(assign(style if style != "md" else "env", "TWILIO_API_KEY", secs[0]["value"], rng))
        lines.append(assign(style if style != "md" else "env", "TWILIO_API_SECRET", rs(rng, ALNUM, 32), rng))
        marks.append(smark(secs[0], where, after=1))
        return lines, marks
    n = len(secs)
    for i, sec in enumerate(secs):
        kind, v = sec["kind"], sec["value"]
        name = KINDS[kind][1]
        if style == "py" and kind in PY_CALL and n == 1 and rng.random() < 0.6:
            lines.append(PY_CALL[kind].format(v=v, h=rs(rng, HEX, 16), n=rng.randint(10000, 99999), sid=rs(rng, HEX, 32)))
        elif style == "sh" and n == 1 and rng.random() < 0.5:
            if kind in ("slack-webhook-url", "discord-webhook-url"):
                lines.append(f"curl -sS -X POST -H 'Content-type: application/json' --data '{{\"text\":\"deploy ok\"}}' {v}")
            elif kind.endswith("-url"):
                lines.append(f'psql "{v}" -c "select 1"' if kind == "postgres-url" else f'curl -fsSL "{v}"')
            else:
                q = "'" if "$" in v else '"'
                lines.append(f'curl -fsSL -H {q}Authorization: Bearer {v}{q} https://api.{domain(rng)}/v1/{word(rng)}')
        elif style == "md":
            lines.append(assign("md", name, v, rng))
        else:
            lines.append(assign(style, name, v, rng))
        marks.append(smark(sec, where, before=i, after=n - 1 - i))
    if style == "md":
        lines = ["Staging credentials (rotate after the demo):", ""] + lines + [""]
    return lines, marks


# ------------------------------------------------------------------ notebooks

ANSI_RED, ANSI_GREEN, ANSI_RESET = "\x1b[0;31m", "\x1b[0;32m", "\x1b[0m"


class Notebook:
    def __init__(self, rng, v45: bool):
        self.r = rng
        self.v45 = v45
        self.cells: list[dict] = []
        self.marks: list[dict] = []
        self.size = 0
        self.count = 0
        self.params: dict = {}
        self.fill = Filler(rng)

    # -- structure
    def cell_id(self):
        r = self.r
        return uuid4(r) if r.random() < 0.5 else "%08x" % r.getrandbits(32)

    def add(self, cell: dict):
        if self.v45:
            cell["id"] = self.cell_id()
        self.cells.append(cell)

    def code(self, source: str, outputs: list[dict], executed=True):
        self.count += 1
        for o in outputs:
            if o["output_type"] == "execute_result":
                o["execution_count"] = self.count
        md = {}
        if self.r.random() < 0.3:
            md = {"ExecuteTime": {"end_time": "2024-03-%02dT10:%02d:%02d.%06dZ" % (self.r.randint(1, 28), self.r.randint(0, 59), self.r.randint(0, 59), self.r.randint(0, 999999)),
                                  "start_time": "2024-03-01T10:00:00.000000Z"}}
        self.add({"cell_type": "code", "execution_count": self.count if executed else None, "metadata": md,
                  "outputs": outputs, "source": source})
        self.size += len(source) + sum(len(json.dumps(o, ensure_ascii=False)) for o in outputs) + 120

    def markdown(self, text: str):
        self.add({"cell_type": "markdown", "metadata": {}, "source": text})
        self.size += len(text) + 80

    @staticmethod
    def stream(text: str, name="stdout"):
        return {"name": name, "output_type": "stream", "text": text}

    @staticmethod
    def result(data: dict):
        return {"data": data, "execution_count": None, "metadata": {}, "output_type": "execute_result"}

    @staticmethod
    def display(data: dict):
        return {"data": data, "metadata": {}, "output_type": "display_data"}

    # -- filler
    def png(self) -> str:
        r = self.r
        n = int(min(220_000, max(15_000, r.lognormvariate(10.9, 0.6))))
        raw = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + r.randbytes(n)
        s = b64(raw)
        self.marks.append(dmark("base64-image", s[40:96]))
        return s

    def table(self, nrows: int, extra: tuple[str, str] | None = None) -> tuple[str, str]:
        r = self.r
        cols = ["user_id", "session", "commit", "amount", "score", "region"]
        rows = []
        for i in range(nrows):
            u, sha = uuid4(r), sha1hex(r)
            self.marks.append(dmark("uuid", u))
            self.marks.append(dmark("git-sha", sha))
            rows.append([str(r.randint(1000, 99999)), u, sha, f"{r.uniform(0, 5000):.2f}", f"{r.random():.4f}", r.choice(REGIONS)])
        if extra:
            cols.append(extra[0])
            for row in rows:
                row.append(extra[1] if row is rows[len(rows) // 2] else "")
        plain = "   " + "  ".join(cols) + "\n" + "".join(f"{i}  " + "  ".join(row) + "\n" for i, row in enumerate(rows)).rstrip("\n")
        html = ['<div>', '<table border="1" class="dataframe">', '  <thead>', '    <tr style="text-align: right;">', '      <th></th>']
        html += [f"      <th>{c}</th>" for c in cols]
        html += ['    </tr>', '  </thead>', '  <tbody>']
        for i, row in enumerate(rows):
            html += ['    <tr>', f'      <th>{i}</th>'] + [f"      <td>{c}</td>" for c in row] + ['    </tr>']
        html += ['  </tbody>', '</table>', f'<p>{nrows} rows × {len(cols)} columns</p>', '</div>']
        return plain, "\n".join(html)

    def filler_cell(self):
        r = self.r
        c = r.randrange(10)
        if c <= 2:
            src = "\n".join(self.fill.py_function()[:-1])
            self.code(src, [])
        elif c == 3:
            v = self.fill.ident()
            plain, html = self.table(r.randint(5, 20))
            self.code(f"{v} = pd.read_csv('data/{word(r)}.csv')\n{v}.head({r.randint(5, 20)})",
                      [self.result({"text/html": html, "text/plain": plain})])
        elif c == 4:
            lines = [f"Epoch {e}/{40} - loss: {r.uniform(0.05, 2):.4f} - acc: {r.random():.4f} - val_loss: {r.uniform(0.05, 2):.4f}" for e in range(1, r.randint(20, 400))]
            self.code(f"history = model.fit(X_train, y_train, epochs=40, validation_split=0.{r.randint(1, 3)})",
                      [self.stream("\n".join(lines) + "\n")])
        elif c in (5, 6, 7):
            self.code(f"fig, ax = plt.subplots(figsize=(10, 6))\nax.plot({self.fill.ident()})\nplt.show()",
                      [self.display({"image/png": self.png(), "text/plain": "<Figure size 1000x600 with 1 Axes>"})])
        elif c == 8:
            sha, h = sha1hex(r), sha256hex(r)
            self.marks += [dmark("git-sha", sha), dmark("sha256", h)]
            text = (f"Collecting {pkgname(r)}@ git+https://github.com/{org(r)}/{word(r)}@{sha}\n"
                    f"  Downloading {pkgname(r)}-{r.randint(0, 4)}.{r.randint(0, 20)}.0-py3-none-any.whl ({r.randint(10, 900)} kB)\n"
                    f"  Stored in directory: /root/.cache/pip/wheels/{h[:2]}/{h[2:4]}/{h}\n"
                    f"Successfully installed {pkgname(r)}-{r.randint(0, 4)}.{r.randint(0, 9)}.{r.randint(0, 9)}\n")
            self.code(f"!pip install git+https://github.com/{org(r)}/{word(r)}.git", [self.stream(text)])
        else:
            if r.random() < 0.5:
                self.markdown(f"## {word(r).title()}\n\n{sentence(r, 10, 40)}\n\n{sentence(r, 10, 40)}")
            else:
                name = rng_pick(r, ["OPENAI_API_KEY", "HF_TOKEN", "AWS_SECRET_ACCESS_KEY", "DB_PASSWORD", "API_KEY"])
                text = f'api_key = os.environ["{name}"]'
                self.marks.append(dmark("env-reference", text.replace('"', '\\"')))
                pv = rng_pick(r, ["<your-api-key>", "your_token_here", "changeme", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"])
                self.marks.append(dmark("placeholder", f"api_key = {pv}"))
                self.code(f"import os\n{text}\n# or paste it here: api_key = {pv}\nclient = make_client(api_key)", [])

    def traceback(self, tail: str) -> list[str]:
        r = self.r
        frame = (f"Cell {ANSI_GREEN}In[{self.count + 1}], line {r.randint(2, 9)}{ANSI_RESET}\n"
                 f"{ANSI_GREEN}      1{ANSI_RESET} \x1b[38;5;28;01mimport\x1b[39;00m \x1b[38;5;21;01mrequests\x1b[39;00m\n"
                 f"{ANSI_GREEN}----> 3{ANSI_RESET} resp \x1b[38;5;241m=\x1b[39m {self.fill.ident()}\x1b[38;5;241m.\x1b[39mcall()\n")
        return [f"{ANSI_RED}---------------------------------------------------------------------------{ANSI_RESET}",
                f"{ANSI_RED}HTTPError{ANSI_RESET}                                 Traceback (most recent call last)",
                frame, tail]

    # -- secrets
    def plant(self, item: dict):
        r = self.r
        where = item["where"]
        secs = item["secrets"]
        kind0 = secs[0]["kind"]
        multi = kind0 in MULTILINE
        sa = secs[0].get("sa")

        if where == "nb-source":
            if sa:
                body = json.dumps(sa, indent=4).split("\n")
                src = ["from google.oauth2 import service_account", "", "info = " + body[0]] + body[1:] + ["creds = service_account.Credentials.from_service_account_info(info)"]
                k = next(i for i, ln in enumerate(src) if '"private_key":' in ln)
                self.marks.append(smark(secs[0], where, before=k - 2, after=len(body) - 1 - (k - 2)))
                self.code("\n".join(src), [])
                return
            lines, marks = render_code("py", item, r)
            if multi:
                pass
            self.marks += marks
            self.code("import os\n\n" + "\n".join(lines) + f"\n{self.fill.ident()} = connect()", [])
        elif where == "nb-stream":
            if multi:
                fn = rng_pick(r, ["~/.ssh/id_rsa", "keys/deploy.pem", "secrets/signing.key", "private.asc"])
                self.marks.append(smark(secs[0], where))
                self.code(f"!cat {fn}", [self.stream(secs[0]["value"])])
                return
            out = [f"[{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}] {sentence(r, 3, 8)}" for _ in range(r.randint(1, 6))]
            k = len(out)
            for sec in secs:
                out.append(rng_pick(r, [f"Using {KINDS[sec['kind']][1]}={sec['value']}", f"token: {sec['value']}",
                                        f"DEBUG config loaded: {KINDS[sec['kind']][1].lower()}={sec['value']}"]))
            out += [sentence(r, 3, 8) for _ in range(r.randint(0, 5))]
            for i, sec in enumerate(secs):
                self.marks.append(smark(sec, where, before=i, after=len(secs) - 1 - i))
            names = ", ".join(KINDS[s["kind"]][1] for s in secs)
            self.code(f"cfg = load_settings()\nfor name in [{names!r}]:\n    print(f'Using {{name}}={{cfg[name]}}')", [self.stream("\n".join(out) + "\n")])
            del k
        elif where == "nb-traceback-ansi":
            sec = secs[0]
            v = sec["value"]
            if r.random() < 0.5:
                tail = (f"{ANSI_RED}HTTPError{ANSI_RESET}: 401 Client Error: Unauthorized for url: "
                        f"https://api.{domain(r)}/v2/auth?key=\x1b[1;31m{v}{ANSI_RESET}")
            else:
                tail = (f"{ANSI_RED}HTTPError{ANSI_RESET}: invalid credentials \x1b[38;5;124m{v}\x1b[39m for "
                        f"{KINDS[sec['kind']][1]}")
            tb = self.traceback(tail)
            tb += ["\nDuring handling of the above exception, another exception occurred:\n",
                   f"{ANSI_RED}---------------------------------------------------------------------------{ANSI_RESET}",
                   f"{ANSI_RED}RuntimeError{ANSI_RESET}                              Traceback (most recent call last)",
                   f"{ANSI_RED}RuntimeError{ANSI_RESET}: authentication failed"]
            for i, s in enumerate(secs):
                if i == 0:
                    self.marks.append(smark(s, where))
                else:   # a pair's other halves go in a stream before the error
                    pass
            outs = []
            if len(secs) > 1:
                outs.append(self.stream("".join(f"{KINDS[s['kind']][1]}={s['value']}\n" for s in secs[1:])))
                for i, s in enumerate(secs[1:]):
                    self.marks.append(smark(s, "nb-stream", before=i, after=len(secs) - 2 - i))
            outs.append({"ename": "RuntimeError", "evalue": "authentication failed", "output_type": "error", "traceback": tb})
            self.code(f"resp = session.get(url, params={{'key': KEY}})\nresp.raise_for_status()", outs)
        elif where == "nb-result-plain":
            if sa:
                items = [f"'{k}': {json.dumps(v)}".replace('"', "'") for k, v in sa.items()]
                lines = ["{" + items[0] + ","] + [" " + it + "," for it in items[1:-1]] + [" " + items[-1] + "}"]
                k = next(i for i, ln in enumerate(lines) if "'private_key':" in ln)
                self.marks.append(smark(secs[0], where, before=k, after=len(lines) - 1 - k))
                self.code("info = json.load(open('credentials.json'))\ninfo", [self.result({"text/plain": "\n".join(lines)})])
                return
            if multi:
                self.marks.append(smark(secs[0], where))
                self.code("key_pem", [self.result({"text/plain": repr(secs[0]["value"])})])
                return
            pairs = [f"'{KINDS[s['kind']][1].lower()}': '{s['value']}'" for s in secs]
            text = "{" + ", ".join(pairs + [f"'region': '{r.choice(REGIONS)}'"]) + "}"
            for s in secs:
                self.marks.append(smark(s, where))
            self.code("settings.as_dict()", [self.result({"text/plain": text})])
        elif where == "nb-result-html":
            if len(secs) > 1 or any(ch in secs[0]["value"] for ch in "&<>\""):
                item = dict(item, where="nb-result-plain")
                self.plant(item)
                return
            plain, html = self.table(r.randint(4, 12), (KINDS[kind0][1].lower(), secs[0]["value"]))
            self.marks.append(smark(secs[0], where))
            self.code("display(HTML(keys_df.to_html()))", [self.display({"text/html": html, "text/plain": "<IPython.core.display.HTML object>"})])
        elif where in ("nb-json-dumps", "nb-sa-json"):
            if sa:
                text = json.dumps(sa)
            else:
                d = {KINDS[s["kind"]][1].lower() if KINDS[s["kind"]][1] else "secret": s["value"] for s in secs}
                d["endpoint"] = f"https://api.{domain(r)}/v1"
                text = json.dumps(d)
            for s in secs:
                self.marks.append(smark(s, where))
            self.code("print(json.dumps(config))", [self.stream(text + "\n")])
        elif where == "nb-markdown":
            lines, marks = render_code("md", item, r)
            self.marks += marks
            self.markdown("\n".join(lines).rstrip("\n"))
        elif where == "nb-metadata":
            for s in secs:
                key = KINDS[s["kind"]][1].lower()
                while key in self.params:
                    key += "_2"
                self.params[key] = s["value"]
                self.marks.append(smark(s, where))
        else:
            raise ValueError(where)

    def build(self, target: int, items: list[dict]) -> str:
        r = self.r
        self.markdown(f"# {word(r).title()} {word(r)} analysis\n\n{sentence(r, 8, 25)}")
        self.code("import json\nimport os\n\nimport numpy as np\nimport pandas as pd\nimport matplotlib.pyplot as plt", [])
        slots = sorted(r.randint(0, 60) for _ in items)
        i = 0
        while self.size < target or i < len(items):
            while i < len(items) and (slots[i] <= len(self.cells) or self.size >= target):
                self.plant(items[i])
                i += 1
            if self.size < target:
                self.filler_cell()
        meta = {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
                "language_info": {"codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
                                  "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
                                  "pygments_lexer": "ipython3", "version": "3.11.7"}}
        if self.params:
            meta["papermill"] = {"default_parameters": {}, "duration": round(r.uniform(5, 900), 6),
                                 "environment_variables": {}, "exception": None,
                                 "input_path": "templates/run.ipynb", "output_path": "runs/out.ipynb",
                                 "parameters": self.params, "start_time": "2024-05-02T08:00:00.000000",
                                 "version": "2.5.0"}
        nb = {"cells": self.cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 5 if self.v45 else 4}
        for cell in nb["cells"]:
            cell["source"] = cell["source"].splitlines(True)
            for o in cell.get("outputs", []):
                if "text" in o:
                    o["text"] = o["text"].splitlines(True)
                for k, v in o.get("data", {}).items():
                    if isinstance(v, str) and (k.startswith("text/") or k in ("application/javascript", "image/svg+xml")):
                        o["data"][k] = v.splitlines(True)
        return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False, separators=(",", ": ")) + "\n"


# ------------------------------------------------------------------ other files


def csv_file(rng, target: int, items: list[dict]) -> tuple[str, list[dict]]:
    marks = [{"t": "region", "kind": "csv-uuids-hashes"}]
    header = "event_id,session_id,user_id,ts,region,amount,score,commit_sha,payload_sha256,status,notes"
    parts = [header + "\n"]
    size = len(header)
    n = 0
    slots = sorted(rng.randint(1, max(2, target // 180)) for _ in items)
    it = 0
    while size < target or it < len(items):
        n += 1
        note = rng.choice(["", "", "", "retry", "ok", "timeout", "manual fix"])
        notes = []
        while it < len(items) and (slots[it] <= n or size >= target):
            secs = items[it]["secrets"]
            if len(secs) > 1:
                notes.append("creds " + " ".join(s["value"] for s in secs))
            else:
                notes.append(f"rotated {(KINDS[secs[0]['kind']][1] or 'secret').lower()} {secs[0]['value']}")
            for s in secs:
                marks.append(smark(s, items[it]["where"]))
            it += 1
        if notes:
            note = " ; ".join(notes)
        row = (f"{n},{uuid4(rng)},{rng.randint(1, 10**7)},2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T"
               f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z,{rng.choice(REGIONS)},"
               f"{rng.uniform(0, 900):.2f},{rng.random():.5f},{sha1hex(rng)},{sha256hex(rng)},"
               f"{rng.choice(['ok', 'failed', 'pending'])},{note}\n")
        parts.append(row)
        size += len(row)
    return "".join(parts), marks


def package_lock(rng, target: int, items: list[dict]) -> tuple[str, list[dict]]:
    marks = [{"t": "region", "kind": "lockfile-integrity"}]
    name = f"{org(rng)}-{word(rng)}"
    pkgs = {"": {"name": name, "version": "1.0.0", "license": "UNLICENSED", "dependencies": {}}}
    size = 0
    planted = list(items)
    while size < target or planted:
        p = pkgname(rng)
        ver = f"{rng.randint(0, 12)}.{rng.randint(0, 30)}.{rng.randint(0, 20)}"
        entry = {"version": ver, "resolved": f"https://registry.npmjs.org/{p}/-/{p}-{ver}.tgz",
                 "integrity": "sha512-" + b64(rng.randbytes(64)), "license": rng.choice(["MIT", "ISC", "Apache-2.0", "BSD-3-Clause"])}
        if rng.random() < 0.3:
            entry["dev"] = True
        if rng.random() < 0.4:
            entry["dependencies"] = {pkgname(rng): f"^{rng.randint(0, 9)}.{rng.randint(0, 9)}.0" for _ in range(rng.randint(1, 4))}
        if rng.random() < 0.1:
            entry["engines"] = {"node": f">={rng.choice([12, 14, 16, 18])}"}
        if planted and (size >= target or rng.random() < 0.02):
            item = planted.pop()
            sec = item["secrets"][0]
            v = sec["value"]
            if sec["kind"] == "github-pat":
                entry["resolved"] = f"git+https://{v}:x-oauth-basic@github.com/{org(rng)}/{p}.git#{sha1hex(rng)}"
            elif sec["kind"] == "gitlab-pat":
                entry["resolved"] = f"https://oauth2:{v}@gitlab.com/{org(rng)}/{p}/-/archive/v{ver}/{p}-v{ver}.tar.gz"
            else:
                entry["resolved"] = v.rstrip("/") + f"/repository/npm-private/{p}/-/{p}-{ver}.tgz"
            marks.append(smark(sec, item["where"]))
        pkgs[f"node_modules/{p}"] = entry
        pkgs[""]["dependencies"][p] = "^" + ver
        size += 330
    return json.dumps({"name": name, "version": "1.0.0", "lockfileVersion": 3, "requires": True, "packages": pkgs}, indent=2) + "\n", marks


def yarn_lock(rng, target: int, items: list[dict]) -> tuple[str, list[dict]]:
    marks = [{"t": "region", "kind": "lockfile-integrity"}]
    out = ["# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.", "# yarn lockfile v1", "", ""]
    size = 0
    planted = list(items)
    while size < target or planted:
        p = pkgname(rng)
        ver = f"{rng.randint(0, 12)}.{rng.randint(0, 30)}.{rng.randint(0, 20)}"
        resolved = f"https://registry.yarnpkg.com/{p}/-/{p}-{ver}.tgz#{sha1hex(rng)}"
        if planted and (size >= target or rng.random() < 0.02):
            item = planted.pop()
            sec = item["secrets"][0]
            v = sec["value"]
            if sec["kind"] == "github-pat":
                resolved = f"git+https://{v}:x-oauth-basic@github.com/{org(rng)}/{p}.git#{sha1hex(rng)}"
            elif sec["kind"] == "gitlab-pat":
                resolved = f"https://oauth2:{v}@gitlab.com/api/v4/projects/{rng.randint(100, 99999)}/packages/npm/{p}/-/{p}-{ver}.tgz"
            else:
                resolved = v.rstrip("/") + f"/repository/npm-group/{p}/-/{p}-{ver}.tgz"
            marks.append(smark(sec, item["where"]))
        block = [f'"{p}@^{ver}", "{p}@~{ver}":', f'  version "{ver}"', f'  resolved "{resolved}"',
                 f"  integrity sha512-{b64(rng.randbytes(64))}"]
        if rng.random() < 0.5:
            block.append("  dependencies:")
            block += [f'    {pkgname(rng)} "^{rng.randint(0, 9)}.{rng.randint(0, 9)}.0"' for _ in range(rng.randint(1, 4))]
        out += block + [""]
        size += sum(map(len, block)) + len(block)
    return "\n".join(out) + "\n", marks


def poetry_lock(rng, target: int, items: list[dict]) -> tuple[str, list[dict]]:
    marks = [{"t": "region", "kind": "lockfile-integrity"}]
    out = ["# This file is automatically @generated by Poetry 1.8.3 and should not be changed by hand.", ""]
    size = 0
    planted = list(items)
    while size < target or planted:
        p = pkgname(rng)
        ver = f"{rng.randint(0, 12)}.{rng.randint(0, 30)}.{rng.randint(0, 20)}"
        block = ["[[package]]", f'name = "{p}"', f'version = "{ver}"', f'description = "{sentence(rng, 3, 9)}"',
                 "optional = false", 'python-versions = ">=3.8"', "files = ["]
        nfiles = rng.choice([1, 2, 2, 2, 12, 30, 48])
        for i in range(nfiles):
            tag = "py3-none-any.whl" if i == 0 else rng.choice(["cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "cp310-cp310-macosx_11_0_arm64.whl", "cp312-cp312-win_amd64.whl"])
            block.append(f'    {{file = "{p.replace("-", "_")}-{ver}-{tag}", hash = "sha256:{sha256hex(rng)}"}},')
        block.append("]")
        if planted and (size >= target or rng.random() < 0.03):
            item = planted.pop()
            sec = item["secrets"][0]
            v = sec["value"]
            if sec["kind"] == "github-pat":
                url = f"https://{v}@github.com/{org(rng)}/{p}.git"
                block += ["", "[package.source]", 'type = "git"', f'url = "{url}"', 'reference = "HEAD"', f'resolved_reference = "{sha1hex(rng)}"']
            elif sec["kind"] == "gitlab-pat":
                block += ["", "[package.source]", 'type = "git"', f'url = "https://oauth2:{v}@gitlab.com/{org(rng)}/{p}.git"', 'reference = "main"', f'resolved_reference = "{sha1hex(rng)}"']
            else:
                block += ["", "[package.source]", 'type = "legacy"', f'url = "{v}simple"', 'reference = "internal"']
            marks.append(smark(sec, item["where"]))
        out += block + [""]
        size += sum(map(len, block)) + len(block)
    out += ["[metadata]", 'lock-version = "2.0"', 'python-versions = "^3.10"', f'content-hash = "{sha256hex(rng)}"']
    return "\n".join(out) + "\n", marks


def min_bundle(rng, target: int, items: list[dict]) -> tuple[str, list[dict]]:
    marks = [{"t": "region", "kind": "minified-bundle"}]
    idn = lambda: rs(rng, LETTERS, 1) + rs(rng, LETTERS + DIGITS, rng.randint(0, 2))
    parts = ['!function(e){var t={};function n(r){if(t[r])return t[r].exports;var o=t[r]={i:r,l:!1,exports:{}};'
             'return e[r].call(o.exports,o,o.exports,n),o.l=!0,o.exports}n.m=e,n.c=t,n(n.s=0)}([']
    size = len(parts[0])
    planted = list(items)
    while size < target or planted:
        a, b, c = idn(), idn(), idn()
        k = rng.randrange(5)
        if k == 0:
            s = f'function({a},{b},{c}){{"use strict";var {idn()}={c}({rng.randint(0, 999)}),{idn()}={c}({rng.randint(0, 999)});{a}.exports=function({b}){{return {b}&&{b}.__esModule?{b}:{{default:{b}}}}}}},'
        elif k == 1:
            s = f'function({a},{b}){{{a}.exports={{{",".join(f"{word(rng)}:{json.dumps(sentence(rng, 2, 6))}" for _ in range(rng.randint(2, 8)))}}}}},'
        elif k == 2:
            s = f'function({a},{b},{c}){{{b}.a="data:image/png;base64,{b64(rng.randbytes(rng.randint(100, 2000)))}"}},'
        elif k == 3:
            s = f'function({a},{b},{c}){{var {idn()}="{rs(rng, HEX, 20)}",{idn()}=[{",".join(str(rng.randint(0, 99999)) for _ in range(rng.randint(5, 40)))}];{c}.d({b},"{idn()}",function(){{return {a}}})}},'
        else:
            s = f'function({a},{b}){{{a}.exports=function({b}){{for(var {c}=0;{c}<{b}.length;{c}++)if({b}[{c}]==="{word(rng)}")return!0;return!1}}}},'
        if planted and (size >= target or rng.random() < 0.01):
            item = planted.pop()
            fields = ",".join(f'{camel(KINDS[x["kind"]][1] or "SECRET")}:"{x["value"]}"' for x in item["secrets"])
            s = f'function({a},{b}){{{a}.exports={{{fields},env:"production",region:"{rng.choice(REGIONS)}"}}}},'
            for x in item["secrets"]:
                marks.append(smark(x, item["where"]))
        parts.append(s)
        size += len(s)
    parts.append("function(e,t){}]);\n//# sourceMappingURL=app.min.js.map\n")
    return "".join(parts), marks


def requirements(rng) -> tuple[str, list[dict]]:
    out = [f"# This file is autogenerated by pip-compile with Python 3.11"]
    for _ in range(rng.randint(10, 60)):
        p = pkgname(rng)
        out.append(f"{p}=={rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 9)} \\")
        for i in range(rng.randint(1, 3)):
            out.append(f"    --hash=sha256:{sha256hex(rng)}" + (" \\" if i < 2 else ""))
        out[-1] = out[-1].rstrip(" \\")
    return "\n".join(out) + "\n", [{"t": "region", "kind": "requirements-hashes"}]


# ------------------------------------------------------------------ a project


class Project:
    def __init__(self, outdir: str, name: str, rng):
        self.out = outdir
        self.name = name
        self.r = rng
        self.files = 0
        self.bytes = 0
        self.secrets: list[dict] = []
        self.decoys: list[dict] = []
        self.used: set[str] = set()
        self.fill = Filler(rng)

    def path(self, rel: str) -> str:
        base, dot, ext = rel.rpartition(".")
        if not base or "/" in ext:
            base, dot, ext = rel, "", ""
        cand, n = rel, 1
        while cand in self.used:
            n += 1
            cand = f"{base}_{n}{dot}{ext}"
        self.used.add(cand)
        return cand

    def write(self, rel: str, text: str, marks: list[dict]):
        rel = self.path(rel)
        full = os.path.join(self.out, self.name, rel)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        data = text.encode("utf-8")
        with open(full, "wb") as fh:
            fh.write(data)
        s, d = resolve(f"{self.name}/{rel}", text, marks)
        self.secrets += s
        self.decoys += d
        self.files += 1
        self.bytes += len(data)

    def code_file(self, style: str, items: list[dict], target: int):
        r = self.r
        gen = {"py": self.fill.py_module, "js": self.fill.js_module, "yaml": self.fill.yaml_doc,
               "tf": self.fill.tf_doc, "sh": self.fill.sh_script}[style]
        lines = gen(target)
        marks: list[dict] = []
        # decoys and planted secrets at random line boundaries at the top level
        inserts = []
        dl, dm = decoy_lines(r, style, r.choice([0, 0, 1, 1, 2]))
        for ln in dl:
            inserts.append([ln])
        marks += dm
        for it in items:
            ls, ms = render_code(style, it, r)
            inserts.append(ls)
            marks += ms
        cut_points = [i for i, ln in enumerate(lines) if ln == "" and i > 3] or [len(lines)]
        for block in inserts:
            at = r.choice(cut_points)
            pad = [""] if style in ("py", "js", "tf", "sh") else []
            if style == "yaml":
                block = ["---"] + (block if block[0].startswith("apiVersion") else ["config:"] + block)
            elif style == "tf" and not block[0].startswith("resource"):
                block = [f'provider "{rng_pick(r, ["aws", "azurerm", "google", "github"])}" {{'] + block + ["}"]
            lines[at:at] = pad + block + pad
            # keep the other cut points valid (only insert at blank lines we know)
            cut_points = [i for i, ln in enumerate(lines) if ln == "" and i > 3] or [len(lines)]
        ext = {"py": "py", "js": "js", "yaml": "yaml", "tf": "tf", "sh": "sh"}[style]
        sub = {"py": "src", "js": "web/src", "yaml": "deploy", "tf": "infra", "sh": "scripts"}[style]
        self.write(f"{sub}/{word(r)}_{word(r)}.{ext}", "\n".join(lines) + "\n", marks)

    def env_file(self, items: list[dict]):
        r = self.r
        lines = [f"# {self.name} local settings", f"APP_ENV={r.choice(['production', 'staging'])}", f"LOG_LEVEL=info",
                 f"PORT={r.randint(3000, 9000)}"]
        marks: list[dict] = []
        dl, dm = decoy_lines(r, "env", r.randint(1, 3))
        lines += dl
        marks += dm
        for it in items:
            ls, ms = render_code("env", it, r)
            lines += ls
            marks += ms
        lines.append(f"WORKERS={r.randint(1, 16)}")
        self.write(".env" if ".env" not in self.used else "config/.env.production", "\n".join(lines) + "\n", marks)

    def env_example(self):
        r = self.r
        lines = ["# copy to .env and fill in"]
        marks = []
        for name, val in r.sample(PLACEHOLDER_ASSIGN, 6):
            lines.append(f"{name}={val}")
            marks.append(dmark("placeholder", f"{name}={val}"))
        lines.append(f"AWS_ACCESS_KEY_ID={AWS_EXAMPLE_ID}")
        lines.append(f"AWS_SECRET_ACCESS_KEY={AWS_EXAMPLE_SECRET}")
        marks += [dmark("aws-example-key", AWS_EXAMPLE_ID), dmark("aws-example-key", AWS_EXAMPLE_SECRET)]
        self.write(".env.example", "\n".join(lines) + "\n", marks)

    def md_file(self, items: list[dict], target: int):
        r = self.r
        lines, marks = self.fill.md_doc(target)
        for it in items:
            ls, ms = render_code("md", it, r)
            at = r.randrange(4, len(lines) + 1)
            lines[at:at] = ls
            marks += ms
        self.write("README.md" if "README.md" not in self.used else f"docs/{word(r)}.md", "\n".join(lines) + "\n", marks)

    def dotfiles(self, kind: str, items: list[dict]):
        r = self.r
        lines, marks = [], []
        if kind == "netrc":
            for it in items:
                s = it["secrets"][0]
                lines += [f"machine {host(r)}", f"  login {user(r)}", f"  password {s['value']}", ""]
                marks.append(smark(s, "netrc", before=2))
            self.write(".netrc", "\n".join(lines), marks)
        elif kind == "pypirc":
            lines = ["[distutils]", "index-servers =", "    pypi", "    internal", ""]
            for it in items:
                s = it["secrets"][0]
                if s["kind"] == "pypi-token":
                    lines += ["[pypi]", "username = __token__", f"password = {s['value']}", ""]
                    marks.append(smark(s, "pypirc", before=2))
                else:
                    lines += [f"[internal{len(marks) or ''}]", f"repository = https://pypi.{domain(r)}/simple/",
                              f"username = {user(r)}", f"password = {s['value']}", ""]
                    marks.append(smark(s, "pypirc", before=3))
            self.write(".pypirc", "\n".join(lines), marks)
        elif kind == "npmrc":
            lines = ["registry=https://registry.npmjs.org/", "save-exact=true"]
            for it in items:
                s = it["secrets"][0]
                if s["kind"] == "npm-token":
                    lines.append(f"//registry.npmjs.org/:_authToken={s['value']}")
                    marks.append(smark(s, "npmrc"))
                else:
                    d = domain(r)
                    lines += [f"@{org(r)}:registry=https://npm.{d}/", f"//npm.{d}/:_auth={s['value']}", f"//npm.{d}/:always-auth=true"]
                    marks.append(smark(s, "npmrc", before=1, after=1))
            self.write(".npmrc", "\n".join(lines) + "\n", marks)

    def build(self, budget: int, items: list[dict]):
        r = self.r
        by = defaultdict(list)
        for it in items:
            by[it["where"]].append(it)
        nb_items = [it for w in NB_CTX + ["nb-sa-json"] for it in by.pop(w, [])]

        # notebooks: about half of the bytes
        nb_budget = int(budget * 0.48)
        n_nb = max(1, min(12, nb_budget // 260_000))
        r.shuffle(nb_items)
        for i in range(n_nb):
            mine = nb_items[i::n_nb]
            target = int(nb_budget / n_nb * r.uniform(0.5, 1.5))
            nb = Notebook(r, v45=r.random() < 0.7)
            text = nb.build(target, mine)
            self.write(f"notebooks/{r.randint(1, 40):02d}_{word(r)}_{word(r)}.ipynb", text, nb.marks)

        # CSV exports
        csv_items = by.pop("csv", [])
        n_csv = max(1, int(budget * 0.14) // 1_500_000)
        for i in range(n_csv):
            text, marks = csv_file(r, int(budget * 0.14 / n_csv), csv_items[i::n_csv])
            self.write(f"data/{word(r)}_{word(r)}.csv", text, marks)

        # lockfiles
        lock_items = by.pop("lockfile", [])
        kinds = r.sample(["package-lock", "yarn", "poetry"], r.randint(1, 3))
        for i, k in enumerate(kinds):
            mine = lock_items[i::len(kinds)]
            tgt = int(budget * 0.12 / len(kinds))
            if k == "package-lock":
                text, marks = package_lock(r, tgt, mine)
                self.write("web/package-lock.json", text, marks)
            elif k == "yarn":
                text, marks = yarn_lock(r, tgt, mine)
                self.write("frontend/yarn.lock", text, marks)
            else:
                text, marks = poetry_lock(r, tgt, mine)
                self.write("poetry.lock", text, marks)
        text, marks = requirements(r)
        self.write("requirements.txt", text, marks)

        # minified bundle
        text, marks = min_bundle(r, int(budget * 0.09), by.pop("minjs", []))
        self.write("web/dist/app.min.js", text, marks)

        # code: ~12% of the budget over many small files
        code_budget = int(budget * 0.12)
        styles = ["py", "py", "py", "js", "yaml", "tf", "sh"]
        per_style = {s: by.pop(s, []) for s in ("py", "js", "yaml", "tf", "sh")}
        spent = 0
        while spent < code_budget or any(per_style.values()):
            style = r.choice(styles)
            if spent >= code_budget:
                style = next(s for s, v in per_style.items() if v)
            take = per_style[style][:r.randint(1, 2)]
            del per_style[style][:len(take)]
            tgt = int(r.lognormvariate(8.3, 0.8))
            self.code_file(style, take, tgt)
            spent += tgt

        # markdown
        md_items = by.pop("md", [])
        n_md = r.randint(1, 3)
        for i in range(n_md):
            self.md_file(md_items[i::n_md], int(budget * 0.01 * r.uniform(0.5, 1.5)))

        # env files
        env_items = by.pop("env", [])
        self.env_example()
        if env_items or r.random() < 0.5:
            self.env_file(env_items)

        # key files, credential files, dotfiles
        for it in by.pop("pem-file", []):
            s = it["secrets"][0]
            name = {"rsa-private-key": "keys/server.key", "ec-private-key": "certs/signing-ec.pem",
                    "openssh-private-key": "deploy/id_ed25519", "pgp-private-key": "keys/release-signing.asc"}[s["kind"]]
            self.write(name, s["value"], [smark(s, "pem-file")])
        for it in by.pop("sa-json-file", []):
            s = it["secrets"][0]
            text = json.dumps(s["sa"], indent=2) + "\n"
            nlines = text.count("\n")
            k = text[:text.find('"private_key":')].count("\n")
            self.write(f"credentials/{s['sa']['project_id']}-{rs(r, HEX, 12)}.json", text,
                       [smark(s, "sa-json-file", before=k, after=nlines - 1 - k)])
        for it in by.pop("kaggle-json", []):
            s = it["secrets"][0]
            self.write("kaggle.json", json.dumps({"username": user(r), "key": s["value"]}) + "\n", [smark(s, "kaggle-json")])
        for k in ("netrc", "pypirc", "npmrc"):
            got = by.pop(k, [])
            if got:
                self.dotfiles(k, got)
        assert not by, f"unplaced items: {list(by)}"
        # certificates and public keys that are not secrets
        if r.random() < 0.3:
            cert = pem("CERTIFICATE", b"\x30\x82\x03\x0d\x30\x82\x01\xf5\xa0\x03\x02\x01\x02" + r.randbytes(760))
            self.write("certs/ca.crt", cert, [dmark("certificate", cert.split("\n")[1])])


def gen_project(args) -> dict:
    outdir, idx, seed, budget, items = args
    rng = random.Random(f"nbscrub-scan-corpus:{seed}:{idx}")
    p = Project(outdir, f"p{idx:03d}", rng)
    p.build(budget, items)
    return {"idx": idx, "files": p.files, "bytes": p.bytes, "secrets": p.secrets, "decoys": p.decoys}


def small_file(path: str, seed: int) -> None:
    """A ~2 KB Python settings module with one planted GitHub token, for
    per-file latency measurements (not part of the corpus or the truth)."""
    rng = random.Random(f"nbscrub-scan-small:{seed}")
    lines = ['"""Settings for the reporting service."""', "", "import os", "", f'BASE_URL = "https://api.{domain(rng)}/v2"',
             f"TIMEOUT = {rng.randint(5, 60)}", f'GITHUB_TOKEN = "{checksummed(rng, "ghp_")}"',
             'OPENAI_API_KEY = os.environ["OPENAI_API_KEY"]', f'REQUEST_ID = "{uuid4(rng)}"', ""]
    f = Filler(rng)
    while sum(map(len, lines)) + len(lines) < 1900:
        lines += f.py_function()
    text = "\n".join(lines) + "\n"
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as fh:
        fh.write(text)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--truth", required=True, help="where to write the ground truth JSON")
    ap.add_argument("--size-mb", type=float, default=250, help="approximate corpus size in MB (default 250)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--small-file", help="also write the ~2 KB latency test file here")
    a = ap.parse_args(argv)
    if a.size_mb < 2:
        ap.error("--size-mb must be at least 2")
    if os.path.exists(a.outdir) and os.listdir(a.outdir):
        ap.error(f"{a.outdir} exists and is not empty")
    os.makedirs(a.outdir, exist_ok=True)

    rng = random.Random(f"nbscrub-scan-plan:{a.seed}")
    total = int(a.size_mb * 1e6)
    n_proj = max(2, round(a.size_mb / 2.5))
    n_items = max(len(GROUPS), round(a.size_mb * 2.2))
    plan = make_plan(rng, n_items)
    rng.shuffle(plan)
    per = [[] for _ in range(n_proj)]
    for i, item in enumerate(plan):
        per[i % n_proj].append(item)
    # budgets: ~log-normal spread of project sizes, summing to the total
    w = [rng.lognormvariate(0, 0.5) for _ in range(n_proj)]
    budgets = [int(total * x / sum(w)) for x in w]
    # sizes come out a little above the budget (items and minimum files): aim low
    budgets = [int(b * 0.93) for b in budgets]

    jobs = [(a.outdir, i, a.seed, budgets[i], per[i]) for i in range(n_proj)]
    results = []
    if a.jobs > 1:
        with cf.ProcessPoolExecutor(max_workers=a.jobs) as ex:
            results = list(ex.map(gen_project, jobs, chunksize=1))
    else:
        results = [gen_project(j) for j in jobs]
    results.sort(key=lambda x: x["idx"])

    secrets = [s for res in results for s in res["secrets"]]
    decoys = [d for res in results for d in res["decoys"]]
    nfiles = sum(res["files"] for res in results)
    nbytes = sum(res["bytes"] for res in results)
    truth = {"version": 1, "seed": a.seed, "size_mb": a.size_mb, "files": nfiles, "bytes": nbytes,
             "secrets": secrets, "decoys": decoys}
    with open(a.truth, "w") as fh:
        json.dump(truth, fh, indent=0)
        fh.write("\n")
    if a.small_file:
        small_file(a.small_file, a.seed)
    kinds = len({s["kind"] for s in secrets})
    wheres = len({s["where"] for s in secrets})
    print(f"corpus: {nfiles} files, {nbytes / 1e6:.1f} MB in {n_proj} projects; "
          f"{len(secrets)} planted secrets of {kinds} kinds in {wheres} kinds of place; {len(decoys)} decoy locations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
