//! `nbscrub scan` and `nbscrub rules` end to end: real files, the real binary.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::{error_of, nbscrub, path_rules, stderr, stdout};
use serde_json::Value;

const AWS_ID: &str = "AKIAZ3MSJV4WWNKWW5FG";
const GITHUB: &str = "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";

fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> std::path::PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(&path, content).unwrap();
    path
}

/// Runs `nbscrub scan --format json .` in `dir`: exit code, report, stderr.
fn scan_json(dir: &Path) -> (i32, Value, String) {
    let out = nbscrub()
        .current_dir(dir)
        .args(["scan", "--format", "json", "."])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&out), stderr(&out)));
    (out.status.code().unwrap(), report, stderr(&out))
}

#[test]
fn finds_a_token_in_an_ansi_coloured_notebook_output() {
    let dir = tempfile::tempdir().unwrap();
    let nb = format!(
        r#"{{
 "cells": [
  {{
   "cell_type": "code",
   "execution_count": 1,
   "metadata": {{}},
   "outputs": [
    {{
     "name": "stdout",
     "output_type": "stream",
     "text": [
      "ok\n",
      "token: \u001b[38;5;124m{GITHUB}\u001b[39m\n"
     ]
    }}
   ],
   "source": [
    "print(token)"
   ]
  }}
 ],
 "metadata": {{}},
 "nbformat": 4,
 "nbformat_minor": 4
}}
"#
    );
    write(dir.path(), "nb.ipynb", &nb);
    let (code, report, err) = scan_json(dir.path());
    assert_eq!(code, 1, "{err}");
    let f = &report["findings"][0];
    assert_eq!(report["findings"].as_array().unwrap().len(), 1, "{report}");
    assert_eq!(f["path"], "nb.ipynb");
    assert_eq!(f["rule"], "github-pat-classic");
    assert_eq!(f["line"], 13);
    assert_eq!(f["column"], 31);
    assert_eq!(f["end_line"], 13);
    assert_eq!(f["end_column"], 31 + GITHUB.len());
    assert_eq!(f["cell"], 0);
    assert_eq!(f["output"], 0);
    assert_eq!(f["mime"], Value::Null);
    assert_eq!(f["redacted"], "ghp_…m1IL");
    let line = nb.lines().nth(12).unwrap();
    assert_eq!(line.find(GITHUB), Some(30));

    // The text report names the place and shows only the redacted value.
    let out = nbscrub()
        .current_dir(dir.path())
        .args(["scan", "nb.ipynb"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        "nb.ipynb:13:31: github-pat-classic ghp_…m1IL (secret, high) [cell 0, output 0]\n"
    );
    assert!(!stdout(&out).contains(GITHUB) && !stderr(&out).contains(GITHUB));
}

#[test]
fn skips_and_problems_are_counted_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = format!("aws_access_key_id = {AWS_ID}\n");
    write(d, ".env", &key);
    write(
        d,
        "notes/latin1.txt",
        [b"caf\xe9 ".as_slice(), key.as_bytes()].concat(),
    );
    write(d, "broken.ipynb", format!("{{\"cells\": [ {key}"));
    write(
        d,
        "image.bin",
        [b"\x00\x01PNG".as_slice(), key.as_bytes()].concat(),
    );
    write(d, "package-lock.json", &key);
    write(d, "static/app.min.js", &key);
    write(d, ".gitignore", "ignored/\n");
    write(d, "ignored/secret.txt", &key);
    write(d, ".git/config", &key);
    write(d, "clean.py", "print('nothing here')\n");
    // Sparse: three gigabytes that take no disk.
    let big = fs::File::create(d.join("huge.log")).unwrap();
    big.set_len(3 << 30).unwrap();

    let (code, report, err) = scan_json(d);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        path_rules(&report),
        [
            (".env".to_owned(), "aws-access-key-id".to_owned()),
            ("broken.ipynb".to_owned(), "aws-access-key-id".to_owned()),
            (
                "notes/latin1.txt".to_owned(),
                "aws-access-key-id".to_owned()
            ),
            // Lockfiles and bundles are scanned: a key in them is a leak.
            (
                "package-lock.json".to_owned(),
                "aws-access-key-id".to_owned()
            ),
            (
                "static/app.min.js".to_owned(),
                "aws-access-key-id".to_owned()
            ),
        ]
    );
    let stats = &report["stats"];
    // .env, .gitignore, broken.ipynb, clean.py, latin1.txt,
    // package-lock.json, app.min.js
    assert_eq!(stats["files"], 7, "{stats}");
    assert_eq!(stats["skipped"], 2);
    assert_eq!(stats["skipped_by"]["binary"], 1);
    assert_eq!(stats["skipped_by"]["too_large"], 1);
    assert!(
        err.contains("nbscrub: warning: huge.log: larger than 256 MiB; not scanned"),
        "{err}"
    );
    assert!(
        err.contains("nbscrub: warning: broken.ipynb: not valid notebook JSON"),
        "{err}"
    );
    assert_eq!(report["warnings"].as_array().unwrap().len(), 2);
    assert!(report["errors"].as_array().unwrap().is_empty());
}

