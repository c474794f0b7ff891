//! Finding the files a command works on.

pub mod walk;
