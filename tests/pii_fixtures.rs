//! The planted patient, customer, provider and filler datasets and the
//! notebooks printing dataframes (`fixtures/pii`, made by
//! `fixtures/make_pii_fixtures.py`): every column finding exactly as the
//! answer key says (file, column, rule, rows, first line), every dataframe
//! value counted, and no planted value printed in any report format.

mod common;

use std::collections::BTreeMap;

use common::{fixtures, nbscrub, stderr};
use serde_json::Value;

fn scan(format: &str) -> (i32, String) {
    let out = nbscrub()
        .current_dir(fixtures().join("pii"))
        .args(["scan", "--format", format, "."])
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout.clone()).unwrap_or_else(|_| panic!("{}", stderr(&out))),
    )
}

type Column = (String, String, String, u64, u64);
type Values = BTreeMap<(String, String, u64, Option<u64>, Option<String>), u64>;

#[test]
fn every_planted_column_is_found_exactly_and_nothing_else() {
    let key: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("pii-expected.json")).unwrap(),
    )
    .unwrap();
    let (code, out) = scan("json");
    assert_eq!(code, 1);
    let report: Value = serde_json::from_str(&out).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert!(findings.iter().all(|f| f["category"] != "secret"), "{out}");

    // Datasets: one finding per file, column and rule.
    let column = |f: &Value| -> Column {
        (
            f["path"].as_str().unwrap().to_owned(),
            f["rule"].as_str().unwrap().to_owned(),
            f["field"].as_str().unwrap().to_owned(),
            f["rows"].as_u64().unwrap(),
            f["line"].as_u64().unwrap(),
        )
    };
    let notebook = |f: &Value| f["path"].as_str().unwrap().ends_with(".ipynb");
    let mut got: Vec<Column> = findings
        .iter()
        .filter(|f| !notebook(f))
        .map(column)
        .collect();
    let mut want: Vec<Column> = key
        .iter()
        .filter(|k| k.get("count").is_none())
        .map(column)
        .collect();
    got.sort();
    want.sort();
    let missing: Vec<_> = want.iter().filter(|w| !got.contains(w)).collect();
    let extra: Vec<_> = got.iter().filter(|g| !want.contains(g)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing: {missing:#?}\nunexpected: {extra:#?}"
    );

    // Notebooks: each value of a dataframe column, counted by place.
    let place = |f: &Value| {
        (
            f["path"].as_str().unwrap().to_owned(),
            f["rule"].as_str().unwrap().to_owned(),
            f["cell"].as_u64().unwrap(),
            f["output"].as_u64(),
            f["field"].as_str().map(str::to_owned),
        )
    };
    let mut got: Values = BTreeMap::new();
    for f in findings.iter().filter(|f| notebook(f)) {
        *got.entry(place(f)).or_default() += 1;
    }
    let want: Values = key
        .iter()
        .filter(|k| k.get("count").is_some())
        .map(|k| (place(k), k["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(got, want);
    // The file with only measurements and a plot has nothing.
    assert!(findings.iter().all(|f| f["path"] != "clean_outputs.ipynb"));
}

/// E-mail addresses, SSNs, IBANs and phone numbers as written in the
/// fixtures: none may appear in any report.
fn planted() -> Vec<String> {
    let shapes = regex::Regex::new(
        r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[a-z]{2,}|\b\d{3}-\d{2}-\d{4}\b|\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}\b|\(\d{3}\) \d{3}-\d{4}|\b\d{3}\.\d{3}\.\d{4}\b",
    )
    .unwrap();
    let mut values = Vec::new();
    for entry in std::fs::read_dir(fixtures().join("pii")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        values.extend(shapes.find_iter(&text).map(|m| m.as_str().to_owned()));
    }
    values.sort();
    values.dedup();
    values
}

#[test]
fn no_planted_value_is_printed_in_any_format() {
    let values = planted();
    assert!(
        values.len() > 500,
        "only {} planted values found",
        values.len()
    );
    for format in ["text", "json", "jsonl", "sarif", "junit", "tags"] {
        let (code, out) = scan(format);
        assert_eq!(code, 1, "{format}");
        for v in &values {
            assert!(!out.contains(v.as_str()), "{format} prints a planted value");
        }
    }
}
