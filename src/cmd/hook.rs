//! `nbscrub hook pre-commit`: what the git hook runs. Staged notebooks are
//! stripped in the index (a new blob), and in the work tree only where the
//! file is byte for byte what was staged, so a partially staged notebook
//! keeps its unstaged edits. Then everything staged is scanned; a finding
//! stops the commit.

use std::path::Path;

use super::Exit;
use super::strip::{Render, strip_bytes};
use crate::atomic;
use crate::detect::{Confidence, Engine};
use crate::git::{GitError, Repo, Staged};
use crate::inputs::files::is_binary;
use crate::report::{self, Report, Stats};
use crate::scan::scan_bytes;
use crate::strip::StripOptions;

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
    let repo = Repo::discover()?;
    let staged: Vec<Staged> = repo.staged()?.into_iter().filter(Staged::is_file).collect();
    if staged.is_empty() {
        return Ok(Exit::Clean);
    }
    let ids: Vec<&str> = staged.iter().map(|s| s.blob.as_str()).collect();
    let contents = repo.read_blobs(&ids)?;
    let engine = match crate::detect::builtin_rules().and_then(Engine::new) {
        Ok(engine) => engine,
        Err(e) => {
            eprintln!("nbscrub: {e}");
            return Ok(Exit::Error);
        }
    };
    let (options, _) = StripOptions::new(&[], &[]);
    let mut updates = Vec::new();
    let mut touched_dirs = Vec::new();
    let mut failed = false;
    let mut findings = Vec::new();
    for (entry, staged_bytes) in staged.iter().zip(contents) {
        let mut committed = staged_bytes;
        if entry.path.ends_with(".ipynb") {
            match strip_bytes(&committed, &options, false, Render::IfChanged) {
                Ok((true, Some(text))) => {
                    let stripped = text.into_bytes();
                    updates.push((entry.clone(), repo.write_blob(&stripped)?));
                    let file = repo.top.join(&entry.path);
                    match update_work_tree(&file, &committed, &stripped) {
                        Ok(Some(dir)) => touched_dirs.push(dir),
                        Ok(None) => {}
                        Err(e) => eprintln!(
                            "nbscrub: {}: the staged version was stripped, the file was not: {e}",
                            entry.path
                        ),
                    }
                    eprintln!("nbscrub: stripped {}", entry.path);
                    committed = stripped;
                }
                Ok(_) => {}
                Err(e) => {
                    eprintln!("nbscrub: {}: cannot strip: {e}", entry.path);
                    failed = true;
                }
            }
        }
        if !is_binary(&committed) {
            let path = Path::new(&entry.path);
            let scan = scan_bytes(&engine, path, &entry.path, &committed, Confidence::Medium);
            findings.extend(scan.findings);
        }
    }
    repo.update_index(&updates)?;
    atomic::sync_dirs(touched_dirs);

    if !findings.is_empty() {
        let report = Report {
            version: 1,
            findings,
            stats: Stats::default(),
            errors: Vec::new(),
            warnings: Vec::new(),
        };
        let mut text = Vec::new();
        let _ = report::write_text(&report, &mut text, false);
        eprint!("{}", String::from_utf8_lossy(&text));
        eprintln!(
            "nbscrub: {} finding{} in the staged files; the commit is stopped.\n\
             Remove the value (and rotate it: it was on disk), or commit anyway with `git commit --no-verify`.",
            report.findings.len(),
            if report.findings.len() == 1 { "" } else { "s" }
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
