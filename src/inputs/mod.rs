//! Finding the files a command works on.

pub mod files;
pub mod read;
pub mod walk;
