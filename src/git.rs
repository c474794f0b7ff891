//! Talking to git through its plumbing commands: the staged entries of the
//! index (honouring `GIT_INDEX_FILE`, which `git commit -a` and
//! `git commit FILE` set), their blobs, new blobs, index updates, and the
//! hooks directory. The work tree is never read for staged content.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use thiserror::Error;

#[derive(Debug, Error)]
pub enum GitError {
    #[error("cannot run git: {0}")]
    Spawn(String),
    #[error("`git {command}` failed: {message}")]
    Failed { command: String, message: String },
    #[error("unexpected output from `git {0}`")]
    Parse(String),
}

/// A file as the index holds it, changed against HEAD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staged {
    /// Path relative to the top of the work tree, `/`-separated, as git
    /// writes it (any bytes but NUL).
    pub path: String,
    /// `100644`, `100755`, `120000` (symlink), `160000` (submodule).
    pub mode: String,
    pub blob: String,
}

impl Staged {
    /// A regular file: symlinks and submodules hold no content to strip or
    /// scan.
    pub fn is_file(&self) -> bool {
        self.mode == "100644" || self.mode == "100755"
    }
}

/// The repository around the current directory.
pub struct Repo {
    /// The top of the work tree: staged paths are relative to it.
    pub top: PathBuf,
}

impl Repo {
    pub fn discover() -> Result<Repo, GitError> {
        let top = output(
            &mut git_in(Path::new(".")),
            &["rev-parse", "--show-toplevel"],
        )?;
        Ok(Repo {
            top: PathBuf::from(trim_newline(&top)),
        })
    }

    /// The repository a hook runs in: git starts hooks at the top of the
    /// work tree with `GIT_INDEX_FILE` set, so no `git rev-parse` is needed
    /// (each git process costs milliseconds of the hook's budget).
    pub fn for_hook() -> Result<Repo, GitError> {
        match (std::env::var_os("GIT_INDEX_FILE"), std::env::current_dir()) {
            (Some(_), Ok(top)) => Ok(Repo { top }),
            _ => Repo::discover(),
        }
    }

    fn git(&self) -> Command {
        git_in(&self.top)
    }

    /// Added, copied, modified, renamed and type-changed files of the
    /// index against HEAD (against nothing on the first commit).
    pub fn staged(&self) -> Result<Vec<Staged>, GitError> {
        let args = [
            "diff",
            "--cached",
            "--raw",
            "-z",
            "--no-renames",
            "--no-abbrev",
            "--diff-filter=ACMT",
            "--no-ext-diff",
        ];
        let out = output(&mut self.git(), &args)?;
        // `:100644 100644 <old> <new> M\0path\0` per entry.
        let mut fields = out.split(|&b| b == 0).filter(|f| !f.is_empty());
        let mut staged = Vec::new();
        while let Some(meta) = fields.next() {
            let meta = String::from_utf8_lossy(meta);
            let parts: Vec<&str> = meta.trim_start_matches(':').split(' ').collect();
            let path = fields
                .next()
                .ok_or_else(|| GitError::Parse("diff".into()))?;
            if parts.len() < 5 {
                return Err(GitError::Parse("diff".into()));
            }
            staged.push(Staged {
                path: String::from_utf8_lossy(path).into_owned(),
                mode: parts[1].to_owned(),
                blob: parts[3].to_owned(),
            });
        }
        Ok(staged)
    }

