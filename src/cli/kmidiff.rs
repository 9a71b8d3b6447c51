//! `kmidiff`: libabigail's command line, our engine.

use crate::compare::{NoFilter, TypeFilter, compare_kernels};
use crate::error::{Error, Result};
use crate::filter::allow::AllowList;
use crate::filter::{apply::SuppressionFilter, suppr::Suppressions, whitelist};
use crate::read::kernel::{ReadOptions, ReadReport, TypeSource};
use crate::read::source::{Needs, Source, SourceKind};
use crate::report::model::{Inputs, Side};
use crate::report::{self, Options, PageFormat, Units};
use clap::Parser;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(
    name = "kmidiff",
    about = "Compare the Kernel Module Interface of two Linux kernel builds",
    long_about = "Compare the Kernel Module Interface (exported symbols, their CRCs, export flavour, \
namespace, module, and every type reachable from them) of two Linux kernel builds.\n\n\
Exit status: 0 no change, 1 error, 2 usage error, 4 ABI change, 12 (4|8) incompatible change \
(an exported symbol was removed).",
    after_help = "A kernel may also be named as installed: its release (6.1.0-56-cloud-amd64), \
`running`, or its /lib/modules/RELEASE directory; its vmlinux is then found under --root \
(default /): debug info in usr/lib/debug first, then boot/vmlinuz-RELEASE (BTF).\n\n\
Examples:\n  \
kmidiff --vmlinux1 v1/vmlinux --vmlinux2 v2/vmlinux v1/modules v2/modules\n  \
kmidiff -i 6.1.0-55-cloud-amd64 6.1.0-56-cloud-amd64           (two installed kernels)\n  \
kmidiff --format html -o report.html android/abi.stg out/dist/   (a GKI baseline against a build)",
    version,
    disable_version_flag = true
)]
pub struct Args {
    /// The first kernel: a tree (a directory holding vmlinux, the modules
    /// anywhere below it as *.ko[.xz|.zst|.gz]), a modules directory with
    /// --vmlinux1, a lone vmlinux, or a kmi dump (baseline)
    #[arg(value_name = "KERNEL1")]
    pub first_modules_dir: PathBuf,
    /// The second kernel, in any of the same forms (with --vmlinux2)
    #[arg(value_name = "KERNEL2")]
    pub second_modules_dir: PathBuf,
    #[command(flatten)]
    pub kernels: crate::cli::TwoKernels,
    /// Where types come from: DWARF where a binary has it and BTF otherwise
    /// (auto), or only one of them
    #[arg(long, value_enum, default_value_t = TypeSource::Auto)]
    pub types: TypeSource,
    /// Only compare the symbols listed in this INI file (sections ending in
    /// whitelist, stablelist or symbol_list); repeatable
    #[arg(long = "kmi-whitelist", short = 'w', value_name = "FILE")]
    pub whitelist: Vec<PathBuf>,
    /// Only compare the symbols this STG filter expression selects: globs,
    /// ':FILE' symbol lists, '!', '&', '|' and parentheses (as `stg -S`);
    /// with -w, both apply
    #[arg(long = "symbol-filter", value_name = "EXPR")]
    pub symbol_filter: Option<String>,
    /// libabigail suppression specification file; repeatable. `kmi
    /// suppressions keys` lists the sections and keys it may use
    #[arg(long = "suppressions", visible_alias = "suppr", value_name = "FILE")]
    pub suppressions: Vec<PathBuf>,
    /// Approved changes ('symbol NAME KIND' or 'type NAME KIND' per line, #
    /// reason): still reported, marked approved, but they set no exit bits;
    /// entries matching no change are listed as stale; repeatable
    #[arg(long = "allow", value_name = "FILE")]
    pub allow: Vec<PathBuf>,
    /// Where to find split debug info of the first kernel
    #[arg(long = "debug-info-dir1", visible_alias = "d1", value_name = "DIR")]
    pub debug_info_dir1: Vec<PathBuf>,
    /// Where to find split debug info of the second kernel
    #[arg(long = "debug-info-dir2", visible_alias = "d2", value_name = "DIR")]
    pub debug_info_dir2: Vec<PathBuf>,
    /// List the interfaces impacted by each changed type
    #[arg(long = "impacted-interfaces", short = 'i')]
    pub impacted: bool,
    /// Show the full change tree of each changed interface
    #[arg(long = "full-impact", short = 'f')]
    pub full: bool,
    /// Show sizes and offsets in bytes (default)
    #[arg(long = "show-bytes")]
    pub show_bytes: bool,
    /// Show sizes and offsets in bits
    #[arg(long = "show-bits")]
    pub show_bits: bool,
    /// Show numbers in hexadecimal (default)
    #[arg(long = "show-hex")]
    pub show_hex: bool,
    /// Show numbers in decimal
    #[arg(long = "show-dec")]
    pub show_dec: bool,
    /// Report format: text (libabigail's), json (kmidiff-report/2) or html
    /// (one self-contained page to browse)
    #[arg(long, value_enum, default_value_t = PageFormat::Text)]
    pub format: PageFormat,
    /// Write the report to FILE instead of stdout (replaced only once the
    /// report is complete; never one of the inputs)
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// JSON schema version: 2 (kmidiff-report/2, the default: every change
    /// with its path, old and new symbols) or 1 (kmidiff-report/1, which
    /// lacks changes below unnamed types)
    #[arg(long = "json-schema", value_name = "N", default_value_t = 2,
          value_parser = clap::value_parser!(u8).range(1..=2))]
    pub json_schema: u8,
    /// Worker threads (0: one per core)
    #[arg(long, short = 'j', default_value_t = 0, value_name = "N")]
    pub threads: usize,
    /// Most bytes one input may decompress to (e.g. 4G); xz inputs get a
    /// quarter of it, text inputs an
    /// eighth [default: 2G]
    #[arg(long, value_name = "SIZE", value_parser = crate::cli::parse_size)]
    pub max_input_size: Option<u64>,
    /// Where a kernel named by its release (or `running`) is looked up: an
    /// unpacked package, a chroot, a mounted image [default: /]
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Print each phase with its time and counts on stderr
    #[arg(long)]
    pub verbose: bool,
    /// Print the version and exit
    #[arg(long, short = 'v', action = clap::ArgAction::Version)]
    pub version: Option<bool>,
}

