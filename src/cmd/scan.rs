//! `nbscrub scan`: walk, read, scan in parallel, report.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use super::Exit;
use crate::cli::{Format, ScanArgs};
use crate::detect::{Confidence, Engine};
use crate::inputs::files::{self, Input, Skip};
use crate::report::{self, Problem, Report, Stats};
use crate::scan::scan_bytes;

enum Outcome {
    Scanned {
        bytes: u64,
        scan: crate::scan::FileScan,
    },
    Skipped(Skip),
    Failed(String),
}

pub fn run(args: &ScanArgs) -> Exit {
    let started = Instant::now();
    let min_confidence: Confidence = match args.min_confidence.parse() {
        Ok(c) => c,
        Err(e) => return usage(&format!("--min-confidence: {e}")),
    };
    let engine = match crate::detect::builtin_rules().and_then(Engine::new) {
        Ok(engine) => engine,
        Err(e) => return usage(&e.to_string()),
    };
    let (items, walk_errors) = if args.staged {
        match staged_items() {
            Ok(items) => (items, Vec::new()),
            Err(e) => return usage(&e.to_string()),
        }
    } else {
        let (paths, errors) = files::all_files(&args.paths);
        (paths.into_iter().map(Item::File).collect(), errors)
    };
    let scan_one = |item: &Item| -> Outcome {
        let read = match item {
            Item::File(path) => files::read(path),
            Item::Blob { bytes, .. } => Ok(files::judge(bytes.clone())),
        };
        match read {
            Ok(Input::Bytes(bytes)) => Outcome::Scanned {
                bytes: bytes.len() as u64,
                scan: scan_bytes(&engine, item.path(), &item.shown(), &bytes, min_confidence),
            },
            Ok(Input::Skipped(why)) => Outcome::Skipped(why),
            Err(message) => Outcome::Failed(message),
        }
    };
    let outcomes: Vec<Outcome> = match rayon::ThreadPoolBuilder::new()
        .stack_size(crate::PARSE_STACK)
        .build()
    {
        Ok(pool) => pool.install(|| items.par_iter().map(scan_one).collect()),
        Err(_) => items.iter().map(scan_one).collect(),
    };
    let paths: Vec<&Path> = items.iter().map(Item::path).collect();

    let mut report = Report {
        version: 1,
        findings: Vec::new(),
        stats: Stats::default(),
        errors: walk_errors
            .into_iter()
            .map(|e| Problem {
                path: shown(&e.path),
                message: e.message,
            })
            .collect(),
        warnings: Vec::new(),
    };
    for (path, outcome) in paths.iter().zip(outcomes) {
        match outcome {
            Outcome::Scanned { bytes, scan } => {
                report.stats.files += 1;
                report.stats.bytes += bytes;
                report.findings.extend(scan.findings);
                if let Some(message) = scan.warning {
                    report.warnings.push(Problem {
                        path: shown(path),
                        message,
                    });
                }
            }
            Outcome::Skipped(why) => {
                report.stats.skipped += 1;
                let by = &mut report.stats.skipped_by;
                match why {
                    Skip::Binary => by.binary += 1,
                    Skip::TooLarge => {
                        by.too_large += 1;
                        report.warnings.push(Problem {
                            path: shown(path),
                            message: format!(
                                "larger than {} MiB; not scanned",
                                files::MAX_SCAN_BYTES >> 20
                            ),
                        });
                    }
                }
            }
            Outcome::Failed(message) => report.errors.push(Problem {
                path: shown(path),
                message,
            }),
        }
    }
    report.stats.elapsed_ms = started.elapsed().as_millis();

    for p in &report.warnings {
        eprintln!("nbscrub: warning: {}: {}", p.path, p.message);
    }
    for p in &report.errors {
        eprintln!("nbscrub: {}: {}", p.path, p.message);
    }
    if let Err(e) = write_report(args, &report) {
        eprintln!("nbscrub: {e}");
        return Exit::Error;
    }
    if args.format == Format::Text {
        eprintln!("{}", report::summary(&report));
    }
    if !report.errors.is_empty() {
        Exit::Error
    } else if report.findings.is_empty() {
        Exit::Clean
    } else {
        Exit::Changes
    }
}

fn write_report(args: &ScanArgs, report: &Report) -> Result<(), String> {
    let mut buf = Vec::new();
    let color = args.output.is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    match args.format {
        Format::Text => report::write_text(report, &mut buf, color),
        Format::Json => report::write_json(report, &mut buf),
        Format::Jsonl => report::write_jsonl(report, &mut buf),
    }
    .map_err(|e| e.to_string())?;
    match &args.output {
        Some(path) => {
            crate::atomic::write(path, &buf).map_err(|e| format!("{}: {e}", path.display()))
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&buf).and_then(|()| out.flush()).or_else(|e| {
                // A closed pipe (`| head`) is the reader's choice, not an error.
                if e.kind() == std::io::ErrorKind::BrokenPipe {
                    Ok(())
                } else {
                    Err(e.to_string())
                }
            })
        }
    }
}

/// What is scanned: a file on disk, or a blob from git's index.
enum Item {
    File(PathBuf),
    Blob { path: String, bytes: Vec<u8> },
}

impl Item {
    fn path(&self) -> &Path {
        match self {
            Item::File(p) => p,
            Item::Blob { path, .. } => Path::new(path),
        }
    }

    fn shown(&self) -> String {
        match self {
            Item::File(p) => shown(p),
            Item::Blob { path, .. } => path.clone(),
        }
    }
}

/// `--staged`: the content of the index (honouring `GIT_INDEX_FILE`), not
/// the work tree, for every file changed against HEAD.
fn staged_items() -> Result<Vec<Item>, crate::git::GitError> {
    let repo = crate::git::Repo::discover()?;
    let reader = repo.blob_reader()?;
    let staged: Vec<_> = repo
        .staged()?
        .into_iter()
        .filter(crate::git::Staged::is_file)
        .collect();
    let ids: Vec<&str> = staged.iter().map(|s| s.blob.as_str()).collect();
    let blobs = reader.read(&ids)?;
    Ok(staged
        .into_iter()
        .zip(blobs)
        .map(|(s, bytes)| Item::Blob {
            path: s.path,
            bytes,
        })
        .collect())
}

fn usage(message: &str) -> Exit {
    eprintln!("nbscrub: {message}");
    Exit::Error
}

/// A path as reported: as the walker found it, without a leading `./`.
fn shown(path: &Path) -> String {
    let text = path.to_string_lossy();
    let text = text.strip_prefix("./").unwrap_or(&text);
    text.replace('\\', "/")
}
