//! Replacing a file so that a crash, a full disk or a concurrent editor can
//! never leave it half-written: write a temporary file beside it, fsync,
//! give it the original's mode and owner, and rename it over the original.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

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
    prepare(target, contents, read_as, None)?.commit()
}

/// The first half of [`replace`]: the new contents, synced, in a temporary
/// file beside `target`, which [`Prepared::commit`] renames over it.
/// A batch prepares its files before it commits any, so that a stop asked
/// for midway can drop what is prepared and leave every notebook whole.
/// On ext4 without a journal it also spares each new temporary file a
/// search past the inodes that the batch's own renames freed: such a
/// filesystem does not reuse an inode freed in the last minutes.
/// With a [`Batch`] that covers the file's filesystem the contents are
/// synced later, by [`Batch::sync`], which must succeed before the commit.
pub fn prepare(
    target: &Path,
    contents: &[u8],
    read_as: &fs::Metadata,
    batch: Option<&Batch>,
) -> Result<Prepared, WriteError> {
    let (tmp_path, mut tmp) = create_temp(target, read_as.mode() & 0o777)?;
    let prepared = Prepared {
        tmp_path,
        target: target.to_path_buf(),
        before: Snapshot::of(read_as),
        renamed: false,
    };
    // On an error, dropping `prepared` removes the temporary file.
    fill(&mut tmp, contents, read_as)?;
    if !batch.is_some_and(|b| b.defers(read_as.dev())) {
        tmp.sync_all()?;
    }
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
        Ok(dir_of(&self.target).to_path_buf())
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
    let (tmp_path, mut tmp) = create_temp(target, 0o600)?;
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
    sync_dirs([dir_of(target).to_path_buf()]);
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
    let mode = meta.mode() & 0o7777;
    let current = tmp.metadata()?;
    // Created with the notebook's mode, less what the umask takes: most
    // often there is nothing left to set.
    if current.mode() & 0o7777 != mode {
        tmp.set_permissions(fs::Permissions::from_mode(mode))?;
    }
    let (uid, gid) = (meta.uid(), meta.gid());
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
        tmp.set_permissions(fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}

/// The durability of a batch of rewrites, paid once per filesystem rather
/// than once per file: a `syncfs` writes every temporary file out together
/// and flushes the device's cache once, where an `fsync` per file waits for
/// a write and a flush each time (2,000 notebooks on this project's ext4
/// disk: 0.47 s against 0.52 s a batch, and 6% less in memory, where an
/// `fsync` still costs a system call). The guarantee is the same: no rename
/// happens before the new contents are on disk. A file on a filesystem the
/// batch does not cover (reached through a symlink, or on a network or FUSE
/// filesystem) is synced on its own.
pub struct Batch {
    filesystems: Vec<Filesystem>,
}

struct Filesystem {
    dev: u64,
    /// Opened before any temporary file is written: `syncfs` reports the
    /// write-back errors that happened since its descriptor was opened.
    dir: File,
    /// Whether a temporary file waits for this filesystem's sync.
    deferred: AtomicBool,
}

impl Batch {
    /// A batch covering the filesystems that hold `files`, the notebooks
    /// about to be rewritten.
    pub fn new<'p>(files: impl IntoIterator<Item = &'p Path>) -> Batch {
        let mut filesystems: Vec<Filesystem> = Vec::new();
        if syncfs_reports_errors() {
            let mut seen_dirs = std::collections::HashSet::new();
            // Covered or not, a filesystem is asked about once.
            let mut seen_devs = std::collections::HashSet::new();
            for dir in files.into_iter().map(dir_of) {
                if !seen_dirs.insert(dir) {
                    continue;
                }
                let Ok(meta) = fs::metadata(dir) else {
                    continue;
                };
                if !seen_devs.insert(meta.dev())
                    || !filesystem(dir).is_some_and(|kind| kind.syncs_whole())
                {
                    continue;
                }
                if let Ok(file) = File::open(dir) {
                    filesystems.push(Filesystem {
                        dev: meta.dev(),
                        dir: file,
                        deferred: AtomicBool::new(false),
                    });
                }
            }
        }
        Batch { filesystems }
    }

    fn defers(&self, dev: u64) -> bool {
        let Some(fs) = self.filesystems.iter().find(|f| f.dev == dev) else {
            return false;
        };
        fs.deferred.store(true, Ordering::Relaxed);
        true
    }

    /// Syncs every filesystem a temporary file waits on. Returns the ones
    /// that failed, by device: the rewrites prepared there must be dropped.
    pub fn sync(&self) -> Vec<(u64, io::Error)> {
        let mut failed = Vec::new();
        for fs in &self.filesystems {
            if fs.deferred.swap(false, Ordering::Relaxed)
                && let Err(e) = syncfs(&fs.dir)
            {
                failed.push((fs.dev, e));
            }
        }
        failed
    }
}

/// The kind of filesystem a path is on, as `statfs` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilesystemKind(i64);

impl FilesystemKind {
    const TMPFS: i64 = 0x0102_1994;
    const RAMFS: i64 = 0x8584_58f6;
    const EXT4: i64 = 0xef53;
    const XFS: i64 = 0x5846_5342;
    const BTRFS: i64 = 0x9123_683e;
    const F2FS: i64 = 0xf2f5_2010;

    /// Held in memory (tmpfs, ramfs): a sync costs nothing there.
    pub fn in_memory(self) -> bool {
        matches!(self.0, Self::TMPFS | Self::RAMFS)
    }

