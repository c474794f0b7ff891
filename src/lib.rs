//! nbscrub keeps Jupyter notebooks and committed datasets clean: it strips
//! cell outputs byte-for-byte the way nbstripout does, only much faster, and
//! finds secrets, PII and PHI.
//!
//! Data flows one way: `inputs` find files, `notebook` reads them faithfully,
//! `strip` changes them, `atomic` writes them back without ever leaving a
//! half-written file; `formats` turn files into text and tables, `detect`
//! finds what the rules describe in them, `report` shows it redacted.
//! `config` says, for each file, which settings apply.

pub mod atomic;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod detect;
pub mod formats;
pub mod git;
pub mod inputs;
pub mod interrupt;
pub mod notebook;
pub mod report;
pub mod scan;
pub mod strip;
pub mod sweep;

/// Stack for threads that parse and write notebooks: the recursive reader
/// and writer need about 8 KB a level in a debug build, up to
/// [`notebook::json::MAX_DEPTH`] levels.
pub const PARSE_STACK: usize = 16 << 20;

/// An I/O error as a short sentence, without Rust's "(os error 2)" suffix.
pub fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => {
            let text = e.to_string();
            match text.find(" (os error") {
                Some(i) => text[..i].to_owned(),
                None => text,
            }
        }
    }
}
