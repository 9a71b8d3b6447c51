//! `kmi modcheck MODULE... --kernel KERNEL`: will these modules load into
//! that kernel, and if not, why? Without booting it.

use crate::error::{Error, Result};
use crate::modcheck::report::{exit_status, write_json, write_text};
use crate::modcheck::{KernelView, check_all, expand_inputs, explain_mismatches};
use crate::read::source::Source;
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
--vmlinux, a lone vmlinux, or a Module.symvers file.\n\n\
Exit status: 0 every module loads, 4 some module would not load, 1 error, 2 usage error."
)]
pub struct Args {
    /// Module files (.ko, .ko.xz, .ko.zst, .ko.gz) or directories of modules
    #[arg(required = true, value_name = "MODULE")]
    pub modules: Vec<PathBuf>,
    /// The kernel to load them into: tree, modules dir with --vmlinux, vmlinux, or Module.symvers
    #[arg(long, value_name = "KERNEL")]
    pub kernel: PathBuf,
    /// vmlinux of the kernel (--kernel is then its modules directory)
    #[arg(long, value_name = "PATH")]
    pub vmlinux: Option<PathBuf>,
    /// The kernel's vermagic, when it cannot be read from the kernel (Module.symvers)
    #[arg(long, value_name = "STRING")]
    pub vermagic: Option<String>,
    /// Explain each CRC mismatch by the type change behind it (debug info in the module and the kernel tree)
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
    let src = Source::resolve(&args.kernel, args.vmlinux.as_deref())?;
    if args.explain && matches!(src, Source::Symvers(_)) {
        return Err(Error::Usage(
            "--explain needs a kernel tree with debug info, not Module.symvers".into(),
        ));
    }
    let paths = expand_inputs(&args.modules)?;
    if paths.is_empty() {
        return Err(Error::Usage(
            "no module files found in the given directories".into(),
        ));
    }
    let progress = crate::cli::stderr_is_terminal() && !args.verbose;
    let kernel = KernelView::load(&src, args.vermagic.clone(), progress)?;
    if args.verbose {
        eprintln!(
            "kmi: kernel: {} exports, {} modules, read in {:.2?}",
            kernel.exports.len(),
            kernel.modules.len(),
            t0.elapsed()
        );
    }
    let t1 = Instant::now();
    let mut results = check_all(&paths, &kernel)?;
    if args.verbose {
        eprintln!(
            "kmi: checked {} modules in {:.2?}",
            results.len(),
            t1.elapsed()
        );
    }
    let types = if args.explain {
        let t2 = Instant::now();
        let t = explain_mismatches(&mut results, &kernel, progress)?;
        if args.verbose {
            eprintln!("kmi: explained CRC mismatches in {:.2?}", t2.elapsed());
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
