//! nbscrub keeps Jupyter notebooks and committed datasets clean: it strips
//! cell outputs byte-for-byte the way nbstripout does, only much faster, and
//! (in later modules) finds secrets, PII and PHI.
//!
//! Data flows one way: `inputs` find files, `notebook` reads them faithfully,
//! `strip` changes them, `atomic` writes them back without ever leaving a
//! half-written file.

pub mod atomic;
pub mod cli;
pub mod cmd;
pub mod inputs;
pub mod notebook;
pub mod strip;