/// A binary with debug info on one side only (a `-dbg` tree against a
/// plain one) has its exports compared by symbol alone: every type change
/// in it would go unseen, so this is said by default, not under --verbose.
fn warn_mixed_debug_info(a: &ReadReport, b: &ReadReport) {
    let one_sided = |x: &ReadReport, y: &ReadReport| -> Vec<String> {
        let with: rustc_hash::FxHashSet<&str> = y
            .modules_with_debug_info
            .iter()
            .map(String::as_str)
            .collect();
        x.modules_without_debug_info
            .iter()
            .filter(|m| with.contains(m.as_str()))
            .cloned()
            .collect()
    };
    let mut mixed = one_sided(a, b);
    mixed.extend(one_sided(b, a));
    mixed.sort();
    mixed.dedup();
    if let Some(first) = mixed.first() {
        say!(
            "kmidiff: warning: {} binaries have types (debug info or BTF) on one side only (e.g. {first}): their exports are compared by symbol only, type changes in them are not seen",
            mixed.len()
        );
    }
}

fn verbose_read(side: &str, r: &ReadReport) {
    let d = &r.dwarf;
    say!(
        "kmidiff: {side}: read {} binaries, {} exports in {:.2?} (thread time: ELF {:.2?}, DWARF {:.2?}); final merge {:.2?}",
        r.binaries,
        r.exports,
        r.read_time,
        r.elf_time,
        r.dwarf_time,
        r.merge_time
    );
    say!(
        "kmidiff: {side}: {:.1} MB of .debug_info, {} units, {} top-level DIEs, {} type DIEs, {} types before dedup, {} after",
        d.debug_info_bytes as f64 / 1e6,
        d.units,
        d.top_level_dies,
        d.type_dies,
        d.types_before_dedup,
        d.types_after_dedup
    );
    say!(
        "kmidiff: {side}: {} exports typed from a definition, {} from a declaration; untyped: {} in binaries without debug info, {} described by no DIE (assembler)",
        d.exports_with_type - d.exports_from_declaration,
        d.exports_from_declaration,
        r.untyped_no_debug_info,
        r.untyped_no_die
    );
    say!(
        "kmidiff: {side}: {} exports typed from DWARF, {} from BTF ({} binaries, in {:.2?}); untyped: {} in binaries without debug info or BTF, {} described by no DIE, {} not described by BTF (variables other than per-CPU ones, functions pahole left out), of which {} ambiguous (BTF has several functions of that name)",
        r.typed_dwarf,
        r.typed_btf,
        r.binaries_btf,
        r.btf_time,
        r.untyped_no_debug_info,
        r.untyped_no_die,
        r.untyped_not_in_btf,
        r.untyped_btf_ambiguous
    );
    say!(
        "kmidiff: {side}: skipped: {} unspecified types (void), {} global register variables, {} untyped variables, {} nameless DIEs, {} unknown DIE tags, {} unresolved references, {} unsupported relocations",
        d.unspecified_types,
        d.register_variables,
        d.untyped_variables,
        d.nameless_dies,
        d.unknown_tags,
        d.unresolved_refs,
        d.skipped_relocations
    );
    if !r.binaries_without_debug_info.is_empty() {
        say!(
            "kmidiff: {side}: {} binaries with exports but no debug info (symbol-level comparison only), e.g. {}",
            r.binaries_without_debug_info.len(),
            r.binaries_without_debug_info[0]
        );
    }
}

