//! Command-line front ends. The binaries in `src/bin` only call `main` here,
//! so everything they do is testable as a library.

pub mod kmi;
pub mod kmidiff;

use std::io::IsTerminal;

/// Use `n` worker threads (0: one per core). Larger stacks than rayon's
/// default, since DWARF from corrupt input may nest deeply.
pub fn init_threads(n: usize) {
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .stack_size(16 << 20)
        .build_global();
}

pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}
