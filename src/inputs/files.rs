//! Every file under the scan paths, and each file's bytes, or why it is
//! skipped. Unlike `strip`'s walk, hidden files (`.env`, `.npmrc`,
//! `.aws/credentials`) are included; `.git` never is.

use std::io::Read;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::read::ReadBytes;
use super::walk::{WalkError, walk_error};
use crate::io_message;

/// Files larger than this are skipped (and reported), not read.
pub const MAX_SCAN_BYTES: u64 = 256 << 20;

/// The files under `paths`, sorted and each once, plus the problems met.
pub fn all_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<WalkError>) {
    let found = Mutex::new(Vec::new());
    let errors = Mutex::new(Vec::new());
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if !meta.is_dir() => found.lock().unwrap().push(path.clone()),
            Ok(_) => {
                let walker = ignore::WalkBuilder::new(path)
                    .hidden(false)
                    .require_git(false)
                    .follow_links(false)
                    .filter_entry(|e| e.file_name() != ".git")
                    .build_parallel();
                walker.run(|| {
                    Box::new(|entry| {
                        match entry {
                            Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                                found.lock().unwrap().push(e.into_path());
                            }
                            Ok(_) => {}
                            Err(err) => errors.lock().unwrap().push(walk_error(path, err)),
                        }
                        ignore::WalkState::Continue
                    })
                });
            }
            Err(e) => errors.lock().unwrap().push(WalkError {
                path: path.clone(),
                message: io_message(&e),
            }),
        }
    }
    let mut found = found.into_inner().unwrap();
    found.sort();
    found.dedup();
    (found, errors.into_inner().unwrap())
}

/// Why a file was not scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Skip {
    Binary,
    TooLarge,
}

impl Skip {
    pub fn as_str(self) -> &'static str {
        match self {
            Skip::Binary => "binary",
            Skip::TooLarge => "too_large",
        }
    }
}

pub enum Input {
    Bytes(ReadBytes),
    Skipped(Skip),
}

/// Reads a file to scan, unless its size or content says to skip it.
/// Lockfiles and minified bundles are scanned like any file: a registry
/// password in a `resolved` URL or a key built into a bundle is a real leak,
/// and the rules (bounded tokens, no bare entropy) keep their integrity
/// hashes and identifier soup from raising false alarms.
pub fn read(path: &Path) -> Result<Input, String> {
    let file = std::fs::File::open(path).map_err(|e| io_message(&e))?;
    let len = file.metadata().map_err(|e| io_message(&e))?.len();
    if len > MAX_SCAN_BYTES {
        return Ok(Input::Skipped(Skip::TooLarge));
    }
    // The file may have grown since: never read past the limit.
    let bytes = super::read::whole(file.as_fd(), len as usize, MAX_SCAN_BYTES, Vec::new())
        .map_err(|e| io_message(&e))?;
    Ok(judge(bytes))
}

/// A file to read as a stream (a dataset of any size): its first bytes,
/// already read to judge whether it is binary, then the rest.
pub enum Stream {
    Open {
        len: u64,
        reader: std::io::Chain<std::io::Cursor<Vec<u8>>, std::fs::File>,
    },
    Skipped(Skip),
}

pub fn stream(path: &Path) -> Result<Stream, String> {
    let mut file = std::fs::File::open(path).map_err(|e| io_message(&e))?;
    let len = file.metadata().map_err(|e| io_message(&e))?.len();
    let mut head = Vec::with_capacity(8000);
    (&mut file)
        .take(8000)
        .read_to_end(&mut head)
        .map_err(|e| io_message(&e))?;
    if is_binary(&head) {
        return Ok(Stream::Skipped(Skip::Binary));
    }
    Ok(Stream::Open {
        len,
        reader: std::io::Cursor::new(head).chain(file),
    })
}

/// Bytes to scan, unless they are too many or binary.
pub fn judge(bytes: ReadBytes) -> Input {
    if bytes.len() as u64 > MAX_SCAN_BYTES {
        Input::Skipped(Skip::TooLarge)
    } else if is_binary(&bytes) {
        Input::Skipped(Skip::Binary)
    } else {
        Input::Bytes(bytes)
    }
}

/// Git's test: a NUL byte in the first 8,000 bytes.
pub fn is_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(8000)]).is_some()
}
