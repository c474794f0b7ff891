//! `nbscrub strip`: files in place (in parallel), stdin to stdout, textconv.

use std::collections::HashMap;
use std::io::{self, IsTerminal, Write};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use super::Exit;
use crate::atomic;
use crate::cli::StripArgs;
use crate::inputs::read::{self, ReadBytes};
use crate::inputs::walk;
use crate::io_message;
use crate::notebook::{Notebook, NotebookError};
use crate::strip::{OutputType, StripOptions, parse_size, strip};

/// Larger notebooks are refused rather than risk memory for the whole
/// machine: the parsed tree can take a few times the file's size.
pub const MAX_NOTEBOOK_BYTES: u64 = 1 << 30;

/// When to write out the stripped notebook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Render {
    /// Only tell whether it would change (`--check`).
    Never,
    /// In place: only a changed notebook is written.
    IfChanged,
    /// stdin and textconv print the notebook whether or not it changed.
    Always,
}

/// Strips one notebook held in memory: whether it changed, and its new text
/// when `render` asks for it.
pub fn strip_bytes(
    bytes: &[u8],
    options: &StripOptions,
    keep_format: bool,
    render: Render,
) -> Result<(bool, Option<String>), NotebookError> {
    let (mut nb, text) = Notebook::read(bytes)?;
    let changed = strip(&mut nb, options)?;
    let wanted = match render {
        Render::Never => false,
        Render::IfChanged => changed,
        Render::Always => true,
    };
    if !wanted {
        return Ok((changed, None));
    }
    let out = if keep_format {
        nb.to_original_style(text)
    } else {
        nb.to_nbformat()?
    };
    Ok((changed, Some(out)))
}

fn options_from(args: &StripArgs) -> Result<StripOptions, String> {
    let words = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
    let (mut options, ignored) =
        StripOptions::new(&words(&args.extra_keys), &words(&args.keep_metadata_keys));
    if let Some(key) = ignored.first() {
        return Err(format!(
            "--extra-keys: `{key}` must start with `metadata.` or `cell.`"
        ));
    }
    options.keep_output = args.keep_output.then_some(true);
    options.keep_count = args.keep_count;
    options.keep_id = args.keep_id;
    options.drop_empty_cells = args.drop_empty_cells;
    options.strip_init_cells = args.strip_init_cells;
    options.drop_tagged_cells = words(&args.drop_tagged_cells);
    options.max_size = parse_size(&args.max_size).map_err(|e| format!("--max-size: {e}"))?;
    let types = |list: &[String], flag: &str| {
        list.iter()
            .map(|t| t.parse::<OutputType>().map_err(|e| format!("{flag}: {e}")))
            .collect::<Result<Vec<_>, _>>()
    };
    options.keep_output_types = types(&args.keep_output_type, "--keep-output-type")?;
    options.drop_output_types = types(&args.drop_output_type, "--drop-output-type")?;
    Ok(options)
}

/// `--keep-output-type T...` takes several values, as in nbstripout, so it
/// swallows paths written after it (`--keep-output-type stream nb.ipynb`).
/// Output types are bare words (`stream`, `stream:stderr`); `-` and values
/// with a `.` or `/` go back to the paths.
fn reclaim_paths(args: &StripArgs) -> StripArgs {
    let is_path = |v: &String| v == "-" || v.contains(['.', '/']);
    let mut args = args.clone();
    for list in [&mut args.keep_output_type, &mut args.drop_output_type] {
        let (paths, types): (Vec<String>, Vec<String>) = list.drain(..).partition(is_path);
        *list = types;
        args.paths.extend(paths.into_iter().map(PathBuf::from));
    }
    args
}

