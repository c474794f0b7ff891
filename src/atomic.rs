//! Replacing a file so that a crash, a full disk or a concurrent editor can
//! never leave it half-written: write a temporary file beside it, fsync,
//! give it the original's mode and owner, and rename it over the original.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// What the file looked like when it was read; a rewrite is refused when the
/// file changed since, so an editor's save is never overwritten.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snapshot {
    len: u64,
    mtime: i64,
    mtime_nsec: i64,
    dev: u64,
    ino: u64,
}

impl Snapshot {
    pub fn of(meta: &fs::Metadata) -> Snapshot {
        Snapshot {
            len: meta.len(),
            mtime: meta.mtime(),
            mtime_nsec: meta.mtime_nsec(),
            dev: meta.dev(),
            ino: meta.ino(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{}", crate::io_message(.0))]
    Io(#[from] io::Error),
    #[error("the file changed while it was being stripped; left as it is")]
    Changed,
    #[error("cannot keep the file's owner {uid}:{gid} ({}); left as it is", crate::io_message(.source))]
    Owner {
        uid: u32,
        gid: u32,
        source: io::Error,
    },
}

/// Replaces the file at `target` (a real file, not a symlink: a rename over
/// a symlink would replace the link) with `contents`, keeping the
/// permissions and owner in `read_as`, the metadata of the file when it was
/// read. Returns the directory whose entry changed: pass it to
/// [`sync_dirs`] once the batch is done, so that a directory of many
/// notebooks is synced once, not once per file.
pub fn replace(
    target: &Path,
    contents: &[u8],
    read_as: &fs::Metadata,
) -> Result<PathBuf, WriteError> {
    prepare(target, contents, read_as)?.commit()
}

/// The first half of [`replace`]: the new contents, synced, in a temporary
/// file beside `target`, which [`Prepared::commit`] renames over it.
/// A batch prepares its files before it commits any, so that a stop asked
/// for midway can drop what is prepared and leave every notebook whole.
/// On ext4 without a journal it also spares each new temporary file a
/// search past the inodes that the batch's own renames freed: such a
/// filesystem does not reuse an inode freed in the last minutes.
pub fn prepare(
    target: &Path,
    contents: &[u8],
    read_as: &fs::Metadata,
) -> Result<Prepared, WriteError> {
    let (tmp_path, mut tmp) = create_temp(target)?;
    let prepared = Prepared {
        tmp_path,
        target: target.to_path_buf(),
        before: Snapshot::of(read_as),
        renamed: false,
    };
    // On an error, dropping `prepared` removes the temporary file.
    fill(&mut tmp, contents, read_as)?;
    Ok(prepared)
}

/// A rewrite waiting in its temporary file; dropped without a commit, the
/// temporary file is removed and the target left as it was.
#[derive(Debug)]
pub struct Prepared {
    tmp_path: PathBuf,
    target: PathBuf,
    before: Snapshot,
    renamed: bool,
}

impl Prepared {
    /// The file that was read (device and inode), whatever name it was
    /// reached by: a symlink and its target are one file.
    pub fn file(&self) -> (u64, u64) {
        (self.before.dev, self.before.ino)
    }

    /// Renames the new contents over the target, unless the target changed
    /// since it was read. Returns the directory whose entry changed.
    pub fn commit(mut self) -> Result<PathBuf, WriteError> {
        // Checked as late as possible: the window in which an editor's save
        // could be lost is the rename alone.
        if Snapshot::of(&fs::metadata(&self.target)?) != self.before {
            return Err(WriteError::Changed);
        }
        fs::rename(&self.tmp_path, &self.target)?;
        self.renamed = true;
        Ok(self.target.parent().unwrap_or(Path::new(".")).to_path_buf())
    }
}

impl Drop for Prepared {
    fn drop(&mut self) {
        if !self.renamed {
            let _ = fs::remove_file(&self.tmp_path);
        }
    }
}

/// Writes a new file (a report) whole or not at all: readers such as a CI
/// upload step never see half of it. An existing file's mode is kept; a
/// new one gets 0644.
pub fn write(target: &Path, contents: &[u8]) -> Result<(), WriteError> {
    let mode = fs::metadata(target).map_or(0o644, |m| m.mode() & 0o7777);
    let (tmp_path, mut tmp) = create_temp(target)?;
    let result = (|| -> io::Result<()> {
        tmp.write_all(contents)?;
        tmp.set_permissions(fs::Permissions::from_mode(mode))?;
        tmp.sync_all()?;
        fs::rename(&tmp_path, target)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp_path);
        return Err(e.into());
    }
    let dir = target.parent().filter(|d| !d.as_os_str().is_empty());
    sync_dirs([dir.unwrap_or(Path::new(".")).to_path_buf()]);
    Ok(())
}

/// Makes renames durable by syncing the directories that hold them. The
/// file contents were synced before each rename, so a crash before this
/// leaves either the old or the new notebook, never a mix.
pub fn sync_dirs(dirs: impl IntoIterator<Item = PathBuf>) {
    let unique: std::collections::BTreeSet<PathBuf> = dirs.into_iter().collect();
    for dir in unique {
        // Some filesystems refuse to sync a directory, harmlessly.
        let _ = File::open(&dir).and_then(|d| d.sync_all());
    }
}

fn fill(tmp: &mut File, contents: &[u8], meta: &fs::Metadata) -> Result<(), WriteError> {
    tmp.write_all(contents)?;
    tmp.set_permissions(fs::Permissions::from_mode(meta.mode() & 0o7777))?;
    let (uid, gid) = (meta.uid(), meta.gid());
    let current = tmp.metadata()?;
    if (current.uid(), current.gid()) != (uid, gid) {
        use std::os::fd::AsRawFd;
        // SAFETY: fchown on a file descriptor we own; no memory is shared.
        if unsafe { libc::fchown(tmp.as_raw_fd(), uid, gid) } != 0 {
            return Err(WriteError::Owner {
                uid,
                gid,
                source: io::Error::last_os_error(),
            });
        }
        // chown clears set-id bits; put the mode back.
        tmp.set_permissions(fs::Permissions::from_mode(meta.mode() & 0o7777))?;
    }
    tmp.sync_all()?;
    Ok(())
}

/// The process id, asked of the kernel once.
fn pid() -> u32 {
    static PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *PID.get_or_init(std::process::id)
}

fn create_temp(target: &Path) -> io::Result<(PathBuf, File)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.nbscrub-{}-{n}.tmp", pid()));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
        {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}
