//! SIGINT (Ctrl-C), SIGTERM and SIGHUP end a simulation cleanly: the handler sets a flag that
//! the run loop checks after every window, the run stops, and its outputs (still under
//! temporary names) are removed instead of committed. A second signal ends the process at once.
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// Exit status of a process ended by a second signal (128 + SIGINT, as shells report it).
const EXIT_ON_SECOND_SIGNAL: i32 = 130;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static HANDLER: OnceLock<Result<(), String>> = OnceLock::new();

/// The flag the signal handler sets, with the handler installed on first use (once per
/// process). Without a handler (another one owns the signals) the flag is never set and a
/// signal ends the process as it would have: the error says so.
pub(super) fn flag() -> Result<&'static AtomicBool, String> {
    HANDLER
        .get_or_init(|| {
            ctrlc::set_handler(|| {
                if INTERRUPTED.swap(true, Ordering::SeqCst) {
                    std::process::exit(EXIT_ON_SECOND_SIGNAL);
                }
            })
            .map_err(|e| format!("cannot handle interrupts: {e}"))
        })
        .clone()
        .map(|()| &INTERRUPTED)
}

/// Whether a signal came.
pub(super) fn requested(flag: &AtomicBool) -> bool {
    flag.load(Ordering::SeqCst)
}
