//! modcheck reports: a verdict line per module with one line per reason,
//! or JSON (`kmi-modcheck/1`).

use super::{
    KernelSummary, KernelView, ModuleResult, Note, Problem, VermagicSource, kernel_summary,
};
use crate::compare::explain::TypeChange;
use crate::report::explain::write_type_table;
use serde::Serialize;
use std::io::{self, Write};

pub const SCHEMA: &str = "kmi-modcheck/1";

/// 0 when every module loads, 4 otherwise.
pub fn exit_status(results: &[ModuleResult]) -> i32 {
    if results.iter().all(ModuleResult::loads) {
        0
    } else {
        4
    }
}

fn problem_line(p: &Problem) -> String {
    match p {
        Problem::VermagicMismatch { module, kernel } => {
            format!("vermagic mismatch: module '{module}', kernel '{kernel}'")
        }
        Problem::NoVermagic => "no vermagic in .modinfo: refused unless forced".into(),
        Problem::NoSymbolVersions => {
            "no symbol versions (__versions) but the kernel uses modversions: refused unless forced"
                .into()
        }
        Problem::UnknownSymbol { symbol } => {
            format!("unknown symbol: {symbol} (exported neither by vmlinux nor by a module)")
        }
        Problem::CrcMismatch {
            symbol,
            provider,
            expected,
            found,
            ..
        } => format!("CRC mismatch: {symbol} ({provider}): expected {expected}, found {found}"),
        Problem::GplOnly {
            symbol,
            provider,
            license,
        } => match license {
            Some(l) => format!(
                "GPL-only symbol: {symbol} ({provider}) used by a module with license '{l}'"
            ),
            None => {
                format!("GPL-only symbol: {symbol} ({provider}) used by a module with no license")
            }
        },
        Problem::NamespaceNotImported {
            symbol,
            provider,
            namespace,
        } => format!(
            "namespace not imported: {symbol} ({provider}) is in namespace {namespace}, the module has no import_ns={namespace}"
        ),
    }
}

fn note_line(n: &Note) -> String {
    match n {
        Note::ReleaseDiffers { module, kernel } => format!(
            "note: built for release {module}, the kernel is {kernel}: accepted, symbol CRCs are checked instead"
        ),
        Note::NoSymbolVersion { symbol, provider } => format!(
            "note: no symbol version for {symbol} ({provider}): the loader warns and goes on"
        ),
        Note::UnresolvedWeak { symbol } => {
            format!("note: weak symbol {symbol} is exported by nobody and stays NULL")
        }
        Note::MissingDependency { module } => {
            format!("note: depends on {module}, which is not a module of this kernel")
        }
    }
}

fn source_words(s: VermagicSource) -> &'static str {
    match s {
        VermagicSource::Option => "--vermagic",
        VermagicSource::Vmlinux => "vmlinux",
        VermagicSource::Modules => "the kernel's modules",
        VermagicSource::BannerAndConfig => "linux_banner and .config",
        VermagicSource::Unknown => "unknown",
    }
}

pub fn write_text(
    k: &KernelView,
    results: &[ModuleResult],
    types: Option<&[TypeChange]>,
    failures_only: bool,
    w: &mut dyn Write,
) -> io::Result<()> {
    let magic = match &k.vermagic {
        Some(m) => format!("vermagic '{m}' (from {})", source_words(k.vermagic_source)),
        None => "vermagic unknown, not checked (give it with --vermagic)".into(),
    };
    writeln!(
        w,
        "Kernel {}: {} exports, {} modules, {magic}",
        k.label,
        k.exports.len(),
        k.modules.len()
    )?;
    writeln!(w)?;
    for r in results {
        if failures_only && r.loads() {
            continue;
        }
        writeln!(
            w,
            "{}: {} ({})",
            r.name,
            if r.loads() { "loads" } else { "fails" },
            r.path
        )?;
        for p in &r.problems {
            writeln!(w, "  {}", problem_line(p))?;
            if let Problem::CrcMismatch {
                explanation: Some(e),
                ..
            } = p
            {
                for l in e.lines() {
                    writeln!(w, "    {l}")?;
                }
            }
        }
        for n in &r.notes {
            // Said once below: with a distribution kernel it is every module.
            if !matches!(n, Note::ReleaseDiffers { .. }) {
                writeln!(w, "  {}", note_line(n))?;
            }
        }
    }
    let fails = results.iter().filter(|r| !r.loads()).count();
    if !results.is_empty() && (!failures_only || fails > 0) {
        writeln!(w)?;
    }
    if let Some(t) = types {
        write_type_table(t, w)?;
    }
    let mut releases: Vec<(&str, &str)> = results
        .iter()
        .flat_map(|r| &r.notes)
        .filter_map(|n| match n {
            Note::ReleaseDiffers { module, kernel } => Some((module.as_str(), kernel.as_str())),
            _ => None,
        })
        .collect();
    releases.sort_unstable();
    for group in releases.chunk_by(|a, b| a == b) {
        let (module, kernel) = group[0];
        writeln!(
            w,
            "Note: {} built for release {module}, the kernel is {kernel}: accepted, symbol CRCs are checked instead",
            if group.len() == 1 {
                "1 module was".to_string()
            } else {
                format!("{} modules were", group.len())
            }
        )?;
    }
    writeln!(
        w,
        "{} {} checked: {} {}, {} {}",
        results.len(),
        if results.len() == 1 {
            "module"
        } else {
            "modules"
        },
        results.len() - fails,
        if results.len() - fails == 1 {
            "loads"
        } else {
            "load"
        },
        fails,
        if fails == 1 { "fails" } else { "fail" },
    )
}

/// Structs rather than maps keep the documented field order.
#[derive(Serialize)]
struct Summary {
    modules: usize,
    load: usize,
    fail: usize,
}

#[derive(Serialize)]
struct Doc<'a> {
    schema: &'static str,
    kernel: KernelSummary<'a>,
    modules: &'a [ModuleResult],
    summary: Summary,
    #[serde(skip_serializing_if = "Option::is_none")]
    changed_types: Option<&'a [TypeChange]>,
    exit_status: i32,
}

pub fn write_json(
    k: &KernelView,
    results: &[ModuleResult],
    types: Option<&[TypeChange]>,
    w: &mut dyn Write,
) -> io::Result<()> {
    let fails = results.iter().filter(|r| !r.loads()).count();
    let doc = Doc {
        schema: SCHEMA,
        kernel: kernel_summary(k),
        modules: results,
        summary: Summary {
            modules: results.len(),
            load: results.len() - fails,
            fail: fails,
        },
        changed_types: types,
        exit_status: exit_status(results),
    };
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}