    /// Every file blob reachable from `revs` (all refs when empty), once,
    /// with the commit that introduced it and its path there, oldest first.
    /// Only ids and paths are held, never contents. `keep` chooses blobs by
    /// id (a shard of a CI matrix).
    pub fn history(
        &self,
        revs: &[String],
        keep: impl Fn(&str) -> bool,
    ) -> Result<Vec<HistoryBlob>, GitError> {
        let mut cmd = self.git();
        cmd.args([
            "log",
            "--reverse",
            "--topo-order",
            "--format=%x01%H",
            "--raw",
            "--no-abbrev",
            "-z",
            "-m",
            "--no-renames",
            "--diff-filter=AMT",
            "--no-ext-diff",
        ]);
        if revs.is_empty() {
            cmd.arg("--all");
        } else {
            cmd.args(revs).arg("--");
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| GitError::Spawn(crate::io_message(&e)))?;
        let mut reader = BufReader::with_capacity(1 << 16, child.stdout.take().expect("piped"));
        let mut seen = std::collections::HashSet::new();
        let mut found = Vec::new();
        let mut commit = String::new();
        let mut token = Vec::new();
        let mut pending_meta: Option<(String, String)> = None;
        loop {
            token.clear();
            let n = reader
                .read_until(0, &mut token)
                .map_err(|e| GitError::Spawn(crate::io_message(&e)))?;
            if n == 0 {
                break;
            }
            if token.last() == Some(&0) {
                token.pop();
            }
            let text = String::from_utf8_lossy(&token);
            let text = text.trim_start_matches('\n');
            if let Some((mode, blob)) = pending_meta.take() {
                if (mode == "100644" || mode == "100755")
                    && keep(&blob)
                    && seen.insert(blob.clone())
                {
                    found.push(HistoryBlob {
                        blob,
                        commit: commit.clone(),
                        path: text.to_owned(),
                    });
                }
            } else if let Some(id) = text.strip_prefix('\u{1}') {
                commit = id.trim().to_owned();
            } else if let Some(meta) = text.strip_prefix(':') {
                let parts: Vec<&str> = meta.split(' ').collect();
                if parts.len() < 5 {
                    return Err(GitError::Parse("log --raw".into()));
                }
                pending_meta = Some((parts[1].to_owned(), parts[3].to_owned()));
            }
        }
        let out = child
            .wait_with_output()
            .map_err(|e| GitError::Spawn(crate::io_message(&e)))?;
        if !out.status.success() {
            return Err(GitError::Failed {
                command: "log".into(),
                message: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            });
        }
        Ok(found)
    }

    /// The staged regular files and their staged contents. The blob reader
    /// starts before `git diff`, so the two process start-ups overlap.
    pub fn staged_files(&self) -> Result<Vec<(Staged, Vec<u8>)>, GitError> {
        let reader = self.blob_reader()?;
        let staged: Vec<Staged> = self.staged()?.into_iter().filter(Staged::is_file).collect();
        let ids: Vec<&str> = staged.iter().map(|s| s.blob.as_str()).collect();
        let contents = reader.read(&ids)?;
        Ok(staged.into_iter().zip(contents).collect())
    }

    /// Starts a `git cat-file --batch` now, so that it is ready by the time
    /// the list of blobs to read is known.
    pub fn blob_reader(&self) -> Result<BlobReader, GitError> {
        let child = self
            .git()
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| GitError::Spawn(crate::io_message(&e)))?;
        Ok(BlobReader { child })
    }

    /// Stores each of `contents` as a blob, through one `git hash-object`,
    /// and returns their ids in order.
    pub fn write_blobs(&self, contents: &[&[u8]]) -> Result<Vec<String>, GitError> {
        if contents.is_empty() {
            return Ok(Vec::new());
        }
        let dir = tempfile_dir()?;
        let mut list = Vec::new();
        for (i, c) in contents.iter().enumerate() {
            let path = dir.path.join(format!("{i}"));
            std::fs::write(&path, c).map_err(|e| GitError::Spawn(crate::io_message(&e)))?;
            list.extend_from_slice(path.as_os_str().as_encoded_bytes());
            list.push(b'\n');
        }
        let args = ["hash-object", "-w", "--no-filters", "--stdin-paths"];
        let out = output_with_input(&mut self.git(), &args, &list)?;
        let ids: Vec<String> = trim_newline(&out).lines().map(str::to_owned).collect();
        if ids.len() != contents.len() {
            return Err(GitError::Parse("hash-object".into()));
        }
        Ok(ids)
    }

    /// Points index entries at new blobs, keeping their modes.
    pub fn update_index(&self, entries: &[(Staged, String)]) -> Result<(), GitError> {
        let mut input = Vec::new();
        for (entry, blob) in entries {
            input
                .extend_from_slice(format!("{} {}\t{}\0", entry.mode, blob, entry.path).as_bytes());
        }
        output_with_input(
            &mut self.git(),
            &["update-index", "-z", "--index-info"],
            &input,
        )?;
        Ok(())
    }

    /// `git config [--global] <key> <value>`.
    pub fn config_set(&self, global: bool, key: &str, value: &str) -> Result<(), GitError> {
        let scope = if global { "--global" } else { "--local" };
        output(&mut self.git(), &["config", scope, key, value]).map(|_| ())
    }

    /// `git config [--global] --unset <key>`; a key that is not set is fine.
    pub fn config_unset(&self, global: bool, key: &str) {
        let scope = if global { "--global" } else { "--local" };
        let _ = output(&mut self.git(), &["config", scope, "--unset", key]);
    }

    pub fn config_get(&self, key: &str) -> Option<String> {
        let out = output(&mut self.git(), &["config", "--get", key]).ok()?;
        Some(trim_newline(&out).to_owned()).filter(|v| !v.is_empty())
    }

    /// The attributes file a filter install writes: the repository's own
    /// `info/attributes` (not committed), or the user's global one.
    pub fn attributes_file(&self, global: bool) -> Result<PathBuf, GitError> {
        if !global {
            let out = output(
                &mut self.git(),
                &["rev-parse", "--git-path", "info/attributes"],
            )?;
            let path = PathBuf::from(trim_newline(&out));
            return Ok(if path.is_absolute() {
                path
            } else {
                self.top.join(path)
            });
        }
        if let Ok(out) = output(
            &mut self.git(),
            &["config", "--global", "--get", "core.attributesFile"],
        ) {
            let value = trim_newline(&out);
            if !value.is_empty() {
                let home = std::env::var_os("HOME")
                    .map(PathBuf::from)
                    .unwrap_or_default();
                return Ok(match value.strip_prefix("~/") {
                    Some(rest) => home.join(rest),
                    None => PathBuf::from(value),
                });
            }
        }
        let config = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
            .ok_or_else(|| GitError::Spawn("neither XDG_CONFIG_HOME nor HOME is set".into()))?;
        Ok(config.join("git/attributes"))
    }

    /// Where hooks live: `.git/hooks`, or `core.hooksPath` when set.
    pub fn hooks_dir(&self) -> Result<PathBuf, GitError> {
        let out = output(&mut self.git(), &["rev-parse", "--git-path", "hooks"])?;
        let dir = PathBuf::from(trim_newline(&out));
        Ok(if dir.is_absolute() {
            dir
        } else {
            self.top.join(dir)
        })
    }
}

