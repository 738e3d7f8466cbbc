//! What a packed charm's `dispatch` is: the wasmcharm host without its compiler, so that
//! a hook maps the charm's precompiled code and runs it with the least start-up work.
//! A charm not yet compiled for this machine is handed to the full `wasmcharm`.
//!
//! `main` is the C entry point itself: Rust's usual start-up finds the main thread's
//! stack guard by reading and parsing /proc/self/maps, a twentieth of a hook's work here,
//! for a check the host does not need (a stack overflow in the host still faults).

#![no_main]

use std::ffi::{c_char, c_int};

#[unsafe(no_mangle)]
extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
    // As Rust's own start-up does: a hook tool that exits early must give the host
    // EPIPE on its next write, not kill it.
    // SAFETY: setting a signal's disposition to ignore, before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    // A panic must not unwind out of a C function (that aborts, with no flush and a
    // core): the hook fails with 101, as a Rust `main` that panics does.
    let code = std::panic::catch_unwind(wasmcharm::cli::hot_main).map_or(101, c_int::from);
    // Rust's start-up would flush stdout at exit; a guest's last line may lack its newline.
    let _ = std::io::Write::flush(&mut std::io::stdout());
    code
}