#[test]
fn an_unreadable_file_is_an_error_and_the_rest_is_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::set_permissions(d, fs::Permissions::from_mode(0o755)).unwrap();
    let locked = write(d, "locked.txt", "nothing");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    let open = write(d, "open.txt", format!("id = {AWS_ID}\n"));
    fs::set_permissions(&open, fs::Permissions::from_mode(0o644)).unwrap();

    let mut cmd = common::unprivileged();
    let out = cmd
        .current_dir(d)
        .args(["scan", "locked.txt", "open.txt", "missing.txt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("nbscrub: locked.txt: permission denied\n"),
        "{err}"
    );
    assert!(
        err.contains("nbscrub: missing.txt: no such file or directory\n"),
        "{err}"
    );
    assert!(stdout(&out).starts_with("open.txt:1:6: aws-access-key-id AKIA…W5FG"));
}

#[test]
fn exit_codes_and_report_formats() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "clean.md", "# Nothing to see\n");
    let out = nbscrub().current_dir(d).args(["scan"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");

    write(
        d,
        "a.sh",
        format!("export AWS_ACCESS_KEY_ID={AWS_ID}\nexport X={AWS_ID}\n"),
    );
    let report = d.join("report.jsonl");
    let out = nbscrub()
        .current_dir(d)
        .args(["scan", "a.sh", "--format", "jsonl", "--output"])
        .arg(&report)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    let text = fs::read_to_string(&report).unwrap();
    assert!(!text.contains(AWS_ID));
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        (lines[0]["line"].clone(), lines[0]["column"].clone()),
        (1.into(), 26.into())
    );
    assert_eq!(
        (lines[1]["line"].clone(), lines[1]["column"].clone()),
        (2.into(), 10.into())
    );
    // The report is written whole (temp file, rename): nothing else is
    // left beside it, and it keeps the mode of the file it replaces.
    fs::set_permissions(&report, fs::Permissions::from_mode(0o600)).unwrap();
    let again = nbscrub()
        .current_dir(d)
        .args(["scan", "a.sh", "--format", "jsonl", "--output"])
        .arg(&report)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(fs::read_to_string(&report).unwrap(), text);
    let mode = fs::metadata(&report).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let names: Vec<String> = fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}"); // clean.md, a.sh, report.jsonl
    let missing_dir = d.join("no/such/dir/report.json");
    let out = nbscrub()
        .current_dir(d)
        .args(["scan", "a.sh", "--output"])
        .arg(&missing_dir)
        .output()
        .unwrap();
    let err = error_of(&out);
    assert!(
        err.contains(&format!(
            "nbscrub: {}: no such file or directory",
            missing_dir.display()
        )),
        "{err}"
    );
    // Same value twice: different fingerprints, both stable.
    assert_ne!(lines[0]["fingerprint"], lines[1]["fingerprint"]);

    let out = nbscrub()
        .args(["scan", "--min-confidence", "extreme", "."])
        .output()
        .unwrap();
    let err = error_of(&out);
    assert!(
        err.contains("--min-confidence: `extreme` is not one of low, medium, high"),
        "{err}"
    );
}

