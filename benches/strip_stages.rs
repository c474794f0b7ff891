//! Where an in-memory strip spends its time, stage by stage, without the
//! process start-up, file system and scheduling noise of `benches/strip.sh`:
//! the figures that tell whether a change to the parser, the stripper or the
//! writer helped.
//!
//!     cargo bench --bench strip_stages -- [DIR] [FILES] [ROUNDS]
//!
//! DIR defaults to the generated corpus that `benches/strip.sh` leaves in
//! `target/bench-corpus/nb`; FILES (default 400) notebooks are read from it,
//! ROUNDS (default 9) times each. Every stage starts from a copy of the
//! file's bytes into a reused buffer, as the CLI's read does, and adds one
//! step: read (parse and check), strip, write. The best round of each stage
//! is printed, in ms and in MB/s of input.

use std::path::PathBuf;
use std::time::Instant;

use nbscrub::inputs::walk;
use nbscrub::notebook::Notebook;
use nbscrub::strip::{StripOptions, strip};

const STAGES: [&str; 4] = ["copy", "+read", "+strip", "+write"];

/// Runs the pipeline up to `stage` on one notebook; returns a number that
/// depends on the work, so that none of it is optimised away.
fn run(stage: usize, buffer: &[u8], options: &StripOptions) -> usize {
    if stage == 0 {
        return buffer[buffer.len() / 2] as usize;
    }
    let (mut nb, _) = Notebook::read(buffer).expect("the corpus holds notebooks");
    if stage == 1 {
        return nb.major as usize;
    }
    let changed = strip(&mut nb, options).expect("strips");
    if stage == 2 {
        return usize::from(changed);
    }
    nb.to_nbformat().expect("writes").len()
}

fn main() {
    // `cargo bench` passes `--bench` first; what follows `--` is ours.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let dir = args
        .first()
        .map_or("target/bench-corpus/nb", String::as_str);
    let count: usize = args.get(1).map_or(400, |a| a.parse().expect("FILES"));
    let rounds: usize = args.get(2).map_or(9, |a| a.parse().expect("ROUNDS"));
    // The walk `nbscrub strip DIR` does, sorted.
    let (paths, _) = walk::files(&[PathBuf::from(dir)], &[".ipynb"]);
    if paths.is_empty() {
        eprintln!("no notebooks under {dir}: run benches/strip.sh once, or name a directory");
        std::process::exit(2);
    }
    let files: Vec<Vec<u8>> = paths
        .iter()
        .take(count)
        .map(|p| std::fs::read(p).expect("readable"))
        .collect();
    let bytes: usize = files.iter().map(Vec::len).sum();
    let options = StripOptions::default();
    let mut buffer = Vec::new();
    let mut best = [f64::MAX; STAGES.len()];
    let mut sink = 0usize;
    for _ in 0..rounds {
        for (stage, best) in best.iter_mut().enumerate() {
            let start = Instant::now();
            for file in &files {
                buffer.clear();
                buffer.extend_from_slice(file);
                sink = sink.wrapping_add(run(stage, &buffer, &options));
            }
            *best = best.min(start.elapsed().as_secs_f64());
        }
    }
    println!(
        "{} notebooks, {:.1} MB, best of {rounds} rounds (checksum {sink})",
        files.len(),
        bytes as f64 / 1e6
    );
    for (name, seconds) in STAGES.iter().zip(best) {
        println!(
            "{name:>7}: {:7.1} ms {:7.0} MB/s",
            seconds * 1e3,
            bytes as f64 / 1e6 / seconds
        );
    }
}
