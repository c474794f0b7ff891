//! SARIF reports checked against the official SARIF 2.1.0 JSON schema
//! (OASIS, `sarif-spec/Schemata/sarif-schema-2.1.0.json`).
//!
//! The schema is not copied into this repository: it comes from the
//! `serde-sarif` crate, a dev-dependency that ships the OASIS file
//! unchanged, so the copy is pinned by `Cargo.lock`'s checksum and arrives
//! with `cargo test` like any other test dependency. Microsoft's multitool
//! (GitHub's rules) runs in `scripts/sarif-validate.sh`.

mod common;

use std::path::{Path, PathBuf};

use common::{fixtures, git, nbscrub, repo_root, stderr};
use serde_json::Value;

/// The schema file inside the `serde-sarif` package that Cargo unpacked:
/// the version `Cargo.lock` pins, in Cargo's registry sources.
fn official_schema() -> Value {
    let lock = std::fs::read_to_string(repo_root().join("Cargo.lock")).unwrap();
    let version = lock
        .split("\n[[package]]\n")
        .find(|p| p.starts_with("name = \"serde-sarif\"\n"))
        .and_then(|p| p.lines().nth(1)?.strip_prefix("version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .expect("serde-sarif in Cargo.lock");
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cargo"));
    let path = std::fs::read_dir(cargo_home.join("registry/src"))
        .unwrap()
        .map(|index| {
            index
                .unwrap()
                .path()
                .join(format!("serde-sarif-{version}/src/schema.json"))
        })
        .find(|p| p.is_file())
        .expect("serde-sarif unpacked by cargo");
    let schema: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    // The OASIS schema itself, not some other file of that name.
    assert_eq!(
        schema["$id"],
        "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json"
    );
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    schema
}

fn sarif_of(dir: &Path, args: &[&str]) -> Value {
    let out = nbscrub()
        .current_dir(dir)
        .args(["scan", "--format", "sarif"])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Replaces every `pattern` that is `from`; returns how many.
fn escape_pattern(schema: &mut Value, from: &str, to: &str) -> usize {
    match schema {
        Value::Object(map) => map
            .iter_mut()
            .map(|(key, value)| {
                if key == "pattern" && value == from {
                    *value = to.into();
                    1
                } else {
                    escape_pattern(value, from, to)
                }
            })
            .sum(),
        Value::Array(items) => items.iter_mut().map(|v| escape_pattern(v, from, to)).sum(),
        _ => 0,
    }
}

/// Every schema error, as `path: message`.
fn errors(validator: &jsonschema::Validator, sarif: &Value) -> Vec<String> {
    validator
        .iter_errors(sarif)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn reports_validate_against_the_official_schema() {
    // The schema's pattern for a language tag (in `run` and
    // `toolComponent`) has a stray `]`, which ECMAScript reads as a literal
    // and Rust's regex refuses, so compiling fails the meta-schema's
    // `format: regex`. It is escaped here, which is what it means in
    // ECMAScript; nbscrub writes no language tag.
    let mut schema = official_schema();
    let fixed = escape_pattern(
        &mut schema,
        "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$",
        r"^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\]?$",
    );
    assert_eq!(fixed, 2);
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles");

    // Files of every kind: notebooks, datasets, plain files; secrets and
    // personal data; and a history scan with commits.
    let history = tempfile::tempdir().unwrap();
    let h = history.path();
    git(h, &["init", "-q", "-b", "main"]);
    std::fs::copy(fixtures().join("scan/.env"), h.join("env.txt")).unwrap();
    git(h, &["add", "."]);
    git(h, &["commit", "-qm", "one"]);
    let reports: Vec<(PathBuf, Value)> = vec![
        (
            fixtures().join("scan"),
            sarif_of(&fixtures().join("scan"), &["."]),
        ),
        (
            fixtures().join("pii"),
            sarif_of(&fixtures().join("pii"), &["."]),
        ),
        (h.to_path_buf(), sarif_of(h, &["--git-history"])),
    ];
    for (dir, sarif) in &reports {
        let results = sarif["runs"][0]["results"].as_array().unwrap();
        assert!(!results.is_empty(), "{}: no results", dir.display());
        let found = errors(&validator, sarif);
        assert!(found.is_empty(), "{}:\n{}", dir.display(), found.join("\n"));
    }

    // The validator does reject what the schema forbids.
    let mut broken = reports[0].1.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    broken["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    broken["runs"][0]["tool"]["driver"]["nickname"] = "x".into();
    let mut paths: Vec<String> = validator
        .iter_errors(&broken)
        .map(|e| e.instance_path().to_string())
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/runs/0/results/0/level",
            "/runs/0/results/1/locations/0/physicalLocation/region/startLine",
            "/runs/0/tool/driver",
        ]
    );
}
