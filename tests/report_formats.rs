//! SARIF, JUnit and S3 tags reports from real scans.

mod common;

use std::fs;
use std::path::Path;

use common::{fixtures, nbscrub, stderr, stdout};
use serde_json::Value;

const AWS_ID: &str = "AKIAZ3MSJV4WWNKWW5FG";

fn scan(dir: &Path, format: &str) -> String {
    let out = nbscrub()
        .current_dir(dir)
        .args(["scan", "--format", format, "."])
        .output()
        .unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn sarif_has_what_code_scanning_needs_and_fingerprints_survive_moved_lines() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let body = format!("a = 1\nkey = \"{AWS_ID}\"\n");
    fs::write(d.join("my app.py"), &body).unwrap();
    let sarif: Value = serde_json::from_str(&scan(d, "sarif")).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "nbscrub");
    assert!(driver["semanticVersion"].is_string() && driver["informationUri"].is_string());
    assert_eq!(driver["rules"].as_array().unwrap().len(), 1);
    assert_eq!(driver["rules"][0]["id"], "aws-access-key-id");
    assert!(driver["rules"][0]["help"]["text"].is_string());
    let root = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        root.starts_with("file:///") && root.ends_with('/'),
        "{root}"
    );
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "aws-access-key-id");
    assert_eq!(result["ruleIndex"], 0);
    assert_eq!(result["level"], "error");
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "my%20app.py");
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(location["region"]["startLine"], 2);
    assert_eq!(location["region"]["startColumn"], 8);
    assert!(
        result["message"]["text"]
            .as_str()
            .unwrap()
            .contains("AKIA…W5FG")
    );
    let fingerprint = result["partialFingerprints"]["nbscrub/v1"].clone();
    assert!(fingerprint.is_string());

    // Lines inserted above: same fingerprint, new line.
    fs::write(
        d.join("my app.py"),
        format!("# one\n# two\n# three\n{body}"),
    )
    .unwrap();
    let moved: Value = serde_json::from_str(&scan(d, "sarif")).unwrap();
    let result = &moved["runs"][0]["results"][0];
    assert_eq!(result["partialFingerprints"]["nbscrub/v1"], fingerprint);
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        5
    );
}

#[test]
fn junit_parses_with_a_test_case_per_file_and_a_failure_per_finding() {
    let xml = scan(&fixtures().join("scan"), "junit");
    let check = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, xml.dom.minidom as m; d = m.parseString(sys.stdin.read()); \
             print(len(d.getElementsByTagName('testcase')), len(d.getElementsByTagName('failure')))",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(xml.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    // 12 files scanned in the fixture repository, 17 planted secrets.
    assert_eq!(String::from_utf8_lossy(&check.stdout), "12 17\n");
}

#[test]
fn tags_classify_each_file_by_its_most_sensitive_finding() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("clean.txt"), "nothing\n").unwrap();
    fs::write(d.join("leak.py"), format!("key = \"{AWS_ID}\"\n")).unwrap();
    // A secret and an e-mail address: PII is the more sensitive.
    fs::write(
        d.join("contacts.py"),
        format!("key = \"{AWS_ID}\"\nowner = \"jane.doe@gmail.com\"\n"),
    )
    .unwrap();
    // Patients with their diagnoses: PHI, over everything else.
    fs::write(
        d.join("visits.csv"),
        format!("patient_id,email,diagnosis,note\nMRN004821,ada.l@gmail.com,E11.9,key {AWS_ID}\nMRN004822,alan.t@outlook.com,I10,\n"),
    )
    .unwrap();
    let lines: Vec<Value> = scan(d, "tags")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines,
        [
            serde_json::json!({"path": "clean.txt", "TagSet": [{"Key": "Classification", "Value": "CLEAN"}]}),
            serde_json::json!({"path": "contacts.py", "TagSet": [
                {"Key": "Classification", "Value": "PII"},
                {"Key": "nbscrub-rules", "Value": "aws-access-key-id email"}]}),
            serde_json::json!({"path": "leak.py", "TagSet": [
                {"Key": "Classification", "Value": "SECRET"},
                {"Key": "nbscrub-rules", "Value": "aws-access-key-id"}]}),
            serde_json::json!({"path": "visits.csv", "TagSet": [
                {"Key": "Classification", "Value": "PHI"},
                {"Key": "nbscrub-rules", "Value": "aws-access-key-id email icd10-code medical-record-number phi-record"}]}),
        ]
    );
}
