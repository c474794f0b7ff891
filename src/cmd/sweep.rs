//! `nbscrub sweep`: the periodic cleanup a Studio lifecycle configuration
//! starts. Every interval, notebooks under the roots that nobody has
//! changed for a while and no running Jupyter server has open are stripped
//! in place; every action is one JSON line (CloudWatch reads them as they
//! are). A notebook is never risked: when a server cannot be asked which
//! notebooks are open, none is touched; a file that changes while it is
//! being stripped is left as it is.

use std::collections::HashSet;
use std::fs::OpenOptions;
use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use super::Exit;
use super::strip::{Render, Resolver, read_notebook, strip_bytes};
use crate::atomic;
use crate::cli::SweepArgs;
use crate::config::Configs;
use crate::sweep::{open_notebooks, parse_duration, runtime_dirs, servers, utc};

/// The name of the lock file in each root.
pub const LOCK: &str = ".nbscrub-sweep.lock";

/// Where log lines go: stdout, or appended to a file.
struct Log {
    file: Option<Mutex<std::fs::File>>,
}

impl Log {
    fn line(&self, event: &str, path: Option<&Path>, mut fields: Value) {
        let mut line = json!({"time": utc(SystemTime::now()), "event": event});
        if let Some(p) = path {
            line["path"] = json!(p.display().to_string());
        }
        if let Value::Object(extra) = fields.take() {
            for (k, v) in extra {
                line[k] = v;
            }
        }
        let text = format!("{line}\n");
        match &self.file {
            Some(file) => {
                let mut file = file.lock().expect("not poisoned");
                let _ = file.write_all(text.as_bytes());
            }
            None => {
                let _ = std::io::stdout().lock().write_all(text.as_bytes());
            }
        }
    }
}

pub fn run(args: &SweepArgs) -> Exit {
    let usage = |message: String| {
        eprintln!("nbscrub: {message}");
        Exit::Error
    };
    let configs = Configs::default();
    let settings = match configs.for_path(&args.roots[0]) {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    let config = settings.sweep();
    let duration = |flag: &Option<String>, set: &Option<String>, default: &str, name: &str| {
        let text = flag
            .clone()
            .or(set.clone())
            .unwrap_or_else(|| default.into());
        parse_duration(&text).map_err(|e| format!("--{name}: {e}"))
    };
    let interval = match duration(&args.interval, &config.interval, "30m", "interval") {
        Ok(d) => d,
        Err(e) => return usage(e),
    };
    let min_age = match duration(&args.min_age, &config.min_age, "10m", "min-age") {
        Ok(d) => d,
        Err(e) => return usage(e),
    };
    let log_path = args.log.clone().or(config.log.map(PathBuf::from));
    let log = Log {
        file: match &log_path {
            Some(path) => match OpenOptions::new().create(true).append(true).open(path) {
                Ok(f) => Some(Mutex::new(f)),
                Err(e) => return usage(format!("{}: {}", path.display(), crate::io_message(&e))),
            },
            None => None,
        },
    };
    let scan = args.scan || config.scan.unwrap_or(false);

    // One sweeper per root: the lock is held for the life of the process.
    let mut locks = Vec::new();
    for root in &args.roots {
        if !root.is_dir() {
            return usage(format!("{}: not a directory", root.display()));
        }
        let lock = match OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(root.join(LOCK))
        {
            Ok(f) => f,
            Err(e) => {
                return usage(format!(
                    "{}: {}",
                    root.join(LOCK).display(),
                    crate::io_message(&e)
                ));
            }
        };
        // SAFETY: flock on a descriptor this process owns.
        if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            log.line(
                "locked",
                Some(root),
                json!({"reason": "another sweeper holds this root's lock; not starting a second"}),
            );
            return Exit::Clean;
        }
        locks.push(lock);
    }
    crate::interrupt::catch();
    log.line(
        "start",
        None,
        json!({
            "roots": args.roots.iter().map(|r| r.display().to_string()).collect::<Vec<_>>(),
            "interval_s": interval.as_secs(),
            "min_age_s": min_age.as_secs(),
            "dry_run": args.dry_run,
            "scan": scan,
        }),
    );
    let engine = if scan {
        match crate::detect::builtin_rules().and_then(crate::detect::Engine::new) {
            Ok(e) => Some(e),
            Err(e) => return usage(e.to_string()),
        }
    } else {
        None
    };
    let sweeper = Sweeper {
        log: &log,
        strip: Resolver::from_config_files(),
        min_age,
        dry_run: args.dry_run,
        engine: engine.as_ref(),
    };
    loop {
        sweeper.round(&args.roots);
        if args.once || crate::interrupt::requested() {
            break;
        }
        // Sleep in short steps, so that SIGTERM is answered at once.
        let until = SystemTime::now() + interval;
        while SystemTime::now() < until && !crate::interrupt::requested() {
            std::thread::sleep(Duration::from_millis(100));
        }
        if crate::interrupt::requested() {
            break;
        }
    }
    log.line("stop", None, json!({}));
    drop(locks);
    Exit::Clean
}