/// The command line's options over a file's configuration (`[strip]`):
/// a flag given decides, else the closest configuration file, else
/// nbstripout's default.
fn with_config(args: &StripArgs, config: &crate::config::Strip) -> StripArgs {
    let mut args = args.clone();
    let flag = |given: bool, set: Option<bool>| given || set.unwrap_or(false);
    args.keep_output = flag(args.keep_output, config.keep_output);
    args.keep_count = flag(args.keep_count, config.keep_count);
    args.keep_id = flag(args.keep_id, config.keep_id);
    args.drop_empty_cells = flag(args.drop_empty_cells, config.drop_empty_cells);
    args.strip_init_cells = flag(args.strip_init_cells, config.strip_init_cells);
    args.keep_format = flag(args.keep_format, config.keep_format);
    let words = |given: &mut String, set: &Option<Vec<String>>| {
        if given.is_empty()
            && let Some(list) = set
        {
            *given = list.join(" ");
        }
    };
    words(&mut args.extra_keys, &config.extra_keys);
    words(&mut args.keep_metadata_keys, &config.keep_metadata_keys);
    words(&mut args.drop_tagged_cells, &config.drop_tagged_cells);
    if args.max_size == "0"
        && let Some(size) = &config.max_size
    {
        args.max_size.clone_from(size);
    }
    if args.keep_output_type.is_empty() {
        args.keep_output_type = config.keep_output_type.clone().unwrap_or_default();
    }
    if args.drop_output_type.is_empty() {
        args.drop_output_type = config.drop_output_type.clone().unwrap_or_default();
    }
    args
}

/// A file's strip options and whether to keep its formatting, from its
/// configuration and the command line, worked out once per set of
/// configuration files.
pub type Resolved = Arc<(StripOptions, bool)>;

pub struct Resolver {
    args: StripArgs,
    configs: crate::config::Configs,
    cache: Mutex<HashMap<Vec<PathBuf>, Resolved>>,
    /// By the directory of a file as its path was given: a batch's files
    /// share a few directories, and this spares each one the work of
    /// finding its configuration files.
    by_dir: Mutex<HashMap<PathBuf, Resolved>>,
}

impl Resolver {
    fn new(args: StripArgs) -> Resolver {
        Resolver {
            args,
            configs: crate::config::Configs::default(),
            cache: Mutex::default(),
            by_dir: Mutex::default(),
        }
    }

    /// Options from configuration files alone (the hook and the sweeper
    /// have no strip flags).
    pub fn from_config_files() -> Resolver {
        Resolver::new(StripArgs {
            max_size: "0".into(),
            ..StripArgs::default()
        })
    }

    /// The options for a file (not a directory).
    pub fn options_for_file(&self, file: &Path) -> Result<Resolved, String> {
        let dir = file.parent().unwrap_or(Path::new(""));
        if let Some(found) = self.by_dir.lock().expect("not poisoned").get(dir) {
            return Ok(found.clone());
        }
        let resolved = self.options_for(file)?;
        self.by_dir
            .lock()
            .expect("not poisoned")
            .insert(dir.to_path_buf(), resolved.clone());
        Ok(resolved)
    }

    pub fn options_for(&self, path: &Path) -> Result<Resolved, String> {
        let settings = self.configs.for_path(path)?;
        let key: Vec<PathBuf> = settings.layers.iter().map(|l| l.path.clone()).collect();
        if let Some(found) = self.cache.lock().expect("not poisoned").get(&key) {
            return Ok(found.clone());
        }
        let args = with_config(&self.args, &settings.strip());
        let resolved = Arc::new((options_from(&args)?, args.keep_format));
        self.cache
            .lock()
            .expect("not poisoned")
            .insert(key, resolved.clone());
        Ok(resolved)
    }
}

pub fn run(args: &StripArgs) -> Exit {
    let args = &reclaim_paths(args);
    let resolver = Resolver::new(args.clone());
    let here = args.textconv.clone().unwrap_or_else(|| PathBuf::from("."));
    let (options, keep_format) = match resolver.options_for(&here) {
        Ok(resolved) => (*resolved).clone(),
        Err(message) => {
            eprintln!("nbscrub: {message}");
            return Exit::Error;
        }
    };
    if let Some(file) = &args.textconv {
        return to_stdout(
            &display(file),
            read_file(file),
            &options,
            keep_format,
            false,
        );
    }
    // With no paths, a notebook piped in is read, as nbstripout (and so a
    // git filter set up for it) does; a terminal has nothing to read.
    let stdin = Path::new("-");
    if args.paths.is_empty() && io::stdin().is_terminal() {
        eprintln!(
            "nbscrub: no paths given: name notebooks or directories, or pipe a notebook in (`-` reads stdin)"
        );
        return Exit::Error;
    }
    if args.paths.is_empty() || args.paths.iter().any(|p| p == stdin) {
        if args.paths.len() > 1 {
            eprintln!("nbscrub: `-` (stdin) cannot be combined with other paths");
            return Exit::Error;
        }
        return to_stdout("<stdin>", read_stdin(), &options, keep_format, args.check);
    }
    in_place(&args.paths, &resolver, args.check)
}

