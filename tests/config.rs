//! Configuration files: found beside and above each file, the closest
//! deciding, flags deciding over files; every section; custom rules checked
//! when loaded; unknown keys refused with the key and the file named.

mod common;

use std::path::Path;

use common::{
    error_in, executed_notebook, git, nbscrub, path_rules, scan_json, stderr, stdout, write,
};
use serde_json::Value;

const AWS_ID: &str = "AKIAZ3MSJV4WWNKWW5FG";
const TOKEN: &str = "acme_q7x2m9k4v8p3r6t1w5z0c2b8";

fn scan(dir: &Path, extra: &[&str]) -> (i32, Vec<(String, String)>, String) {
    let (code, report, err) = scan_json(dir, extra);
    let mut found = path_rules(&report);
    found.sort();
    (code, found, err)
}

fn pair(path: &str, rule: &str) -> (String, String) {
    (path.to_owned(), rule.to_owned())
}

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    dir
}

#[test]
fn the_closest_file_decides_and_flags_decide_over_files() {
    let dir = repo();
    let d = dir.path();
    write(
        d,
        "nbscrub.toml",
        "[scan]\ndisable = [\"email\"]\nmin-confidence = \"high\"\n",
    );
    write(
        d,
        "sub/pyproject.toml",
        "[project]\nname = \"x\"\n\n[tool.nbscrub.scan]\nenable = [\"email\"]\nmin-confidence = \"medium\"\n",
    );
    let text =
        format!("key = '{AWS_ID}'\ncontact = 'jane.doe@gmail.com'\nip address 81.2.69.160\n");
    write(d, "top.py", &text);
    write(d, "sub/low.py", &text);
    let (code, found, err) = scan(d, &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        found,
        [
            pair("sub/low.py", "aws-access-key-id"),
            pair("sub/low.py", "email"),
            pair("sub/low.py", "ipv4"),
            pair("top.py", "aws-access-key-id"),
        ]
    );
    // --min-confidence decides over both files.
    let (_, found, _) = scan(d, &["--min-confidence", "high"]);
    assert_eq!(
        found,
        [
            pair("sub/low.py", "aws-access-key-id"),
            pair("sub/low.py", "email"),
            pair("top.py", "aws-access-key-id"),
        ]
    );

    let out = nbscrub()
        .current_dir(d)
        .args(["config", "sub"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let shown = stdout(&out);
    assert!(
        shown.contains("nbscrub.toml") && shown.contains("sub/pyproject.toml"),
        "{shown}"
    );
    assert!(shown.contains("min-confidence = \"medium\""), "{shown}");
    assert!(shown.contains("disable = []"), "{shown}");
}

#[test]
fn scan_settings_allow_paths_and_values_and_choose_what_fails() {
    let dir = repo();
    let d = dir.path();
    write(
        d,
        ".nbscrub.toml",
        concat!(
            "[scan]\n",
            "allow-paths = [\"docs/**\"]\n",
            "allow-values = [\"AKIAZ3MSJV4W+\\\\w{8}\"]\n",
            "fail-on = [\"secret\"]\n",
        ),
    );
    std::fs::create_dir(d.join("docs")).unwrap();
    write(
        d,
        "docs/guide.md",
        "token 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\n",
    );
    write(d, "keys.py", format!("key = '{AWS_ID}'\n"));
    write(d, "people.md", "Contact jane.doe@gmail.com\n");
    // Personal data is reported, but only secrets fail the scan.
    let (code, found, err) = scan(d, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(found, [pair("people.md", "email")]);
    write(
        d,
        "more.py",
        "GH = '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'\n",
    );
    let (code, found, _) = scan(d, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        found,
        [
            pair("more.py", "github-pat-classic"),
            pair("people.md", "email")
        ]
    );
}

#[test]
fn custom_rules_are_found_under_their_file_and_checked_when_loaded() {
    let dir = repo();
    let d = dir.path();
    let rule = |regex: &str, example: &str| {
        format!(
            "[[rules]]\nid = \"acme-token\"\ndescription = \"ACME service token\"\ncategory = \"secret\"\nconfidence = \"high\"\nkeywords = [\"acme_\"]\nregex = '''{regex}'''\nexamples = [\"token = {example}\"]\nnegatives = [\"acme_short\"]\n"
        )
    };
    write(
        d,
        "sub/nbscrub.toml",
        rule(r"\b(acme_[a-z0-9]{24})\b", TOKEN),
    );
    write(d, "sub/app.py", format!("t = '{TOKEN}'\n"));
    write(d, "other.py", format!("t = '{TOKEN}'\n"));
    // Found under its configuration, not elsewhere, and not in the
    // configuration file that holds it as an example.
    let (code, found, err) = scan(d, &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(found, [pair("sub/app.py", "acme-token")]);

    // A regex that does not compile, and an example it does not match,
    // are errors naming the file, the rule and what is wrong.
    let refused = |regex: &str| {
        write(d, "sub/nbscrub.toml", rule(regex, TOKEN));
        error_in(d, &["scan", "."])
    };
    let err = refused(r"\b(acme_[a-z0-9]{24}\b");
    assert!(
        err.contains("sub/nbscrub.toml") && err.contains("acme-token"),
        "{err}"
    );
    assert!(err.contains("regex does not compile"), "{err}");
    let err = refused(r"\b(acme_[a-z0-9]{30})\b");
    assert!(err.contains("acme-token: example 1 is not found"), "{err}");
}

#[test]
fn unknown_keys_are_refused_with_the_key_and_the_file() {
    let dir = repo();
    let d = dir.path();
    write(d, "nbscrub.toml", "[scan]\nmin-confidnce = \"low\"\n");
    write(d, "a.py", "x = 1\n");
    let err = error_in(d, &["scan", "."]);
    assert!(
        err.contains("nbscrub.toml") && err.contains("unknown field `min-confidnce`"),
        "{err}"
    );

    write(d, "nbscrub.toml", "[sweeep]\n");
    let err = error_in(d, &["config"]);
    assert!(err.contains("unknown field `sweeep`"), "{err}");
}

#[test]
fn strip_settings_apply_to_the_notebooks_below_them() {
    let dir = repo();
    let d = dir.path();
    write(d, "sub/nbscrub.toml", "[strip]\nkeep-count = true\n");
    write(d, "top.ipynb", executed_notebook());
    write(d, "sub/kept.ipynb", executed_notebook());
    let out = nbscrub()
        .current_dir(d)
        .args(["strip", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let count = |name: &str| -> Value {
        let nb: Value =
            serde_json::from_str(&std::fs::read_to_string(d.join(name)).unwrap()).unwrap();
        nb["cells"][0]["execution_count"].clone()
    };
    assert_eq!(count("top.ipynb"), Value::Null);
    assert_ne!(count("sub/kept.ipynb"), Value::Null);
}

#[test]
fn the_hook_follows_the_configuration() {
    let dir = repo();
    let d = dir.path();
    git(d, &["init", "-q"]);
    git(d, &["config", "user.email", "t@t"]);
    git(d, &["config", "user.name", "t"]);
    nbscrub().current_dir(d).arg("install").assert().success();
    write(
        d,
        "nbscrub.toml",
        "[strip]\nkeep-count = true\n\n[scan]\nfail-on = [\"secret\"]\nallow-paths = [\"sub/fixtures.py\"]\n",
    );
    write(d, "nb.ipynb", executed_notebook());
    write(d, "people.md", "Contact jane.doe@gmail.com\n");
    write(d, "sub/fixtures.py", format!("KEY = '{AWS_ID}'\n"));
    git(d, &["add", "."]);
    // Personal data is shown but does not stop the commit; the allowed
    // file's key is not reported; the notebook keeps its counts.
    let out = std::process::Command::new("git")
        .current_dir(d)
        .args(["commit", "-qm", "add"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("people.md:1:9: email"), "{err}");
    assert!(!err.contains("aws-access-key-id"), "{err}");
    let committed = git(d, &["show", "HEAD:nb.ipynb"]);
    let nb: Value = serde_json::from_slice(&committed.stdout).unwrap();
    assert_ne!(nb["cells"][0]["execution_count"], Value::Null);
    assert_eq!(nb["cells"][0]["outputs"], serde_json::json!([]));
}
