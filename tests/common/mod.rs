//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

pub fn nbscrub() -> Command {
    Command::cargo_bin("nbscrub").expect("the nbscrub binary is built")
}

/// The binary as a user the kernel checks permissions for: tests run as
/// root drop to `nobody` with setpriv, so an unreadable file is unreadable.
pub fn unprivileged() -> std::process::Command {
    let bin = assert_cmd::cargo::cargo_bin("nbscrub");
    if unsafe { libc::geteuid() } == 0 {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&bin);
        c
    } else {
        std::process::Command::new(&bin)
    }
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures() -> PathBuf {
    repo_root().join("fixtures")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The stderr of a run that must have ended in an error (exit code 2).
pub fn error_of(out: &Output) -> String {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    err
}

/// `nbscrub ARGS` in `dir`, which must end in an error: its stderr.
pub fn error_in(dir: &Path, args: &[&str]) -> String {
    error_of(&nbscrub().current_dir(dir).args(args).output().unwrap())
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A minimal nbformat 4.5 notebook with one executed code cell.
pub fn executed_notebook() -> String {
    r#"{
 "cells": [
  {
   "cell_type": "code",
   "execution_count": 3,
   "id": "abc",
   "metadata": {"scrolled": true},
   "outputs": [
    {
     "name": "stdout",
     "output_type": "stream",
     "text": [
      "hello\n"
     ]
    }
   ],
   "source": [
    "print('hello')"
   ]
  }
 ],
 "metadata": {},
 "nbformat": 4,
 "nbformat_minor": 5
}
"#
    .to_owned()
}

/// What nbstripout 0.9.1 writes for [`executed_notebook`].
pub const EXECUTED_STRIPPED: &str = "{\n \"cells\": [\n  {\n   \"cell_type\": \"code\",\n   \"execution_count\": null,\n   \"id\": \"0\",\n   \"metadata\": {},\n   \"outputs\": [],\n   \"source\": [\n    \"print('hello')\"\n   ]\n  }\n ],\n \"metadata\": {},\n \"nbformat\": 4,\n \"nbformat_minor\": 5\n}\n";

pub fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Names of leftover temporary files in `dir` (there must never be any).
pub fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".nbscrub-"))
        .collect()
}

/// `nbscrub scan --format json [ARGS] .` in `dir`: the exit code, the
/// report and stderr.
pub fn scan_json(dir: &Path, args: &[&str]) -> (i32, serde_json::Value, String) {
    let out = nbscrub()
        .current_dir(dir)
        .args(["scan", "--format", "json"])
        .args(args)
        .arg(".")
        .output()
        .unwrap();
    let err = stderr(&out);
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {err}"));
    (out.status.code().unwrap(), report, err)
}

/// Each finding of a JSON report as (path, rule), in the report's order.
pub fn path_rules(report: &serde_json::Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// `git ARGS` in `dir`, which must succeed.
pub fn git(dir: &Path, args: &[&str]) -> Output {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    out
}
