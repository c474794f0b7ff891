//! Turning command-line paths into files: a file named on the command line
//! is taken as it is; a directory is searched (honouring `.gitignore`,
//! skipping hidden directories such as `.ipynb_checkpoints`) for files whose
//! name has one of the wanted extensions.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::io_message;

/// A path that could not be used, with the reason.
#[derive(Debug)]
pub struct WalkError {
    pub path: PathBuf,
    pub message: String,
}

/// The files under `paths`, in a stable order and each once, plus the
/// problems met on the way.
pub fn files(paths: &[PathBuf], extensions: &[&str]) -> (Vec<PathBuf>, Vec<WalkError>) {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for path in paths {
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(e) => {
                errors.push(WalkError {
                    path: path.clone(),
                    message: io_message(&e),
                });
                continue;
            }
        };
        if !meta.is_dir() {
            if seen.insert(path.clone()) {
                found.push(path.clone());
            }
            continue;
        }
        let before = found.len();
        let mut here = Vec::new();
        let walker = ignore::WalkBuilder::new(path)
            .require_git(false)
            .follow_links(false)
            .build();
        for entry in walker {
            match entry {
                Ok(entry) => {
                    let p = entry.path();
                    let is_file = entry.file_type().is_some_and(|t| t.is_file())
                        || (entry.path_is_symlink() && p.is_file());
                    if is_file && has_extension(p, extensions) {
                        here.push(p.to_path_buf());
                    }
                }
                Err(e) => errors.push(walk_error(path, e)),
            }
        }
        here.sort();
        for p in here {
            if seen.insert(p.clone()) {
                found.push(p);
            }
        }
        if found.len() == before {
            errors.push(WalkError {
                path: path.clone(),
                message: format!("no {} files in this directory", extensions.join(" or ")),
            });
        }
    }
    (found, errors)
}

fn has_extension(path: &Path, extensions: &[&str]) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    extensions.iter().any(|ext| name.ends_with(ext))
}

pub(crate) fn walk_error(root: &Path, error: ignore::Error) -> WalkError {
    let mut path = root.to_path_buf();
    let mut message = error.to_string();
    let mut current = &error;
    loop {
        match current {
            ignore::Error::WithPath { path: p, err } => {
                path = p.clone();
                message = err.to_string();
                current = err;
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                current = err;
            }
            ignore::Error::Io(e) => {
                message = io_message(e);
                break;
            }
            _ => break,
        }
    }
    WalkError { path, message }
}