/// What a side's source does not record, so was not compared, in words.
fn not_compared(cmp: &crate::compare::Comparison<'_>) -> Option<String> {
    let l = cmp.lacks;
    let mut what = Vec::new();
    if l.flavour {
        what.push("export flavour (GPL-only)".to_string());
    }
    if l.modules {
        what.push("exporting modules".into());
    }
    if l.sizes {
        what.push("symbol sizes".into());
    }
    if l.types {
        what.push("types".into());
    }
    if l.bitfield_widths {
        what.push("bit-field widths".into());
    }
    if cmp.not_compared > 0 {
        what.push(format!(
            "{} symbols of one side that are neither functions nor variables (the other side's format does not record them)",
            cmp.not_compared
        ));
    }
    (!what.is_empty()).then(|| what.join(", "))
}

/// A kernel of the comparison as reports name it.
fn side(src: &Source, g: &crate::graph::Graph, rep: Option<&ReadReport>) -> Side {
    let kind = src.kind();
    let types = match (kind, rep) {
        _ if g.lacks.types => "none".to_string(),
        (SourceKind::Stg, _) => "STG baseline".into(),
        (SourceKind::Abixml, _) => "libabigail abixml".into(),
        (_, Some(r)) => match (r.typed_dwarf > 0, r.typed_btf > 0) {
            (true, true) => "DWARF and BTF".into(),
            (true, false) => "DWARF".into(),
            (false, true) => "BTF".into(),
            (false, false) => "none".into(),
        },
        _ if g.btf => "kmi dump (of BTF)".into(),
        _ => "kmi dump".into(),
    };
    let kind = serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    Side {
        kind,
        path: src.label(),
        release: rep.and_then(|r| r.release.clone()),
        types,
        vmlinux: src
            .binaries()
            .and_then(|b| b.vmlinux)
            .map(|p| p.display().to_string()),
    }
}