struct Sweeper<'a> {
    log: &'a Log,
    strip: Resolver,
    min_age: Duration,
    dry_run: bool,
    engine: Option<&'a crate::detect::Engine>,
}

impl Sweeper<'_> {
    fn round(&self, roots: &[PathBuf]) {
        // Which notebooks are open, from every server that can be asked; if
        // one cannot, nothing is touched this round.
        let mut open: HashSet<PathBuf> = HashSet::new();
        for (file, server) in servers(&runtime_dirs()) {
            match server.and_then(|s| open_notebooks(&s)) {
                Ok(paths) => open.extend(paths),
                Err(reason) => {
                    self.log.line(
                        "skipped",
                        None,
                        json!({"reason": format!("a Jupyter server cannot be asked which notebooks are open ({reason}; runtime file {}); no notebook is touched this round", file.display())}),
                    );
                    return;
                }
            }
        }
        let mut counts: std::collections::BTreeMap<&'static str, usize> = Default::default();
        for root in roots {
            for path in notebooks(root) {
                if crate::interrupt::requested() {
                    break;
                }
                *counts.entry(self.one(&path, &open)).or_default() += 1;
            }
        }
        // Notebooks left as they are (unchanged, too recent) are counted,
        // not logged one by one: the log is for what was done.
        self.log.line("round", None, json!(counts));
    }

    /// Sweeps one notebook; returns what happened to it.
    fn one(&self, path: &Path, open: &HashSet<PathBuf>) -> &'static str {
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if open.contains(&canonical) {
            self.log
                .line("skipped", Some(path), json!({"reason": "open in Jupyter"}));
            return "open";
        }
        let file = match read_notebook(path, Vec::new()) {
            Ok(f) => f,
            Err(e) => {
                self.log.line("error", Some(path), json!({"reason": e}));
                return "error";
            }
        };
        let age = file
            .meta
            .modified()
            .ok()
            .and_then(|m| SystemTime::now().duration_since(m).ok())
            .unwrap_or_default();
        if age < self.min_age {
            return "recent";
        }
        if let Some(engine) = self.engine {
            let shown = path.display().to_string();
            let policy = crate::scan::Policy::new(crate::detect::Confidence::Medium);
            for f in crate::scan::scan_bytes(engine, path, &shown, &file.bytes, &policy).findings {
                self.log.line(
                    "finding",
                    Some(path),
                    json!({"rule": f.rule, "category": f.category, "line": f.line, "cell": f.cell, "redacted": f.redacted}),
                );
            }
        }
        let options = match self.strip.options_for_file(path) {
            Ok(o) => o,
            Err(e) => {
                self.log.line("error", Some(path), json!({"reason": e}));
                return "error";
            }
        };
        let render = if self.dry_run {
            Render::Never
        } else {
            Render::IfChanged
        };
        let (event, fields) = match strip_bytes(&file.bytes, &options.0, false, render) {
            Ok((false, _)) => return "unchanged",
            Ok((true, None)) => ("would-strip", json!({})),
            Ok((true, Some(text))) => {
                match atomic::replace(&file.target, text.as_bytes(), &file.meta) {
                    Ok(dir) => {
                        atomic::sync_dirs([dir]);
                        (
                            "stripped",
                            json!({"bytes_before": file.bytes.len(), "bytes_after": text.len()}),
                        )
                    }
                    Err(e) => ("error", json!({"reason": e.to_string()})),
                }
            }
            Err(e) => ("error", json!({"reason": e.to_string()})),
        };
        self.log.line(event, Some(path), fields);
        event
    }
}

/// The notebooks under a root, checkpoints included, in a stable order.
fn notebooks(root: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .build()
        .flatten()
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "ipynb"))
        .collect();
    found.sort();
    found
}
