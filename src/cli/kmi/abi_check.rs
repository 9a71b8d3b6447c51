//! `kmi abi-check OLD NEW`: the symbol-level check distributions run to
//! decide whether a kernel build changes the module ABI.

use crate::abi_check as check;
use crate::abi_check::ignore::IgnoreRules;
use crate::abi_check::report::{AbiReport, json_value, write_json, write_text};
use crate::compare::ChangeKind;
use crate::compare::explain::{Explained, explain};
use crate::error::{Error, Result};
use crate::read::kernel::{ReadOptions, TypeSource};
use crate::read::source::{Needs, Source};
use crate::report::PageFormat;
use rustc_hash::FxHashSet;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Compare the exports of two kernel builds symbol by symbol: removed, CRC changed, \
now GPL-only and namespace changed break modules built for OLD; added and moved symbols do not.\n\n\
OLD and NEW are each a kernel tree (a directory with vmlinux and modules below it), a modules \
directory with --vmlinux1/--vmlinux2, a lone vmlinux, a kmi dump, or a Module.symvers file. \
Without a vmlinux on both sides the modules alone are compared (with a warning); without one on \
one side only is an error. An installed kernel may be named by its release, `running`, or its \
/lib/modules/RELEASE directory (see --root).\n\n\
Exit status: 0 no change, 4 only compatible changes, 12 breaking changes, 1 error, 2 usage error. \
Ignored changes are listed but do not count.\n\n\
Examples:\n  \
kmi abi-check old/Module.symvers new/Module.symvers\n  \
kmi abi-check --ignore accepted.txt 6.1.0-55-cloud-amd64 running      (installed kernels)\n  \
kmi abi-check --explain --format html -o check.html old.kmi linux/"
)]
pub struct Args {
    /// The reference build: kernel tree, modules dir with --vmlinux1, vmlinux, kmi dump or Module.symvers
    pub old: PathBuf,
    /// The new build
    pub new: PathBuf,
    #[command(flatten)]
    pub kernels: crate::cli::TwoKernels,
    /// Where --explain reads types from: DWARF where a binary has it and BTF
    /// otherwise (auto), or only one of them
    #[arg(long, value_enum, default_value_t = TypeSource::Auto)]
    pub types: TypeSource,
    /// Accepted changes: lines `symbol GLOB` or `module GLOB`, `#` comments; repeatable
    #[arg(long = "ignore", value_name = "FILE")]
    pub ignore: Vec<PathBuf>,
    /// Explain each CRC change by the type change behind it (trees with debug info, or dumps, on both sides)
    #[arg(long)]
    pub explain: bool,
    /// Report format: text, json (kmi-abi-check/2) or html (one
    /// self-contained page)
    #[arg(long, value_enum, default_value_t = PageFormat::Text)]
    pub format: PageFormat,
    /// Write the report to FILE instead of stdout (never one of the inputs)
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print each phase with its time on stderr
    #[arg(long)]
    pub verbose: bool,
}

pub fn run(args: &Args, out: &mut dyn Write) -> Result<i32> {
    let t0 = Instant::now();
    let rules = IgnoreRules::load(&args.ignore)?;
    let (old, new) = crate::cli::two_kernels(
        "kmi",
        &args.kernels.side(1, &args.old, &[], "OLD"),
        &args.kernels.side(2, &args.new, &[], "NEW"),
        Needs::Symbols,
    )?;
    if let Some(o) = &args.output {
        let mut inputs = old.paths();
        inputs.extend(new.paths());
        inputs.extend(args.ignore.iter().cloned());
        crate::cli::refuse_input_as_output(o, &inputs)?;
    }
    if args.explain && !(old.has_types() && new.has_types()) {
        return Err(Error::Usage(
            "--explain needs types on both sides (kernel trees with debug info, or kmi dumps), not Module.symvers"
                .into(),
        ));
    }
    let progress = crate::cli::stderr_is_terminal() && !args.verbose;
    let (a, b) = rayon::join(|| old.read_symbols(progress), || new.read_symbols(false));
    let (a, b) = (a?, b?);
    if args.verbose {
        say!(
            "kmi: read {} + {} exports in {:.2?}",
            a.len(),
            b.len(),
            t0.elapsed()
        );
    }

    let mut changes = check::compare(&a, &b, old.lacks().either(new.lacks()));
    let used = check::apply_ignores(&mut changes, &rules);

    let explanations = match (&old, &new) {
        (ta, tb) if args.explain => {
            let t1 = Instant::now();
            let names: Vec<String> = changes
                .iter()
                .filter(|c| c.kind == ChangeKind::CrcChanged)
                .map(|c| c.symbol.clone())
                .collect();
            let e = explain_trees(ta, tb, &names, progress, args.types)?;
            if args.verbose {
                say!(
                    "kmi: explained {} CRC changes in {:.2?}",
                    names.len(),
                    t1.elapsed()
                );
            }
            Some(e)
        }
        _ => None,
    };

    for (rule, n) in rules.rules.iter().zip(&used) {
        if *n == 0 {
            say!(
                "kmi: warning: {}: ignore rule '{}' matched no change",
                rule.origin(),
                rule.text()
            );
        }
    }
    let (la, lb) = (old.label(), new.label());
    let report = AbiReport {
        old: (&la, old.kind(), a.len()),
        new: (&lb, new.kind(), b.len()),
        changes: &changes,
        rules: &rules,
        used: &used,
        explanations: explanations.as_ref(),
    };
    let emit = |w: &mut dyn Write| match args.format {
        PageFormat::Text => write_text(&report, w),
        PageFormat::Json => write_json(&report, w),
        PageFormat::Html => crate::report::html::write_abi_check(&json_value(&report), w),
    };
    match &args.output {
        None => emit(out).map_err(Error::stdout)?,
        Some(p) => crate::cli::replace_file(p, emit)?,
    }
    Ok(check::exit_status(&changes))
}

/// Read both kernels again, this time with types but only for `names`, and
/// compare their types.
fn explain_trees(
    a: &Source,
    b: &Source,
    names: &[String],
    progress: bool,
    types: TypeSource,
) -> Result<Explained> {
    if names.is_empty() {
        return Ok(Default::default());
    }
    let opts = ReadOptions {
        whitelist: Some(names.iter().cloned().collect::<FxHashSet<String>>()),
        symbols_only: false,
        progress,
        types,
    };
    let (ra, rb) = rayon::join(|| a.read(&opts), || b.read(&opts));
    let (ga, _) = ra?;
    let (gb, _) = rb?;
    Ok(explain(&ga, &gb, names))
}
