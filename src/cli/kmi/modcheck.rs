//! `kmi modcheck MODULE... --kernel KERNEL`: will these modules load into
//! that kernel, and if not, why? Without booting it.

use crate::error::{Error, Result};
use crate::modcheck::report::{exit_status, write_json, write_text};
use crate::modcheck::{KernelView, check_all, explain_mismatches};
use crate::read::file;
use crate::read::source::{KernelArg, Needs};
use crate::report::Format;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Check, as the module loader would, whether each module loads into a kernel: \
vermagic, every undefined symbol exported by vmlinux or a module of the kernel, modversions CRCs, \
GPL-only symbols against the module's license, symbol namespaces against import_ns. Every reason \
a module would be refused is listed.\n\n\
KERNEL is a kernel tree (a directory with vmlinux and modules below it), a modules directory with \
--vmlinux (without it, the modules alone, with a warning), a lone vmlinux, a kmi dump, or a \
Module.symvers file, or an installed kernel: its release, `running` (the default), or its \
/lib/modules/RELEASE directory, found under --root: debug info, then boot/vmlinuz-RELEASE \
(BTF), then the headers' Module.symvers. A dump or symvers holds no vermagic: give it with \
--vermagic, or it is not checked.\n\n\
Exit status: 0 every module loads, 4 some module would not load, 1 error, 2 usage error.\n\n\
Examples:\n  \
kmi modcheck vendor.ko                                     (against the running kernel)\n  \
kmi modcheck vendor.ko --kernel 6.1.0-56-cloud-amd64 --root /srv/chroot\n  \
kmi modcheck --explain out/*.ko --kernel linux-6.1/"
)]
pub struct Args {
    /// Module files (.ko, .ko.xz, .ko.zst, .ko.gz) or directories of modules
    #[arg(required = true, value_name = "MODULE")]
    pub modules: Vec<PathBuf>,
    /// The kernel to load them into: tree, modules dir with --vmlinux,
    /// vmlinux, kmi dump, Module.symvers, or an installed kernel's release
    #[arg(long, value_name = "KERNEL", default_value = "running")]
    pub kernel: PathBuf,
    /// vmlinux of the kernel (--kernel is then its modules directory)
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
    /// The kernel's vermagic, when it cannot be read from the kernel (kmi dump, Module.symvers)
    #[arg(long, value_name = "STRING")]
    pub vermagic: Option<String>,
    /// Explain each CRC mismatch by the type change behind it (debug info in the module; a kernel tree with debug info, or a dump)
    #[arg(long)]
    pub explain: bool,
    /// List only the modules that would not load
    #[arg(long)]
    pub failures_only: bool,
    /// Report format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Print each phase with its time on stderr
    #[arg(long)]
    pub verbose: bool,
}

pub fn run(args: &Args, out: &mut dyn Write) -> Result<i32> {
    let t0 = Instant::now();
    let mut kernel = KernelArg::one(&args.kernel, args.vmlinux.as_deref(), &[]);
    kernel.symvers = args.symvers.as_deref();
    kernel.system_map = args.system_map.as_deref();
    let src = crate::cli::one_kernel("kmi", &kernel, Needs::Symbols)?;
    if args.explain && !src.has_types() {
        return Err(Error::Usage(
            "--explain needs the kernel's types (a tree with debug info, or a kmi dump), not Module.symvers"
                .into(),
        ));
    }
    let paths = file::module_files(&args.modules)?;
    let progress = crate::cli::stderr_is_terminal() && !args.verbose;
    let kernel = KernelView::load(&src, args.vermagic.clone(), progress)?;
    if args.verbose {
        say!(
            "kmi: kernel: {} exports, {} modules, read in {:.2?}",
            kernel.exports.len(),
            kernel.modules.len(),
            t0.elapsed()
        );
    }
    let t1 = Instant::now();
    let mut results = check_all(&paths, &kernel)?;
    if args.verbose {
        say!(
            "kmi: checked {} modules in {:.2?}",
            results.len(),
            t1.elapsed()
        );
    }
    let types = if args.explain {
        let t2 = Instant::now();
        let t = explain_mismatches(&mut results, &kernel, progress)?;
        if args.verbose {
            say!("kmi: explained CRC mismatches in {:.2?}", t2.elapsed());
        }
        Some(t)
    } else {
        None
    };
    match args.format {
        Format::Text => write_text(&kernel, &results, types.as_deref(), args.failures_only, out),
        Format::Json => write_json(&kernel, &results, types.as_deref(), out),
    }
    .map_err(Error::stdout)?;
    Ok(exit_status(&results))
}
