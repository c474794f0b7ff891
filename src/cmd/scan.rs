//! `nbscrub scan`: walk, read, scan in parallel, report.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use super::Exit;
use super::setup::Setup;
use crate::cli::{Format, ScanArgs};
use crate::detect::{Confidence, Engine};
use crate::formats::dataset::DatasetError;
use crate::inputs::files::{self, Input, Skip};
use crate::report::{self, Problem, Report, Stats};
use crate::scan::{Policy, scan_bytes, scan_dataset};

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
    let flag_confidence: Option<Confidence> = match args.min_confidence.as_deref().map(str::parse) {
        Some(Ok(c)) => Some(c),
        Some(Err(e)) => return usage(&format!("--min-confidence: {e}")),
        None => None,
    };
    let baseline = match args
        .baseline
        .as_deref()
        .map(report::baseline::Baseline::read)
    {
        Some(Ok(b)) => Some(b),
        Some(Err(e)) => return usage(&e),
        None => None,
    };
    let shard = match args.shard.as_deref().map(parse_shard).transpose() {
        Ok(shard) => shard,
        Err(e) => return usage(&format!("--shard: {e}")),
    };
    let mut history_repo = None;
    let (items, walk_errors) = if let Some(revs) = &args.git_history {
        match history_items(revs, shard) {
            Ok((repo, items)) => {
                history_repo = Some(repo);
                (items, Vec::new())
            }
            Err(e) => return usage(&e.to_string()),
        }
    } else if args.staged {
        match staged_items() {
            Ok(items) => (items, Vec::new()),
            Err(e) => return usage(&e.to_string()),
        }
    } else {
        let (paths, errors) = files::all_files(&args.paths);
        (paths.into_iter().map(Item::File).collect(), errors)
    };
    let paths: Vec<PathBuf> = items.iter().map(Item::config_path).collect();
    let setup = match Setup::new(&paths, flag_confidence) {
        Ok(setup) => setup,
        Err(e) => return usage(&e),
    };
    let engine = &setup.engine;
    let scan_item = |item: &Item, loaded: Option<Vec<u8>>, policy: &Policy| -> Outcome {
        // A dataset on disk is streamed, whatever its size.
        if let (Item::File(path), None) = (item, &loaded)
            && let Some(kind) = crate::formats::dataset::kind(path)
        {
            match files::stream(path) {
                Ok(files::Stream::Open { len, reader }) => {
                    match scan_dataset(engine, kind, reader, &item.shown(), policy) {
                        Ok(scan) => return Outcome::Scanned { bytes: len, scan },
                        // Not a dataset after all (a JSON file without
                        // records): scanned as the file it is, below.
                        Err(DatasetError::NoRecords | DatasetError::Json(_)) => {}
                        Err(DatasetError::Io(e)) => return Outcome::Failed(crate::io_message(&e)),
                    }
                }
                Ok(files::Stream::Skipped(why)) => return Outcome::Skipped(why),
                Err(message) => return Outcome::Failed(message),
            }
        }
        let read = match (item, loaded) {
            (_, Some(bytes)) => Ok(files::judge(bytes.into())),
            (Item::File(path), None) => files::read(path),
            (Item::Blob { bytes, .. }, None) => Ok(files::judge(bytes.clone().into())),
            (Item::History(_), None) => Err("the blob could not be read".to_owned()),
        };
        match read {
            Ok(Input::Bytes(bytes)) => {
                let mut scan = scan_bytes(engine, item.path(), &item.shown(), &bytes, policy);
                if let Item::History(h) = item {
                    for f in &mut scan.findings {
                        f.commit = Some(h.commit.clone());
                    }
                }
                Outcome::Scanned {
                    bytes: bytes.len() as u64,
                    scan,
                }
            }
            Ok(Input::Skipped(why)) => Outcome::Skipped(why),
            Err(message) => Outcome::Failed(message),
        }
    };
    let scan_one = |item: &Item, loaded: Option<Vec<u8>>| -> Outcome {
        let path = item.config_path();
        let policy = match setup.policy(&path) {
            Ok(policy) => policy,
            Err(e) => return Outcome::Failed(e),
        };
        let mut outcome = scan_item(item, loaded, &policy.scan);
        if let Outcome::Scanned { scan, .. } = &mut outcome {
            setup.settle(&path, scan, &policy.config);
        }
        outcome
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(crate::PARSE_STACK)
        .build();
    let mut outcomes: Vec<Outcome> = Vec::with_capacity(items.len());
    // A batch at a time: a history scan holds one batch of blob contents.
    for batch in items.chunks(BATCH) {
        let loaded: Vec<Option<Vec<u8>>> = match &history_repo {
            Some(repo) => match read_history(repo, batch) {
                Ok(contents) => contents.into_iter().map(Some).collect(),
                Err(e) => return usage(&e.to_string()),
            },
            None => batch.iter().map(|_| None).collect(),
        };
        let scan_batch = || -> Vec<Outcome> {
            batch
                .par_iter()
                .zip(loaded)
                .map(|(item, bytes)| scan_one(item, bytes))
                .collect()
        };
        outcomes.extend(match &pool {
            Ok(pool) => pool.install(scan_batch),
            Err(_) => scan_batch(),
        });
    }
    let names: Vec<String> = items.iter().map(Item::shown).collect();

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
        scanned: Vec::new(),
    };
    for (name, outcome) in names.into_iter().zip(outcomes) {
        match outcome {
            Outcome::Scanned { bytes, scan } => {
                report.stats.files += 1;
                report.scanned.push(name.clone());
                report.stats.bytes += bytes;
                report.findings.extend(scan.findings);
                if let Some(message) = scan.warning {
                    report.warnings.push(Problem {
                        path: name.clone(),
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
                            path: name.clone(),
                            message: format!(
                                "larger than {} MiB; not scanned",
                                files::MAX_SCAN_BYTES >> 20
                            ),
                        });
                    }
                }
            }
            Outcome::Failed(message) => report.errors.push(Problem {
                path: name.clone(),
                message,
            }),
        }
    }
    report.stats.elapsed_ms = started.elapsed().as_millis();
    if let Some(baseline) = &baseline {
        report.findings.retain(|f| !baseline.contains(f));
    }
    // Writing a baseline acknowledges what it records.
    if let Some(path) = &args.write_baseline {
        let bytes = report::baseline::render(&report.findings);
        if let Err(e) = crate::atomic::write(path, &bytes) {
            eprintln!("nbscrub: {}: {e}", path.display());
            return Exit::Error;
        }
        eprintln!(
            "nbscrub: {} finding(s) recorded in {}",
            report.findings.len(),
            path.display()
        );
        report.findings.clear();
    }

    for p in &report.warnings {
        eprintln!("nbscrub: warning: {}: {}", p.path, p.message);
    }
    for p in &report.errors {
        eprintln!("nbscrub: {}: {}", p.path, p.message);
    }
    if let Err(e) = write_report(args, engine, &report) {
        eprintln!("nbscrub: {e}");
        return Exit::Error;
    }
    if args.format == Format::Text {
        eprintln!("{}", report::summary(&report));
    }
    if !report.errors.is_empty() {
        Exit::Error
    } else if report.findings.iter().any(|f| f.fails) {
        Exit::Changes
    } else {
        Exit::Clean
    }
}