/// Reads the notebook on stdin: a file when a shell redirects one (its size
/// known), a pipe when git runs the clean filter.
fn read_stdin() -> Result<ReadBytes, String> {
    let stdin = std::fs::File::from(
        io::stdin()
            .as_fd()
            .try_clone_to_owned()
            .map_err(|e| io_message(&e))?,
    );
    let size = stdin
        .metadata()
        .map_or(0, |m| if m.is_file() { m.len() as usize } else { 0 });
    let bytes = read::whole(stdin.as_fd(), size, MAX_NOTEBOOK_BYTES, Vec::new())
        .map_err(|e| io_message(&e))?;
    within_limit(bytes.len() as u64)?;
    Ok(bytes)
}

fn within_limit(len: u64) -> Result<(), String> {
    if len > MAX_NOTEBOOK_BYTES {
        return Err(format!(
            "too large to strip ({len} bytes; the limit is {MAX_NOTEBOOK_BYTES})"
        ));
    }
    Ok(())
}

/// A notebook read from disk: its bytes, the metadata of exactly those
/// bytes (size, mtime, owner, mode, taken through the same descriptor), and
/// the real file behind a symlink, which is where a rewrite must go.
pub struct ReadFile {
    pub bytes: ReadBytes,
    pub meta: std::fs::Metadata,
    /// The file to write: the path, or a symlink's target.
    pub target: PathBuf,
}

fn read_file(path: &Path) -> Result<ReadBytes, String> {
    read_notebook(path, Vec::new()).map(|f| f.bytes)
}

/// Reads a notebook into `buffer`, whose memory is reused: a fresh buffer
/// per file of a batch has the kernel fault in and zero new pages each time
/// (2,000 notebooks: 17,600 page faults with fresh buffers, 11,500 reused).
pub fn read_notebook(path: &Path, buffer: Vec<u8>) -> Result<ReadFile, String> {
    use std::os::unix::fs::OpenOptionsExt;
    // Opening without following a final symlink tells, in the same system
    // call, whether the path is one (ELOOP) and so where to write.
    let (file, target) = match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
    {
        Ok(file) => (file, path.to_path_buf()),
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            let target = std::fs::canonicalize(path).map_err(|e| io_message(&e))?;
            let file = std::fs::File::open(&target).map_err(|e| io_message(&e))?;
            (file, target)
        }
        Err(e) => return Err(io_message(&e)),
    };
    let meta = file.metadata().map_err(|e| io_message(&e))?;
    if meta.is_dir() {
        return Err("is a directory".into());
    }
    within_limit(meta.len())?;
    let bytes = read::whole(
        file.as_fd(),
        meta.len() as usize,
        MAX_NOTEBOOK_BYTES,
        buffer,
    )
    .map_err(|e| io_message(&e))?;
    within_limit(bytes.len() as u64)?;
    Ok(ReadFile {
        bytes,
        meta,
        target,
    })
}