/// A blob of the history, where it first appeared.
#[derive(Debug, Clone)]
pub struct HistoryBlob {
    pub blob: String,
    pub commit: String,
    pub path: String,
}

/// A running `git cat-file --batch`.
pub struct BlobReader {
    child: std::process::Child,
}

impl BlobReader {
    /// The contents of `blobs`, in order.
    pub fn read(mut self, blobs: &[&str]) -> Result<Vec<Vec<u8>>, GitError> {
        let mut stdin = self.child.stdin.take().expect("piped");
        let list: String = blobs.iter().map(|b| format!("{b}\n")).collect();
        // A writer thread: git answers while we are still asking.
        let writer = std::thread::spawn(move || stdin.write_all(list.as_bytes()));
        let mut reader =
            BufReader::with_capacity(1 << 16, self.child.stdout.take().expect("piped"));
        let io = |e: std::io::Error| GitError::Spawn(crate::io_message(&e));
        let mut contents = Vec::with_capacity(blobs.len());
        for _ in blobs {
            let mut header = String::new();
            reader.read_line(&mut header).map_err(io)?;
            let size: usize = header
                .split(' ')
                .nth(2)
                .and_then(|s| s.trim().parse().ok())
                .ok_or_else(|| GitError::Parse("cat-file --batch".into()))?;
            let mut blob = vec![0; size + 1];
            reader.read_exact(&mut blob).map_err(io)?;
            blob.pop(); // the newline after each object
            contents.push(blob);
        }
        let _ = writer.join();
        drop(reader);
        let _ = self.child.wait();
        Ok(contents)
    }
}

/// A private temporary directory, removed when dropped.
struct TempDir {
    path: PathBuf,
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn tempfile_dir() -> Result<TempDir, GitError> {
    use std::os::unix::fs::DirBuilderExt;
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("nbscrub-{}-{n}", std::process::id()));
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&path)
        .map_err(|e| GitError::Spawn(format!("{}: {}", path.display(), crate::io_message(&e))))?;
    Ok(TempDir { path })
}

fn git_in(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir);
    cmd
}

fn trim_newline(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes)
        .unwrap_or("")
        .trim_end_matches(['\n', '\r'])
}

fn output(cmd: &mut Command, args: &[&str]) -> Result<Vec<u8>, GitError> {
    output_with_input(cmd, args, &[])
}

fn output_with_input(cmd: &mut Command, args: &[&str], input: &[u8]) -> Result<Vec<u8>, GitError> {
    let mut child = cmd
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| GitError::Spawn(crate::io_message(&e)))?;
    let mut stdin = child.stdin.take().expect("piped");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child
        .wait_with_output()
        .map_err(|e| GitError::Spawn(crate::io_message(&e)))?;
    let _ = writer.join();
    if !out.status.success() {
        return Err(GitError::Failed {
            command: args.first().copied().unwrap_or("").to_owned(),
            message: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        });
    }
    Ok(out.stdout)
}