fn write_report(args: &ScanArgs, engine: &Engine, report: &Report) -> Result<(), String> {
    let mut buf = Vec::new();
    let color = args.output.is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    match args.format {
        Format::Text => report::write_text(report, &mut buf, color),
        Format::Json => report::write_json(report, &mut buf),
        Format::Jsonl => report::write_jsonl(report, &mut buf),
        Format::Sarif => report::sarif::write(report, &rule_infos(engine), &src_root(), &mut buf),
        Format::Junit => report::junit::write(report, &report.scanned, &mut buf),
        Format::Tags => report::tags::write(report, &report.scanned, &mut buf),
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
    Blob {
        path: String,
        bytes: Vec<u8>,
    },
    /// A blob of the history, read when its batch comes.
    History(crate::git::HistoryBlob),
}

impl Item {
    /// Where the item's configuration is looked up: a file's own place; a
    /// staged or historical blob's path in today's work tree.
    fn config_path(&self) -> PathBuf {
        self.path().to_path_buf()
    }

    fn path(&self) -> &Path {
        match self {
            Item::File(p) => p,
            Item::Blob { path, .. } => Path::new(path),
            Item::History(h) => Path::new(&h.path),
        }
    }

    fn shown(&self) -> String {
        match self {
            Item::File(p) => shown(p),
            Item::Blob { path, .. } => path.clone(),
            Item::History(h) => h.path.clone(),
        }
    }
}

/// `--staged`: the content of the index (honouring `GIT_INDEX_FILE`), not
/// the work tree, for every file changed against HEAD.
fn staged_items() -> Result<Vec<Item>, crate::git::GitError> {
    let staged = crate::git::Repo::discover()?.staged_files()?;
    Ok(staged
        .into_iter()
        .map(|(s, bytes)| Item::Blob {
            path: s.path,
            bytes,
        })
        .collect())
}

/// `K/N` → (K - 1, N).
fn parse_shard(text: &str) -> Result<(u32, u32), String> {
    let (k, n) = text.split_once('/').ok_or("expected K/N, e.g. 1/4")?;
    let k: u32 = k
        .trim()
        .parse()
        .map_err(|_| format!("`{k}` is not a number"))?;
    let n: u32 = n
        .trim()
        .parse()
        .map_err(|_| format!("`{n}` is not a number"))?;
    if n == 0 || k == 0 || k > n {
        return Err(format!("{k}/{n}: K must be between 1 and N"));
    }
    Ok((k - 1, n))
}

/// How many files are scanned at a time; for a history scan, how many
/// blobs' contents are held at once.
const BATCH: usize = 2048;

/// `--git-history`: the ids of every file blob reachable (of this shard),
/// each once, with its introducing commit; contents come batch by batch.
fn history_items(
    revs: &[String],
    shard: Option<(u32, u32)>,
) -> Result<(crate::git::Repo, Vec<Item>), crate::git::GitError> {
    let repo = crate::git::Repo::discover()?;
    // A stable split: a blob id is a hash already.
    let keep = |blob: &str| match shard {
        Some((k, n)) => {
            u32::from_str_radix(blob.get(..8).unwrap_or(blob), 16).is_ok_and(|v| v % n == k)
        }
        None => true,
    };
    let items = repo
        .history(revs, keep)?
        .into_iter()
        .map(Item::History)
        .collect();
    Ok((repo, items))
}

fn read_history(
    repo: &crate::git::Repo,
    batch: &[Item],
) -> Result<Vec<Vec<u8>>, crate::git::GitError> {
    let ids: Vec<&str> = batch
        .iter()
        .map(|item| match item {
            Item::History(h) => h.blob.as_str(),
            _ => unreachable!("a history scan holds history items only"),
        })
        .collect();
    repo.blob_reader()?.read(&ids)
}

/// What SARIF says of each rule, from the rules the scan ran.
fn rule_infos(engine: &Engine) -> std::collections::BTreeMap<String, report::sarif::RuleInfo> {
    engine
        .rules()
        .map(|r| {
            let info = report::sarif::RuleInfo {
                description: r.description.clone(),
                category: r.category.as_str(),
            };
            (r.id.clone(), info)
        })
        .collect()
}

/// The current directory as a `file://` URI ending in `/`: SARIF paths are
/// relative to it.
fn src_root() -> String {
    let dir = std::env::current_dir().unwrap_or_default();
    let mut uri = format!("file://{}", report::sarif::encode(&dir.to_string_lossy()));
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
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