    /// Whether `syncfs` there makes every file's data and inode durable, as
    /// an `fsync` of each would: true of the local filesystems below. A
    /// network or FUSE filesystem may do less for `syncfs` than for `fsync`
    /// (a FUSE server is not always asked to sync), so its files are synced
    /// one by one.
    fn syncs_whole(self) -> bool {
        self.in_memory() || matches!(self.0, Self::EXT4 | Self::XFS | Self::BTRFS | Self::F2FS)
    }
}

/// The filesystem `path` is on; `None` where it cannot be asked.
pub fn filesystem(path: &Path) -> Option<FilesystemKind> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: statfs writes only into the zeroed struct we pass, and reads
    // the NUL-terminated path we own.
    let mut stats: libc::statfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statfs(c_path.as_ptr(), &mut stats) } != 0 {
        return None;
    }
    // `f_type`'s width and sign differ between platforms; the magic numbers
    // are 32-bit.
    #[allow(clippy::unnecessary_cast)]
    Some(FilesystemKind(i64::from(stats.f_type as u32)))
}

/// Whether `syncfs` tells of a file that failed to reach the disk: Linux
/// 5.8 and later do; before, it returned success whatever happened, and only
/// an `fsync` of each file would tell.
fn syncfs_reports_errors() -> bool {
    #[cfg(target_os = "linux")]
    {
        static REPORTS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *REPORTS.get_or_init(|| {
            // SAFETY: uname fills the zeroed struct we own.
            let mut name: libc::utsname = unsafe { std::mem::zeroed() };
            if unsafe { libc::uname(&mut name) } != 0 {
                return false;
            }
            // SAFETY: uname NUL-terminates `release`.
            let release = unsafe { std::ffi::CStr::from_ptr(name.release.as_ptr()) };
            kernel_at_least(&release.to_string_lossy(), (5, 8))
        })
    }
    #[cfg(not(target_os = "linux"))]
    false
}

/// Whether a kernel release such as `6.18.44-fc-v1300` is `want` or later.
fn kernel_at_least(release: &str, want: (u32, u32)) -> bool {
    let mut parts = release
        .split(|c: char| !c.is_ascii_digit())
        .map(|p| p.parse::<u32>().ok());
    match (parts.next().flatten(), parts.next().flatten()) {
        (Some(major), Some(minor)) => (major, minor) >= want,
        _ => false,
    }
}

#[cfg(target_os = "linux")]
fn syncfs(file: &File) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: syncfs takes a descriptor we own and touches no memory.
    if unsafe { libc::syncfs(file.as_raw_fd()) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn syncfs(_: &File) -> io::Result<()> {
    unreachable!("a batch covers no filesystem outside Linux")
}

/// The directory holding `path`, whose entry a rename changes: `.` for a
/// bare file name, whose parent is the empty path (which cannot be opened,
/// so syncing it would silently do nothing).
pub fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// The process id, asked of the kernel once.
fn pid() -> u32 {
    static PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *PID.get_or_init(std::process::id)
}

/// A new file beside `target`, created with `mode` (less the umask).
fn create_temp(target: &Path, mode: u32) -> io::Result<(PathBuf, File)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = dir_of(target);
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
            .mode(mode)
            .open(&tmp)
        {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A notebook named without a directory is renamed in `.`, which is
    /// what gets synced.
    #[test]
    fn a_bare_file_name_is_in_the_current_directory() {
        assert_eq!(dir_of(Path::new("a.ipynb")), Path::new("."));
        assert_eq!(dir_of(Path::new("nb/a.ipynb")), Path::new("nb"));
        assert_eq!(dir_of(Path::new("/a.ipynb")), Path::new("/"));
        assert_eq!(dir_of(Path::new("/")), Path::new("."));
    }

    #[test]
    fn kernel_releases_are_compared_by_major_and_minor() {
        assert!(kernel_at_least("6.18.44-fc-v1300", (5, 8)));
        assert!(kernel_at_least("5.8.0", (5, 8)));
        assert!(kernel_at_least("5.10.240-238.959.amzn2.x86_64", (5, 8)));
        assert!(!kernel_at_least("5.4.0-1103-aws", (5, 8)));
        assert!(!kernel_at_least("4.14.355-275.582.amzn2.x86_64", (5, 8)));
        assert!(!kernel_at_least("garbage", (5, 8)));
    }

    /// A batch defers the sync of files on the filesystems it opened, and
    /// only those; after its sync every rewrite commits whole.
    #[test]
    fn a_batch_defers_the_sync_of_its_own_filesystems_only() {
        let dir = tempfile::tempdir().unwrap();
        let mut prepared = Vec::new();
        let batch = Batch::new([dir.path().join("a.ipynb").as_path()]);
        for name in ["a.ipynb", "b.ipynb"] {
            let path = dir.path().join(name);
            fs::write(&path, b"old").unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
            let meta = fs::metadata(&path).unwrap();
            let covered = syncfs_reports_errors()
                && filesystem(dir.path()).is_some_and(|kind| kind.syncs_whole());
            assert_eq!(batch.defers(meta.dev()), covered);
            assert!(!batch.defers(meta.dev() + 1));
            prepared.push(prepare(&path, name.as_bytes(), &meta, Some(&batch)).unwrap());
        }
        assert!(batch.sync().is_empty());
        for rewrite in prepared {
            rewrite.commit().unwrap();
        }
        for name in ["a.ipynb", "b.ipynb"] {
            let path = dir.path().join(name);
            assert_eq!(fs::read(&path).unwrap(), name.as_bytes());
            assert_eq!(fs::metadata(&path).unwrap().mode() & 0o7777, 0o640);
        }
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 2, "a temporary file was left: {left:?}");
    }
}
