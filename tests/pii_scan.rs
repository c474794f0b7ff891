//! Personal and health data: the traps that fool simpler detectors, data
//! with nothing personal in it, published sample values, notebooks, and a
//! commit of patient data blocked by the hook.

mod common;

use std::path::Path;
use std::process::Command;

use common::{git, nbscrub, repo_root, scan_json, stderr, write};
use serde_json::Value;

fn scan(dir: &Path, extra: &[&str]) -> (i32, Value) {
    let (code, report, _) = scan_json(dir, extra);
    (code, report)
}

/// `(path, rule, confidence, field, rows)` of a finding.
type Found = (String, String, String, Option<String>, Option<u64>);

/// Every finding, sorted.
fn found(report: &Value) -> Vec<Found> {
    let mut all: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["rule"].as_str().unwrap().to_owned(),
                f["confidence"].as_str().unwrap().to_owned(),
                f["field"].as_str().map(str::to_owned),
                f["rows"].as_u64(),
            )
        })
        .collect();
    all.sort();
    all
}

#[test]
fn traps_are_not_personal_data() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "traps.py",
        concat!(
            // The fraction digits of a float pass Luhn with a Visa prefix.
            "ratio = 0.4556737586899855\n",
            // Epoch milliseconds, thirteen digits.
            "created_ms = 1699999999999\n",
            // Area 9xx is never an SSN; 666 neither.
            "x = '987-65-4329'\ny = '666-12-3456'\n",
            // An SSH remote is not an e-mail address.
            "remote = 'git@github.com:acme/analytics.git'\n",
            // Reserved example domains.
            "contact = 'jane@example.com'\n",
            // A page id that passes mod 11, without the word NHS.
            "page_id = 4010232137\n",
            // A version string is not an address.
            "__version__ = '1.2.3.4'\n",
            "logo = 'icon@2x.png'\n",
        ),
    );
    // A notebook: a base64 image that happens to hold digits, and an
    // e-mail address JSON-escaped in an output.
    let png =
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk4556050123AAAABJRU5ErkJggg==";
    write(
        d,
        "escaped.ipynb",
        format!(
            r#"{{"cells": [{{"cell_type": "code", "execution_count": 1, "id": "a", "metadata": {{}}, "outputs": [{{"data": {{"image/png": "{png}", "text/plain": ["<Figure>"]}}, "metadata": {{}}, "output_type": "display_data"}}, {{"name": "stdout", "output_type": "stream", "text": ["patient: \u006aane.doe@gmail.com\n"]}}], "source": ["show()"]}}], "metadata": {{}}, "nbformat": 4, "nbformat_minor": 5}}
"#
        ),
    );
    let (code, report) = scan(d, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&report),
        [(
            "escaped.ipynb".into(),
            "email".into(),
            "high".into(),
            None,
            None
        )]
    );
    let f = &report["findings"][0];
    assert_eq!(
        (f["cell"].as_u64(), f["output"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(f["redacted"], "j***@gmail.com");
}

#[test]
fn published_samples_are_low_confidence_only() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "README.md",
        "Test with SSN 078-05-1120 and card 4111 1111 1111 1111, NPI: 1234567893.\n",
    );
    let (code, report) = scan(d, &[]);
    assert_eq!((code, found(&report)), (0, vec![]));
    let (code, report) = scan(d, &["--min-confidence", "low"]);
    assert_eq!(code, 1);
    let rules: Vec<(String, String)> = found(&report).into_iter().map(|f| (f.1, f.2)).collect();
    assert_eq!(
        rules,
        [
            ("credit-card".into(), "low".into()),
            ("npi".into(), "low".into()),
            ("us-ssn".into(), "low".into()),
        ]
    );
}

/// Public data with nothing personal in it (flights, weather, stocks,
/// census aggregates, hospital addresses): not one PII or PHI finding.
#[test]
fn ordinary_datasets_hold_no_personal_data() {
    let negative = repo_root().join("../shared/corpus/real-datasets/data/negative");
    if !negative.is_dir() {
        panic!(
            "{} is missing: CI runs with ../shared beside the checkout",
            negative.display()
        );
    }
    let (code, report) = scan(&negative, &[]);
    assert_eq!((code, found(&report)), (0, vec![]));
}

/// Synthea's patients: the identifying columns, each once, counted; the
/// SSN column holds Synthea's 999- fakes and is not reported.
#[test]
fn a_synthetic_patients_table_is_classified_by_column() {
    let dir = repo_root().join("../shared/corpus/real-datasets/data/synthea/ohdsi-dbt-synthea");
    let out = nbscrub()
        .current_dir(&dir)
        .args(["scan", "--format", "json", "patients.csv"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let got: Vec<(String, Option<String>, Option<u64>)> = found(&report)
        .into_iter()
        .map(|f| (f.1, f.3, f.4))
        .collect();
    let want: Vec<(String, Option<String>, Option<u64>)> = [
        ("date-of-birth", "BIRTHDATE", 27),
        ("person-name", "FIRST", 27),
        ("person-name", "LAST", 27),
        ("person-name", "MAIDEN", 6),
        ("street-address", "ADDRESS", 27),
        ("us-drivers-license", "DRIVERS", 19),
        ("us-passport", "PASSPORT", 19),
        ("zip-code", "ZIP", 15),
    ]
    .into_iter()
    .map(|(r, f, n)| (r.to_owned(), Some(f.to_owned()), Some(n)))
    .collect();
    let mut want = want;
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn a_commit_of_patient_data_is_blocked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    git(d, &["config", "user.email", "t@t"]);
    git(d, &["config", "user.name", "t"]);
    nbscrub().current_dir(d).arg("install").assert().success();
    let mut csv = String::from("patient_id,first_name,dob,diagnosis\n");
    for (i, name) in ["Ada", "Grace", "Alan", "Edsger"].iter().enumerate() {
        csv.push_str(&format!(
            "MRN{:06},{name},19{}0-0{}-1{},E11.9\n",
            4821 + i,
            5 + i,
            i + 1,
            i
        ));
    }
    std::fs::create_dir(d.join("data")).unwrap();
    write(d, "data/patients.csv", &csv);
    git(d, &["add", "data/patients.csv"]);
    let out = Command::new("git")
        .current_dir(d)
        .args(["commit", "-qm", "add data"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "the commit went through");
    let err = stderr(&out);
    assert!(err.contains("data/patients.csv"), "{err}");
    assert!(err.contains("phi-record"), "{err}");
    // Nothing personal is printed: names and dates stay masked.
    for name in ["Grace", "Edsger", "1950-05-10"] {
        assert!(!err.contains(name), "{name} printed: {err}");
    }
    let log = Command::new("git")
        .current_dir(d)
        .args(["rev-list", "--all"])
        .output()
        .unwrap();
    assert!(log.stdout.is_empty(), "a commit was made");
}
