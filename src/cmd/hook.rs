//! `nbscrub hook pre-commit`: what the git hook runs. Staged notebooks are
//! stripped in the index (a new blob), and in the work tree only where the
//! file is byte for byte what was staged, so a partially staged notebook
//! keeps its unstaged edits. Then everything staged is scanned; a finding
//! stops the commit.

use std::path::{Path, PathBuf};

use super::Exit;
use super::setup::Setup;
use super::strip::{Render, strip_bytes};
use crate::atomic;
use crate::git::{GitError, Repo, Staged};
use crate::inputs::files::is_binary;
use crate::report::{self, Report, Stats};
use crate::scan::scan_bytes;

pub fn pre_commit() -> Exit {
    match run() {
        Ok(exit) => exit,
        Err(e) => {
            eprintln!("nbscrub: {e}");
            Exit::Error
        }
    }
}

fn run() -> Result<Exit, GitError> {
    let repo = Repo::for_hook()?;
    let (staged, contents): (Vec<Staged>, Vec<Vec<u8>>) = repo.staged_files()?.into_iter().unzip();
    if staged.is_empty() {
        return Ok(Exit::Clean);
    }
    // Each file's configuration, as in the work tree; the rules compile
    // while the notebooks are stripped.
    let paths: Vec<PathBuf> = staged.iter().map(|e| repo.top.join(&e.path)).collect();
    let setup = {
        let paths = paths.clone();
        std::thread::spawn(move || Setup::new(&paths, None))
    };
    let strip_options = super::strip::Resolver::from_config_files();
    let mut committed = Vec::with_capacity(staged.len());
    let mut stripped = Vec::new();
    let mut failed = false;
    for (entry, staged_bytes) in staged.iter().zip(contents) {
        // A Git LFS pointer stands for a notebook stored elsewhere: there is
        // nothing here to strip.
        let lfs_pointer = staged_bytes.starts_with(b"version https://git-lfs.github.com/spec/");
        if entry.path.ends_with(".ipynb") && !lfs_pointer {
            let options = match strip_options.options_for_file(&repo.top.join(&entry.path)) {
                Ok(resolved) => resolved,
                Err(e) => {
                    eprintln!("nbscrub: {}: {e}", entry.path);
                    failed = true;
                    committed.push(staged_bytes);
                    continue;
                }
            };
            match strip_bytes(&staged_bytes, &options.0, false, Render::IfChanged) {
                Ok((true, Some(text))) => {
                    stripped.push((committed.len(), staged_bytes));
                    committed.push(text.into_bytes());
                    continue;
                }
                Ok(_) => {}
                Err(e) => {
                    eprintln!("nbscrub: {}: cannot strip: {e}", entry.path);
                    failed = true;
                }
            }
        }
        committed.push(staged_bytes);
    }

    let new_blobs: Vec<&[u8]> = stripped
        .iter()
        .map(|(i, _)| committed[*i].as_slice())
        .collect();
    let ids = repo.write_blobs(&new_blobs)?;
    let mut updates = Vec::with_capacity(ids.len());
    let mut touched_dirs = Vec::new();
    for ((i, before), blob) in stripped.iter().zip(ids) {
        let entry = &staged[*i];
        updates.push((entry.clone(), blob));
        match update_work_tree(&repo.top.join(&entry.path), before, &committed[*i]) {
            Ok(Some(dir)) => touched_dirs.push(dir),
            Ok(None) => {}
            Err(e) => eprintln!(
                "nbscrub: {}: the staged version was stripped, the file was not: {e}",
                entry.path
            ),
        }
        eprintln!("nbscrub: stripped {}", entry.path);
    }
    repo.update_index(&updates)?;
    atomic::sync_dirs(touched_dirs);

    let setup = match setup.join() {
        Ok(Ok(setup)) => setup,
        Ok(Err(e)) => {
            eprintln!("nbscrub: {e}");
            return Ok(Exit::Error);
        }
        Err(_) => return Ok(Exit::Error),
    };
    let mut findings = Vec::new();
    for ((entry, bytes), path) in staged.iter().zip(&committed).zip(&paths) {
        if is_binary(bytes) {
            continue;
        }
        let policy = match setup.policy(path) {
            Ok(policy) => policy,
            Err(e) => {
                eprintln!("nbscrub: {}: {e}", entry.path);
                return Ok(Exit::Error);
            }
        };
        let mut scan = scan_bytes(
            &setup.engine,
            Path::new(&entry.path),
            &entry.path,
            bytes,
            &policy.scan,
        );
        setup.settle(path, &mut scan, &policy.config);
        findings.extend(scan.findings);
    }
    // Findings of categories the configuration does not fail on are shown
    // but do not stop the commit.
    let (findings, shown_only): (Vec<_>, Vec<_>) = findings.into_iter().partition(|f| f.fails);
    print_findings(shown_only);
    let n = findings.len();
    if n > 0 {
        print_findings(findings);
        eprintln!(
            "nbscrub: {n} finding{} in the staged files; the commit is stopped.\n\
             Remove the value (and rotate it: it was on disk), or commit anyway with `git commit --no-verify`.",
            if n == 1 { "" } else { "s" }
        );
        return Ok(Exit::Changes);
    }
    if failed {
        eprintln!(
            "nbscrub: the commit is stopped: fix the notebooks above, or commit anyway with `git commit --no-verify`."
        );
        return Ok(Exit::Error);
    }
    Ok(Exit::Clean)
}

/// Prints findings as the text report does, on stderr (git shows it).
fn print_findings(findings: Vec<report::Finding>) {
    if findings.is_empty() {
        return;
    }
    let report = Report {
        version: 1,
        findings,
        stats: Stats::default(),
        errors: Vec::new(),
        warnings: Vec::new(),
        scanned: Vec::new(),
    };
    let mut text = Vec::new();
    let _ = report::write_text(&report, &mut text, false);
    eprint!("{}", String::from_utf8_lossy(&text));
}

/// Writes the stripped notebook over the work-tree file only when that file
/// is exactly what was staged: unstaged edits are never touched.
fn update_work_tree(
    file: &Path,
    staged: &[u8],
    stripped: &[u8],
) -> Result<Option<std::path::PathBuf>, String> {
    let meta = match std::fs::symlink_metadata(file) {
        Ok(meta) if meta.is_file() => meta,
        _ => return Ok(None),
    };
    let current = std::fs::read(file).map_err(|e| crate::io_message(&e))?;
    if current != staged {
        return Ok(None);
    }
    atomic::replace(file, stripped, &meta)
        .map(Some)
        .map_err(|e| e.to_string())
}
