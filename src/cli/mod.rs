//! Command-line front ends. The binaries in `src/bin` only call `main` here,
//! so everything they do is testable as a library.

/// `eprintln!` for everything the binaries say on stderr: names in
/// warnings and notes come from files nobody here wrote, so their control
/// characters are escaped (an ESC or NUL could rewrite the terminal).
macro_rules! say {
    ($($t:tt)*) => {
        $crate::cli::say_line(&format!($($t)*))
    };
}

pub mod kmi;
pub mod kmidiff;

/// One message on stderr, control characters escaped but for the line
/// breaks the message itself makes.
pub fn say_line(s: &str) {
    eprintln!("{}", clean(s));
}

fn clean(s: &str) -> String {
    s.split('\n')
        .map(|l| crate::error::shown(&l))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod say_tests {
    #[test]
    fn control_characters_are_escaped_line_breaks_kept() {
        assert_eq!(
            super::clean("warning: imports 'a\u{1b}[2Jb\0'\nnext"),
            "warning: imports 'a\\u{1b}[2Jb\\u{0}'\nnext"
        );
    }
}

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
        say!("{prog}: note: -j {n} capped at the {cores} cores present");
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
    /// `--root`: where installed kernels are looked up.
    pub root: Option<std::path::PathBuf>,
}

impl Globals {
    /// From the options both binaries share (`-j`, `--max-input-size`,
    /// `--root`).
    pub fn new(
        threads: usize,
        max_input_size: Option<u64>,
        root: Option<&std::path::Path>,
    ) -> Self {
        Globals {
            threads,
            max_input_size: max_input_size.unwrap_or(crate::read::file::DEFAULT_MAX_INPUT),
            root: root.map(std::path::Path::to_path_buf),
        }
    }
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
    for n in crate::read::source::take_notes() {
        say!("{prog}: {n}");
    }
    if let Some(w) = warning {
        say!("{prog}: warning: {w}");
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
    for n in crate::read::source::take_notes() {
        say!("{prog}: {n}");
    }
    if let Some(w) = warning {
        say!("{prog}: warning: {w}");
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
    if let Some(r) = g.root {
        crate::read::installed::set_root(r);
    }
    let stdout = std::io::stdout();
    let mut lock = std::io::BufWriter::new(stdout.lock());
    let result = run(&args, &mut lock);
    for w in crate::read::file::take_warnings() {
        say!("{name}: warning: {w}");
    }
    let code = match result {
        Ok(c) => c,
        Err(e) => {
            let _ = lock.flush();
            if !matches!(e, crate::Error::BrokenPipe) {
                say!("{name}: {e}");
            }
            return e.exit_code();
        }
    };
    match lock.flush() {
        Ok(()) => code,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 141,
        Err(e) => {
            say!("{name}: <stdout>: {e}");
            1
        }
    }
}

/// Write `path` through `write`, beside it first and renamed into place, so a
/// failed run never leaves a truncated file where a good one was (and the
/// output may be the very file that was just read).
///
/// Only a regular file (or a new name) is replaced that way. A symbolic link
/// is followed, so the link stays and its target gets the output. A FIFO or
/// a character device (`/dev/null`, `/dev/stdout`, a terminal) is written to
/// directly: replacing it with a regular file would destroy it, and as root
/// that means a device node. Anything else (a directory, a block device, a
/// socket, a dangling link) is refused.
pub fn replace_file(
    path: &std::path::Path,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> crate::Result<()> {
    use crate::Error;
    use std::os::unix::fs::FileTypeExt;
    let err = |e: std::io::Error| Error::input(path, format!("cannot write: {e}"));
    let target;
    let path = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            target = std::fs::canonicalize(path).map_err(|_| {
                Error::input(
                    path,
                    "is a symbolic link to a file that does not exist: not writing through it",
                )
            })?;
            target.as_path()
        }
        _ => path,
    };
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::input(path, format!("cannot access: {e}"))),
        Ok(m) => {
            let t = m.file_type();
            if t.is_fifo() || t.is_char_device() {
                // No truncate: neither has a length, and O_TRUNC on a
                // terminal or FIFO is at best ignored.
                let res = (|| {
                    let f = std::fs::OpenOptions::new().write(true).open(path)?;
                    let mut w = std::io::BufWriter::new(f);
                    write(&mut w)?;
                    w.into_inner().map_err(|e| e.into_error()).map(drop)
                })();
                return res.map_err(err);
            }
            let what = if t.is_dir() {
                "is a directory"
            } else if t.is_block_device() {
                "is a block device"
            } else if t.is_socket() {
                "is a socket"
            } else if t.is_file() {
                ""
            } else {
                "is not a regular file"
            };
            if !what.is_empty() {
                return Err(Error::input(
                    path,
                    format!("{what}, not a file: not writing the output there"),
                ));
            }
        }
    }
    let name = path
        .file_name()
        .ok_or_else(|| Error::input(path, "not a file name"))?;
    let tmp = path.with_file_name(format!(
        ".{}.tmp{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let res = (|| {
        let file = temp::create(&tmp)?;
        let mut w = std::io::BufWriter::new(file);
        write(&mut w)?;
        w.into_inner().map_err(|e| e.into_error())?.sync_all()
    })();
    let res = res.and_then(|()| std::fs::rename(&tmp, path));
    temp::forget(&tmp);
    match res {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(err(e))
        }
    }
}

