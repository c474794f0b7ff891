//! What each subcommand does, between the command line and the library.

pub mod config;
pub mod hook;
pub mod install;
pub mod rules;
pub mod scan;
pub mod setup;
pub mod strip;
pub mod sweep;

/// A process exit status: 0 clean, 1 findings or changes needed, 2 errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Clean = 0,
    Changes = 1,
    Error = 2,
}
