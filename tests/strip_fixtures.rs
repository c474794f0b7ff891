//! Byte-for-byte parity with nbstripout 0.9.1 on the committed fixtures:
//! `fixtures/expected/<set>/` holds nbstripout's output for each input
//! notebook with the arguments in `args`, and in `changed` the notebooks
//! its in-place mode rewrites (`fixtures/make_fixtures.sh` made them).

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::*;

struct Set {
    name: String,
    args: Vec<String>,
    changed: Vec<String>,
    expected: Vec<PathBuf>,
}

fn sets() -> Vec<Set> {
    let mut sets = Vec::new();
    for entry in fs::read_dir(fixtures().join("expected")).expect("fixtures/expected exists") {
        let dir = entry.unwrap().path();
        let args: Vec<String> =
            serde_json::from_str(&fs::read_to_string(dir.join("args")).unwrap()).unwrap();
        let changed = fs::read_to_string(dir.join("changed"))
            .unwrap()
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        let mut expected: Vec<PathBuf> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "ipynb"))
            .collect();
        expected.sort();
        sets.push(Set {
            name: dir.file_name().unwrap().to_string_lossy().into_owned(),
            args,
            changed,
            expected,
        });
    }
    sets.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(
        sets.len() >= 10,
        "expected the option sets of make_fixtures.sh"
    );
    sets
}

/// Where nbscrub departs from nbstripout on purpose (README, "differs on
/// purpose"): (set, file, the expected file nbscrub matches instead).
/// nbstripout's `--drop-empty-cells` drops every nbformat 3 code cell (it
/// looks for `source`, which they lack); the v3 fixture has no blank cell,
/// so nbscrub's output is the default set's.
const DEPARTURES: [(&str, &str, &str); 1] = [("drop-empty-cells", "v3.ipynb", "default")];

/// The file nbscrub's output must equal for `expected`.
fn wanted(set: &Set, expected: &Path) -> PathBuf {
    let name = expected.file_name().unwrap().to_string_lossy();
    match DEPARTURES
        .iter()
        .find(|(s, f, _)| *s == set.name && *f == name)
    {
        Some((_, _, instead)) => fixtures().join("expected").join(instead).join(&*name),
        None => expected.to_path_buf(),
    }
}

fn input_for(expected: &Path) -> PathBuf {
    fixtures()
        .join("notebooks")
        .join(expected.file_name().unwrap())
}

#[test]
fn stdin_mode_matches_nbstripout_byte_for_byte() {
    let mut compared = 0;
    for set in sets() {
        for expected in &set.expected {
            let input = fs::read(input_for(expected)).unwrap();
            let out = nbscrub()
                .arg("strip")
                .args(&set.args)
                .arg("-")
                .write_stdin(input)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(0), "{}: {}", set.name, stderr(&out));
            let want = fs::read_to_string(wanted(&set, expected)).unwrap();
            let got = stdout(&out);
            assert!(
                got == want,
                "set {} file {}: output differs from nbstripout's",
                set.name,
                expected.display()
            );
            compared += 1;
        }
    }
    assert!(compared >= 50, "only {compared} fixture pairs compared");
}

#[test]
fn in_place_rewrites_exactly_what_nbstripout_rewrites() {
    for set in sets() {
        let dir = tempfile::tempdir().unwrap();
        let mut copies = Vec::new();
        for expected in &set.expected {
            let input = input_for(expected);
            let copy = dir.path().join(input.file_name().unwrap());
            fs::copy(&input, &copy).unwrap();
            copies.push((copy, expected.clone(), fs::read(&input).unwrap()));
        }

        // --check lists the files nbstripout would rewrite, and writes nothing.
        let out = nbscrub()
            .arg("strip")
            .arg("--check")
            .args(&set.args)
            .arg(dir.path())
            .output()
            .unwrap();
        let listed: Vec<String> = stdout(&out)
            .lines()
            .map(|l| {
                Path::new(l)
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        let want: Vec<String> = set
            .changed
            .iter()
            .filter(|n| {
                copies
                    .iter()
                    .any(|(c, _, _)| c.file_name().unwrap() == n.as_str())
            })
            .cloned()
            .collect();
        assert_eq!(listed, want, "set {}: --check listing", set.name);
        let code = if want.is_empty() { 0 } else { 1 };
        assert_eq!(out.status.code(), Some(code), "set {}", set.name);
        for (copy, _, original) in &copies {
            assert_eq!(
                &fs::read(copy).unwrap(),
                original,
                "--check modified a file"
            );
        }

        // In place: changed files become nbstripout's output, others keep their bytes.
        let out = nbscrub()
            .arg("strip")
            .args(&set.args)
            .arg(dir.path())
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "set {}: {}",
            set.name,
            stderr(&out)
        );
        for (copy, expected, original) in &copies {
            let name = copy.file_name().unwrap().to_string_lossy().into_owned();
            let now = fs::read(copy).unwrap();
            if want.contains(&name) {
                assert!(
                    now == fs::read(wanted(&set, expected)).unwrap(),
                    "set {} {name}: in-place output differs from nbstripout's",
                    set.name
                );
            } else {
                assert!(
                    &now == original,
                    "set {} {name} should be untouched",
                    set.name
                );
            }
        }
        assert!(temp_files(dir.path()).is_empty());
    }
}
