//! Command-line front ends. The binaries in `src/bin` only call `main` here,
//! so everything they do is testable as a library.

pub mod kmi;
pub mod kmidiff;

use crate::read::source::{KernelArg, Needs, Source, resolve_one, resolve_pair};
use std::io::IsTerminal;

/// Use `n` worker threads (0: one per core), at most one per core: the work
/// is CPU-bound, so more threads only add memory (each holds a file being
/// read, up to `--max-input-size`) and start-up time (`-j 100000` used to
/// spin for minutes). Larger stacks than rayon's default, since DWARF from
/// corrupt input may nest deeply.
pub fn init_threads(prog: &str, n: usize) {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let n = if n > cores {
        eprintln!("{prog}: note: -j {n} capped at the {cores} cores present");
        cores
    } else {
        n
    };
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .stack_size(16 << 20)
        .build_global();
}

/// Options every binary takes.
pub struct Globals {
    pub threads: usize,
    pub max_input_size: u64,
}

/// `--max-input-size`: bytes, or a number with K, M, G or T (binary units,
/// an optional "iB" or "B" after).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let t = t
        .strip_suffix("iB")
        .or_else(|| t.strip_suffix('B'))
        .unwrap_or(t);
    let (num, shift) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let shift = match c.to_ascii_uppercase() {
                'K' => 10,
                'M' => 20,
                'G' => 30,
                'T' => 40,
                _ => return Err(format!("unknown unit in '{s}' (use K, M, G or T)")),
            };
            (&t[..i], shift)
        }
        _ => (t, 0),
    };
    let n: u64 = num
        .trim()
        .parse()
        .map_err(|_| format!("not a size: '{s}' (e.g. 4G, 512M, 1000000)"))?;
    n.checked_mul(1u64 << shift)
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("size out of range: '{s}'"))
}

pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// The kernel a command of `prog` reads, by the one policy of
/// [`crate::read::source`], with its warning on stderr.
pub fn one_kernel(prog: &str, arg: &KernelArg<'_>, needs: Needs) -> crate::Result<Source> {
    let (s, warning) = resolve_one(arg, needs)?;
    if let Some(w) = warning {
        eprintln!("{prog}: warning: {w}");
    }
    Ok(s)
}

/// The two kernels a command of `prog` compares, by the same policy.
pub fn two_kernels(
    prog: &str,
    a: &KernelArg<'_>,
    b: &KernelArg<'_>,
    needs: Needs,
) -> crate::Result<(Source, Source)> {
    let (sa, sb, warning) = resolve_pair(a, b, needs)?;
    if let Some(w) = warning {
        eprintln!("{prog}: warning: {w}");
    }
    Ok((sa, sb))
}

/// The shared tail of every binary's `main`: parse, run with a buffered
/// stdout, map errors to one line on stderr and libabigail's exit codes.
pub fn main_with<A: clap::Parser>(
    name: &str,
    globals: impl Fn(&A) -> Globals,
    run: impl Fn(&A, &mut dyn std::io::Write) -> crate::Result<i32>,
) -> i32 {
    use std::io::Write;
    let args = match A::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ => 2,
            };
        }
    };
    let g = globals(&args);
    init_threads(name, g.threads);
    crate::read::file::set_max_input_size(g.max_input_size);
    let stdout = std::io::stdout();
    let mut lock = std::io::BufWriter::new(stdout.lock());
    let result = run(&args, &mut lock);
    for w in crate::read::file::take_warnings() {
        eprintln!("{name}: warning: {w}");
    }
    let code = match result {
        Ok(c) => c,
        Err(e) => {
            let _ = lock.flush();
            if !matches!(e, crate::Error::BrokenPipe) {
                eprintln!("{name}: {e}");
            }
            return e.exit_code();
        }
    };
    match lock.flush() {
        Ok(()) => code,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 141,
        Err(e) => {
            eprintln!("{name}: <stdout>: {e}");
            1
        }
    }
}

/// Write `path` through `write`, beside it first and renamed into place, so a
/// failed run never leaves a truncated file where a good one was (and the
/// output may be the very file that was just read).
pub fn replace_file(
    path: &std::path::Path,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> crate::Result<()> {
    use crate::Error;
    let err = |e: std::io::Error| Error::input(path, format!("cannot write: {e}"));
    let name = path
        .file_name()
        .ok_or_else(|| Error::input(path, "not a file name"))?;
    let tmp = path.with_file_name(format!(
        ".{}.tmp{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let res = (|| {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        write(&mut w)?;
        w.into_inner().map_err(|e| e.into_error())?.sync_all()
    })();
    match res.and_then(|()| std::fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(err(e))
        }
    }
}