/// Strips one notebook read whole (stdin, textconv) to stdout, or with
/// `check` only tells whether it would change: `-` listed and exit 1, as
/// the in-place check lists a file.
fn to_stdout(
    name: &str,
    read: Result<ReadBytes, String>,
    options: &StripOptions,
    keep_format: bool,
    check: bool,
) -> Exit {
    let render = if check { Render::Never } else { Render::Always };
    let result = read.and_then(|bytes| {
        strip_bytes(&bytes, options, keep_format, render).map_err(|e| e.to_string())
    });
    match result {
        Ok((true, None)) => {
            println!("-");
            eprintln!("nbscrub: the notebook on stdin would be stripped");
            Exit::Changes
        }
        Ok((false, None)) => Exit::Clean,
        Ok((_, Some(text))) => {
            let mut out = io::stdout().lock();
            let written = out.write_all(text.as_bytes()).and_then(|()| out.flush());
            match written {
                // A reader that stops early (`| head`) is not our error.
                Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
                    eprintln!("nbscrub: writing stdout: {}", io_message(&e));
                    Exit::Error
                }
                _ => Exit::Clean,
            }
        }
        Err(message) => {
            eprintln!("nbscrub: {name}: {message}");
            Exit::Error
        }
    }
}

/// What became of one file.
enum Outcome {
    Unchanged,
    /// With `--check`: would be stripped.
    WouldStrip,
    /// Stripped into a temporary file, not yet renamed over the notebook.
    Prepared(atomic::Prepared),
    /// Stripped in place; the directory whose entry the rename replaced.
    Stripped(PathBuf),
    Failed(String),
    /// Not read: a stop was asked for first.
    NotReached,
}

/// How many files a batch prepares before it renames them (see
/// [`atomic::prepare`]): enough for most repositories to be one round, few
/// enough that an interrupted run has little to clean up.
const ROUND: usize = 4096;

/// From how many notebooks a round syncs each filesystem once instead of
/// each file (see [`atomic::Batch`]). A filesystem's sync also waits for
/// whatever else is being written there (a download, a checkpoint), which
/// the flushes saved on a few files would not pay for.
const BATCH_SYNC_FROM: usize = 8;

fn in_place(paths: &[PathBuf], resolver: &Resolver, check: bool) -> Exit {
    let (files, walk_errors) = walk::files(paths, &[".ipynb"]);
    let mut failed = !walk_errors.is_empty();
    for e in &walk_errors {
        eprintln!("nbscrub: {}: {}", display(&e.path), e.message);
    }
    crate::interrupt::catch();
    let strip_all = || -> Vec<Outcome> {
        let mut outcomes = Vec::with_capacity(files.len());
        for round in files.chunks(ROUND) {
            let batch = (!check && round.len() >= BATCH_SYNC_FROM)
                .then(|| atomic::Batch::new(round.iter().map(PathBuf::as_path)));
            let mut prepared: Vec<Outcome> = round
                .par_iter()
                .map(|path| {
                    if crate::interrupt::requested() {
                        return Outcome::NotReached;
                    }
                    match resolver.options_for_file(path) {
                        Ok(resolved) => {
                            strip_file(path, &resolved.0, resolved.1, check, batch.as_ref())
                        }
                        Err(message) => Outcome::Failed(message),
                    }
                })
                .collect();
            // One file under two names (a symlink and its target, a path
            // given twice) is prepared twice; one rename strips it, and a
            // second would find it changed.
            let mut seen = std::collections::HashSet::new();
            for outcome in &mut prepared {
                if let Outcome::Prepared(rewrite) = outcome
                    && !seen.insert(rewrite.file())
                {
                    *outcome = Outcome::Unchanged;
                }
            }
            // No rename before the new contents are on disk.
            let unsynced = batch.as_ref().map(atomic::Batch::sync).unwrap_or_default();
            for outcome in &mut prepared {
                if let Outcome::Prepared(rewrite) = outcome
                    && let Some((_, e)) = unsynced.iter().find(|(dev, _)| *dev == rewrite.file().0)
                {
                    *outcome = Outcome::Failed(format!(
                        "cannot write the stripped notebook to disk ({}); left as it is",
                        crate::io_message(e)
                    ));
                }
            }
            outcomes.par_extend(prepared.into_par_iter().map(|outcome| match outcome {
                // A stop asked for now drops the rewrite, removing its
                // temporary file: the notebook stays as it was.
                Outcome::Prepared(_) if crate::interrupt::requested() => Outcome::NotReached,
                Outcome::Prepared(rewrite) => match rewrite.commit() {
                    Ok(dir) => Outcome::Stripped(dir),
                    Err(e) => Outcome::Failed(e.to_string()),
                },
                other => other,
            }));
        }
        outcomes
    };
    let outcomes = match io_pool(files.first().map(PathBuf::as_path)) {
        Some(pool) => pool.install(strip_all),
        None => strip_all(),
    };
    let mut stdout = io::stdout().lock();
    let mut changed = 0usize;
    let mut not_reached = 0usize;
    for (path, outcome) in files.iter().zip(&outcomes) {
        match outcome {
            Outcome::Unchanged | Outcome::Prepared(_) => {}
            Outcome::Stripped(_) => changed += 1,
            Outcome::WouldStrip => {
                changed += 1;
                let _ = writeln!(stdout, "{}", display(path));
            }
            Outcome::Failed(message) => {
                failed = true;
                eprintln!("nbscrub: {}: {message}", display(path));
            }
            Outcome::NotReached => not_reached += 1,
        }
    }
    atomic::sync_dirs(outcomes.into_iter().filter_map(|o| match o {
        Outcome::Stripped(dir) => Some(dir),
        _ => None,
    }));
    if not_reached > 0 {
        eprintln!(
            "nbscrub: interrupted; {not_reached} of {} notebook{} left as they were",
            files.len(),
            if files.len() == 1 { "" } else { "s" }
        );
        return Exit::Error;
    }
    if check && changed > 0 {
        eprintln!(
            "nbscrub: {changed} of {} notebook{} would be stripped",
            files.len(),
            if files.len() == 1 { "" } else { "s" }
        );
    }
    if failed {
        Exit::Error
    } else if check && changed > 0 {
        Exit::Changes
    } else {
        Exit::Clean
    }
}

