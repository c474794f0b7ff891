//! The floor under `nbscrub strip DIR`: the same file work with no JSON
//! work at all. Every notebook is read the way the command reads it, and
//! its first eighth (about what stripping keeps of an executed notebook:
//! outputs are 76 to 88% of the bytes of the benchmark corpora) is written
//! back atomically through the same temporary file, batch sync and rename.
//! What nbscrub takes beyond this is what parsing, stripping and writing
//! JSON cost; no stripper that keeps files whole can go below it.
//!
//!     cargo bench --bench strip_floor -- DIR
//!
//! DIR's notebooks are overwritten (with a prefix of themselves), so give it
//! a copy. `benches/strip.sh` times it beside the tools.

use std::cell::Cell;
use std::path::PathBuf;

use nbscrub::atomic;
use nbscrub::cmd::strip::read_notebook;
use nbscrub::inputs::walk;
use rayon::prelude::*;

/// As many files as `nbscrub strip` prepares before it renames them.
const ROUND: usize = 4096;

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: strip_floor DIR (its notebooks are overwritten)");
        std::process::exit(2);
    };
    let (files, errors) = walk::files(&[PathBuf::from(&dir)], &[".ipynb"]);
    if let Some(e) = errors.first() {
        eprintln!("strip_floor: {}: {}", e.path.display(), e.message);
        std::process::exit(2);
    }
    // The thread counts `nbscrub strip` picks: one per core in memory, more
    // where each file waits on a disk.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let in_memory = files
        .first()
        .and_then(|f| atomic::filesystem(f))
        .is_some_and(|k| k.in_memory());
    let threads = if in_memory {
        cores
    } else {
        (cores * 8).max(16)
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool");
    let dirs: Vec<PathBuf> = pool.install(|| {
        let mut dirs = Vec::new();
        for round in files.chunks(ROUND) {
            let batch = atomic::Batch::new(round.iter().map(PathBuf::as_path));
            let prepared: Vec<atomic::Prepared> = round
                .par_iter()
                .map(|path| {
                    // A buffer per thread, reused, as the command does.
                    thread_local! {
                        static BUFFER: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
                    }
                    let file = read_notebook(path, BUFFER.take()).expect("readable");
                    let kept = &file.bytes[..file.bytes.len() / 8];
                    let rewrite = atomic::prepare(&file.target, kept, &file.meta, Some(&batch))
                        .expect("written");
                    BUFFER.set(file.bytes.into_buffer());
                    rewrite
                })
                .collect();
            assert!(batch.sync().is_empty(), "the filesystem synced");
            dirs.par_extend(
                prepared
                    .into_par_iter()
                    .map(|rewrite| rewrite.commit().expect("renamed")),
            );
        }
        dirs
    });
    atomic::sync_dirs(dirs);
}
