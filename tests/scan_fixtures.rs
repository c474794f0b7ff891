//! The planted-secret fixture repository (`fixtures/scan`, made by
//! `fixtures/make_scan_fixtures.py`): every planted secret is found at its
//! exact place, nothing else is, and no planted value is ever printed.

mod common;

use common::{fixtures, nbscrub, stderr, stdout};
use serde_json::Value;

type Place = (String, u64, u64, u64, u64, String, Value, Value, Value);

fn place(f: &Value) -> Place {
    (
        f["path"].as_str().unwrap().to_owned(),
        f["line"].as_u64().unwrap(),
        f["column"].as_u64().unwrap(),
        f["end_line"].as_u64().unwrap(),
        f["end_column"].as_u64().unwrap(),
        f["rule"].as_str().unwrap().to_owned(),
        f["cell"].clone(),
        f["output"].clone(),
        f["mime"].clone(),
    )
}

fn expected() -> Vec<Value> {
    let text = std::fs::read_to_string(fixtures().join("scan-expected.json")).unwrap();
    serde_json::from_str::<Vec<Value>>(&text).unwrap()
}

#[test]
fn every_planted_secret_is_found_exactly_and_nothing_else() {
    let out = nbscrub()
        .current_dir(fixtures().join("scan"))
        .args(["scan", "--format", "json", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut got: Vec<Place> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(place)
        .collect();
    let mut want: Vec<Place> = expected().iter().map(place).collect();
    got.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    want.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    let missing: Vec<_> = want.iter().filter(|w| !got.contains(w)).collect();
    let extra: Vec<_> = got.iter().filter(|g| !want.contains(g)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing: {missing:#?}\nunexpected: {extra:#?}"
    );
    // Every file but the gitignored one is scanned, the lockfiles and the
    // minified bundle included, and their hashes raise no alarm.
    assert_eq!(report["stats"]["files"], 12);
    assert_eq!(report["stats"]["skipped"], 0);
}

#[test]
fn no_planted_value_is_ever_printed() {
    let values: Vec<String> = expected()
        .iter()
        .map(|e| {
            // A private key's armour lines (`-----BEGIN RSA PRIVATE KEY-----`)
            // are shown on purpose; its body never is.
            let value = e["value"].as_str().unwrap();
            // Fixed prefixes that every such token shares are public (rule
            // descriptions name them); the rest of the value is not.
            let value = ["sk-ant-api03-", "https://hooks.slack.com/services/"]
                .iter()
                .find_map(|p| value.strip_prefix(p))
                .unwrap_or(value);
            value
                .split("-----")
                .filter(|part| !part.starts_with("BEGIN ") && !part.starts_with("END "))
                .collect()
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    for format in ["text", "json", "jsonl", "sarif", "junit", "tags"] {
        let report = dir.path().join(format!("report.{format}"));
        for to_file in [false, true] {
            let mut cmd = nbscrub();
            cmd.current_dir(fixtures().join("scan"))
                .args(["scan", "--format", format, "."]);
            if to_file {
                cmd.arg("--output").arg(&report);
            }
            let out = cmd.output().unwrap();
            assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
            let mut printed = stdout(&out) + &stderr(&out);
            if to_file {
                printed += &std::fs::read_to_string(&report).unwrap();
            }
            // Tags name rules, not values.
            if format != "tags" {
                assert!(printed.contains("…"), "{format}: no redacted value shown");
            }
            for v in &values {
                // Any 12 consecutive characters of a value would be too much.
                let chars: Vec<char> = v.chars().collect();
                for w in chars.windows(12.min(chars.len())) {
                    let piece: String = w.iter().collect();
                    assert!(
                        !printed.contains(&piece),
                        "{format}: part of a planted value was printed"
                    );
                }
            }
        }
    }
}