/// An output must not be one of the inputs: `-o report.json` on the report
/// being rendered would replace it with its own page.
pub fn refuse_input_as_output(
    output: &std::path::Path,
    inputs: &[impl AsRef<std::path::Path>],
) -> crate::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let Ok(o) = std::fs::metadata(output) else {
        return Ok(());
    };
    if !o.is_file() {
        return Ok(());
    }
    let real = std::fs::canonicalize(output).ok();
    for i in inputs.iter().map(AsRef::as_ref) {
        let Ok(m) = std::fs::metadata(i) else {
            continue;
        };
        // A file of a kernel tree (its vmlinux, a module) is an input too;
        // a report written beside them is not.
        let binary = output
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| {
                n == "vmlinux"
                    || [".ko", ".ko.xz", ".ko.zst", ".ko.gz", ".debug"]
                        .iter()
                        .any(|e| n.ends_with(e))
            });
        let within = binary
            && m.is_dir()
            && real
                .as_ref()
                .zip(std::fs::canonicalize(i).ok())
                .is_some_and(|(r, d)| r.starts_with(d));
        if (m.dev(), m.ino()) == (o.dev(), o.ino()) || within {
            return Err(crate::Error::Usage(format!(
                "the output {} is {} {}: not replacing it",
                output.display(),
                if within {
                    "a file of the input"
                } else {
                    "the input"
                },
                i.display()
            )));
        }
    }
    Ok(())
}

/// Temporary files that must not outlive the process, even when it is
/// stopped by SIGINT or SIGTERM (Ctrl-C, a CI timeout): a hidden
/// `.NAME.tmpPID` left beside the output would pile up, unseen, run after run.
mod temp {
    use std::path::{Path, PathBuf};
    use std::sync::{Mutex, Once};

    static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

    /// Create `path`, registered for removal on a signal. The handler is
    /// only installed by the first output file, so a run that writes none
    /// keeps the default behaviour of the signals.
    pub fn create(path: &Path) -> std::io::Result<std::fs::File> {
        static HANDLER: Once = Once::new();
        HANDLER.call_once(|| {
            use signal_hook::consts::{SIGINT, SIGTERM};
            // Without the handler a signal still stops the run; only the
            // cleanup is lost, so failing to install it is not fatal.
            if let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) {
                std::thread::spawn(move || {
                    if let Some(sig) = signals.forever().next() {
                        // Held until exit: no file is created after this.
                        let live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
                        for p in live.iter() {
                            let _ = std::fs::remove_file(p);
                        }
                        std::process::exit(128 + sig);
                    }
                });
            }
        });
        // Registered and created under the lock, so the handler either
        // sees the file or runs before it exists.
        let mut live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
        let f = std::fs::File::create(path)?;
        live.push(path.to_path_buf());
        Ok(f)
    }

    pub fn forget(path: &Path) {
        LIVE.lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|p| p != path);
    }
}

/// Where the vmlinux and its exports are for each of two kernels: the same
/// options for `kmidiff` and `kmi abi-check`.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct TwoKernels {
    /// vmlinux of the first kernel (KERNEL1 is then its modules directory):
    /// an ELF file or a boot image (vmlinuz)
    #[arg(long = "vmlinux1", visible_alias = "l1", value_name = "PATH")]
    pub vmlinux1: Option<std::path::PathBuf>,
    /// vmlinux of the second kernel
    #[arg(long = "vmlinux2", visible_alias = "l2", value_name = "PATH")]
    pub vmlinux2: Option<std::path::PathBuf>,
    /// System.map of the first kernel (from its -dbg package, or
    /// /proc/kallsyms): the exports of a vmlinux without ELF headers (an
    /// arm64 Image) are decoded with it; found beside the image when real
    #[arg(long = "system-map1", value_name = "FILE")]
    pub system_map1: Option<std::path::PathBuf>,
    /// System.map of the second kernel
    #[arg(long = "system-map2", value_name = "FILE")]
    pub system_map2: Option<std::path::PathBuf>,
    /// Module.symvers of the first kernel: the exports of a vmlinux without
    /// ELF headers when no System.map is at hand; found as
    /// MODULES/build/Module.symvers when not given
    #[arg(long = "symvers1", value_name = "FILE")]
    pub symvers1: Option<std::path::PathBuf>,
    /// Module.symvers of the second kernel
    #[arg(long = "symvers2", value_name = "FILE")]
    pub symvers2: Option<std::path::PathBuf>,
}

impl TwoKernels {
    /// Kernel `n` (1 or 2) of the pair, at `path`.
    pub fn side<'a>(
        &'a self,
        n: u8,
        path: &'a std::path::Path,
        debug_dirs: &'a [std::path::PathBuf],
        side: &'a str,
    ) -> crate::read::source::KernelArg<'a> {
        let (vmlinux, system_map, symvers, flag) = if n == 1 {
            (
                &self.vmlinux1,
                &self.system_map1,
                &self.symvers1,
                "--vmlinux1",
            )
        } else {
            (
                &self.vmlinux2,
                &self.system_map2,
                &self.symvers2,
                "--vmlinux2",
            )
        };
        crate::read::source::KernelArg {
            path,
            vmlinux: vmlinux.as_deref(),
            debug_dirs,
            system_map: system_map.as_deref(),
            symvers: symvers.as_deref(),
            vmlinux_flag: flag,
            side,
        }
    }
}
