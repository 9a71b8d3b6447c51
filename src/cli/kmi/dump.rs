//! `kmi dump KERNEL -o FILE`: write a kernel's KMI to a baseline file.

use crate::dump;
use crate::error::{Error, Result};
use crate::filter::whitelist;
use crate::graph::Graph;
use crate::read::kernel::{ReadOptions, TypeSource};
use crate::read::source::{KernelArg, Needs};
use rustc_hash::FxHashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(clap::Args, Debug)]
#[command(
    long_about = "Write a kernel's KMI (every export with its CRC, export flavour, \
namespace, module, size and location, and every type reachable from the exports) to a \
baseline file in the kmi-dump format (text, one type per line, content-derived ids, \
byte-identical for the same input). kmidiff accepts such a file in place of a kernel.",
    after_help = "Examples:\n  \
kmi dump /lib/modules/6.1.0-56-cloud-amd64 -o 6.1.0-56.kmi.gz   (an installed kernel)\n  \
kmi dump -w android/abi_symbol_list out/dist/ -o baseline.kmi\n  \
kmi dump linux/vmlinux -o - | less"
)]
pub struct Args {
    /// The kernel: a tree (a directory holding vmlinux and, anywhere below
    /// it, the modules), a modules directory with --vmlinux (without it, the
    /// modules alone, with a warning), a lone vmlinux, or a kmi dump (to
    /// narrow it with -w, or to rewrite it)
    #[arg(value_name = "KERNEL")]
    pub kernel: PathBuf,
    /// Output file; '-' writes to stdout; a name ending in .gz is gzipped
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,
    /// vmlinux of the kernel, when it is not KERNEL/vmlinux
    #[arg(long, value_name = "PATH")]
    pub vmlinux: Option<PathBuf>,
    /// The kernel's System.map (from its -dbg package, or /proc/kallsyms):
    /// the exports of a vmlinux without ELF headers (an arm64 Image) are
    /// decoded with it
    #[arg(long = "system-map", value_name = "FILE")]
    pub system_map: Option<PathBuf>,
    /// The kernel's Module.symvers: the exports of a vmlinux without ELF
    /// headers when no System.map is at hand
    #[arg(long, value_name = "FILE")]
    pub symvers: Option<PathBuf>,
    /// Where types come from: DWARF where a binary has it and BTF otherwise
    /// (auto), or only one of them
    #[arg(long, value_enum, default_value_t = TypeSource::Auto)]
    pub types: TypeSource,
    /// Dump only the symbols of this list (Android symbol list, libabigail
    /// whitelist or one symbol per line) and the types they reach; repeatable
    #[arg(long = "kmi-whitelist", short = 'w', value_name = "LIST")]
    pub whitelist: Vec<PathBuf>,
    /// Where to find split debug info (repeatable)
    #[arg(long = "debug-info-dir", visible_alias = "d", value_name = "DIR")]
    pub debug_info_dir: Vec<PathBuf>,
    /// Print what was read and how long it took on stderr
    #[arg(long)]
    pub verbose: bool,
}

/// The kernel of `args`, narrowed to `list`.
fn read_kernel_arg(args: &Args, list: Option<&FxHashSet<String>>) -> Result<Graph> {
    let mut kernel = KernelArg::one(&args.kernel, args.vmlinux.as_deref(), &args.debug_info_dir);
    kernel.symvers = args.symvers.as_deref();
    kernel.system_map = args.system_map.as_deref();
    let src = crate::cli::one_kernel("kmi", &kernel, Needs::Types)?;
    let opts = ReadOptions {
        whitelist: list.cloned(),
        symbols_only: false,
        progress: crate::cli::stderr_is_terminal() && !args.verbose,
        types: args.types,
    };
    let (g, report) = src.read(&opts)?;
    if let Some(w) = report
        .as_ref()
        .and_then(|r| r.skipped_relocations_warning())
    {
        say!("kmi: warning: {w}");
    }
    if args.verbose
        && let Some(r) = report
    {
        say!(
            "kmi: read {} binaries, {} exports in {:.2?} ({} types after dedup); {} without debug info",
            r.binaries,
            r.exports,
            r.read_time,
            r.dwarf.types_after_dedup,
            r.binaries_without_debug_info.len()
        );
    }
    Ok(g)
}

fn write_file(g: &Graph, path: &Path) -> Result<()> {
    crate::cli::replace_file(path, |w| {
        if path.extension().is_some_and(|e| e == "gz") {
            // A fixed header (no name, no time) keeps the bytes reproducible.
            let mut z = flate2::write::GzEncoder::new(w, flate2::Compression::default());
            dump::write(g, &mut z)?;
            z.finish().map(drop)
        } else {
            dump::write(g, w)
        }
    })
}

pub fn run(args: &Args, out: &mut dyn Write) -> Result<i32> {
    let t0 = Instant::now();
    let list = if args.whitelist.is_empty() {
        None
    } else {
        Some(whitelist::load(&args.whitelist)?)
    };
    let g = read_kernel_arg(args, list.as_ref())?;
    if let Some(l) = &list
        && g.symbols.is_empty()
    {
        // Such a dump would hold only its header, which no reader accepts.
        return Err(Error::input(
            &args.kernel,
            format!(
                "exports none of the {} listed symbols: nothing to dump",
                l.len()
            ),
        ));
    }
    let t1 = Instant::now();
    if args.output.as_os_str() == "-" {
        dump::write(&g, out).map_err(Error::stdout)?;
    } else {
        write_file(&g, &args.output)?;
    }
    if args.verbose {
        say!(
            "kmi: dump: {} symbols ({} types in the graph) read in {:.2?}, written in {:.2?}",
            g.symbols.len(),
            g.nodes.len(),
            t1 - t0,
            t1.elapsed()
        );
    }
    Ok(0)
}