/// A rewrite waits on fsync, so on a disk the work is I/O-bound: more
/// threads than cores keep the device's queue full (2,000 notebooks on this
/// project's 2-core VM and its noisy ext4 disk: 1.0 to 2.4 s with 2 threads,
/// 0.5 to 1.4 s with 16). In memory (tmpfs, where a SageMaker or CI job may
/// keep its checkout) fsync returns at once and the extra threads only
/// contend: one per core there (0.22 s against 0.25 s).
/// `RAYON_NUM_THREADS` still wins when set.
fn io_pool(first: Option<&Path>) -> Option<rayon::ThreadPool> {
    let mut builder = rayon::ThreadPoolBuilder::new().stack_size(crate::PARSE_STACK);
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let waits = !first.is_some_and(|f| atomic::filesystem(f).is_some_and(|k| k.in_memory()));
        builder = builder.num_threads(if waits { (cores * 8).max(16) } else { cores });
    }
    builder.build().ok()
}

/// The largest read buffer a thread keeps for its next notebook.
const KEPT_BUFFER: usize = 64 << 20;

fn strip_file(
    path: &Path,
    options: &StripOptions,
    keep_format: bool,
    check: bool,
    batch: Option<&atomic::Batch>,
) -> Outcome {
    thread_local! {
        static BUFFER: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
    }
    let run = || -> Result<Outcome, String> {
        let file = read_notebook(path, BUFFER.take())?;
        let render = if check {
            Render::Never
        } else {
            Render::IfChanged
        };
        let (changed, text) =
            strip_bytes(&file.bytes, options, keep_format, render).map_err(|e| e.to_string())?;
        let outcome = match text {
            Some(text) => Outcome::Prepared(
                atomic::prepare(&file.target, text.as_bytes(), &file.meta, batch)
                    .map_err(|e| e.to_string())?,
            ),
            None if changed => Outcome::WouldStrip,
            None => Outcome::Unchanged,
        };
        // A buffer grown for a huge notebook is not kept.
        let buffer = file.bytes.into_buffer();
        if buffer.capacity() <= KEPT_BUFFER {
            BUFFER.set(buffer);
        }
        Ok(outcome)
    };
    run().unwrap_or_else(Outcome::Failed)
}

/// A path as users typed it, with `/` separators.
pub fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}
