//! Ctrl-C and SIGTERM as a request to stop between files rather than in the
//! middle of one: a batch that holds prepared rewrites removes their
//! temporary files, and the sweeper finishes the notebook it is on.

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(signal: libc::c_int) {
    // A second signal is an impatient user, or a read that never returns
    // (a FIFO named like a notebook): end now, as an uncaught signal would.
    if REQUESTED.swap(true, Ordering::SeqCst) {
        // SAFETY: _exit is async-signal-safe.
        unsafe { libc::_exit(128 + signal) };
    }
}

/// From now on, the first SIGINT or SIGTERM sets the flag that
/// [`requested`] reads instead of ending the process; a second one ends it.
pub fn catch() {
    // SAFETY: the handler only stores to an atomic, which is
    // async-signal-safe.
    unsafe {
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
    }
}

/// Whether a stop was asked for since [`catch`].
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}