#[test]
fn built_in_rules_pass_their_own_examples() {
    let out = nbscrub().args(["rules", "--test"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let last = stdout(&out).lines().last().unwrap().to_owned();
    assert!(last.ends_with(", 0 failures"), "{last}");
    let count: usize = last
        .strip_prefix("rules: ")
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(count >= 150, "only {count} rules");
}

#[test]
fn a_rule_whose_example_stops_matching_fails_the_test() {
    let dir = tempfile::tempdir().unwrap();
    let rules = write(
        dir.path(),
        "mine.toml",
        r#"
[[rules]]
id = "acme-token"
description = "Acme API token"
category = "secret"
confidence = "high"
keywords = ["acme_"]
regex = '''\b(acme_[a-z0-9]{32})\b'''
examples = ["ACME=acme_0123456789abcdef0123456789abcdeZ", "ACME=acme_q8w7e6r5t4y3u2i1o0p9a8s7d6f5g4h3"]
negatives = ["acme_short"]
"#,
    );
    let out = nbscrub()
        .arg("rules")
        .arg("--test")
        .arg(&rules)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("FAIL acme-token: example 1 is not found\n"),
        "{text}"
    );
    assert!(!text.contains("example 2"), "{text}");
    // Failures name the example, never print it.
    assert!(!text.contains("0123456789abcdef"), "{text}");

    let bad = write(
        dir.path(),
        "bad.toml",
        "[[rules]]\nid = \"x-y\"\nnope = 1\n",
    );
    let out = nbscrub().arg("rules").arg(&bad).output().unwrap();
    let err = error_of(&out);
    assert!(err.contains("bad.toml") && err.contains("nope"), "{err}");
}

/// A value far from its name: under a dataframe column called `api_key`
/// (the name is in `<thead>`, many lines up), and as the value of a JSON
/// output's `wandb_api_key` member.
#[test]
fn dataframe_columns_and_json_outputs_give_a_value_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let key = "Zq8rT2vLp9wX4mQ7hB3n";
    let wandb = "c25f0e1a9b8d7c6f5e4d3c2b1a0f9e8d7c6b5a41";
    let nb = format!(
        r#"{{
 "cells": [
  {{
   "cell_type": "code",
   "execution_count": 1,
   "metadata": {{}},
   "outputs": [
    {{
     "data": {{
      "text/html": [
       "<table border=\"1\" class=\"dataframe\">\n",
       "  <thead>\n",
       "    <tr style=\"text-align: right;\">\n",
       "      <th></th>\n",
       "      <th>user</th>\n",
       "      <th>api_key</th>\n",
       "    </tr>\n",
       "  </thead>\n",
       "  <tbody>\n",
       "    <tr>\n",
       "      <th>0</th>\n",
       "      <td>alice</td>\n",
       "      <td>{key}</td>\n",
       "    </tr>\n",
       "  </tbody>\n",
       "</table>"
      ]
     }},
     "execution_count": 1,
     "metadata": {{}},
     "output_type": "execute_result"
    }},
    {{
     "data": {{
      "application/json": {{
       "project": "churn",
       "wandb_api_key": "{wandb}"
      }}
     }},
     "metadata": {{}},
     "output_type": "display_data"
    }}
   ],
   "source": []
  }}
 ],
 "metadata": {{}},
 "nbformat": 4,
 "nbformat_minor": 4
}}
"#
    );
    write(dir.path(), "df.ipynb", &nb);
    let (code, report, err) = scan_json(dir.path());
    assert_eq!(code, 1, "{err}");
    let got: Vec<(u64, u64, String, u64, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["rule"].as_str().unwrap().to_owned(),
                f["output"].as_u64().unwrap(),
                f["mime"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                23,
                19,
                "generic-api-key".to_owned(),
                0,
                "text/html".to_owned()
            ),
            (
                37,
                26,
                "wandb-api-key".to_owned(),
                1,
                "application/json".to_owned()
            ),
        ]
    );
    assert_eq!(nb.lines().nth(22).unwrap().find(key), Some(18));
    assert_eq!(nb.lines().nth(36).unwrap().find(wandb), Some(25));
}