/// Run with parsed arguments, writing the report to `out`. Returns the exit status.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<i32> {
    let t0 = Instant::now();
    let (a_in, b_in) = crate::cli::two_kernels(
        "kmidiff",
        &args.kernels.side(
            1,
            &args.first_modules_dir,
            &args.debug_info_dir1,
            "the first kernel",
        ),
        &args.kernels.side(
            2,
            &args.second_modules_dir,
            &args.debug_info_dir2,
            "the second kernel",
        ),
        Needs::Types,
    )?;
    if let Some(o) = &args.output {
        let mut inputs = a_in.paths();
        inputs.extend(b_in.paths());
        for list in [&args.whitelist, &args.suppressions, &args.allow] {
            inputs.extend(list.iter().cloned());
        }
        crate::cli::refuse_input_as_output(o, &inputs)?;
    }
    let whitelist = if args.whitelist.is_empty() {
        None
    } else {
        Some(whitelist::load(&args.whitelist)?)
    };
    let suppressions = Suppressions::load(&args.suppressions)?;
    let allow = if args.allow.is_empty() {
        None
    } else {
        Some(AllowList::load(&args.allow)?)
    };
    for w in suppressions.warnings() {
        say!("kmidiff: warning: {w}");
    }
    let opts = ReadOptions {
        whitelist,
        symbols_only: false,
        progress: crate::cli::stderr_is_terminal() && !args.verbose,
        types: args.types,
    };
    let symbol_filter = args
        .symbol_filter
        .as_deref()
        .map(crate::filter::symbol_filter::Filter::parse)
        .transpose()?;
    let (ra, rb) = rayon::join(|| a_in.read(&opts), || b_in.read(&opts));
    let (mut ga, rep_a) = ra?;
    let (mut gb, rep_b) = rb?;
    if let Some(f) = &symbol_filter {
        let keep: rustc_hash::FxHashSet<String> = ga
            .symbols
            .iter()
            .chain(&gb.symbols)
            .filter(|s| f.matches(&s.name))
            .map(|s| s.name.clone())
            .collect();
        if keep.is_empty() {
            say!("kmidiff: warning: --symbol-filter selects none of the exports of either side");
        }
        ga = crate::dump::restrict(&ga, &keep);
        gb = crate::dump::restrict(&gb, &keep);
    }
    if let Some(wl) = &opts.whitelist
        && !ga
            .symbols
            .iter()
            .chain(&gb.symbols)
            .any(|s| wl.contains(&s.name))
    {
        // Most likely the list of another kernel or architecture: the
        // comparison then covers nothing and would pass silently.
        say!(
            "kmidiff: warning: none of the {} listed symbols is exported by either side",
            wl.len()
        );
    }
    if let (Some(a), Some(b)) = (&rep_a, &rep_b) {
        warn_mixed_debug_info(a, b);
    }
    for (side, g) in [("first", &ga), ("second", &gb)] {
        if g.lacks.types {
            say!(
                "kmidiff: warning: the {side} kernel is a baseline without types: its {} exports are compared by symbol only, their types are not compared",
                g.symbols.len()
            );
        }
    }
    let why = |r: &Option<ReadReport>| r.as_ref().and_then(ReadReport::no_types_reason);
    let exports = |r: &Option<ReadReport>| r.as_ref().map_or(0, |r| r.exports);
    let untyped = "are compared by symbol only, their types are not compared";
    match (why(&rep_a), why(&rep_b)) {
        // Both sides of a kernel built without either (Debian's s390x): one line.
        (Some(x), Some(y)) if x == y => say!(
            "kmidiff: warning: both kernels have {x}: their exports ({} and {}) {untyped}",
            exports(&rep_a),
            exports(&rep_b)
        ),
        (x, y) => {
            for (side, why, n) in [
                ("first", x, exports(&rep_a)),
                ("second", y, exports(&rep_b)),
            ] {
                if let Some(why) = why {
                    say!(
                        "kmidiff: warning: the {side} kernel has {why}: its {n} exports {untyped}"
                    );
                }
            }
        }
    }
    for w in [&rep_a, &rep_b]
        .into_iter()
        .flatten()
        .filter_map(ReadReport::skipped_relocations_warning)
    {
        say!("kmidiff: warning: {w}");
    }
    if args.verbose {
        for (side, g, rep) in [("first", &ga, &rep_a), ("second", &gb, &rep_b)] {
            match rep {
                Some(r) => verbose_read(side, r),
                None => say!(
                    "kmidiff: {side}: kmi dump: {} exports, {} types",
                    g.symbols.len(),
                    g.nodes.len()
                ),
            }
        }
        say!("kmidiff: reading both sides took {:.2?}", t0.elapsed());
    }

    let t1 = Instant::now();
    let filter: Box<dyn TypeFilter> = if suppressions.is_empty() {
        Box::new(NoFilter)
    } else {
        Box::new(SuppressionFilter::new(&suppressions))
    };
    let cmp = compare_kernels(&ga, &gb, filter.as_ref());
    let analysis = cmp.analyse();
    if args.verbose {
        say!(
            "kmidiff: compare: {} symbols vs {}, {} type pairs, {} changed, {} leaf types, in {:.2?}",
            ga.symbols.len(),
            gb.symbols.len(),
            cmp.diffs.diffs.len(),
            cmp.changed.iter().filter(|c| **c).count(),
            analysis.leaves.len(),
            t1.elapsed()
        );
        if let Some(what) = not_compared(&cmp) {
            say!("kmidiff: not compared: {what}");
        }
    }
    let t2 = Instant::now();
    let ropts = Options {
        units: Units {
            bits: args.show_bits && !args.show_bytes,
            hex: !args.show_dec || args.show_hex,
        },
        impacted: args.impacted,
    };
    let notes = allow
        .as_ref()
        .map(|l| l.apply(&cmp, &analysis, &args.allow));
    let inputs = || Inputs {
        old: side(&a_in, &ga, rep_a.as_ref()),
        new: side(&b_in, &gb, rep_b.as_ref()),
    };
    let emit = |w: &mut dyn Write| match args.format {
        PageFormat::Text => {
            report::text::write_annotated(&cmp, &analysis, &ropts, args.full, notes.as_ref(), w)
        }
        PageFormat::Json if args.json_schema == 2 => report::json::write_report(
            &report::json::report_v2(&cmp, &analysis, notes.as_ref(), Some(inputs())),
            w,
        ),
        PageFormat::Json => report::json::write_with(&cmp, &analysis, notes.as_ref(), w),
        PageFormat::Html => report::html::write_kmidiff(
            &report::json::report_v2(&cmp, &analysis, notes.as_ref(), Some(inputs())),
            w,
        ),
    };
    match &args.output {
        None => emit(out).map_err(Error::stdout)?,
        Some(path) => crate::cli::replace_file(path, emit)?,
    }
    for n in notes.iter().flat_map(|n| &n.stale) {
        say!(
            "kmidiff: warning: {}: stale --allow entry, matches no change: {}",
            n.origin(),
            n.rule
        );
    }
    if args.verbose {
        say!(
            "kmidiff: report written in {:.2?}; total {:.2?}",
            t2.elapsed(),
            t0.elapsed()
        );
    }
    Ok(notes.map_or_else(|| cmp.exit_code(), |n| n.exit_code))
}

pub fn main() -> i32 {
    crate::cli::main_with::<Args>(
        "kmidiff",
        |a| crate::cli::Globals::new(a.threads, a.max_input_size, a.root.as_deref()),
        |a, out| run(a, out),
    )
}
