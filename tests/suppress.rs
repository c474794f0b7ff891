//! Acknowledging findings: `nbscrub: allow` on a line, a notebook cell's
//! tag or metadata, and baselines that keep old findings quiet without
//! hiding new ones or recording anything a value could be recovered from.

mod common;

use std::path::Path;
use std::process::Command;

use common::{error_in, nbscrub, scan_json, stderr, write};
use serde_json::Value;

const AWS_ID: &str = "AKIAZ3MSJV4WWNKWW5FG";
const GH_TOKEN: &str = "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";
const SSN: &str = "536-90-4399";

fn scan(dir: &Path, extra: &[&str]) -> (i32, Value, String) {
    scan_json(dir, extra)
}

fn rules(report: &Value) -> Vec<(String, u64, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
                f["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_line_or_a_cell_can_acknowledge_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "keys.py",
        format!(
            "a = '{AWS_ID}'  # nbscrub: allow\nb = '{AWS_ID}'  # nbscrub: allow(email)\nc = 'jane.doe@gmail.com'  # nbscrub: allow(email, us-ssn)\n"
        ),
    );
    let cell = |metadata: &str, source: &str| {
        format!(
            r#"{{"cell_type": "code", "execution_count": null, "id": "x", "metadata": {metadata}, "outputs": [], "source": ["{source}"]}}"#
        )
    };
    let cells = [
        cell(r#"{"tags": ["nbscrub-allow"]}"#, &format!("k = '{AWS_ID}'")),
        cell(
            r#"{"nbscrub": {"allow": ["email"]}}"#,
            &format!("m = 'jane.doe@gmail.com'; k = '{AWS_ID}'"),
        ),
        cell("{}", "m = 'jane.doe@gmail.com'"),
    ];
    write(
        d,
        "cells.ipynb",
        format!(
            r#"{{"cells": [{}], "metadata": {{}}, "nbformat": 4, "nbformat_minor": 5}}
"#,
            cells.join(", ")
        ),
    );
    let (code, report, err) = scan(d, &[]);
    assert_eq!(code, 1, "{err}");
    let found = rules(&report);
    assert_eq!(
        found,
        [
            ("cells.ipynb".to_owned(), 1, "aws-access-key-id".to_owned()),
            ("cells.ipynb".to_owned(), 1, "email".to_owned()),
            ("keys.py".to_owned(), 2, "aws-access-key-id".to_owned()),
        ],
        "{report}"
    );
    let cells: Vec<u64> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["cell"].as_u64())
        .collect();
    assert_eq!(cells, [1, 2]);
}

fn sha256(text: &str) -> String {
    let mut child = Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_owned()
}

#[test]
fn a_baseline_hides_old_findings_only() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "config.py", format!("AWS_KEY = '{AWS_ID}'\n"));
    write(d, "patients.md", format!("Patient SSN: {SSN}\n"));

    // Writing a baseline acknowledges every finding.
    let (code, report, err) = scan(d, &["--write-baseline", "../baseline.json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(rules(&report), []);
    assert!(err.contains("2 finding(s) recorded"), "{err}");
    let baseline = d.parent().unwrap().join("baseline.json");
    let first = std::fs::read(&baseline).unwrap();
    let text = String::from_utf8(first.clone()).unwrap();

    // Nothing in it leads back to a value: no value, no SHA-256 of one.
    for secret in [AWS_ID, SSN, "4399", "W5FG"] {
        assert!(!text.contains(secret), "{secret} in the baseline");
        assert!(
            !text.contains(&sha256(secret)),
            "sha256({secret}) in the baseline"
        );
    }

    // Rescanning with it: silent. Writing it again: the same bytes.
    let (code, report, _) = scan(d, &["--baseline", "../baseline.json"]);
    assert_eq!((code, rules(&report)), (0, vec![]));
    scan(d, &["--write-baseline", "../baseline.json"]);
    assert_eq!(std::fs::read(&baseline).unwrap(), first);

    // Lines moved: still silent.
    write(
        d,
        "config.py",
        format!("import os\n\n# keys\nAWS_KEY = '{AWS_ID}'\n"),
    );
    write(d, "patients.md", format!("# Notes\n\nPatient SSN: {SSN}\n"));
    let (code, report, _) = scan(d, &["--baseline", "../baseline.json"]);
    assert_eq!((code, rules(&report)), (0, vec![]));

    // A new secret: only it is reported.
    write(
        d,
        "config.py",
        format!("import os\n\n# keys\nAWS_KEY = '{AWS_ID}'\nGH = '{GH_TOKEN}'\n"),
    );
    let (code, report, _) = scan(d, &["--baseline", "../baseline.json"]);
    assert_eq!(code, 1);
    assert_eq!(
        rules(&report),
        [("config.py".to_owned(), 5, "github-pat-classic".to_owned())]
    );

    // No format prints a value or its SHA-256.
    for format in ["text", "json", "jsonl", "sarif", "junit", "tags"] {
        let out = nbscrub()
            .current_dir(d)
            .args(["scan", "--format", format, "."])
            .output()
            .unwrap();
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
        for secret in [AWS_ID, GH_TOKEN, SSN] {
            assert!(!all.contains(secret), "{format} prints a value");
            assert!(!all.contains(&sha256(secret)), "{format} prints a SHA-256");
        }
    }
}

#[test]
fn a_bad_baseline_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "baseline.json", "{\"findings\": 3}");
    let err = error_in(d, &["scan", "--baseline", "baseline.json", "."]);
    assert!(
        err.contains("baseline.json: not an nbscrub baseline"),
        "{err}"
    );
}
